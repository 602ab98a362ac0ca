"""Acceptance (验收): the certificate we issue after go-live, and the client's returned copy.

The certificate lists the deliverables (documents with their versions, the release tag)
in tables covered by the signature (tasks/signed.py); the client fills its sign-off table
and returns it. The returned file goes through the SAME verified path as a plan approval
(``tasks.approval.approve_document``: signature, unchanged tables compared with the stored
copy, newest version only, once only, the decision and the state change in one
transaction with the archived evidence). Accepted: the request is ``accepted`` (final).
Not accepted: back to ``in_testing`` with the client's reasons, or on to
``in_development`` when the client wrote so under "return to".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import load_for_update
from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, next_version, put_document
from changeflow.docs_templates.tpl_acceptance import RETURN_TO, SIGNOFF_FIELDS, TITLE
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from .approval import Signable, approve_document, register_signable
from .inputs import clean_text, open_docx, read_limited
from .signed import Refused, normalise, read_returned, sign_document, signoff_field, table_rows
from .testing import actor_name, tests_line

KIND = "acceptance"


def _reject_to(data: bytes, source: str) -> str | None:
    return read_return_to(data, source)


SPEC = Signable(
    KIND, "live", "accepted", "in_testing", ("验收单", "acceptance certificate"),
    reject_to=_reject_to,
)  # fmt: skip
register_signable(SPEC)

# Labels every version of the returned-document reader knows (the plan's sign-off labels):
# used for a field whose acceptance label (验收结论, 验收人) the reader does not know yet.
FALLBACK_LABELS = {
    "decision": ("决定", "Decision"),
    "approver": ("审批人", "Approver"),
    "date": ("日期", "Date"),
    "comment": ("意见", "Comment"),
}
# deliverable kinds in the order they are listed: kind -> (zh-CN, en)
DELIVERABLES: dict[str, tuple[str, str]] = {
    "plan": ("实施计划和费用预算", "Implementation plan and cost budget"),
    "testreport": ("测试报告", "Test report"),
    "techdoc": ("技术文档", "Technical document"),
    "manual": ("用户手册", "User manual"),
    "golive": ("上线记录", "Go-live record"),
}
RETURN_VALUES = {
    "测试": "in_testing",
    "testing": "in_testing",
    "test": "in_testing",
    "开发": "in_development",
    "development": "in_development",
    "dev": "in_development",
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


def signoff_labels(lang: str) -> dict[str, str]:
    """The sign-off labels to print: 验收结论/验收人 when the reader recognises them."""
    out = {}
    for name, pair in SIGNOFF_FIELDS.items():
        label = _pick(pair, lang)
        out[name] = label if signoff_field(label) == name else _pick(FALLBACK_LABELS[name], lang)
    return out


# --- issuing the certificate -----------------------------------------------------------


def _newest(session: Session, req: Request, kind: str, lang: str) -> Document | None:
    docs = session.scalars(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == kind)
        .order_by(Document.version.desc(), Document.id.desc())
    ).all()
    same = [d for d in docs if d.lang == lang]
    return (same or docs or [None])[0]


def _shown_name(doc: Document) -> str:
    """The stored file's name without the store's ``v<n>-<lang>-`` prefix."""
    return Path(doc.path).name.removeprefix(f"v{doc.version}-{doc.lang}-")


def deliverables(
    session: Session, req: Request, lang: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The deliverables rows and what is missing (warnings)."""
    from .golive import latest_release

    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for kind, names in DELIVERABLES.items():
        doc = _newest(session, req, kind, lang)
        if doc is None:
            missing.append(kind)
            continue
        rows.append(
            {
                "kind": kind,
                "name": _pick(names, lang),
                "version": f"v{doc.version}",
                "ident": f"{_shown_name(doc)} · SHA-256 {doc.sha256[:16]}",
            }
        )
    rel = latest_release(session, req)
    if rel is not None:
        rows.append(
            {
                "kind": "release",
                "name": _pick(("发布标签（程序代码）", "Release tag (code)"), lang),
                "version": f"v{rel.version}",
                "ident": f"{rel.tag} @ {rel.commit_sha[:12]}",
            }
        )
    for i, r in enumerate(rows, start=1):
        r["no"] = i
    return rows, missing


def certificate_context(
    session: Session, req: Request, version: int, lang: str, issued: datetime
) -> dict[str, Any]:
    from .golive import latest_release

    tz = get_settings().tz
    rel = latest_release(session, req)
    if rel is None:
        raise TransitionError(req.key, req.state, "accepted", "it has no release (golive)")
    contract = req.contract
    rows, _ = deliverables(session, req, lang)
    run = rel.test_run
    labels = signoff_labels(lang)
    return {
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "version": version,
        "release": f"v{rel.version}",
        "released_at": rel.released_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "our_lead": contract.our_lead.name if contract and contract.our_lead else "",
        "client_lead": contract.lead.name if contract and contract.lead else "",
        "issued": issued.astimezone(tz).date().isoformat(),
        "requirements": [
            {"no": r.no, "text": r.text, "acceptance": r.acceptance or "—"}
            for r in req.requirements
        ],
        "deliverables": rows,
        "tests": tests_line(run, lang) if run else "—",
        "tag": rel.tag,
        "commit": rel.commit_sha,
        **{f"l_{name}": label for name, label in labels.items()},
    }


@dataclass
class Certificate:
    key: str
    version: int
    lang: str
    state: str
    deliverables: list[dict[str, Any]]
    missing: list[str]
    document: str
    sha256: str
    unchanged: bool = False  # the newest certificate already says all this: it stands

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def issue_certificate(
    key: str, *, lang: str | None = None, actor: str | None = None, new_version: bool = False
) -> Certificate:
    """Issue the next version of the acceptance certificate (验收单) of a live request.

    When the newest certificate in this language already says the same (same release,
    deliverables, requirements, tests and template), it stands: a retried run after a crash
    never sends the client a second identical certificate; ``new_version`` issues one anyway."""
    from changeflow.db.types import utcnow

    from .wordkit import clean, document_digest, render

    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    actor = clean_text(actor or actor_name(), 120) or "changeflow"
    with transaction() as session:
        if session.scalar(select(Request.id).where(Request.key == key)) is None:
            raise NotFoundError(f"no request {key}")
        req = load_for_update(session, key)
        if req.state != "live":
            raise TransitionError(
                key, req.state, "accepted", "an acceptance certificate is issued once it is live"
            )
        version = next_version(session, req, KIND, lang)
        issued = utcnow().replace(microsecond=0)
        ctx = certificate_context(session, req, version, lang, issued)
        # what the certificate says, less its version and date of issue
        digest = document_digest(
            "acceptance", lang, {k: v for k, v in ctx.items() if k not in ("version", "issued")}
        )
        newest = session.scalar(
            select(Document)
            .where(Document.request_id == req.id, Document.kind == KIND, Document.lang == lang)
            .order_by(Document.version.desc())
            .limit(1)
        )
        if not new_version and newest is not None and (newest.meta or {}).get("inputs") == digest:
            _, missing = deliverables(session, req, lang)
            return Certificate(
                key=key,
                version=newest.version,
                lang=lang,
                state=req.state,
                deliverables=ctx["deliverables"],
                missing=missing,
                document=str(document_path(newest)),
                sha256=newest.sha256,
                unchanged=True,
            )
        data = render(
            "acceptance",
            ctx,
            lang=lang,
            title=f"{_pick(TITLE, lang)} {key} v{version}",
            subject=clean(req.title),
            author=actor,
            when=issued,
            custom_properties={"changeflow.release": ctx["tag"]},
            finish=lambda doc: sign_document(
                doc, kind=KIND, request=key, version=version, lang=lang
            ),
        )
        doc = put_document(
            session,
            data,
            kind=KIND,
            request=req,
            filename=f"{key}-acceptance-v{version}.docx",
            version=version,
            lang=lang,
            meta={"release": ctx["tag"], "issued_by": actor, "inputs": digest},
        )
        _, missing = deliverables(session, req, lang)
        return Certificate(
            key=key,
            version=version,
            lang=lang,
            state=req.state,
            deliverables=ctx["deliverables"],
            missing=missing,
            document=str(document_path(doc)),
            sha256=doc.sha256,
        )


# --- the returned certificate --------------------------------------------------------------


def _return_to_labels() -> set[str]:
    out = set()
    for label in (*RETURN_TO, "退回至", "return to"):
        key = normalise(label).lower().rstrip(":：").strip()
        out.add(key)
        out.add(re.sub(r"\s*\(.*?\)\s*", "", key).strip())
    return out


def read_return_to(data: bytes, source: str) -> str | None:
    """The state a not-accepted request returns to, from the sign-off table (None: blank)."""
    doc = open_docx(data, source)
    labels = _return_to_labels()
    value = None
    for t in doc.tables:
        for row in table_rows(t._tbl):
            if row and normalise(row[0]).lower().rstrip(":：").strip() in labels:
                value = " ".join(c for c in row[1:] if c != row[0]).strip()
    if not value:
        return None
    bare = normalise(value).lower().strip(" .。")
    if bare in RETURN_VALUES:
        return RETURN_VALUES[bare]
    raise Refused(
        source,
        "return to",
        f"'{value[:40]}' is neither 测试 (testing) nor 开发 (development)",
        "decision",
    )


def accept_document(
    data: bytes, source: str, *, filename: str | None = None, actor: str = "changeflow"
) -> dict[str, Any]:
    """Verify a returned acceptance certificate and record the client's decision."""
    peek = read_returned(data, source)
    if peek.kind != KIND:
        raise Refused(
            source,
            "kind",
            f"this is a returned {peek.kind}, not an acceptance certificate"
            " (use 'changeflow approve' for it)",
            "unknown",
        )
    read_return_to(data, source)  # a bad 退回至 value is refused before anything is written
    result = approve_document(data, source, filename=filename, actor=actor)
    out = result.as_dict()
    out["returned_to"] = None if result.decision == "approve" else out["state"]
    return out


def accept_file(path: Path, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow accept FILE``."""
    data = read_limited(Path(path))
    return accept_document(data, str(path), filename=Path(path).name, actor=actor)
