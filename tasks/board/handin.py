"""A hand-in's own account, for its flow run: what was recorded (the document and its
version, the client's decision, who signed, the client's comment), the request's state after
it and its next step, and the run's name ("批准 CR-2026-0001 实施计划和费用预算 第1版").

Read after the recording (the inbox, the mailbox and the hand-in page record through
``inbox.take_in``; this only reads what they wrote).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from changeflow.bilingual import (
    BOARD_NEXT,
    BOARD_WAITS,
    BOARD_WORDS,
    HANDIN_WORDS,
    REQUEST_STATES,
    SERVICE_STATES,
    both,
    pick,
)
from changeflow.db.approval import Approval
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.mdtext import md

from .steps import Step, next_step


@dataclass
class HandInFact:
    """What one handed-in file recorded."""

    name: str  # the flow run's name
    key: str | None
    outcome: str  # intake | decision | duplicate | other
    document: str = ""  # 实施计划和费用预算 第1版
    decision: str = ""  # approve | reject
    approver: str = ""
    comment: str = ""
    state: str = ""
    step: Step | None = None
    detail: str = ""
    manual: str = ""  # an acceptance: what became of the client's OA manual

    def markdown(self, lang: str) -> str:
        """The hand-in run's artifact (without the closing next/board lines)."""

        def w(word: str) -> str:
            return both(BOARD_WORDS[word], lang)

        lines = [f"# {w('handin')}: {md(self.name)}", ""]
        if self.document:
            lines.append(f"- {w('docs')}: {md(self.document)}")
        if self.decision:
            lines.append(f"- {w('decision')}: **{w(self.decision)}**")
        if self.approver:
            lines.append(f"- {w('by')}: {md(self.approver)}")
        if self.decision or self.comment:
            lines.append(f"- {w('comment')}: {md(self.comment) if self.comment else w('none')}")
        if self.state:
            state = both(REQUEST_STATES.get(self.state, (self.state, self.state)), lang)
            lines.append(f"- {w('state')}: **{state}**")
        if self.step is not None:
            waits = both(BOARD_WAITS[self.step.waits], lang)
            lines.append(f"- {w('waits')}: {waits}")
        if self.detail and not self.decision:  # a decision says it all above
            lines.append(f"- {w('recorded')}: {md(self.detail)}")
        if self.manual:
            lines.append(f"- {both(HANDIN_WORDS['manual'], lang)}: {md(self.manual)}")
        return "\n".join(lines)

    def next_text(self, lang: str) -> str:
        """The next step in words (the run's closing line names its deployment)."""
        if self.step is None:
            return ""
        return both(BOARD_NEXT[self.step.step], lang)


def _decision_word(kind: str, decision: str, lang: str) -> str:
    if decision == "approve" and kind == "acceptance":
        return pick(REQUEST_STATES["accepted"], lang)
    return pick(BOARD_WORDS["approve" if decision == "approve" else "reject"], lang)


def hand_in_fact(
    key: str | None, outcome: str, *, detail: str = "", filename: str = "", lang: str = "zh-CN"
) -> HandInFact:
    """What a hand-in of ``key`` recorded (``outcome`` as ``inbox.InboxItem`` says it)."""
    from ..documents.names import document_label

    if key and key.upper().startswith("FW-"):
        return _service_fact(key, outcome, detail=detail, filename=filename, lang=lang)
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key)) if key else None
        if req is None:
            return HandInFact(
                name=f"{pick(BOARD_WORDS['handin'], lang)} {key or filename}".strip(),
                key=key, outcome="other", detail=detail,
            )  # fmt: skip

        step = next_step(req.state, fault=req.kind == "fault")
        if outcome == "intake":
            return HandInFact(
                name=f"{pick(BOARD_WORDS['intake'], lang)} {req.key}",
                key=req.key, outcome="intake", document=document_label("taskbook", 1, lang),
                state=req.state, step=step, detail=detail,
            )  # fmt: skip
        a = s.scalar(
            select(Approval).where(Approval.request_id == req.id).order_by(Approval.id.desc())
        )
        if a is None:
            return HandInFact(
                name=f"{pick(BOARD_WORDS['handin'], lang)} {req.key}", key=req.key,
                outcome="other", state=req.state, step=step, detail=detail,
            )  # fmt: skip
        doc = document_label(a.subject_kind, a.subject_version, lang)
        word = _decision_word(a.subject_kind, a.decision, lang)
        manual = ""
        if a.subject_kind == "acceptance" and req.state == "accepted":
            manual = _manual_line(s, req, lang)
        return HandInFact(
            name=f"{word} {req.key} {doc}",
            key=req.key,
            outcome=outcome,
            document=doc,
            decision=a.decision,
            approver=a.approver,
            comment=a.comment or "",
            state=req.state,
            step=step,
            detail=detail,
            manual=manual,
        )


def _manual_line(session: Any, req: Request, lang: str) -> str:
    """The OA manual version an accepted request's chapters went into, or that it has none
    (read: the acceptance merged it, ``oamanual.merge_request``)."""
    from changeflow.db.training import OaManualVersion

    for v in session.scalars(
        select(OaManualVersion)
        .where(OaManualVersion.contract_id == req.contract_id)
        .order_by(OaManualVersion.version)
    ):
        if req.key in (v.requests or []):
            return pick(HANDIN_WORDS["merged"], lang).format(v=v.version)
    return pick(HANDIN_WORDS["not_merged"], lang)


def _service_fact(
    key: str, outcome: str, *, detail: str, filename: str, lang: str
) -> HandInFact:
    """A service request (FW-…) a client's form made, or its requester confirmed: its state."""
    from changeflow.db.servicereq import ServiceRequest

    verb = "confirmed" if outcome == "confirmed" else "service"
    with transaction() as s:
        sr = s.scalar(select(ServiceRequest).where(ServiceRequest.key == key.upper()))
        if sr is None:
            return HandInFact(
                name=f"{pick(BOARD_WORDS['handin'], lang)} {key or filename}".strip(),
                key=key, outcome="other", detail=detail,
            )  # fmt: skip
        return HandInFact(
            name=f"{pick(HANDIN_WORDS[verb], lang)} {sr.key} {sr.title}",
            key=sr.key, outcome=outcome, document=pick(HANDIN_WORDS["form"], lang),
            approver=sr.requester, state="",
            detail=f"{detail}；{both(SERVICE_STATES[sr.state], lang)}" if detail
            else both(SERVICE_STATES[sr.state], lang),
        )  # fmt: skip


def as_dict(fact: HandInFact) -> dict[str, Any]:
    return {
        "name": fact.name,
        "key": fact.key,
        "outcome": fact.outcome,
        "document": fact.document,
        "decision": fact.decision,
        "approver": fact.approver,
        "comment": fact.comment,
        "state": fact.state,
        "next": fact.step.step if fact.step else None,
    }
