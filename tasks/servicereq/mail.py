"""A kept client mail becomes a service request, with the lead's confirmation.

The project mailbox keeps a client's message that is neither a returned document nor a task
book (``MailboxMessage``); ``from_mail`` turns one into a service request when the lead says
so (``changeflow service from-mail ID --confirm``): the sender is the requester, the subject
the title, the kept text (when the mailbox keeps it) the description. One message makes at
most one request (the unique ``mail_id``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from changeflow.db.clientmail import MailboxMessage
from changeflow.db.servicereq import ServiceRequest
from changeflow.db.session import transaction
from changeflow.errors import InputError, NotFoundError

from .desk import new_service

BODY_KEYS = ("body", "text", "plain")


def kept_text(msg: MailboxMessage) -> str:
    for name in BODY_KEYS:
        value = getattr(msg, name, None) or (msg.data or {}).get(name)
        if value:
            return str(value)
    return ""


def from_mail(
    message_id: int,
    *,
    category: str,
    confirmed_by: str,
    urgent: bool = False,
    contract: str | None = None,
    department: str = "",
    engineer: str | None = None,
) -> dict[str, Any]:
    """Make a service request of kept client message ``message_id`` (the lead confirms)."""
    source = f"mailbox message {message_id}"
    if not (confirmed_by or "").strip():
        raise InputError(source, "confirmed_by", "the lead confirms turning a mail into a request")
    with transaction() as s:
        msg = s.get(MailboxMessage, int(message_id))
        if msg is None:
            raise NotFoundError(f"no mailbox message {message_id} (see: changeflow mailbox)")
        if msg.request_key or msg.attachment:
            raise InputError(
                source, "message", "is a returned document or task book, not a client question"
            )
        done = s.scalar(select(ServiceRequest.key).where(ServiceRequest.mail_id == msg.id))
        if done:
            raise InputError(source, "message", f"already made service request {done}")
        view = new_service(
            category=category,
            title=msg.subject or "(no subject)",
            description=kept_text(msg),
            requester=msg.sender,
            department=department,
            urgent=urgent,
            contract=contract,
            engineer=engineer,
            channel="mail",
            received_at=msg.claimed_at,
            mail_id=msg.id,
            actor=confirmed_by.strip(),
            session=s,
        )
        return view
