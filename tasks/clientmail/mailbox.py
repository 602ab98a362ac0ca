"""The project's mailbox: clients' replies read over IMAP (imap-tools), their attachment
taken through the inbox's own door (``inbox.take_in``: task books to intake, signed
documents to their decision), the message filed and the sender answered.

One pass (``read_mailbox``), safe to run twice at once and to re-run after a crash:

1. every message in the folder is claimed in the database by a unique key (its Message-ID,
   else the sha256 of the message) before anything is taken in: a second pass, or a second
   copy of the same message, finds the claim and only files the copy;
2. the sender must be one of the contract contacts (``person.email`` of a client), exactly
   one attachment (inline pictures of a signature do not count), and the attachment must
   belong to the sender's own client; anything else is refused before anything is written.
   A contact's mail with no attachment at all (a question, a remark) is *kept* (``kept``:
   the text stored on the claim, filed in the kept folder, forwarded to our lead with the
   request it belongs to, the client answered with a receipt): never a refusal;
3. ``take_in`` records it (or refuses it with the reason: nothing written), the outcome is
   stored on the claim, then the sender is answered (recorded: request, what, by whom; or
   refused: the reason and what to do) and the message is moved into the processed or
   refused folder, so it is never read again. A passing failure (the database busy) gives
   the claim back and leaves the message for the next pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from changeflow.bilingual import REQUEST_STATES, ZH, label
from changeflow.db.clientmail import MailboxMessage
from changeflow.db.models import Person, Request
from changeflow.db.session import transaction
from changeflow.db.store import safe_name
from changeflow.db.types import utcnow
from changeflow.errors import (
    ChangeflowError,
    ConfigError,
    InputError,
    MailNotSetUp,
    NotFoundError,
    TransitionError,
)
from changeflow.settings import get_settings, where_to_set

from ..inputs import MAX_FILE_BYTES
from .texts import recorded_answer, refused_answer

STALE_CLAIM = timedelta(minutes=10)  # a claim this old belongs to a pass that died
SECRET_BLOCK_ENV = "CHANGEFLOW_IMAP_PASSWORD_BLOCK"
MAX_MESSAGES = 200  # per pass; the rest wait for the next one


@dataclass
class MailItem:
    uid: str
    sender: str
    subject: str
    outcome: str  # intake | decision | service | duplicate (take_in's) | kept | refused | skipped
    # | retry | confirmed (a requester's reply confirming a service request)
    # | filed
    detail: str
    key: str | None = None
    attachment: str = ""
    folder: str = ""
    answer: str = ""


@dataclass
class MailboxReport:
    folder: str
    items: list[MailItem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"recorded": 0, "kept": 0, "refused": 0, "waiting": 0, "filed": 0}
        for i in self.items:
            k = {
                "decision": "recorded",
                "intake": "recorded",
                "service": "recorded",
                "confirmed": "recorded",
                "duplicate": "recorded",
                "retry": "waiting",
                "skipped": "waiting",
            }.get(i.outcome, i.outcome)
            out[k] = out.get(k, 0) + 1
        return out

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['recorded']} recorded, {c['kept']} kept (forwarded to our lead),"
            f" {c['refused']} refused, {c['filed']} already handled"
            f" (filed), {c['waiting']} left for the next pass"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "items": [asdict(i) for i in self.items],
            "counts": self.counts,
        }


class Refusal(InputError):
    def __init__(self, field: str, problem: str, code: str) -> None:
        super().__init__("mail", field, problem)
        self.code = code


def imap_password() -> str | None:
    """From the settings (CHANGEFLOW_IMAP_PASSWORD), else the Prefect Secret block named by
    CHANGEFLOW_IMAP_PASSWORD_BLOCK, like the SMTP password."""
    s = get_settings()
    if s.imap_password is not None:
        return s.imap_password.get_secret_value()
    block = s.imap_password_block or os.environ.get(SECRET_BLOCK_ENV)
    if not block:
        return None
    from ..mail import secret_block

    return secret_block(block, "the IMAP password")


def mailbox_set_up() -> bool:
    """Whether a project mailbox is set up at all (an IMAP server named): without one the
    mailbox pass says so (``MailNotSetUp.IMAP``) and succeeds."""
    return bool(get_settings().imap_host)


def connect() -> Any:
    """A logged-in imap-tools mailbox on the configured server and folder."""
    from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

    s = get_settings()
    if not s.imap_host:
        raise MailNotSetUp(MailNotSetUp.IMAP)
    if not s.imap_user:
        raise ConfigError(
            "no project mailbox user configured: set"
            f" {where_to_set('imap_user')} (and imap_password, imap_port, imap_security"
            " ssl|starttls|plain, imap_folder as needed)"
        )
    password = imap_password() or ""
    cls = {"ssl": MailBox, "starttls": MailBoxStartTls, "plain": MailBoxUnencrypted}[
        s.imap_security
    ]
    where = f"{s.imap_host}:{s.imap_port_effective} ({s.imap_security})"
    try:
        box = cls(s.imap_host, s.imap_port_effective, timeout=30)
    except OSError as exc:
        raise ConfigError(
            f"project mailbox {where} not reachable: {exc}; check"
            f" {where_to_set('imap_host', 'imap_port', 'imap_security')}"
        ) from None
    try:
        box.login(s.imap_user, password, initial_folder=s.imap_folder)
        # imaplib keeps the capabilities announced before login; the server's full list
        # (with MOVE: an atomic move, which two passes at once need) comes after it
        _typ, data = box.client.capability()
        box.client.capabilities = tuple(data[-1].decode().upper().split())
    except Exception as exc:
        text = str(exc).replace(password, "***") if password else str(exc)
        raise ConfigError(
            f"project mailbox {where}: login as {s.imap_user} or folder '{s.imap_folder}'"
            f" failed: {type(exc).__name__}: {text}; check"
            f" {where_to_set('imap_user', 'imap_password', 'imap_folder')}"
        ) from None
    return box


def ensure_folders(box: Any) -> None:
    """The processed and refused folders exist (made once; two passes may race to it)."""
    s = get_settings()
    for name in (s.imap_processed_folder, s.imap_refused_folder, s.imap_kept_folder):
        if not box.folder.exists(name):
            try:
                box.folder.create(name)
            except Exception:
                if not box.folder.exists(name):
                    raise


def message_key(msg: Any, raw: bytes) -> tuple[str, str]:
    """(claim key, sha256): the Message-ID when there is one, else the content's digest."""
    sha = hashlib.sha256(raw).hexdigest()
    mid = " ".join((msg.obj.get("Message-ID") or "").split())
    return (f"mid:{mid}"[:300] if mid else f"sha:{sha}"), sha


_AUTO = re.compile(r"^(auto-|bulk|junk|list)", re.I)


def is_automatic(msg: Any) -> bool:
    """An auto-reply, bounce or list mail: never answered (no mail loops)."""
    h = msg.obj
    auto = (h.get("Auto-Submitted") or "no").strip().lower()
    prec = (h.get("Precedence") or "").strip()
    sender = (msg.from_ or "").lower()
    ours = get_settings().mail_from.lower()
    return (
        auto != "no"
        or bool(prec and _AUTO.match(prec))
        or sender.startswith(("mailer-daemon@", "postmaster@"))
        or sender == ours
    )


def attachments(msg: Any) -> list[Any]:
    """The files a client attached: inline pictures (a signature's logo) do not count."""
    out = []
    for a in msg.attachments:
        inline = (a.content_disposition or "").lower() == "inline"
        if inline and (a.content_type or "").startswith("image/"):
            continue
        out.append(a)
    return out


def sender_of(msg: Any) -> str:
    return parseaddr(msg.obj.get("From") or "")[1].strip().lower()


def contact_of(address: str) -> Person | None:
    with transaction() as s:
        p = s.scalar(
            select(Person).where(
                Person.client_id.is_not(None), func.lower(Person.email) == address.lower()
            )
        )
        if p is not None:
            s.expunge(p)
        return p


def allow_for(contact: Person):
    """The check ``take_in`` asks before recording: the file is the sender's client's."""
    from changeflow.db.maintenance import DispatchOrder

    from ..directory import find_client

    def allow(what: str, ident: str) -> None:
        with transaction() as s:
            if what == "contract":  # a service request form: the contract it names
                from changeflow.db.models import Contract

                k = s.scalar(select(Contract).where(Contract.code == ident)) if ident else None
                client_id = k.client_id if k is not None else None
            elif what == "client":
                try:
                    client_id = find_client(s, ident).id
                except (InputError, NotFoundError):
                    return  # intake refuses an unknown client with its own reason
            elif ident.upper().startswith("PG-"):
                order = s.scalar(select(DispatchOrder).where(DispatchOrder.number == ident))
                client_id = order.contract.client_id if order is not None else None
            else:
                req = s.scalar(select(Request).where(Request.key == ident))
                client_id = req.client_id if req is not None else None
        if client_id is not None and client_id != contact.client_id:
            raise Refusal(
                "sender",
                f"{ident} belongs to another client; {contact.email} is a contact of another one",
                "other-client",
            )

    return allow


# --- the claim -----------------------------------------------------------------------------


def _claim(key: str, sha: str, msg: Any, sender: str) -> tuple[int | None, MailboxMessage | None]:
    """(id of our claim, None) or (None, the claim another pass or copy holds)."""
    now = utcnow()
    try:
        with transaction() as s:
            row = MailboxMessage(
                message_key=key,
                message_id=(msg.obj.get("Message-ID") or "")[:300],
                sender=sender[:200],
                subject=(msg.subject or "")[:300],
                sha256=sha,
                state="claimed",
                detail="",
                attachment="",
                folder="",
                answer_state="",
                data={},
                claimed_at=now,
            )
            s.add(row)
            s.flush()
            return row.id, None
    except IntegrityError:
        pass
    with transaction() as s:
        row = s.scalar(select(MailboxMessage).where(MailboxMessage.message_key == key))
        if row is None:  # given back meanwhile: the next pass takes it
            return None, None
        if row.state == "claimed" and now - row.claimed_at > STALE_CLAIM:
            taken = s.execute(  # take over a dead pass's claim, if no one else did
                MailboxMessage.__table__.update()
                .where(MailboxMessage.id == row.id, MailboxMessage.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            ).rowcount
            if taken == 1:
                return row.id, None
        s.expunge(row)
        return None, row


def _release(row_id: int) -> None:
    with transaction() as s:
        s.execute(delete(MailboxMessage).where(MailboxMessage.id == row_id))


def _finish(row_id: int, **values: Any) -> None:
    with transaction() as s:
        row = s.get(MailboxMessage, row_id)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)


_KEY = re.compile(r"\b[A-Z]{2}-\d{4}-\d{4}\b")


def answered_request(msg: Any, subject: str) -> str | None:
    """The request a mail is about when nothing was recorded from it: the document mail it
    answers (In-Reply-To), else a key in its subject. A refused reply is still an answer."""
    from changeflow.db.clientmail import ClientSend

    parent = " ".join((msg.obj.get("In-Reply-To") or "").split())
    with transaction() as s:
        if parent:
            row = s.scalar(select(ClientSend).where(ClientSend.message_id == parent))
            if row is not None and row.request is not None:
                return row.request.key
        for key in _KEY.findall(subject):
            if s.scalar(select(Request.id).where(Request.key == key)) is not None:
                return key
    return None


def sha256_of(msg: Any) -> str | None:
    files = attachments(msg)
    return hashlib.sha256(files[0].payload).hexdigest() if len(files) == 1 else None


def receipt(outcome: str, key: str | None, sha: str | None) -> tuple[str, str]:
    """(the recorded decision in Chinese, the receipt's subject): request, what, by whom."""
    from changeflow.db.approval import Approval

    from .texts import NAMES

    if outcome == "intake":
        return (
            f"任务书已登记为 {key}，我们将据此编制实施计划和费用预算。",
            f"任务书 task book {key}",
        )
    if outcome == "service" or (key or "").startswith("FW-"):
        from ..servicereq.desk import show_service

        v = show_service(key or "")
        again = "（此前已登记，未重复登记）" if outcome == "duplicate" else ""
        return (
            f"服务请求单已受理为 {key}「{v['title']}」，响应时限 {v['response_due']}{again}。"
            "完成后请回复确认。",
            f"服务请求 service request {key}",
        )
    with transaction() as s:
        a = s.scalar(select(Approval).where(Approval.evidence_sha256 == sha)) if sha else None
        if a is None:
            return "", f"{key or ''}"
        zh, _en = NAMES.get(a.subject_kind, (a.subject_kind, a.subject_kind))
        verb = ("同意", "approved") if a.decision == "approve" else ("不同意", "not approved")
        again = "（此前已登记，未重复登记）" if outcome == "duplicate" else ""
        return (
            f"{a.request.key}「{a.request.title}」{zh}第 {a.subject_version} 版：{a.approver}"
            f" {verb[0]}（{a.decided_on}），请求状态现为"
            f" {label(REQUEST_STATES, a.request.state, ZH)}{again}",
            f"{a.request.key} {zh} v{a.subject_version}：{verb[0]} {verb[1]}",
        )


# --- one message ---------------------------------------------------------------------------


def _decide(msg: Any, sender: str) -> tuple[str, str, str | None, str, str]:
    """Take the message's attachment in: (outcome, detail, request key, file name, code)."""
    from ..inbox import take_in

    contact = contact_of(sender)
    if contact is None:
        raise Refusal(
            "sender",
            f"{sender or 'the sender'} is not among the contacts of our contracts",
            "unknown-sender",
        )
    files = attachments(msg)
    if not files:  # a question or a remark: kept and forwarded, never refused
        return "kept", "a mail without attachment: kept", None, "", "kept"
    if len(files) > 1:
        names = ", ".join(a.filename or "(no name)" for a in files)
        raise Refusal(
            "attachment", f"the mail has {len(files)} attached files ({names}); send one", "several"
        )
    a = files[0]
    name = safe_name(a.filename or "attachment")
    size = len(a.payload or b"")
    if size == 0:
        from ..formats import empty_file

        raise empty_file(name)
    if not 0 < size <= MAX_FILE_BYTES:  # the inbox's own limit (read_limited)
        raise Refusal(
            "attachment",
            f"{name} is {size} bytes; a file must be 1 to {MAX_FILE_BYTES} bytes",
            "file",
        )
    item = take_in(Path(name), a.payload, actor=f"mailbox {sender}", allow=allow_for(contact))
    return item.outcome, item.detail, item.key, name, ""


def _answer(row_id: int, to: str, in_reply_to: str, subject: str, body: str) -> str:
    """Mail the answer once (its key is the claim's); 'sent', 'already-sent' or 'failed'."""
    from ..mail import send_mail_result

    key = f"mailbox-answer:{row_id}"
    try:
        res = send_mail_result(
            [to], subject, body, idempotency_key=key, in_reply_to=in_reply_to or None
        )
        state = "sent"
        status = res.status
    except ChangeflowError as exc:
        state, status = "failed", f"failed: {exc}"
    _finish(row_id, answer_key=key, answer_state=state)
    return status


def _move(box: Any, uid: str, folder: str) -> None:
    box.move(uid, folder)


def take_message(box: Any, msg: Any) -> MailItem:
    """Claim, decide, record, answer and file one message."""
    s = get_settings()
    raw = msg.obj.as_bytes()
    sender = sender_of(msg)
    subject = " ".join((msg.subject or "").split())
    key, sha = message_key(msg, raw)
    row_id, other = _claim(key, sha, msg, sender)
    if row_id is None:
        filed = other is not None and other.state != "claimed"
        if filed and (other.folder or utcnow() - other.claimed_at > STALE_CLAIM):
            # a second copy of a message handled already (or one its pass could not file)
            target = other.folder or {
                "refused": s.imap_refused_folder, "kept": s.imap_kept_folder
            }.get(other.state, s.imap_processed_folder)
            _move(box, msg.uid, target)
            if not other.folder:
                _finish(other.id, folder=target, finished_at=utcnow())
            return MailItem(
                msg.uid, sender, subject, "filed",
                f"already handled as #{other.id} ({other.state}): {other.detail}",
                other.request_key, other.attachment, target,
            )  # fmt: skip
        return MailItem(msg.uid, sender, subject, "skipped", "another pass is taking it")
    why = ""
    try:
        outcome, detail, req_key, name, code = _decide(msg, sender)
    except (Refusal, InputError, NotFoundError, TransitionError) as exc:
        code = why = getattr(exc, "code", "file")
        code = (
            code
            if code in ("no-attachment", "several", "unknown-sender", "other-client")
            else "file"
        )
        files = attachments(msg)
        name = safe_name(files[0].filename or "attachment") if len(files) == 1 else ""
        outcome, detail, req_key = "refused", str(exc), None
    except ChangeflowError as exc:  # a passing failure: give it back for the next pass
        _release(row_id)
        return MailItem(msg.uid, sender, subject, "retry", str(exc))
    except BaseException:
        _release(row_id)
        raise
    refused = outcome == "refused"
    if req_key is None:
        req_key = answered_request(msg, subject)
    if outcome == "kept":
        confirmed = _confirmation(box, msg, row_id, sender, subject, raw)
        if confirmed is not None:
            return confirmed
        return _keep(box, msg, row_id, sender, subject, req_key)
    folder = s.imap_refused_folder if refused else s.imap_processed_folder
    _finish(
        row_id,
        state={"refused": "refused", "duplicate": "duplicate"}.get(outcome, "recorded"),
        detail=detail[:4000],
        request_key=req_key,
        attachment=name[:300],
        data={"code": code, "why": why, "uid": msg.uid},
    )
    if is_automatic(msg):
        answer = "not answered (an automatic mail)"
    else:
        if refused:
            line, body = refused_answer(subject, name or None, detail, code, why)
        else:
            zh_detail, what = receipt(outcome, req_key, sha256_of(msg))
            # what became of our OA manual after an acceptance is for our lead, not the client
            client_detail = detail.split("; OA 使用手册：")[0]
            line, body = recorded_answer(subject, name, client_detail, req_key, zh_detail, what)
        answer = _answer(row_id, sender, msg.obj.get("Message-ID") or "", line, body)
    try:
        _move(box, msg.uid, folder)
    except Exception as exc:  # recorded and answered; the next pass files it
        return MailItem(
            msg.uid, sender, subject, outcome, f"{detail} (not filed yet: {exc})", req_key,
            name, "", answer,
        )  # fmt: skip
    _finish(row_id, folder=folder, finished_at=utcnow())
    return MailItem(msg.uid, sender, subject, outcome, detail, req_key, name, folder, answer)


def _confirmation(
    box: Any, msg: Any, row_id: int, sender: str, subject: str, raw: bytes
) -> MailItem | None:
    """A requester's reply confirming a done service request (``servicereq.confirm_by_reply``):
    recorded, answered, filed as processed; None when the mail is no such confirmation."""
    from ..servicereq.mail import confirm_by_reply
    from .kept import text_of
    from .texts import confirmed_answer

    contact = contact_of(sender)
    assert contact is not None  # _decide refused an unknown sender
    when = msg.date if msg.date and msg.date.year > 1900 and msg.date.tzinfo else utcnow()
    v = confirm_by_reply(
        subject, text_of(msg), client_id=contact.client_id, by=contact.name, at=when,
        evidence_sha256=hashlib.sha256(raw).hexdigest(), actor=f"mailbox {sender}",
    )  # fmt: skip
    if v is None:
        return None
    key = v["key"]
    detail = f"service request {key} confirmed by {v['confirmed_by']} (mail reply)"
    folder = get_settings().imap_processed_folder
    _finish(row_id, state="recorded", detail=detail, request_key=key, attachment="",
            data={"code": "confirmed", "uid": msg.uid, "service": key})  # fmt: skip
    if is_automatic(msg):
        answer = "not answered (an automatic mail)"
    else:
        line, body = confirmed_answer(subject, key, v["title"], v["confirmed"])
        answer = _answer(row_id, sender, msg.obj.get("Message-ID") or "", line, body)
    try:
        _move(box, msg.uid, folder)
    except Exception as exc:  # recorded and answered; the next pass files it
        return MailItem(msg.uid, sender, subject, "confirmed", f"{detail} (not filed yet: {exc})",
                        key, "", "", answer)  # fmt: skip
    _finish(row_id, folder=folder, finished_at=utcnow())
    return MailItem(msg.uid, sender, subject, "confirmed", detail, key, "", folder, answer)


def _keep(box: Any, msg: Any, row_id: int, sender: str, subject: str, key: str | None) -> MailItem:
    """A contact's words without an attachment: kept, forwarded to our lead, answered."""
    from .kept import belongs_to, forward_to_lead, text_of
    from .texts import kept_answer

    contact = contact_of(sender)
    assert contact is not None  # _decide refused an unknown sender
    how = ("reply" if answered_request(msg, "") == key else "subject") if key else "none"
    b = belongs_to(contact, key, how)
    text = text_of(msg)
    when = msg.date if msg.date and msg.date.year > 1900 and msg.date.tzinfo else utcnow()
    received = when.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    forwarded = forward_to_lead(row_id, b, sender, contact.name, subject, text, received)
    if forwarded.startswith("failed"):  # the mail server fails now: the next pass tries again
        _release(row_id)
        return MailItem(msg.uid, sender, subject, "retry", f"not forwarded to our lead yet:"
                        f" {forwarded.removeprefix('failed: ')}", b.key)  # fmt: skip
    to_lead = f"forwarded to {b.lead_email}"
    if forwarded.startswith("not-set-up") or forwarded == "no-lead":
        to_lead = f"NOT forwarded ({forwarded})"
    about = f"{b.key} ({b.how})" if b.key else f"no request found; contract {b.contract or '-'}"
    detail = f"a mail without attachment, kept: {about}; {to_lead}"
    folder = get_settings().imap_kept_folder
    _finish(
        row_id, state="kept", detail=detail[:4000], request_key=b.key, attachment="",
        data={"code": "kept", "uid": msg.uid, "text": text, "contract": b.contract,
              "how": b.how, "lead": b.lead_email, "forward": forwarded},
    )  # fmt: skip
    if is_automatic(msg):
        answer = "not answered (an automatic mail)"
    else:
        line, body = kept_answer(subject, b.key, b.title)
        answer = _answer(row_id, sender, msg.obj.get("Message-ID") or "", line, body)
    try:
        _move(box, msg.uid, folder)
    except Exception as exc:  # kept and answered; the next pass files it
        return MailItem(msg.uid, sender, subject, "kept", f"{detail} (not filed yet: {exc})",
                        b.key, "", "", answer)  # fmt: skip
    _finish(row_id, folder=folder, finished_at=utcnow())
    return MailItem(msg.uid, sender, subject, "kept", detail, b.key, "", folder, answer)


def read_mailbox(limit: int = MAX_MESSAGES) -> MailboxReport:
    """One pass over the project mailbox's folder (``changeflow mailbox``, the ``mailbox``
    deployment every 5 minutes in service hours)."""
    s = get_settings()
    report = MailboxReport(f"{s.imap_user}@{s.imap_host}/{s.imap_folder}")
    box = connect()
    try:
        ensure_folders(box)
        uids = list(box.uids())[:limit]
        for uid in uids:
            from imap_tools import AND

            found = list(box.fetch(AND(uid=uid), mark_seen=False, bulk=False))
            if not found or found[0].uid != uid or not found[0].obj.keys():
                # another pass filed it between our listing and this fetch: the server then
                # answers with nothing, or with a bare FETCH (flags, no headers)
                continue
            try:
                report.items.append(take_message(box, found[0]))
            except Exception as exc:
                if "imap" not in type(exc).__module__.lower() and not isinstance(exc, OSError):
                    raise
                report.items.append(  # moved by another pass under our feet: nothing lost
                    MailItem(uid, "", "", "skipped", f"{type(exc).__name__}: {exc}")
                )
    finally:
        with contextlib.suppress(Exception):
            box.logout()
    return report
