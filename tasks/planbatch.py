"""Plans for many requests in one go: every request still waiting in ``submitted`` (or the
keys given), each through ``make_plan`` in its own transaction.

Why a batch: after a client sends a stack of task books (the inbox takes them in one pass)
the lead drafts all their plans at once; one flow run for the stack costs one process start
instead of one per request. One request that cannot be planned (no contract, wrong state)
does not stop the others: it is reported with its reason and the rest are made.

Two batches at once are safe: ``make_plan`` locks the request row before it looks, and
with the same inputs the second finds the plan the first made and keeps it (``unchanged``),
so no request ever gets two versions from a race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sqlalchemy import select

from changeflow.db.models import Request
from changeflow.db.planning import Plan
from changeflow.db.session import transaction
from changeflow.errors import ConflictError, InputError, NotFoundError, TransitionError

from .planning import make_plan

MAX_KEYS = 5000  # one batch; the form and the CLI refuse more

Outcome = Literal["planned", "unchanged", "refused"]


@dataclass
class BatchItem:
    key: str
    outcome: Outcome
    detail: str
    version: int | None = None
    total: str | None = None
    document: str | None = None


@dataclass
class PlanBatch:
    items: list[BatchItem] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[BatchItem]:
        return [i for i in self.items if i.outcome == outcome]

    @property
    def refused(self) -> list[BatchItem]:
        return self.of("refused")

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": len(self.of("planned")),
            "unchanged": len(self.of("unchanged")),
            "refused": len(self.refused),
            "items": [asdict(i) for i in self.items],
        }


def waiting_keys() -> list[str]:
    """Development and change requests in ``submitted`` without a plan (not even a draft),
    oldest first."""
    with transaction() as s:
        return list(
            s.scalars(
                select(Request.key)
                .where(
                    Request.state == "submitted",
                    Request.kind.in_(("dev", "change")),
                    ~select(Plan.id).where(Plan.request_id == Request.id).exists(),
                )
                .order_by(Request.id)
            )
        )


def plan_many(
    keys: Sequence[str] | None = None,
    *,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    issue: bool = False,
) -> PlanBatch:
    """Draft a plan for each of ``keys`` (default: every waiting request) with the
    contract's default estimates from the earliest start; a key given twice is planned
    once. With ``issue`` each is issued in turn, so each schedules around the ones before
    it (drafts hold nobody's days)."""
    if keys is not None and len(keys) > MAX_KEYS:
        raise InputError("keys", "keys", f"{len(keys)} keys; at most {MAX_KEYS} in one batch")
    todo = list(dict.fromkeys(k.strip() for k in keys)) if keys else waiting_keys()
    batch = PlanBatch()
    for key in todo:
        try:
            res = make_plan(key, lang=lang, actor=actor, channel=channel, issue=issue)
        except (InputError, NotFoundError, TransitionError, ConflictError) as exc:
            batch.items.append(BatchItem(key, "refused", str(exc)))
            continue
        unchanged = bool(res.get("unchanged"))
        batch.items.append(
            BatchItem(
                key,
                "unchanged" if unchanged else "planned",
                ("plan v{v} stands" if unchanged else "plan v{v} made").format(v=res["version"])
                + (" (draft)" if res["status"] == "draft" else " (issued)")
                + f", {res['total']} CNY, {res['start']} - {res['end']}",
                version=res["version"],
                total=res["total"],
                document=res["document"],
            )
        )
    return batch
