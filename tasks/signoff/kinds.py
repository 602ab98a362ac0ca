"""Every kind of document a client signs, in ONE declared table.

A kind says which sign-off table it carries (``form``, see ``labels``), what the decision
is recorded on (a request, a dispatch order, a monthly SLA statement), the state its
subject waits in, where an approval and a rejection take it. The function that records the
decision lives with its subject; ``tasks.returned.RECORDERS`` names it, above both rooms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Signable:
    """A kind of document a client signs, and what its decision does."""

    kind: str
    name: tuple[str, str]  # (zh-CN, en)
    form: Literal["decision", "dispatch", "statement", "signin"]  # the sign-off table it carries
    # what the decision is recorded on: a request, a dispatch order, a monthly statement
    subject: Literal["request", "dispatch", "statement", "training", "upgrade"]
    awaiting: str  # the state the subject is in while we wait for the decision
    on_approve: str
    on_reject: str
    # the sign-off table has a 退回至 row naming where a rejection goes (acceptance)
    returns_to: bool = False
    # its tables carry a per-row conclusion column (验收结论 on every requirement row) the
    # client ticks: masked in the signature, read back per row (labels.row_decision_column)
    row_decisions: bool = False


KINDS: dict[str, Signable] = {
    "plan": Signable(
        "plan", ("实施计划和费用预算", "plan"), "decision", "request",
        "planned", "approved", "rejected",
    ),
    "acceptance": Signable(
        "acceptance", ("验收单", "acceptance certificate"), "decision", "request",
        "live", "accepted", "in_testing", returns_to=True, row_decisions=True,
    ),
    "dispatch": Signable(
        "dispatch", ("派工单", "dispatch order"), "dispatch", "dispatch",
        "done", "signed", "signed",
    ),
    "sla-report": Signable(
        "sla-report", ("月度服务对账单", "monthly SLA statement"), "statement", "statement",
        "issued", "agreed", "disputed",
    ),
    "settlement": Signable(
        "settlement", ("年度服务结算单", "annual service settlement"), "statement", "statement",
        "issued", "agreed", "disputed",
    ),
    "maintplan": Signable(
        "maintplan", ("日常维护服务计划", "maintenance plan"), "statement", "statement",
        "issued", "agreed", "disputed",
    ),
    # a training session's sign-in sheet: the attendees' register (its cells right of 序号
    # masked, read back per row) and the organiser's confirmation table
    "signin": Signable(
        "signin", ("培训签到表", "training sign-in sheet"), "signin", "training",
        "planned", "held", "held",
    ),
    # an install or upgrade of a server or the OA platform (tasks.upgrades): its plan
    "upgrade": Signable(
        "upgrade", ("升级方案", "upgrade plan"), "decision", "upgrade",
        "planned", "approved", "rejected",
    ),
}  # fmt: skip


def signable(kind: str | None) -> Signable | None:
    """The declared kind, or None for a document that takes no decision."""
    return KINDS.get(kind) if kind else None


def rows_of(kind: str | None) -> bool:
    """Whether documents of ``kind`` carry a per-row conclusion column."""
    spec = signable(kind)
    return bool(spec and spec.row_decisions)
