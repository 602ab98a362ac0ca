"""``build_week``: the facts of one client's week gathered and put together as the report's
data (plain data: dates, Decimals, lists and dicts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Client, Person
from changeflow.db.types import utcnow

from ...contracts import contractor_of
from ..week import shift_week
from .activity import (
    client_requests,
    distinct_commits,
    period_activity,
    period_hours_total,
    shown_requests,
)
from .burnup import burnup_series
from .days import day_cells, days_out
from .people import people_of, week_people_out
from .period import person_days_of, report_period
from .plans import newest_plans, next_week_items
from .progress import (
    delay_risks,
    first_arrivals,
    hours_to_date,
    request_progress,
    working_days,
)
from .service import run_log_days, sla_breaches, watch, week_service


def build_week(
    session: Session,
    client: Client,
    week: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the report shows for ``client`` and ``week``, as plain data."""
    period = report_period(session, client, week)
    contract, rule, due, per_day = period.contract, period.rule, period.due, period.per_day
    reqs = client_requests(session, period)
    act = period_activity(session, period)
    arrivals = first_arrivals(session, period)
    plans = newest_plans(session, period)
    shown, active_ids = shown_requests(reqs, act)
    generated = (now or utcnow()).astimezone(period.tz)
    # the report's day: progress is as of the day it is made, at most the week's Sunday
    as_of = max(min(generated.date(), period.end), period.start - timedelta(days=1))
    days = days_out(
        period,
        reqs,
        day_cells(period, act),
        run_log_days(session, contract, period.start, period.end),
        generated.date(),
    )
    week_people, req_people = people_of(reqs, act)
    cum_hours, hours_by_day, by_req_day = hours_to_date(session, period, shown, as_of)
    wd = working_days(period, plans, shown)
    requests_out = request_progress(
        period, reqs, shown, plans, arrivals, cum_hours, req_people, wd, as_of, by_req_day
    )
    risks = delay_risks(requests_out)
    risks.extend(sla_breaches(session, client.id, period.t0, period.t1, period.tz, generated))
    next_week = next_week_items(period, reqs, shown, plans)
    service = week_service(session, contract, period, shown)
    people_out = week_people_out(week_people)
    chart = burnup_series(
        wd,
        [(plans.plans[r], plans.items[plans.plans[r].id]) for r in shown if r in plans.plans],
        hours_by_day,
        per_day,
        as_of,
    )
    week_hours = period_hours_total(act)
    week_days_in = [d for d in days if d["in_week"]]
    provisional = any(d["provisional"] for d in days)
    return {
        "client": {"id": client.id, "code": client.code, "name": client.name},
        "contractor": contractor_of(contract),
        "contract": (
            {"id": contract.id, "code": contract.code, "title": contract.title}
            if contract
            else None
        ),
        "client_lead": _person_out(contract.lead if contract else None),
        "our_lead": _person_out(contract.our_lead if contract else None),
        "week": week,
        "week_start": period.mon,
        "week_end": period.sun,
        "period_start": period.start,
        "period_end": period.end,
        "rule": {"cron": rule.cron, "weekday": rule.weekday, "at": rule.at.strftime("%H:%M")},
        "due_at": due,
        "report_day": due.date() if due else None,
        "generated_at": generated,
        "as_of": as_of,
        "days_to_come": sum(1 for d in days if d["future"]),
        "working_days": sum(1 for d in week_days_in if d["working"]),
        "days_off": [d for d in week_days_in if not d["working"]],
        "days": days,
        "requests": requests_out,
        "people": people_out,
        "risks": risks,
        "service": service,  # the week's dispatch orders and faults; next week's orders
        "next_week": {
            "week": shift_week(week, 1),
            "start": period.next_mon,
            "end": period.next_sun,
            "items": next_week,
        },
        "totals": {
            "commits": distinct_commits(act),
            "hours": week_hours,
            "person_days": person_days_of(week_hours, per_day),
            "requests": len(shown),
            "active_requests": len(active_ids),
            "people": len(people_out),
        },
        "hours_per_day": per_day,
        # training sessions (培训) of the week: one line in the report (tasks.training)
        "training": _training(session, contract, period.mon, period.sun),
        "provisional": provisional,
        "chart": chart,
        "watch": watch(contract, period.start, period.end, generated),
        "empty": not act.commits and not act.hours and not act.events and not act.documents,
        # the week's service requests (tasks/servicereq), rows in each language
        "service_requests": _services(session, contract, period.start, period.end),
        # the names of the contract's people: a client document shows anyone else as 乙方
        "known_people": sorted(session.scalars(select(Person.name)).all()),
    }


def _person_out(p: Person | None) -> dict[str, Any] | None:
    return {"name": p.name, "email": p.email} if p is not None else None


def _training(session: Any, contract: Any, first: Any, last: Any) -> list[dict[str, Any]]:
    from ...training.summary import sessions_in

    return sessions_in(session, contract, first, last)
def _services(
    session: Session, contract: Any, first: Any, last: Any
) -> dict[str, list[dict[str, Any]]]:
    if contract is None:
        return {}
    from ...servicereq.reports import period_services

    return {lang: period_services(session, contract.id, first, last, lang) for lang in LANGS}


LANGS = ("zh-CN", "en")
