"""Recording a client's decision: from the returned signed document, or from a lead's form.

Either way the decision, the state change, its audit record and the archived evidence are
written in one transaction. Idempotency rests on the database, not on luck: one decision per
signed document version and one per evidence file (unique constraints on ``approval``), the
request row locked (PostgreSQL) or the write lock taken first (SQLite); a process that loses
a race retries once and then finds the other's decision.

The request kinds' returned documents (plan, acceptance certificate) are recorded here
(``record_returned``), after the file is read and verified (``reading``); a returned document
of any kind goes through ``tasks.returned``, which hands it to the recorder of its subject's
room.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
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
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..inputs import clean_text, read_limited
from .kinds import Signable, signable
from .reading import (
    Decision,
    Returned,
    check_content,
    check_rows_accepted,
    parse_date,
    parse_row_decisions,
    parse_signoff,
    read_return_to,
    read_returned,
    verify_stored,
)
from .refused import Refused

Channel = Literal["document", "ui", "cli"]

log = logging.getLogger(__name__)


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
    # the client's conclusion per requirement row (acceptance certificate): no, conclusion
    # (passed | failed | None: not ticked), what the cell shows
    requirements: list[dict[str, Any]] = field(default_factory=list)
    # after an acceptance: what became of the client's OA manual, in one line for the lead
    manual: str = ""

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
        requirements=list((a.data or {}).get("requirements") or []),
    )


def today_local() -> date:
    return utcnow().astimezone(get_settings().tz).date()


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


def _refuse_draft(source: str, session: Session, req: Request, sent: int | None) -> None:
    """A plan that exists only as a draft was never sent: there is nothing to decide on
    (a draft has no signed document; an issued older version stays decidable)."""
    from changeflow.db.planning import Plan

    draft = session.scalar(
        select(Plan.version)
        .where(Plan.request_id == req.id, Plan.status == "draft")
        .order_by(Plan.version.desc())
        .limit(1)
    )
    if draft is not None and sent is None:
        raise Refused(
            source,
            "request",
            f"plan v{draft} of {req.key} is a draft (not issued, not sent): issue it first"
            f" with changeflow plan {req.key} --issue",
            "draft",
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


def _window(sent: Document | None) -> tuple[date, date] | None:
    """The days a decision on ``sent`` can be dated (for a date written without its year)."""
    if sent is None:
        return None
    return sent.created_at.astimezone(get_settings().tz).date(), today_local() + timedelta(days=1)


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


def write_approval(
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
    audit: dict[str, Any] | None = None,
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
            **(audit or {}),
        },
    )
    session.flush()
    return approval


# --- the returned document -------------------------------------------------------------


def record_returned(
    returned: Returned, spec: Signable, data: bytes, *, filename: str, actor: str
) -> DecisionResult:
    """The recorder of the request kinds (plan, acceptance certificate)."""
    sha = sha256_bytes(data)
    result = _retrying(lambda: _approve_once(returned, spec, data, sha, filename, actor))
    return after_acceptance(result, actor)


def after_acceptance(result: DecisionResult, actor: str) -> DecisionResult:
    """Once an acceptance is recorded (committed), in the same flow of work: the request's
    manual chapters merged into the client's OA manual as its next version
    (``oamanual.merge_request``: idempotent, all or nothing). Its failure leaves the
    acceptance standing and tells the lead in one line (``result.manual``)."""
    if result.kind != "acceptance" or result.state != "accepted":
        return result
    from ..oamanual import merge_request, merged_line

    try:
        result.manual = merged_line(merge_request(result.key, actor=actor))
    except Exception as exc:  # the acceptance is committed: it stands whatever happens here
        log.warning("OA manual merge of %s failed: %s", result.key, exc)
        result.manual = (
            f"OA 使用手册：{result.key} 已验收，但未能并入 / accepted, but the OA manual merge"
            f" failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            " (retry: changeflow manual merge)"
        )
    return result


def _approve_once(
    returned: Returned,
    spec: Signable,
    data: bytes,
    sha: str,
    name: str,
    actor: str,
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
        check_content(
            returned, verify_stored(document_path(sent).read_bytes(), str(sent.path), spec.kind)
        )
        done = _decided(session, req, spec.kind, returned.version)
        if done is not None:
            if done.evidence_sha256 == sha:  # SQLite has no row lock: it committed meanwhile
                return _result(done, duplicate=True)
            raise _already(source, done)
        _check_state(source, req, spec)
        signoff = parse_signoff(returned.signoff_raw, source, _window(sent))
        rows = parse_row_decisions(returned.rows_raw, source) if spec.row_decisions else []
        if signoff.decision == "approve":
            check_rows_accepted(rows, source)
        _check_date(source, signoff.decided_on, sent)
        per_row = {"requirements": [r.as_dict() for r in rows]} if rows else {}
        reject_target = None
        if signoff.decision == "reject" and spec.returns_to:
            reject_target = read_return_to(returned.signoff_raw, source)
        approval = write_approval(
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
            data={"signoff": signoff.raw, "kid": returned.kid, "source": Path(source).name,
                  **per_row},
            audit=per_row,
        )  # fmt: skip
        return _result(approval)


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


@recorded_act("decision")
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
    if spec is None or spec.subject != "request":
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
            if spec.kind == "plan":
                _refuse_draft(source, session, req, newest)
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
            approval = write_approval(
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

    return after_acceptance(_retrying(once), actor)


# --- the returned acceptance certificate ---------------------------------------------------


def accept_document(
    data: bytes, source: str, *, filename: str | None = None, actor: str = "changeflow"
) -> dict[str, Any]:
    """Verify a returned acceptance certificate and record the client's decision."""
    peek = read_returned(data, source)
    if peek.kind != "acceptance":
        raise Refused(
            source,
            "kind",
            f"this is a returned {peek.kind}, not an acceptance certificate"
            " (use 'changeflow approve' for it)",
            "unknown",
        )
    # a bad 退回至 value is refused before anything is written
    read_return_to(peek.signoff_raw, source)
    name = filename or Path(source).name
    result = record_returned(peek, signable("acceptance"), data, filename=name, actor=actor)
    out = result.as_dict()
    out["returned_to"] = None if result.decision == "approve" else out["state"]
    return out


def accept_file(path: Path, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow accept FILE``."""
    data = read_limited(Path(path))
    return accept_document(data, str(path), filename=Path(path).name, actor=actor)


# --- ``changeflow status KEY`` ------------------------------------------------------------

ROW_WORDS = {"passed": "通过", "failed": "不通过", None: "未勾选"}


def row_conclusions_line(rows: list[dict[str, Any]]) -> str:
    """需求1 通过; 需求2 不通过; 需求3 未勾选 (the client's conclusion per requirement row)."""
    return "; ".join(f"需求{r.get('no')} {ROW_WORDS.get(r.get('conclusion'), '?')}" for r in rows)


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """Decisions recorded for the request, and its kick-off."""
    from changeflow.db.approval import Kickoff

    rows = session.scalars(
        select(Approval).where(Approval.request_id == request.id).order_by(Approval.id)
    ).all()
    if not rows:
        return None
    out: dict[str, Any] = {}
    for a in rows:
        name = f"{a.subject_kind} v{a.subject_version}"
        out[name] = (
            f"{'approved' if a.decision == 'approve' else 'rejected'} by {a.approver} on"
            f" {a.decided_on} ({a.channel})" + (f": {a.comment}" if a.comment else "")
        )
        per_row = (a.data or {}).get("requirements") or []
        if per_row:
            out[f"{name} per requirement"] = row_conclusions_line(per_row)
    k = session.scalar(
        select(Kickoff).where(Kickoff.request_id == request.id).order_by(Kickoff.id.desc())
    )
    if k is not None:
        out["kickoff"] = f"{k.branch} at {k.base_commit[:10]}, {k.planned_start} - {k.planned_end}"
    return out
