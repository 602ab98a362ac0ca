"""Documents to the client's contact: the signed .docx (and its PDF when LibreOffice is
installed) with a short bilingual mail saying what to fill and how to return it, Reply-To
the project's mailbox.

At most once per document version: the send is a ``client_send`` row (unique per document)
and its SMTP conversation is claimed in ``sent_mail`` under the row's key, so a re-run, a
retried task or two runs at once send one mail. A failed attempt is tried again (up to
``ATTEMPTS`` times, then by the next ``client-followup`` run or ``changeflow send``); the
failure is recorded on the row and shown by ``changeflow status KEY``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.clientmail import ClientSend
from changeflow.db.models import Contract, Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from changeflow.db.types import utcnow
from changeflow.errors import (
    ConfigError,
    ConflictError,
    InputError,
    MailNotSetUp,
    NotFoundError,
)
from changeflow.settings import get_settings

from .texts import covering_mail

ATTEMPTS = 3
BACKOFF_SECONDS = (1.0, 3.0)  # before the second and third attempt
SENDABLE = ("plan", "acceptance", "dispatch", "sla-report", "settlement")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SendFailed(ConfigError):
    """The document stands; its mail to the client did not go (recorded on the send)."""


@dataclass
class Target:
    kind: str
    subject: str  # CR-2026-0001, PG-2026-0008, "OA-2026 2026-11"
    title: str
    contract: Contract
    request: Request | None


def _target(session: Session, doc: Document) -> Target:
    source = f"document {doc.id} ({doc.path})"
    if doc.kind not in SENDABLE:
        what = "a draft is never sent" if doc.kind.endswith("-draft") else "it is not sent"
        raise InputError(
            source, "kind", f"a '{doc.kind}' document does not go to the client ({what})"
        )
    if doc.kind in ("plan", "acceptance"):
        req = doc.request
        if req is None or req.contract is None:
            raise InputError(source, "contract", "the document's request has no contract")
        return Target(doc.kind, req.key, req.title, req.contract, req)
    if doc.kind == "dispatch":
        from changeflow.db.maintenance import DispatchOrder

        number = (doc.meta or {}).get("dispatch")
        order = session.scalar(select(DispatchOrder).where(DispatchOrder.number == number))
        if order is None:
            raise NotFoundError(f"{source}: no dispatch order '{number}'")
        return Target("dispatch", order.number, order.title or "", order.contract, None)
    code = (doc.meta or {}).get("contract")
    contract = session.scalar(select(Contract).where(Contract.code == code))
    if contract is None:
        raise NotFoundError(f"{source}: no contract '{code}'")
    if doc.kind == "settlement":
        return Target("settlement", contract.code, "", contract, None)
    month = (doc.meta or {}).get("month", "")
    return Target("sla-report", f"{contract.code} {month}", "", contract, None)


def recipients(contract: Contract) -> tuple[list[str], list[str], str, str]:
    """(to, cc, addressee's name, our signature): the client's contact of the contract,
    our project lead in copy."""
    lead = contract.lead
    if lead is None or not lead.email:
        raise InputError(
            f"contract {contract.code}",
            "client_lead",
            "the client's contact (client_lead) has no mail address: add it to the contract",
        )
    ours = contract.our_lead
    cc = [ours.email] if ours is not None and ours.email else []
    return [lead.email], cc, lead.name, (ours.name if ours else contract.client.name)


def shown_name(doc: Document) -> str:
    """The file name the client sees: the stored name without the store's prefix."""
    return Path(doc.path).name.removeprefix(f"v{doc.version}-{doc.lang}-")


def mail_key(doc: Document) -> str:
    return f"client-document:{doc.id}:{doc.sha256[:16]}"


def _pdf_of(doc_id: int) -> tuple[str, bytes] | None:
    """The document's PDF (made once and stored) when LibreOffice is installed."""
    from ..pdf import available, export_pdf_in

    if not available():
        return None
    with transaction() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        pdf = export_pdf_in(s, doc)
        path = document_path(pdf)
        return Path(shown_name(doc)).with_suffix(".pdf").name, path.read_bytes()


def _claim(doc_id: int, actor: str) -> tuple[int, dict[str, Any] | None]:
    """The send row of the document, claimed for this attempt; (row id, the earlier result
    when it went already)."""
    for _ in range(5):
        try:
            with transaction() as s:
                doc = s.get(Document, doc_id)
                if doc is None:
                    raise NotFoundError(f"no document {doc_id}")
                t = _target(s, doc)
                to, cc, _name, _ours = recipients(t.contract)
                row = s.scalar(select(ClientSend).where(ClientSend.document_id == doc_id))
                if row is not None and row.state == "sent":
                    return row.id, send_view(row) | {"status": "already-sent"}
                if row is None:
                    row = ClientSend(
                        document_id=doc.id,
                        request_id=t.request.id if t.request else None,
                        contract_id=t.contract.id,
                        kind=t.kind,
                        subject=t.subject,
                        version=doc.version,
                        mail_key=mail_key(doc),
                        attempts=0,
                        error="",
                    )
                    s.add(row)
                row.recipients = to + cc
                row.state, row.sent_by = "sending", actor
                s.flush()
                return row.id, None
        except IntegrityError:
            continue  # another run made the row between our read and insert
    raise ConflictError(f"document {doc_id} is being sent by another run; try again")


def send_document(
    document_id: int, *, actor: str = "changeflow", attempts: int = ATTEMPTS
) -> dict[str, Any]:
    """Mail one stored document version to the client's contact, at most once.

    Returns the send (``status`` sent or already-sent). Raises ``SendFailed`` after the last
    failed attempt (recorded on the send, shown by ``changeflow status``), InputError when
    the document cannot go (a draft, no contact address)."""
    from ..mail import send_mail_result

    row_id, done = _claim(document_id, actor)
    if done is not None:
        return done
    with transaction() as s:
        doc = s.get(Document, document_id)
        assert doc is not None
        t = _target(s, doc)
        to, cc, name, ours = recipients(t.contract)
        docx_name = shown_name(doc)
        blob = document_path(doc).read_bytes()
        version, key, lang = doc.version, mail_key(doc), doc.lang
    attach: list[tuple[str, bytes, str]] = [(docx_name, blob, DOCX)]
    pdf_note = ""
    try:
        pdf = _pdf_of(document_id)
    except ConfigError as exc:  # LibreOffice failed: the Word file alone still goes
        pdf, pdf_note = None, f"PDF not attached: {exc}"
    if pdf is not None:
        attach.append((pdf[0], pdf[1], "application/pdf"))
    reply_to = get_settings().reply_to
    subject, body = covering_mail(
        t.kind, t.subject, version, t.title, name, ours, pdf is not None, reply_to
    )
    last: Exception | None = None
    for i in range(max(1, attempts)):
        if i:
            time.sleep(BACKOFF_SECONDS[min(i - 1, len(BACKOFF_SECONDS) - 1)])
        try:
            res = send_mail_result(to, subject, body, attach, key, cc=cc, reply_to=reply_to)
        except (ConflictError, MailNotSetUp):
            raise  # not set up: nothing to try again (send_if_wanted says so)
        except ConfigError as exc:
            last = exc
            with transaction() as s:
                row = s.get(ClientSend, row_id)
                assert row is not None
                row.attempts += 1
                row.state, row.error = "failed", str(exc)[:1000]
            continue
        with transaction() as s:
            row = s.get(ClientSend, row_id)
            assert row is not None
            row.attempts += 1
            row.state, row.error = "sent", ""
            row.message_id, row.sent_at = res.message_id, utcnow()
            row.attachments = [a[0] for a in attach]
            return send_view(row) | {"status": res.status, "pdf_note": pdf_note, "lang": lang}
    raise SendFailed(
        f"{t.subject} {t.kind} v{version}: the mail to {', '.join(to)} failed"
        f" {max(1, attempts)} time(s): {last}; the document stands; send it again with"
        f" changeflow send {t.subject.split()[0] if t.kind != 'sla-report' else ''}"
        f"{'--document ' + str(document_id) if t.kind == 'sla-report' else ''}".rstrip()
    )


def send_view(row: ClientSend) -> dict[str, Any]:
    tz = get_settings().tz
    return {
        "document_id": row.document_id,
        "kind": row.kind,
        "subject": row.subject,
        "version": row.version,
        "to": list(row.recipients or []),
        "state": row.state,
        "attempts": row.attempts,
        "error": row.error,
        "message_id": row.message_id,
        "attachments": list(row.attachments or []),
        "sent_at": row.sent_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if row.sent_at else None,
        "reminded_at": (
            row.reminded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if row.reminded_at else None
        ),
    }


# --- finding the document to send ----------------------------------------------------------


def document_id_for(path: str | Path) -> int:
    """The recorded document at ``path`` (store-relative or absolute in the store)."""
    rel = Path(path)
    if rel.is_absolute():
        rel = rel.resolve().relative_to(get_settings().store_dir)
    with transaction() as s:
        doc_id = s.scalar(select(Document.id).where(Document.path == rel.as_posix()))
    if doc_id is None:
        raise NotFoundError(f"no recorded document at {path}")
    return doc_id


def newest_for(target: str, kind: str | None = None) -> int:
    """The document ``changeflow send TARGET`` means: a dispatch order's newest version, or
    a request's newest issued plan or acceptance certificate (the one it waits on)."""
    with transaction() as s:
        if target.upper().startswith("PG-"):
            from changeflow.db.maintenance import DispatchOrder

            order = s.scalar(select(DispatchOrder).where(DispatchOrder.number == target))
            if order is None or order.document_id is None:
                raise NotFoundError(f"no dispatch order {target} with a document")
            return order.document_id
        req = s.scalar(select(Request).where(Request.key == target))
        if req is None:
            raise NotFoundError(f"no request {target}")
        if kind is None:
            kind = {"planned": "plan", "live": "acceptance"}.get(req.state)
        if kind not in ("plan", "acceptance"):
            raise InputError(
                "changeflow send",
                "--kind",
                f"{target} is '{req.state}', not waiting for a plan or certificate decision;"
                " name the document with --kind plan|acceptance",
            )
        doc_id = s.scalar(
            select(Document.id)
            .where(Document.request_id == req.id, Document.kind == kind)
            .order_by(Document.version.desc(), Document.id.desc())
            .limit(1)
        )
        if doc_id is None:
            hint = f" (issue it: changeflow plan {target} --issue)" if kind == "plan" else ""
            raise NotFoundError(f"{target} has no issued {kind} to send{hint}")
        return doc_id


def failed_sends() -> list[int]:
    """Documents whose mail failed: the next follow-up run tries them again."""
    with transaction() as s:
        return list(
            s.scalars(
                select(ClientSend.document_id)
                .where(ClientSend.state == "failed")
                .order_by(ClientSend.id)
            )
        )


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """What went to the client by mail, what came back, for ``changeflow status KEY``."""
    from changeflow.db.clientmail import MailboxMessage

    out: dict[str, Any] = {}
    for row in session.scalars(
        select(ClientSend).where(ClientSend.request_id == request.id).order_by(ClientSend.id)
    ):
        v = send_view(row)
        label = f"sent {row.kind} v{row.version}"
        if row.state == "sent":
            text = f"sent to {', '.join(v['to'])} on {v['sent_at']}"
            if v["reminded_at"]:
                text += f"; reminded on {v['reminded_at']}"
        elif row.state == "failed":
            text = f"FAILED after {row.attempts} attempt(s): {row.error}"
        else:
            text = "being sent"
        out[label] = text
    for m in session.scalars(
        select(MailboxMessage)
        .where(MailboxMessage.request_key == request.key)
        .order_by(MailboxMessage.id)
    ):
        out[f"mail from {m.sender} #{m.id}"] = f"{m.state}: {m.detail}"
    return out or None


def send_if_wanted(
    document: int | str | Path, send: bool | None, *, actor: str = "changeflow"
) -> dict[str, Any] | None:
    """After a document is issued: mail it when asked (``send`` True), or unasked (None)
    when the contract says so (``settings.client_mail.send``); False never. None: not
    sent. A failed mail comes back as ``state`` failed with its error (the document
    stands; the failure is on the send, ``changeflow status`` shows it)."""
    from .policy import wants_send

    if send is False:
        return None
    doc_id = document if isinstance(document, int) else document_id_for(document)
    if send is None:
        with transaction() as s:
            doc = s.get(Document, doc_id)
            if doc is None:
                raise NotFoundError(f"no document {doc_id}")
            try:
                contract = _target(s, doc).contract
            except NotFoundError:  # a statement of no single contract: only when asked
                return None
            if not wants_send(None, contract):
                return None
    from ..mail import mail_set_up

    if not mail_set_up():
        return not_set_up(doc_id)
    try:
        return send_document(doc_id, actor=actor)
    except SendFailed as exc:
        with transaction() as s:
            row = s.scalar(select(ClientSend).where(ClientSend.document_id == doc_id))
            view = send_view(row) if row is not None else {"document_id": doc_id}
        return view | {"state": "failed", "status": "failed", "error": str(exc)}


def not_set_up(doc_id: int) -> dict[str, Any]:
    """What a send says when mail is not set up: the document stands and waits to be sent
    (``changeflow send``, once mail is set up); nothing is recorded as sent or failed."""
    with transaction() as s:
        doc = s.get(Document, doc_id)
        if doc is None:
            raise NotFoundError(f"no document {doc_id}")
        t = _target(s, doc)
        version = doc.version
    again = (
        f"changeflow send {t.subject}"
        if t.kind != "sla-report"
        else f"changeflow send --document {doc_id}"
    )
    return {
        "document_id": doc_id,
        "kind": t.kind,
        "subject": t.subject,
        "version": version,
        "to": [],
        "state": "not-set-up",
        "status": "not-set-up",
        "attachments": [],
        "error": f"{MailNotSetUp.SMTP}; the document waits to be sent: {again}",
    }


def sendable(
    result: Mapping[str, Any],
    send: bool | None,
    *,
    document: str = "document",
    what: str = "document",
    source: str = "command line",
    field: str = "--send",
    hint: str = "",
) -> bool:
    """The rule after a document is made, before it is sent: a draft is never sent (asking
    for it is refused, the draft is kept); a result without a document has nothing to send."""
    if result.get("status") == "draft":
        if send:
            raise InputError(
                source,
                field,
                f"{what} v{result.get('version')} of {result.get('key')} is a draft (kept, not"
                " sent): a draft never goes to the client" + (f"; {hint}" if hint else ""),
            )
        return False
    return bool(result.get(document))


def send_issued(
    result: Mapping[str, Any],
    send: bool | None,
    *,
    actor: str | None = None,
    document: str = "document",
    what: str = "document",
    source: str = "command line",
    field: str = "--send",
    hint: str = "",
) -> dict[str, Any] | None:
    """Issue, then send if wanted: the one composition every command uses. ``sendable``
    decides whether there is anything to send, ``send_if_wanted`` whether to send it."""
    rule = {"document": document, "what": what, "source": source, "field": field, "hint": hint}
    if not sendable(result, send, **rule):
        return None
    return send_if_wanted(result[document], send, actor=actor or "changeflow")


def send_if_wanted_all(ids: list[int], *, actor: str = "changeflow") -> list[dict[str, Any]]:
    """``changeflow send``: each document mailed (or found sent), failures reported."""
    out = []
    for doc_id in ids:
        res = send_if_wanted(doc_id, True, actor=actor)
        assert res is not None
        out.append(res)
    return out
