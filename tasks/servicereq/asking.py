"""A request done, the requester asked by mail to confirm it (请确认): the mail names the
request's key in its subject, so the requester's reply (确认 / 已解决 …) is recorded by the
mailbox as the confirmation (``mail.confirm_by_reply``).

The requester's address: the requester when it is one (a request made of a mail), else the
contact of the request's client of that name. Sent once per request (idempotency key
``service-done:<key>``), after the done is committed: a mail that cannot be sent never
undoes it, it is said in one line (``confirm_mail``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from changeflow.db.models import Person
from changeflow.db.session import transaction
from changeflow.errors import ChangeflowError, MailNotSetUp

from .desk import finish_service, load_service


def requester_address(key: str) -> str | None:
    with transaction() as s:
        sr = load_service(s, key)
        who = (sr.requester or "").strip()
        if not who:
            return None
        p = s.scalar(
            select(Person).where(
                Person.client_id == sr.contract.client_id,
                (func.lower(Person.email) == who.lower()) | (Person.name == who),
            )
        )
        if p is not None and p.email:
            return p.email
        return who if "@" in who else None


def ask_confirmation(view: dict[str, Any]) -> str:
    """Mail the requester that ``view``'s request is done, asking them to reply to confirm;
    one line saying what happened."""
    from ..mail import send_mail_result

    key = view["key"]
    to = requester_address(key)
    if to is None:
        return "requester has no mail address: confirm in the UI, by CLI or on a dispatch order"
    line = f"【请确认 Please confirm】{key} {view['title']}"
    body = (
        f"您好！\n\n您的服务请求 {key}「{view['title']}」已处理完成：\n  {view['resolution']}\n\n"
        "如确认已解决，请直接回复本邮件“确认”；如仍有问题，请回复说明。\n\n"
        f"---\nHello,\n\nyour service request {key} ({view['title']}) is done:\n"
        f"  {view['resolution']}\n\nReply \"confirmed\" to this mail if it is solved, or say"
        " what is still wrong."
    )
    try:
        res = send_mail_result([to], line, body, idempotency_key=f"service-done:{key}")
    except MailNotSetUp:
        return "mail not set up: the requester was not asked by mail"
    except ChangeflowError as exc:
        return f"the requester was not asked by mail: {exc}"
    return f"{res.status}: the requester ({to}) asked to confirm by reply"


def finish_and_ask(key: str, **kwargs: Any) -> dict[str, Any]:
    """``finish_service``, then the requester asked to confirm (``confirm_mail``)."""
    view = finish_service(key, **kwargs)
    view["confirm_mail"] = ask_confirmation(view)
    return view
