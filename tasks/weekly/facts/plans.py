"""The plans: the newest plan of each request with its work items and milestones, and next
week's plan (the work items that overlap next week)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from changeflow.db.models import Person
from changeflow.db.planning import Milestone, Plan, WorkItem

from .period import Period


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
    return Plans(plans, items, miles)


def next_week_items(
    period: Period, reqs: dict[int, Any], shown: list[int], plans: Plans
) -> list[dict[str, Any]]:
    """Work items of the shown requests' plans (faults aside) that overlap next week, by
    start day and key."""
    next_mon, next_sun = period.next_mon, period.next_sun
    next_week: list[dict[str, Any]] = []
    for rid in shown:
        r = reqs[rid]
        if r.kind == "fault":
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
