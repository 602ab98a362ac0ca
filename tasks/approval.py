"""Recording a client's decision: from the returned signed document, or from a lead's form.

Either way the decision, the state change, its audit record and the archived evidence are
written in one transaction. Idempotency rests on the database, not on luck: one decision per
signed document version and one per evidence file (unique constraints on ``approval``), the
request row locked (PostgreSQL) or the write lock taken first (SQLite); a process that loses
a race retries once and then finds the other's decision.

The inbox is the one door for files a client sends: a filled task book goes to intake, a
returned signed document to verification, anything else is refused with its reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from changeflow.db.approval import Approval
from changeflow.db.lifecycle import load_for_update, transition
from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document, safe_name, sha256_bytes
from changeflow.db.types import utcnow
from changeflow.errors import (
    ChangeflowError,
    ConflictError,
    InputError,
    NotFoundError,
    TransitionError,
)
from changeflow.settings import get_settings

from .inputs import clean_text, read_limited
from .signed import (
    Decision,
    Refused,
    Returned,
    check_content,
    parse_date,
    parse_signoff,
    read_returned,
    verify_stored,
)

Channel = Literal["document", "ui", "cli"]


@dataclass(frozen=True)
class Signable:
    """A kind of document a client signs, and what its decision does to the request."""

    kind: str
    awaiting: str  # the state the request is in while we wait for the decision
    on_approve: str
    on_reject: str
    name: tuple[str, str]  # (zh-CN, en)
    # Where a rejection goes when the document itself says so (e.g. the acceptance
    # certificate's 退回至 row): ``reject_to(data, source)`` -> a state, or None for on_reject.
    reject_to: Callable[[bytes, str], str | None] | None = None


SIGNABLE: dict[str, Signable] = {
    "plan": Signable("plan", "planned", "approved", "rejected", ("实施计划和费用预算", "plan")),
}
# Modules that register further signable kinds; imported before any lookup so a worker
# process that never imported them still recognises their documents (inbox, decisions).
SIGNABLE_MODULES = ("changeflow.tasks.acceptance",)


def register_signable(spec: Signable) -> None:
    """Acceptance certificates and dispatch orders register here when they arrive."""
    SIGNABLE[spec.kind] = spec


def signable(kind: str | None) -> Signable | None:
    """The registered kind, after loading every module that registers one."""
    import importlib

    for name in SIGNABLE_MODULES:
        importlib.import_module(name)
    return SIGNABLE.get(kind) if kind else None


@dataclass
class DecisionResult:
    key: str
    kind: str
    version: int
    decision: str
    state: str
    approver: str
    decided_on: date
    comment: str
    channel: str
    evidence_sha256: str | None
    evidence: str | None  # path in the store
    approval_id: int
    duplicate: bool = False  # True: this evidence had been recorded already, nothing new

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _result(a: Approval, duplicate: bool = False) -> DecisionResult:
    return DecisionResult(
        key=a.request.key,
        kind=a.subject_kind,
        version=a.subject_version,
        decision=a.decision,
        state=a.request.state,
        approver=a.approver,
        decided_on=a.decided_on,
        comment=a.comment,
        channel=a.channel,
        evidence_sha256=a.evidence_sha256,
        evidence=a.evidence_document.path if a.evidence_document else None,
        approval_id=a.id,
        duplicate=duplicate,
    )


def today_local() -> date:
    return datetime.now(get_settings().tz).date()


def _retrying(fn: Any, attempts: int = 6) -> Any:
    """Run ``fn`` (one whole transaction) again when a concurrent writer got there first;
    the next attempt then sees the other's decision and answers from it."""
    for i in range(attempts):
        try:
            return fn()
        except (IntegrityError, ConflictError) as exc:
            last: Exception = exc
        except OperationalError as exc:  # SQLite: a stale snapshot may not write
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            last = exc
        time.sleep(0.05 * (i + 1))
    raise ConflictError(f"could not record the decision after {attempts} tries ({last}); retry")


def _sent_document(session: Session, req: Request, kind: str, version: int) -> Document | None:
    return session.scalar(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == kind, Document.version == version)
        .order_by(Document.id)
        .limit(1)
    )


def _newest_version(session: Session, req: Request, kind: str) -> int | None:
    return session.scalar(
        select(func.max(Document.version)).where(
            Document.request_id == req.id, Document.kind == kind
        )
    )


def _decided(session: Session, req: Request, kind: str, version: int) -> Approval | None:
    return session.scalar(
        select(Approval).where(
            Approval.request_id == req.id,
            Approval.subject_kind == kind,
            Approval.subject_version == version,
        )
    )


def _already(source: str, a: Approval) -> Refused:
    verb = "approved" if a.decision == "approve" else "rejected"
    return Refused(
        source,
        "decision",
        f"{a.subject_kind} v{a.subject_version} of {a.request.key} was already {verb} by"
        f" {a.approver} on {a.decided_on} (channel {a.channel}); nothing new was recorded",
        "decided",
    )


def _check_state(source: str, req: Request, spec: Signable) -> None:
    if req.state != spec.awaiting:
        raise Refused(
            source,
            "request",
            f"{req.key} is '{req.state}', not '{spec.awaiting}': it is not waiting for a"
            f" decision on its {spec.kind}",
            "state",
        )


def _check_date(source: str, decided_on: date, sent: Document | None) -> None:
    tz = get_settings().tz
    if decided_on > today_local() + timedelta(days=1):
        raise Refused(source, "date", f"{decided_on} is in the future", "date")
    if sent is not None and decided_on < sent.created_at.astimezone(tz).date():
        issued = sent.created_at.astimezone(tz).date()
        raise Refused(
            source,
            "date",
            f"{decided_on} is before the {sent.kind} v{sent.version} was issued ({issued})",
            "date",
        )


def _record(
    session: Session,
    req: Request,
    spec: Signable,
    *,
    version: int,
    sent: Document | None,
    decision: Decision,
    approver: str,
    decided_on: date,
    comment: str,
    channel: str,
    actor: str,
    evidence: bytes | None,
    evidence_name: str | None,
    evidence_kind: str,
    data: dict[str, Any],
    reject_target: str | None = None,
) -> Approval:
    """The decision row first (it takes SQLite's write lock and meets the unique
    constraints), then the archived evidence, the state change and its audit record."""
    sha = sha256_bytes(evidence) if evidence is not None else None
    approval = Approval(
        request_id=req.id,
        subject_kind=spec.kind,
        subject_version=version,
        subject_document_id=sent.id if sent else None,
        decision=decision,
        approver=approver,
        decided_on=decided_on,
        comment=comment,
        channel=channel,
        evidence_sha256=sha,
        recorded_by=actor,
        data=data,
    )
    session.add(approval)
    session.flush()
    doc = None
    if evidence is not None:
        doc = put_document(
            session,
            evidence,
            kind=evidence_kind,
            request=req,
            filename=evidence_name or f"{req.key}-{spec.kind}-v{version}",
            lang=sent.lang if sent else get_settings().lang,
            meta={
                "approval_id": approval.id,
                "channel": channel,
                "subject": f"{spec.kind} v{version}",
                "original_name": evidence_name or "",
            },
        )
        approval.evidence_document = doc
    target = spec.on_approve if decision == "approve" else (reject_target or spec.on_reject)
    verb = "approved" if decision == "approve" else "not approved"
    reason = f"{spec.kind} v{version} {verb} by {approver} on {decided_on}"
    if comment:
        reason += f": {comment}"
    approval.event = transition(
        session,
        req,
        target,
        actor=approver,
        reason=reason,
        channel=channel,
        evidence_sha256=sha,
        data={
            "approval_id": approval.id,
            "subject": spec.kind,
            "version": version,
            "decision": decision,
            "approver": approver,
            "decided_on": decided_on.isoformat(),
            "comment": comment,
            "recorded_by": actor,
            "evidence_document": doc.path if doc else None,
        },
    )
    session.flush()
    return approval


# --- the returned document -------------------------------------------------------------


def approve_document(
    data: bytes,
    source: str,
    *,
    filename: str | None = None,
    actor: str = "changeflow",
    expect_key: str | None = None,
) -> DecisionResult:
    """Verify a returned signed document and record the decision written in it."""
    returned = read_returned(data, source)
    spec = signable(returned.kind)
    if spec is None:
        raise Refused(source, "kind", f"a '{returned.kind}' document takes no decision", "unknown")
    if expect_key and returned.request != expect_key:
        raise Refused(
            source,
            "request",
            f"this is the {returned.kind} of {returned.request}, not of {expect_key}",
            "other-request",
        )
    sha = sha256_bytes(data)
    name = filename or Path(source).name
    return _retrying(lambda: _approve_once(returned, spec, data, sha, name, actor, source))


def _approve_once(
    returned: Returned,
    spec: Signable,
    data: bytes,
    sha: str,
    name: str,
    actor: str,
    source_file: str,
) -> DecisionResult:
    source = returned.source
    with transaction() as session:
        if session.scalar(select(Request.id).where(Request.key == returned.request)) is None:
            raise Refused(
                source,
                "request",
                f"{returned.request} does not exist in this installation",
                "unknown",
            )
        req = load_for_update(session, returned.request)
        # after the lock: a concurrent run of the same file has committed by now
        same = session.scalar(select(Approval).where(Approval.evidence_sha256 == sha))
        if same is not None:
            return _result(same, duplicate=True)
        sent = _sent_document(session, req, spec.kind, returned.version)
        if sent is None:
            raise Refused(
                source,
                "version",
                f"we have no record of sending {spec.kind} v{returned.version} of {req.key}",
                "unknown",
            )
        newest = _newest_version(session, req, spec.kind) or returned.version
        if returned.version < newest:
            raise Refused(
                source,
                "version",
                f"this is {spec.kind} v{returned.version} of {req.key}, but v{newest} has been"
                f" sent since: only the newest version can be decided",
                "stale",
            )
        check_content(returned, verify_stored(document_path(sent).read_bytes(), str(sent.path)))
        done = _decided(session, req, spec.kind, returned.version)
        if done is not None:
            if done.evidence_sha256 == sha:  # SQLite has no row lock: it committed meanwhile
                return _result(done, duplicate=True)
            raise _already(source, done)
        _check_state(source, req, spec)
        signoff = parse_signoff(returned.signoff_raw, source)
        _check_date(source, signoff.decided_on, sent)
        reject_target = None
        if signoff.decision == "reject" and spec.reject_to is not None:
            reject_target = spec.reject_to(data, source_file)
        approval = _record(
            session,
            req,
            spec,
            version=returned.version,
            sent=sent,
            decision=signoff.decision,
            approver=signoff.approver,
            decided_on=signoff.decided_on,
            comment=signoff.comment,
            channel="document",
            actor=actor,
            evidence=data,
            evidence_name=name,
            evidence_kind=f"{spec.kind}-returned",
            reject_target=reject_target,
            data={"signoff": signoff.raw, "kid": returned.kid, "source": Path(source).name},
        )
        return _result(approval)


def approve_file(
    path: Path, *, actor: str = "changeflow", expect_key: str | None = None
) -> DecisionResult:
    """``changeflow approve FILE``."""
    data = read_limited(Path(path))
    return approve_document(
        data, str(path), filename=Path(path).name, actor=actor, expect_key=expect_key
    )


# --- the lead's form (phone, email, paper) ----------------------------------------------

EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".docx": (b"PK\x03\x04",),
    ".msg": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".eml": (),  # text: checked below
}
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:", re.MULTILINE)


def check_evidence(data: bytes, name: str, source: str) -> None:
    """A scan (PDF, image), a saved mail (.eml/.msg) or a .docx: by name and by content."""
    limit = get_settings().max_upload_bytes
    ext = Path(name).suffix.lower()
    if not data:
        raise InputError(source, "evidence", "is empty")
    if len(data) > limit:
        raise InputError(source, "evidence", f"is {len(data)} bytes; the limit is {limit}")
    if ext not in EVIDENCE_TYPES:
        raise InputError(
            source,
            "evidence",
            f"'{name}': use a scan (.pdf .png .jpg .tif) or a saved mail (.eml .msg)",
        )
    magics = EVIDENCE_TYPES[ext]
    if magics and not data.startswith(magics):
        raise InputError(source, "evidence", f"'{name}' is not really a {ext} file")
    if ext == ".eml" and not _HEADER.search(data[:4096]):
        raise InputError(source, "evidence", f"'{name}' is not a saved mail (no headers)")


def record_decision(
    key: str,
    decision: Decision,
    approver: str,
    decided_on: date | str,
    comment: str = "",
    evidence: bytes | None = None,
    evidence_name: str | None = None,
    *,
    actor: str = "changeflow",
    channel: Channel = "ui",
    kind: str = "plan",
) -> DecisionResult:
    """Record a decision the client gave by phone, mail or on paper (UI form, CLI).

    It applies to the newest version we sent; the evidence file (scan, saved mail) is
    archived with its sha256. Submitting the same form twice records one decision.
    """
    source = "decision form" if channel == "ui" else "changeflow decision"
    spec = signable(kind)
    if spec is None:
        raise InputError(source, "kind", f"'{kind}' is not a document a client decides on")
    if decision not in ("approve", "reject"):
        raise InputError(source, "decision", "must be approve (同意) or reject (不同意)")
    approver = clean_text(approver or "", 120)
    if not approver:
        raise InputError(source, "approver", "is required: who gave the decision")
    if isinstance(decided_on, str):
        decided_on = parse_date(decided_on, source)
    comment = clean_text(comment or "", 4000)
    if evidence is not None:
        evidence_name = safe_name(evidence_name or "evidence")
        check_evidence(evidence, evidence_name, source)
    sha = sha256_bytes(evidence) if evidence is not None else None

    def once() -> DecisionResult:
        with transaction() as session:
            req = load_for_update(session, key)
            if sha is not None:
                same = session.scalar(select(Approval).where(Approval.evidence_sha256 == sha))
                if same is not None:
                    if same.request.key != key:
                        raise InputError(
                            source,
                            "evidence",
                            f"this file is already the evidence of {same.request.key}'s decision",
                        )
                    return _result(same, duplicate=True)
            newest = _newest_version(session, req, spec.kind)
            if newest is None:
                raise Refused(
                    source,
                    "request",
                    f"{key} has no {spec.kind} sent yet to decide on",
                    "unknown",
                )
            done = _decided(session, req, spec.kind, newest)
            if done is not None:
                if (done.decision, done.approver, done.decided_on, done.comment) == (
                    decision,
                    approver,
                    decided_on,
                    comment,
                ) and sha in (None, done.evidence_sha256):
                    return _result(done, duplicate=True)
                raise _already(source, done)
            _check_state(source, req, spec)
            sent = _sent_document(session, req, spec.kind, newest)
            _check_date(source, decided_on, sent)
            approval = _record(
                session,
                req,
                spec,
                version=newest,
                sent=sent,
                decision=decision,
                approver=approver,
                decided_on=decided_on,
                comment=comment,
                channel=channel,
                actor=actor,
                evidence=evidence,
                evidence_name=evidence_name,
                evidence_kind=f"{spec.kind}-evidence",
                data={"form": channel},
            )
            return _result(approval)

    return _retrying(once)


# --- the inbox --------------------------------------------------------------------------

Outcome = Literal["intake", "decision", "duplicate", "refused", "retry"]


@dataclass
class InboxItem:
    file: str
    outcome: Outcome
    detail: str
    key: str | None = None
    moved_to: str | None = None


@dataclass
class InboxReport:
    folder: str
    items: list[InboxItem] = field(default_factory=list)

    @property
    def refused(self) -> list[InboxItem]:
        return [i for i in self.items if i.outcome == "refused"]

    @property
    def retry(self) -> list[InboxItem]:
        return [i for i in self.items if i.outcome == "retry"]

    def as_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "items": [asdict(i) for i in self.items]}


TASKBOOK_KIND = "taskbook-form"
SKIP_PREFIXES = ("~$", ".~lock", ".")
STALE_CLAIM_SECONDS = 600  # a claimed file this old belongs to a pass that died


def classify(path: Path, data: bytes) -> str:
    """'taskbook', 'signed' or raises InputError: what a file in the inbox is."""
    from .signed import P_MAC
    from .wordkit import read_custom_properties

    source = str(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "taskbook"
    if suffix != ".docx":
        raise InputError(
            source,
            "file",
            "is neither a task book (.docx from our template, or .yaml) nor a document we"
            " issued (.docx)",
        )
    from .inputs import open_docx

    doc = open_docx(data, source)
    props = read_custom_properties(doc)
    if props.get(P_MAC) or any(k.startswith("changeflow.digest") for k in props):
        return "signed"
    if props.get("changeflow.kind") == TASKBOOK_KIND:
        return "taskbook"
    if signable(props.get("changeflow.kind")) is not None:
        return "signed"  # a document of ours that lost its signature: refused there
    from .taskbook import parse_docx

    try:
        parse_docx(data, source)
    except InputError:
        raise InputError(
            source,
            "file",
            "is a Word file but neither a task book from our template nor a document we issued",
        ) from None
    return "taskbook"


def _unique_target(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        target = folder / f"{Path(name).stem}.{n}{Path(name).suffix}"
        n += 1
    return target


def process_inbox(
    folder: Path | None = None, *, actor: str = "inbox", settle_seconds: float = 2.0
) -> InboxReport:
    """One pass over the inbox. Each file is claimed (renamed into ``.processing/``) so two
    passes at once never handle the same file; it ends in ``done/`` or in ``refused/``
    beside ``<name>.reason.txt``. A file that could not be handled for a passing reason
    (a conflict, a missing configuration) goes back to the inbox for the next pass."""
    from .inputs import load_yaml
    from .intake import intake
    from .taskbook import parse_docx, validate

    inbox = Path(folder or get_settings().inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    work, done, refused = inbox / ".processing", inbox / "done", inbox / "refused"
    work.mkdir(exist_ok=True)
    report = InboxReport(str(inbox))
    now = time.time()
    for left in work.iterdir():  # a pass that died mid-file: put it back for this pass
        if left.is_file() and now - left.stat().st_ctime > STALE_CLAIM_SECONDS:
            with contextlib.suppress(OSError):
                os.replace(left, inbox / left.name)
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or path.name.startswith(SKIP_PREFIXES):
            continue
        try:
            if now - path.stat().st_mtime < settle_seconds:
                continue  # still being copied in; next pass
            claimed = work / path.name
            os.rename(path, claimed)
        except FileNotFoundError:
            continue  # another pass took it
        source = str(path)
        try:
            data = read_limited(claimed)
            what = classify(path, data)
            if what == "taskbook":
                if path.suffix.lower() == ".docx":
                    book = validate(parse_docx(data, source), source)
                else:
                    book = validate(load_yaml(data, source), source)
                res = intake(
                    book,
                    source=source,
                    original=data,
                    filename=path.name,
                    actor=actor,
                    channel="document",
                )
                item = InboxItem(path.name, "intake", f"task book taken in as {res.key}", res.key)
            else:
                dec = approve_document(data, source, filename=path.name, actor=actor)
                verb = "approved" if dec.decision == "approve" else "not approved"
                if dec.duplicate:
                    item = InboxItem(
                        path.name,
                        "duplicate",
                        f"already recorded: {dec.kind} v{dec.version} {verb} by {dec.approver}",
                        dec.key,
                    )
                else:
                    item = InboxItem(
                        path.name,
                        "decision",
                        f"{dec.kind} v{dec.version} {verb} by {dec.approver} on"
                        f" {dec.decided_on}; {dec.key} is now {dec.state}",
                        dec.key,
                    )
            target = _unique_target(done, path.name)
            os.replace(claimed, target)
            item.moved_to = str(target)
        except (InputError, NotFoundError, TransitionError) as exc:
            target = _unique_target(refused, path.name)
            os.replace(claimed, target)
            reason = str(exc)
            code = getattr(exc, "code", "file" if isinstance(exc, InputError) else "state")
            target.with_name(target.name + ".reason.txt").write_text(
                f"{path.name}\nrefused ({code}): {reason}\n"
                f"at {utcnow().astimezone(get_settings().tz):%Y-%m-%d %H:%M} (Asia/Shanghai)\n",
                encoding="utf-8",
            )
            item = InboxItem(path.name, "refused", reason, moved_to=str(target))
        except ChangeflowError as exc:  # conflict, configuration: try again next pass
            os.replace(claimed, path)
            item = InboxItem(path.name, "retry", str(exc))
        except BaseException:
            os.replace(claimed, path)
            raise
        report.items.append(item)
    return report


# --- ``changeflow status KEY`` ------------------------------------------------------------


def _status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """Decisions recorded for the request, and its kick-off."""
    from changeflow.db.approval import Kickoff

    rows = session.scalars(
        select(Approval).where(Approval.request_id == request.id).order_by(Approval.id)
    ).all()
    if not rows:
        return None
    out: dict[str, Any] = {
        f"{a.subject_kind} v{a.subject_version}": (
            f"{'approved' if a.decision == 'approve' else 'rejected'} by {a.approver} on"
            f" {a.decided_on} ({a.channel})" + (f": {a.comment}" if a.comment else "")
        )
        for a in rows
    }
    k = session.scalar(
        select(Kickoff).where(Kickoff.request_id == request.id).order_by(Kickoff.id.desc())
    )
    if k is not None:
        out["kickoff"] = f"{k.branch} at {k.base_commit[:10]}, {k.planned_start} - {k.planned_end}"
    return out


def _register_status() -> None:
    from .status import section

    section("approval")(_status_section)


_register_status()
