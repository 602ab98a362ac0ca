"""A client's mail without an attachment (a question, a remark, an objection): nothing a
client writes is lost. It is kept (the claim ends ``kept`` with the text, the request it
belongs to and the contract), filed in the kept folder, forwarded to our lead with the
request named, and the client gets a receipt (收到您的来信…). It is no failure of the pass.

The request it belongs to: the document mail it answers (In-Reply-To of our outgoing mail),
else a request key in its subject (CR-…), else, when the sender's client has exactly one
open request, that one; otherwise only the contract is named and our lead decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from changeflow.db.lifecycle import FINAL
from changeflow.db.models import Contract, Person, Request
from changeflow.db.session import transaction
from changeflow.errors import ChangeflowError, MailNotSetUp
from changeflow.settings import get_settings

MAX_TEXT = 8000  # characters of the client's words kept and forwarded


@dataclass
class Belongs:
    """What a kept mail belongs to, in words our lead reads."""

    key: str | None
    title: str
    contract: str
    lead_email: str | None
    lead_name: str
    how: str  # reply | subject | only-open | contract | none


def text_of(msg: Any) -> str:
    """The client's words: the plain part, else the HTML part without its tags."""
    import re

    text = (msg.text or "").strip()
    if not text and msg.html:
        text = re.sub(r"<[^>]+>", " ", msg.html)
        text = re.sub(r"[ \t]+", " ", text).strip()
    return text[:MAX_TEXT]


def _lead_of(contract: Contract | None) -> tuple[str | None, str]:
    fallback = get_settings().lead_email
    lead: Person | None = contract.our_lead if contract is not None else None
    if lead is not None and lead.email:
        return lead.email, lead.name
    return fallback, fallback or ""


def belongs_to(contact: Person, key: str | None, how: str) -> Belongs:
    """The request (found by the reply or subject: ``key``), else the contact's client's only
    open request, else the client's contract: with our lead's address."""
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key)) if key else None
        if req is None:
            open_reqs = list(
                s.scalars(
                    select(Request).where(
                        Request.client_id == contact.client_id, Request.state.not_in(sorted(FINAL))
                    )
                )
            )
            if len(open_reqs) == 1:
                req, how = open_reqs[0], "only-open"
        contract = req.contract if req is not None else None
        if contract is None:
            contracts = list(
                s.scalars(
                    select(Contract)
                    .where(Contract.client_id == contact.client_id)
                    .order_by(Contract.end_date.desc())
                )
            )
            contract = contracts[0] if contracts else None
            if req is None:
                how = "contract" if contract is not None else "none"
        email, name = _lead_of(contract)
        return Belongs(
            req.key if req is not None else None,
            req.title if req is not None else "",
            contract.code if contract is not None else "",
            email,
            name,
            how,
        )


def forward_to_lead(
    row_id: int, b: Belongs, sender: str, contact_name: str, subject: str, text: str,
    received: str,
) -> str:  # fmt: skip
    """Mail the client's words to our lead once (key ``mailbox-forward:<claim>``), Reply-To
    the client: 'sent', 'already-sent', 'no-lead', 'not-set-up: …' (no mail server at all)
    or 'failed: …' (a passing failure: the pass leaves the message for the next one)."""
    from ..mail import send_mail_result
    from .texts import lead_forward

    if not b.lead_email:
        return "no-lead"
    line, body = lead_forward(b, sender, contact_name, subject, text, received)
    try:
        res = send_mail_result(
            [b.lead_email], line, body, idempotency_key=f"mailbox-forward:{row_id}",
            reply_to=sender,
        )  # fmt: skip
    except MailNotSetUp as exc:
        return f"not-set-up: {exc}"
    except ChangeflowError as exc:
        return f"failed: {exc}"
    return res.status
