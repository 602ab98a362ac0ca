"""Estimates learned from history: a draft's person-days per requirement and role from
similar past requirements of the same client, with the spread of their actual/planned
ratios, and what the suggestion is based on.

History is read, not guessed: for each accepted request of the client, the plan the client
approved (planned person-days per requirement and role) beside the time booked on the
request (``@2h`` tokens in linked commits, ``TimeEntry``), spread over that person's work
items in proportion to what was planned for them; the modules are the top folders the
linked commits touched. Similarity: shared words of the requirement and acceptance text
(Chinese as character pairs, other text as words) and shared modules.

A suggestion is a starting point for the lead, never sent to the client as such: the draft
carries it, the lead accepts or edits it, and without history the contract's estimation
defaults stand.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Contract, Request

from ..servicedays import approved_plan
from .estimating import Estimate

HALF = Decimal("0.5")
MIN_SIMILARITY = 0.25
NEIGHBOURS = 5
RELATIVE = 0.6  # a neighbour is at least this fraction as similar as the best one
_WORD = re.compile(r"[a-z0-9_]+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Past:
    """One past requirement's work in one role: planned beside actual person-days."""

    key: str
    no: int
    text: str
    role: str
    planned: Decimal
    actual: Decimal
    modules: frozenset[str] = frozenset()
    words: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass
class Suggestion:
    role: str
    person_days: Decimal
    based_on: list[str]  # "KEY #no"
    ratio_low: Decimal
    ratio_median: Decimal
    ratio_high: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "person_days": format(self.person_days, "f"),
            "based_on": self.based_on,
            "ratio": {
                "low": format(self.ratio_low, "f"),
                "median": format(self.ratio_median, "f"),
                "high": format(self.ratio_high, "f"),
            },
        }


def words(*texts: str) -> frozenset[str]:
    """Comparable units of text: Chinese character pairs, and lower-case words."""
    out: set[str] = set()
    for text in texts:
        low = (text or "").lower()
        out.update(_WORD.findall(low))
        for run in _CJK.findall(low):
            out.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return frozenset(out)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def similarity(w: frozenset[str], modules: frozenset[str], past: Past) -> float:
    text = _jaccard(w, past.words)
    if modules and past.modules:
        return 0.7 * text + 0.3 * _jaccard(modules, past.modules)
    return text


def _half(d: Decimal) -> Decimal:
    return max(HALF, (d / HALF).quantize(Decimal(1), ROUND_HALF_UP) * HALF)


def suggest(
    text: str,
    acceptance: str,
    roles: list[str],
    history: list[Past],
    modules: frozenset[str] = frozenset(),
    k: int = NEIGHBOURS,
) -> dict[str, Suggestion]:
    """Person-days per role for a requirement from its ``k`` most similar past ones (the
    similarity-weighted mean of their actuals, in half days); roles with no similar past
    requirement get none (the defaults stand). Neighbours are at least ``MIN_SIMILARITY``
    alike and at least ``RELATIVE`` as alike as the best one."""
    w = words(text, acceptance)
    out: dict[str, Suggestion] = {}
    for role in roles:
        scored = sorted(
            ((similarity(w, modules, p), p) for p in history if p.role == role),
            key=lambda sp: (-sp[0], sp[1].key, sp[1].no),
        )
        best = scored[0][0] if scored else 0.0
        # the closest ones only: at least MIN_SIMILARITY and near the best match
        near = [(s, p) for s, p in scored if s >= max(MIN_SIMILARITY, RELATIVE * best)][:k]
        if not near:
            continue
        weight = sum(s for s, _ in near)
        mean = sum(Decimal(str(s)) * p.actual for s, p in near) / Decimal(str(weight))
        ratios = sorted(p.actual / p.planned for _, p in near if p.planned > 0)
        q = Decimal("0.01")
        out[role] = Suggestion(
            role,
            _half(mean),
            [f"{p.key} #{p.no}" for _, p in near],
            ratios[0].quantize(q) if ratios else Decimal(0),
            Decimal(statistics.median(ratios)).quantize(q) if ratios else Decimal(0),
            ratios[-1].quantize(q) if ratios else Decimal(0),
        )
    return out


def history_for(session: Session, contract: Contract, exclude_request_id: int | None) -> list[Past]:
    """Past requirements of the contract's client: accepted requests' approved plans beside
    the time booked on them."""
    per_day = Decimal(contract.hours_per_service_day) or Decimal(8)
    out: list[Past] = []
    for req in session.scalars(
        select(Request).where(Request.client_id == contract.client_id, Request.state == "accepted")
    ):
        if req.id == exclude_request_id:
            continue
        plan = approved_plan(session, req)
        if plan is None:
            continue
        booked: dict[int, Decimal] = defaultdict(Decimal)
        for person_id, h in session.execute(
            select(TimeEntry.person_id, TimeEntry.hours).where(TimeEntry.request_id == req.id)
        ):
            if person_id is not None:
                booked[person_id] += Decimal(h)
        if not booked:
            continue
        planned_by_person: dict[int, Decimal] = defaultdict(Decimal)
        for it in plan.items:
            if it.assignee_id is not None:
                planned_by_person[it.assignee_id] += Decimal(it.person_days)
        modules = frozenset(
            p.split("/", 1)[0]
            for paths in session.scalars(
                select(Commit.paths)
                .join(CommitLink, CommitLink.commit_id == Commit.id)
                .where(CommitLink.request_id == req.id)
            )
            for p in (paths or "").splitlines()
            if "/" in p
        )
        reqs = {r.no: r for r in req.requirements}
        cell: dict[tuple[int, str], list[Decimal]] = {}
        for it in plan.items:
            if it.requirement_no not in reqs or it.assignee_id is None:
                continue
            share = Decimal(it.person_days) / planned_by_person[it.assignee_id]
            actual = booked.get(it.assignee_id, Decimal(0)) / per_day * share
            c = cell.setdefault((it.requirement_no, it.role), [Decimal(0), Decimal(0)])
            c[0] += Decimal(it.person_days)
            c[1] += actual
        for (no, role), (planned, actual) in sorted(cell.items()):
            r = reqs[no]
            out.append(
                Past(
                    req.key,
                    no,
                    r.text,
                    role,
                    planned,
                    actual.quantize(Decimal("0.01"), ROUND_HALF_UP),
                    modules,
                    words(r.text, r.acceptance),
                )
            )
    return out


def apply_history(
    session: Session, req: Request, contract: Contract, items: list[Estimate]
) -> tuple[list[Estimate], list[dict[str, Any]]]:
    """The default items with person-days suggested from history where there is some; and
    what each suggestion is based on (kept in the draft for the lead, not sent)."""
    history = history_for(session, contract, req.id)
    if not history:
        return items, []
    reqs = {r.no: r for r in req.requirements}
    notes: list[dict[str, Any]] = []
    out: list[Estimate] = []
    cache: dict[int, dict[str, Suggestion]] = {}
    for e in items:
        r = reqs.get(e.requirement_no) if e.requirement_no is not None else None
        if r is None:
            out.append(e)
            continue
        if r.no not in cache:
            roles = sorted({x.role for x in items if x.requirement_no == r.no})
            cache[r.no] = suggest(r.text, r.acceptance, roles, history)
        sug = cache[r.no].get(e.role)
        if sug is None:
            out.append(e)
            continue
        out.append(replace(e, person_days=sug.person_days))
        notes.append({"requirement": r.no, "default": format(e.person_days, "f")} | sug.as_dict())
    return out, notes
