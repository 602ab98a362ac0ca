"""A kept client mail becomes a service request, with the lead's confirmation.

The project mailbox keeps a client's message that is neither a returned document nor a task
book (``MailboxMessage``); ``from_mail`` turns one into a service request when the lead says
so (``changeflow service from-mail ID --confirm``): the sender is the requester, the subject
the title, the kept text (when the mailbox keeps it) the description. One message makes at
most one request (the unique ``mail_id``).

The requester confirms a done request by replying (``confirm_by_reply``): a mail naming the
request's key in its subject whose own words say it is solved (确认 / 已解决 / confirmed …).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from changeflow.db.clientmail import MailboxMessage
from changeflow.db.servicereq import ServiceRequest
from changeflow.db.session import transaction
from changeflow.errors import InputError, NotFoundError

from .desk import confirm_service, new_service

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


# --- the requester's confirmation by mail reply -------------------------------------------

_FW = re.compile(r"\bFW-\d{4}-\d{4}\b", re.IGNORECASE)
# a reply that says it is not solved is never read as a confirmation (checked first)
NOT_WORDS = ("未解决", "没有解决", "没解决", "不能", "不行", "仍然", "还是不", "不确认", "无法",
             "有问题", "not ", "n't", "still", "unable", "cannot", "problem")  # fmt: skip
YES_WORDS = ("确认", "已解决", "解决了", "同意", "没问题", "可以了", "好了", "confirm",
             "confirmed", "resolved", "works", "fixed", "ok")  # fmt: skip
_QUOTE_START = re.compile(
    r"^(>|-{2,}\s*(原始邮件|Original Message)|在.*写道[:：]|On .* wrote:|From:|发件人[:：])",
    re.IGNORECASE,
)


def own_words(text: str) -> str:
    """The reply's own text: up to the quoted mail it answers."""
    out = []
    for line in (text or "").splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        out.append(line)
    return "\n".join(out).strip()


def confirmation_of(subject: str, text: str) -> tuple[str, str] | None:
    """(the FW key in the subject, the reply's words) when the reply confirms the work;
    None for anything else (no key, or words that do not say it is solved)."""
    m = _FW.search(subject or "")
    if m is None:
        return None
    words = own_words(text)
    low = words.lower()
    if not words or any(w in low for w in NOT_WORDS):
        return None
    if not any(re.search(rf"\b{w}\b", low) if w.isascii() else w in low for w in YES_WORDS):
        return None
    return m.group(0).upper(), words


def confirm_by_reply(
    subject: str,
    text: str,
    *,
    client_id: int | None,
    by: str,
    at: datetime,
    evidence_sha256: str,
    actor: str,
) -> dict[str, Any] | None:
    """A requester's mail reply confirming a done service request (``FW-…`` in its subject,
    words that say it is solved, from a contact of the request's client): recorded as
    confirmed ``via mail`` with the message's sha256 on its audit event; its worked time
    now counts in the service days. None when the mail is no such confirmation (it is
    then kept for the lead like any other)."""
    from changeflow.db.types import utcnow

    found = confirmation_of(subject, text)
    if found is None:
        return None
    key, words = found
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest).where(ServiceRequest.key == key))
        if sr is None or sr.state != "done" or sr.contract.client_id != client_id:
            return None
        assert sr.done_at is not None
        when = min(max(at, sr.done_at), utcnow())
        return confirm_service(
            key, by=by, via="mail", note=words.splitlines()[0][:300], at=when, actor=actor,
            evidence_sha256=evidence_sha256, session=s,
        )  # fmt: skip
