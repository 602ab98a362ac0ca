"""Progress against the newest plan (on kick-off's frozen dates), as of the report's day (the
day it is made, at most the week's Sunday): person-days planned to date on working days,
done from booked time, the delay in working days read from those same two numbers, the
milestones (done when the request first reaches the state that ends the phase; analysis,
which no state ends, when the booked time reached what was planned up to its day; else late
once past their day) and the risks that follow. Accepted and cancelled requests are closed:
shown with their final figures, accepted at 100 %."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, TimeEntry
from changeflow.db.models import RequestEvent

from .activity import reachable_or_manual
from .people import request_people_out
from .period import Period, WorkingDays, as_utc, person_days_of
from .plans import CLOSED_STATES, Plans

# the state whose first arrival ends a phase (analysis has none: never judged late)
PHASE_DONE: dict[str, tuple[str, ...]] = {
    "analysis": ("in_testing", "live", "accepted"),
    "development": ("in_testing", "live", "accepted"),
    "testing": ("live", "accepted"),
    "golive": ("live", "accepted"),
    "acceptance": ("accepted",),
}


def first_arrivals(session: Session, period: Period) -> dict[int, dict[str, date]]:
    """First arrival in each state (milestone completion), whole history up to the period end:
    request id -> state -> local day."""
    arrivals: dict[int, dict[str, date]] = defaultdict(dict)
    for rid, state, first_at in session.execute(
        select(RequestEvent.request_id, RequestEvent.to_state, func.min(RequestEvent.at))
        .where(RequestEvent.request_id.in_(period.request_ids()), RequestEvent.at < period.t1)
        .group_by(RequestEvent.request_id, RequestEvent.to_state)
    ):
        arrivals[rid][state] = as_utc(first_at).astimezone(period.tz).date()
    return arrivals


def hours_to_date(
    session: Session, period: Period, shown: list[int], as_of: date | None = None
) -> tuple[dict[int, Decimal], dict[date, Decimal], dict[int, dict[date, Decimal]]]:
    """Cumulative hours per request up to ``as_of`` (default: the end of the period), per day
    for the shown requests (the burn-up), and per request and day."""
    cum_rows = session.execute(
        select(TimeEntry.request_id, TimeEntry.day, TimeEntry.hours, func.count())
        .outerjoin(Commit, Commit.id == TimeEntry.commit_id)
        .where(
            TimeEntry.request_id.in_(period.request_ids()),
            reachable_or_manual(),
            TimeEntry.day <= (as_of or period.end),
        )
        .group_by(TimeEntry.request_id, TimeEntry.day, TimeEntry.hours)
    ).all()
    cum_hours: dict[int, Decimal] = defaultdict(Decimal)
    hours_by_day: dict[date, Decimal] = defaultdict(Decimal)
    by_req_day: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    shown_set = set(shown)
    for rid, day, hours, n in cum_rows:
        h = Decimal(hours) * n
        cum_hours[rid] += h
        by_req_day[rid][day] += h
        if rid in shown_set:
            hours_by_day[day] += h
    return cum_hours, hours_by_day, by_req_day


def working_days(period: Period, plans: Plans, shown: list[int]) -> WorkingDays:
    """The working days from the first plan start (or the period start) to the last plan end
    (at least the end of next week)."""
    start, end, sun = period.start, period.end, period.sun
    plan_first = min((plans.plans[r].start_date for r in shown if r in plans.plans), default=start)
    plan_last = max((plans.plans[r].end_date for r in shown if r in plans.plans), default=end)
    return WorkingDays(
        period.cal, min(plan_first, start), max(plan_last, end, sun + timedelta(days=7))
    )


def request_progress(
    period: Period,
    reqs: dict[int, Any],
    shown: list[int],
    plans: Plans,
    arrivals: dict[int, dict[str, date]],
    cum_hours: dict[int, Decimal],
    req_people: dict[int, dict[str, dict[str, Any]]],
    wd: WorkingDays,
    as_of: date,
    by_req_day: dict[int, dict[date, Decimal]] | None = None,
) -> list[dict[str, Any]]:
    """Per shown request (faults aside: they show in the days and the risks): planned and
    done person-days, progress, delay and milestones as of ``as_of``."""
    per_day = period.per_day
    requests_out = []
    for rid in shown:
        r = reqs[rid]
        if r.kind == "fault":  # faults show in the days and the risks, not as progress
            continue
        closed = r.state in CLOSED_STATES
        plan = plans.plans.get(rid)
        done_pd = person_days_of(cum_hours.get(rid, Decimal(0)), per_day)
        planned = planned_now = None
        ms_out: list[dict[str, Any]] = []
        ms_slip = behind_days = 0
        if plan is not None:
            its = plans.items[plan.id]
            planned = plan.person_days
            planned_now = planned_by(wd, its, as_of)
            if r.state == "accepted":
                planned_now = planned
            daily = (by_req_day or {}).get(rid, {})
            ms_out, ms_slip = milestones_of(
                wd,
                plans.miles[plan.id],
                arrivals.get(rid, {}),
                r.state,
                as_of,
                reached=lambda day, _its=its, _d=daily: _reached_on(wd, _its, _d, per_day, day),
            )
            if not closed:
                behind_days = behind_working_days(wd, its, done_pd, as_of)
        pct = None
        if r.state == "accepted":
            pct = Decimal("100.0")
        elif planned:
            pct = min(done_pd / planned * 100, Decimal(100)).quantize(Decimal("0.1"))
        ahead = None
        if planned_now is not None and not closed:
            ahead = (done_pd - planned_now).quantize(Decimal("0.01"))
        requests_out.append(
            {
                "key": r.key,
                "title": r.title,
                "kind": r.kind,
                "state": r.state,
                "closed": closed,
                "plan_version": plan.version if plan else None,
                "plan_start": plan.start_date if plan else None,
                "plan_end": plan.end_date if plan else None,
                "planned_person_days": planned,
                "planned_to_date": planned_now,
                "done_person_days": done_pd,
                "hours_logged": cum_hours.get(rid, Decimal(0)),
                "progress_pct": pct,
                "ahead_person_days": ahead,
                "behind_working_days": behind_days,
                "milestone_slip_working_days": ms_slip,
                "slip_working_days": max(behind_days, ms_slip),
                "milestones": ms_out,
                "people": request_people_out(req_people, rid),
            }
        )
    return requests_out


def planned_by(wd: WorkingDays, items: list[Any], day: date) -> Decimal:
    """Person-days the plan's items planned to be done by the end of ``day``."""
    return sum((_planned_share(wd, it, day) for it in items), Decimal(0)).quantize(Decimal("0.01"))


def behind_working_days(wd: WorkingDays, items: list[Any], done_pd: Decimal, as_of: date) -> int:
    """How many working days behind the plan the booked time is: from the last working day by
    which the plan had planned no more than what is done, up to ``as_of``."""
    if done_pd >= planned_by(wd, items, as_of):
        return 0
    i = wd.upto(as_of) - 1
    while i >= 0 and planned_by(wd, items, wd.days[i]) > done_pd:
        i -= 1
    start = wd.days[i] + timedelta(days=1) if i >= 0 else wd.first
    return wd.between(start, as_of)


def _reached_on(
    wd: WorkingDays,
    items: list[Any],
    daily: dict[date, Decimal],
    per_day: Decimal,
    day: date,
) -> date | None:
    """The first day the booked time reached what the plan planned by ``day``, if it did."""
    target = planned_by(wd, items, day)
    if target <= 0:
        return None
    acc = Decimal(0)
    for d in sorted(daily):
        acc += daily[d]
        if person_days_of(acc, per_day) >= target:
            return d
    return None


def milestones_of(
    wd: WorkingDays,
    miles: list[Any],
    arrived: dict[str, date],
    state: str,
    ref_day: date,
    reached: Any = None,
) -> tuple[list[dict[str, Any]], int]:
    """A plan's milestones with their status (done, late, open, closed) and delay in working
    days, and the largest delay of those not done. ``reached(day)``: the day the booked time
    reached what was planned by ``day`` (for analysis, which no state ends)."""
    ms_out = []
    max_slip = 0
    for m in miles:
        done_on = _done_on(arrived, m.phase)
        if done_on is None and m.phase == "analysis" and reached is not None:
            done_on = reached(m.day)
            if done_on is not None and done_on > ref_day:
                done_on = None
        slip = 0
        status = "open"
        if done_on is not None:
            slip = wd.between(m.day + timedelta(days=1), done_on)
            status = "done"
        elif state == "accepted":
            status = "done"
        elif state in CLOSED_STATES:
            status = "closed"
        elif ref_day > m.day and state != "on_hold":
            slip = wd.between(m.day + timedelta(days=1), ref_day)
            status = "late" if slip > 0 else "open"
        if status not in ("done", "closed"):
            max_slip = max(max_slip, slip)
        ms_out.append(
            {
                "phase": m.phase,
                "name": m.name,
                "day": m.day,
                "done_on": done_on,
                "slip_working_days": slip,
                "status": status,
                "provisional": bool(m.provisional),
            }
        )
    return ms_out, max_slip


def delay_risks(requests_out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan's risks, request by request: each late milestone, then being behind plan
    (done under 80 % of the person-days planned to date while in development or testing)."""
    risks: list[dict[str, Any]] = []
    for r in requests_out:
        for m in r["milestones"]:
            if m["status"] == "late":
                risks.append(
                    {
                        "key": r["key"],
                        "kind": "late_milestone",
                        "phase": m["phase"],
                        "name": m["name"],
                        "day": m["day"],
                        "slip_working_days": m["slip_working_days"],
                    }
                )
        planned_now, done_pd = r["planned_to_date"], r["done_person_days"]
        if (
            planned_now is not None
            and planned_now > 0
            and done_pd < planned_now * Decimal("0.8")
            and r["state"] in ("in_development", "in_testing")
        ):
            risks.append(
                {
                    "key": r["key"],
                    "kind": "behind_plan",
                    "planned": planned_now,
                    "done": done_pd,
                    "behind_working_days": r["behind_working_days"],
                }
            )
    return risks


def _done_on(arrived: dict[str, date], phase: str) -> date | None:
    days = [arrived[s] for s in PHASE_DONE.get(phase, ()) if s in arrived]
    return min(days) if days else None


def _planned_share(wd: WorkingDays, it: Any, day: date) -> Decimal:
    """Person-days of a work item planned to be done by the end of ``day`` (even spread)."""
    if it.start_date is None or it.end_date is None:
        return Decimal(0)
    if day >= it.end_date:
        return it.person_days
    if day < it.start_date:
        return Decimal(0)
    total = wd.between(it.start_date, it.end_date)
    if total == 0:
        return it.person_days
    return it.person_days * wd.between(it.start_date, day) / total
