"""The plans: the newest plan of each request with its work items and milestones, on the dates
kick-off froze when development started from it (``kickoff.schedule``: the plan's own dates,
or moved as a whole when the approval came after the planned start); and next week's plan
(the work items of open requests that overlap next week)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from changeflow.db.approval import Kickoff
from changeflow.db.models import Person
from changeflow.db.planning import Milestone, Plan, WorkItem

from .period import Period

# requests that are over: shown with their final figures, never in next week's plan
CLOSED_STATES = ("accepted", "cancelled", "rejected", "closed")


@dataclass(frozen=True)
class Plans:
    """The newest plan per request id, and the work items and milestones per plan id."""

    plans: dict[int, Any]
    items: dict[int, list[Any]]
    miles: dict[int, list[Any]]


def newest_plans(session: Session, period: Period) -> Plans:
    """The newest plan of each of the client's requests, with its items and milestones."""
    client_req = period.request_ids()
    newest = (
        select(Plan.request_id, func.max(Plan.version).label("v"))
        .where(Plan.request_id.in_(client_req))
        .group_by(Plan.request_id)
        .subquery()
    )
    plans = {
        p.request_id: p
        for p in session.execute(
            select(
                Plan.id,
                Plan.request_id,
                Plan.version,
                Plan.person_days,
                Plan.start_date,
                Plan.end_date,
                Plan.provisional,
            ).join(newest, and_(newest.c.request_id == Plan.request_id, newest.c.v == Plan.version))
        )
    }
    plan_ids = [p.id for p in plans.values()]
    items: dict[int, list[Any]] = defaultdict(list)
    miles: dict[int, list[Any]] = defaultdict(list)
    if plan_ids:
        for it in session.execute(
            select(
                WorkItem.plan_id,
                WorkItem.seq,
                WorkItem.phase,
                WorkItem.role,
                WorkItem.title,
                WorkItem.person_days,
                WorkItem.start_date,
                WorkItem.end_date,
                WorkItem.provisional,
                Person.name,
            )
            .outerjoin(Person, Person.id == WorkItem.assignee_id)
            .where(WorkItem.plan_id.in_(plan_ids))
            .order_by(WorkItem.plan_id, WorkItem.seq)
        ):
            items[it.plan_id].append(it)
        for m in session.execute(
            select(
                Milestone.plan_id,
                Milestone.phase,
                Milestone.name,
                Milestone.day,
                Milestone.provisional,
            )
            .where(Milestone.plan_id.in_(plan_ids))
            .order_by(Milestone.plan_id, Milestone.day)
        ):
            miles[m.plan_id].append(m)
    return _frozen(session, plans, items, miles)


def _frozen(
    session: Session,
    plans: dict[int, Any],
    items: dict[int, list[Any]],
    miles: dict[int, list[Any]],
) -> Plans:
    """The plans with the dates kick-off froze for their version (one query)."""
    if not plans:
        return Plans(plans, items, miles)
    wanted = {(p.request_id, p.version): p for p in plans.values()}
    frozen = {
        (rid, v): (start, end, sched or {})
        for rid, v, start, end, sched in session.execute(
            select(
                Kickoff.request_id,
                Kickoff.plan_version,
                Kickoff.planned_start,
                Kickoff.planned_end,
                Kickoff.schedule,
            ).where(Kickoff.request_id.in_([p.request_id for p in plans.values()]))
        )
        if (rid, v) in wanted
    }
    out_plans, out_items, out_miles = dict(plans), dict(items), dict(miles)
    for (rid, v), (start, end, sched) in frozen.items():
        p = wanted[(rid, v)]
        out_plans[rid] = SimpleNamespace(**{**p._asdict(), "start_date": start, "end_date": end})
        slots = {
            it.get("seq"): (_day(it.get("start")), _day(it.get("end")))
            for it in sched.get("items", [])
        }
        out_items[p.id] = [
            SimpleNamespace(
                **{
                    **it._asdict(),
                    "start_date": slots.get(it.seq, (it.start_date, it.end_date))[0],
                    "end_date": slots.get(it.seq, (it.start_date, it.end_date))[1],
                }
            )
            for it in items.get(p.id, [])
        ]
        days = {m.get("phase"): _day(m.get("day")) for m in sched.get("milestones", [])}
        out_miles[p.id] = sorted(
            (
                SimpleNamespace(**{**m._asdict(), "day": days.get(m.phase) or m.day})
                for m in miles.get(p.id, [])
            ),
            key=lambda m: m.day,
        )
    return Plans(out_plans, defaultdict(list, out_items), defaultdict(list, out_miles))


def _day(text: Any) -> date | None:
    if isinstance(text, date) or text is None:
        return text
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def next_week_items(
    period: Period, reqs: dict[int, Any], shown: list[int], plans: Plans
) -> list[dict[str, Any]]:
    """Work items of the shown open requests' plans (faults and closed requests aside) that
    overlap next week, by start day and key."""
    next_mon, next_sun = period.next_mon, period.next_sun
    next_week: list[dict[str, Any]] = []
    for rid in shown:
        r = reqs[rid]
        if r.kind == "fault" or r.state in CLOSED_STATES or r.state == "on_hold":
            continue
        plan = plans.plans.get(rid)
        if plan is None:
            continue
        for it in plans.items[plan.id]:
            if (
                it.start_date
                and it.end_date
                and it.start_date <= next_sun
                and (it.end_date >= next_mon)
            ):
                next_week.append(
                    {
                        "key": r.key,
                        "title": it.title,
                        "phase": it.phase,
                        "role": it.role,
                        "who": it.name or "",
                        "start": it.start_date,
                        "end": it.end_date,
                        "person_days": it.person_days,
                        "provisional": bool(it.provisional),
                    }
                )
    next_week.sort(key=lambda x: (x["start"], x["key"]))
    return next_week
