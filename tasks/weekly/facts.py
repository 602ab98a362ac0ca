"""The data of a report: everything ``build_week`` gathers for one client and one week, as
plain data (one SQL aggregate per kind of fact), and the helpers it uses."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Client, Contract, Document, Person, Request, RequestEvent
from changeflow.db.planning import Milestone, Plan, WorkItem
from changeflow.settings import get_settings

from ..calendar import WorkingCalendar, calendar_for
from .week import ReportRule, active_contract, due_at, due_day, rule_for, shift_week, week_days

MAX_COMMITS_PER_CELL = 8
MAX_CHART_DAYS = 400
ACTIVE_STATES = ("approved", "in_development", "in_testing", "live")
# the state whose first arrival ends a phase (analysis has none: never judged late)
PHASE_DONE = {
    "development": ("in_testing", "live", "accepted"),
    "testing": ("live", "accepted"),
    "golive": ("live", "accepted"),
    "acceptance": ("accepted",),
}


def _sum_groups(rows: Sequence[Any]) -> dict[Any, Decimal]:
    """(key..., hours_text, count) rows -> exact Decimal sum per key."""
    out: dict[Any, Decimal] = defaultdict(Decimal)
    for *key, hours, n in rows:
        out[key[0] if len(key) == 1 else tuple(key)] += Decimal(hours) * n
    return out


def _pd(hours: Decimal, per_day: Decimal) -> Decimal:
    return (hours / per_day).quantize(Decimal("0.01")) if per_day else Decimal(0)


class _WorkingDays:
    """Working days of a range as a sorted list: counts and positions by bisection."""

    def __init__(self, cal: WorkingCalendar, first: date, last: date) -> None:
        self.days = [d.day for d in cal.days(first, last) if d.working]
        self.first, self.last = first, last

    def upto(self, day: date) -> int:
        """Working days on or before ``day`` in the range."""
        return bisect_right(self.days, day)

    def between(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last`` inclusive (0 if last < first)."""
        if last < first:
            return 0
        return self.upto(last) - self.upto(first - timedelta(days=1))


def _period_start(cal: WorkingCalendar, rule: ReportRule, week: str) -> date:
    """The day after the previous report day (up to 6 weeks back), else this Monday."""
    mon, _ = week_days(week)
    for back in range(1, 7):
        prev = due_day(cal, rule, shift_week(week, -back))
        if prev is not None:
            return min(prev + timedelta(days=1), mon)
    return mon


def build_week(
    session: Session,
    client: Client,
    week: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the report shows for ``client`` and ``week``, as plain data."""
    tz = get_settings().tz
    mon, sun = week_days(week)
    contract = active_contract(session, client, sun)
    cal = calendar_for(session, contract)
    rule = rule_for(contract)
    due = due_at(cal, rule, week)
    start = _period_start(cal, rule, week)
    end = sun
    per_day = (contract.hours_per_service_day if contract else None) or Decimal(8)
    t0 = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)
    t1 = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)

    reqs = {
        r.id: r
        for r in session.execute(
            select(Request.id, Request.key, Request.title, Request.kind, Request.state).where(
                Request.client_id == client.id
            )
        )
    }
    client_req = select(Request.id).where(Request.client_id == client.id)

    # commits of the period, per request (reachable ones only: a rebased commit counts once)
    commit_rows = session.execute(
        select(
            CommitLink.request_id,
            Commit.author_day,
            Commit.sha,
            func.substr(Commit.message, 1, 400),
            func.coalesce(Person.name, Commit.author_name),
            Commit.is_merge,
        )
        .join(Commit, Commit.id == CommitLink.commit_id)
        .outerjoin(Person, Person.id == Commit.person_id)
        .where(
            CommitLink.request_id.in_(client_req),
            Commit.reachable,
            Commit.author_day >= start,
            Commit.author_day <= end,
        )
        .order_by(Commit.author_day, Commit.authored_at, Commit.id)
    ).all()

    reachable_or_manual = or_(TimeEntry.commit_id.is_(None), Commit.reachable)
    who = func.coalesce(Person.name, TimeEntry.identity)
    hours_rows = session.execute(
        select(TimeEntry.request_id, TimeEntry.day, who, TimeEntry.hours, func.count())
        .outerjoin(Commit, Commit.id == TimeEntry.commit_id)
        .outerjoin(Person, Person.id == TimeEntry.person_id)
        .where(
            TimeEntry.request_id.in_(client_req),
            reachable_or_manual,
            TimeEntry.day >= start,
            TimeEntry.day <= end,
        )
        .group_by(TimeEntry.request_id, TimeEntry.day, who, TimeEntry.hours)
    ).all()
    # cumulative hours per request and per day up to the end of the period (burn-up)
    cum_rows = session.execute(
        select(TimeEntry.request_id, TimeEntry.day, TimeEntry.hours, func.count())
        .outerjoin(Commit, Commit.id == TimeEntry.commit_id)
        .where(TimeEntry.request_id.in_(client_req), reachable_or_manual, TimeEntry.day <= end)
        .group_by(TimeEntry.request_id, TimeEntry.day, TimeEntry.hours)
    ).all()

    events = session.execute(
        select(
            RequestEvent.request_id,
            RequestEvent.at,
            RequestEvent.from_state,
            RequestEvent.to_state,
            RequestEvent.actor,
            RequestEvent.reason,
        )
        .where(
            RequestEvent.request_id.in_(client_req),
            RequestEvent.at >= t0,
            RequestEvent.at < t1,
        )
        .order_by(RequestEvent.at, RequestEvent.id)
    ).all()
    docs = session.execute(
        select(
            Document.request_id, Document.created_at, Document.kind, Document.version, Document.lang
        )
        .where(
            Document.request_id.in_(client_req),
            Document.created_at >= t0,
            Document.created_at < t1,
        )
        .order_by(Document.created_at, Document.id)
    ).all()
    # first arrival in each state (milestone completion), whole history up to the period end
    arrivals: dict[int, dict[str, date]] = defaultdict(dict)
    for rid, state, first_at in session.execute(
        select(RequestEvent.request_id, RequestEvent.to_state, func.min(RequestEvent.at))
        .where(RequestEvent.request_id.in_(client_req), RequestEvent.at < t1)
        .group_by(RequestEvent.request_id, RequestEvent.to_state)
    ):
        arrivals[rid][state] = _as_utc(first_at).astimezone(tz).date()

    # newest plan per request with its items and milestones
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

    # which requests the report is about: active ones and any with activity in the period
    active_ids = {rid for rid, r in reqs.items() if r.state in ACTIVE_STATES and r.kind != "fault"}
    touched = (
        {r[0] for r in commit_rows}
        | {r[0] for r in hours_rows}
        | {e[0] for e in events}
        | {d[0] for d in docs}
    )
    shown = sorted(active_ids | touched, key=lambda rid: reqs[rid].key)

    # ---- per day and request
    days_info = {d.day: d for d in cal.days(start, end)}
    cell: dict[tuple[date, int], dict[str, Any]] = {}

    def slot(day: date, rid: int) -> dict[str, Any]:
        c = cell.get((day, rid))
        if c is None:
            c = cell[(day, rid)] = {
                "commits": [],
                "more": 0,
                "n_commits": 0,
                "hours": Decimal(0),
                "people": set(),
                "events": [],
                "documents": [],
            }
        return c

    week_people: dict[str, dict[str, Any]] = {}

    def person(name: str) -> dict[str, Any]:
        return week_people.setdefault(
            name,
            {"name": name, "days": set(), "hours": Decimal(0), "commits": 0, "requests": set()},
        )

    req_people: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)

    def rperson(rid: int, name: str) -> dict[str, Any]:
        return req_people[rid].setdefault(
            name, {"name": name, "days": set(), "hours": Decimal(0), "commits": 0}
        )

    n_commits = 0
    seen_commits: set[str] = set()
    for rid, day, sha, message, author, is_merge in commit_rows:
        c = slot(day, rid)
        c["n_commits"] += 1
        subject = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
        if len(c["commits"]) < MAX_COMMITS_PER_CELL:
            c["commits"].append(
                {
                    "sha": sha[:8],
                    "message": subject[:160],
                    "author": author,
                    "merge": bool(is_merge),
                }
            )
        else:
            c["more"] += 1
        c["people"].add(author)
        if sha not in seen_commits:
            seen_commits.add(sha)
            n_commits += 1
            p = person(author)
            p["commits"] += 1
        p = person(author)
        p["days"].add(day)
        p["requests"].add(reqs[rid].key)
        rp = rperson(rid, author)
        rp["days"].add(day)
        rp["commits"] += 1
    week_hours = Decimal(0)
    for rid, day, name, hours, n in hours_rows:
        h = Decimal(hours) * n
        c = slot(day, rid)
        c["hours"] += h
        c["people"].add(name)
        week_hours += h
        p = person(name)
        p["days"].add(day)
        p["hours"] += h
        p["requests"].add(reqs[rid].key)
        rp = rperson(rid, name)
        rp["days"].add(day)
        rp["hours"] += h
    for rid, at, frm, to, actor, reason in events:
        day = _as_utc(at).astimezone(tz).date()
        slot(day, rid)["events"].append(
            {
                "from": frm,
                "to": to,
                "actor": actor,
                "reason": reason,
                "at": _as_utc(at).astimezone(tz).strftime("%H:%M"),
            }
        )
    for rid, at, kind, version, lang in docs:
        day = _as_utc(at).astimezone(tz).date()
        slot(day, rid)["documents"].append({"kind": kind, "version": version, "lang": lang})

    run_logs = _run_log_days(session, contract, start, end)
    days = []
    for d in sorted(days_info):
        info = days_info[d]
        in_week = mon <= d <= sun
        rows = [
            {"key": reqs[rid].key, "title": reqs[rid].title, **_cell_out(cell[(d, rid)])}
            for rid in sorted({rid for (dd, rid) in cell if dd == d}, key=lambda r: reqs[r].key)
        ]
        if not in_week and not rows and not info.working:
            continue
        days.append(
            {
                "date": d,
                "weekday": d.isoweekday(),
                "in_week": in_week,
                "working": info.working,
                "kind": info.kind,
                "reason": info.reason,
                "reason_zh": info.reason_zh,
                "provisional": info.provisional,
                "report_day": due is not None and d == due.date(),
                "run_log": d in run_logs if (info.working or d in run_logs) else None,
                "requests": rows,
            }
        )

    # ---- per request: progress against the plan
    cum_hours: dict[int, Decimal] = defaultdict(Decimal)
    hours_by_day: dict[date, Decimal] = defaultdict(Decimal)
    shown_set = set(shown)
    for rid, day, hours, n in cum_rows:
        h = Decimal(hours) * n
        cum_hours[rid] += h
        if rid in shown_set:
            hours_by_day[day] += h

    plan_first = min((plans[r].start_date for r in shown if r in plans), default=start)
    plan_last = max((plans[r].end_date for r in shown if r in plans), default=end)
    wd = _WorkingDays(cal, min(plan_first, start), max(plan_last, end, sun + timedelta(days=7)))
    next_mon, next_sun = mon + timedelta(days=7), sun + timedelta(days=7)
    ref_day = end

    requests_out = []
    risks: list[dict[str, Any]] = []
    next_week: list[dict[str, Any]] = []
    for rid in shown:
        r = reqs[rid]
        if r.kind == "fault":  # faults show in the days and the risks, not as progress
            continue
        plan = plans.get(rid)
        done_pd = _pd(cum_hours.get(rid, Decimal(0)), per_day)
        planned = planned_now = None
        ms_out = []
        max_slip = 0
        if plan is not None:
            planned = plan.person_days
            planned_now = Decimal(0)
            for it in items[plan.id]:
                planned_now += _planned_share(wd, it, ref_day)
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
            planned_now = planned_now.quantize(Decimal("0.01"))
            for m in miles[plan.id]:
                done_on = _done_on(arrivals.get(rid, {}), m.phase)
                slip = 0
                status = "open" if m.phase in PHASE_DONE else "untracked"
                if done_on is not None:
                    slip = wd.between(m.day + timedelta(days=1), done_on)
                    status = "done"
                elif (
                    m.phase in PHASE_DONE
                    and ref_day > m.day
                    and r.state not in ("cancelled", "on_hold")
                ):
                    slip = wd.between(m.day + timedelta(days=1), ref_day)
                    status = "late" if slip > 0 else "open"
                max_slip = max(max_slip, slip if status != "done" else 0)
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
                if status == "late":
                    risks.append(
                        {
                            "key": r.key,
                            "kind": "late_milestone",
                            "phase": m.phase,
                            "name": m.name,
                            "day": m.day,
                            "slip_working_days": slip,
                        }
                    )
        pct = None
        if planned:
            pct = (done_pd / planned * 100).quantize(Decimal("0.1"))
        behind = None
        if planned_now is not None:
            behind = (done_pd - planned_now).quantize(Decimal("0.01"))
            if (
                planned_now > 0
                and done_pd < planned_now * Decimal("0.8")
                and r.state in ("in_development", "in_testing")
            ):
                risks.append(
                    {"key": r.key, "kind": "behind_plan", "planned": planned_now, "done": done_pd}
                )
        people = sorted(
            (
                {
                    "name": p["name"],
                    "days": len(p["days"]),
                    "hours": p["hours"],
                    "commits": p["commits"],
                }
                for p in req_people.get(rid, {}).values()
            ),
            key=lambda p: (-p["days"], p["name"]),
        )
        requests_out.append(
            {
                "key": r.key,
                "title": r.title,
                "kind": r.kind,
                "state": r.state,
                "plan_version": plan.version if plan else None,
                "plan_start": plan.start_date if plan else None,
                "plan_end": plan.end_date if plan else None,
                "planned_person_days": planned,
                "planned_to_date": planned_now,
                "done_person_days": done_pd,
                "hours_logged": cum_hours.get(rid, Decimal(0)),
                "progress_pct": pct,
                "ahead_person_days": behind,
                "slip_working_days": max_slip,
                "milestones": ms_out,
                "people": people,
            }
        )
    generated = (now or datetime.now(tz)).astimezone(tz)
    risks.extend(_sla_breaches(session, client.id, t0, t1, tz, generated))
    next_week.sort(key=lambda x: (x["start"], x["key"]))

    people_out = sorted(
        (
            {
                "name": p["name"],
                "days": len(p["days"]),
                "hours": p["hours"],
                "commits": p["commits"],
                "requests": sorted(p["requests"]),
            }
            for p in week_people.values()
        ),
        key=lambda p: (-p["days"], p["name"]),
    )
    chart = _burnup(
        wd,
        [(plans[r], items[plans[r].id]) for r in shown if r in plans],
        hours_by_day,
        per_day,
        ref_day,
    )
    week_days_in = [d for d in days if d["in_week"]]
    provisional = any(d["provisional"] for d in days)
    return {
        "client": {"id": client.id, "code": client.code, "name": client.name},
        "contract": (
            {"id": contract.id, "code": contract.code, "title": contract.title}
            if contract
            else None
        ),
        "client_lead": _person_out(contract.lead if contract else None),
        "our_lead": _person_out(contract.our_lead if contract else None),
        "week": week,
        "week_start": mon,
        "week_end": sun,
        "period_start": start,
        "period_end": end,
        "rule": {"cron": rule.cron, "weekday": rule.weekday, "at": rule.at.strftime("%H:%M")},
        "due_at": due,
        "report_day": due.date() if due else None,
        "generated_at": generated,
        "working_days": sum(1 for d in week_days_in if d["working"]),
        "days_off": [d for d in week_days_in if not d["working"]],
        "days": days,
        "requests": requests_out,
        "people": people_out,
        "risks": risks,
        "next_week": {
            "week": shift_week(week, 1),
            "start": next_mon,
            "end": next_sun,
            "items": next_week,
        },
        "totals": {
            "commits": n_commits,
            "hours": week_hours,
            "person_days": _pd(week_hours, per_day),
            "requests": len(shown),
            "active_requests": len(active_ids),
            "people": len(people_out),
        },
        "hours_per_day": per_day,
        "provisional": provisional,
        "chart": chart,
        "empty": not commit_rows and not hours_rows and not events and not docs,
    }


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _person_out(p: Person | None) -> dict[str, Any] | None:
    return {"name": p.name, "email": p.email} if p is not None else None


def _done_on(arrived: dict[str, date], phase: str) -> date | None:
    days = [arrived[s] for s in PHASE_DONE.get(phase, ()) if s in arrived]
    return min(days) if days else None


def _planned_share(wd: _WorkingDays, it: Any, day: date) -> Decimal:
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


def _burnup(
    wd: _WorkingDays,
    plans: list[tuple[Any, list[Any]]],
    hours_by_day: dict[date, Decimal],
    per_day: Decimal,
    ref_day: date,
) -> dict[str, Any] | None:
    """Planned vs actual cumulative person-days per working day (difference arrays)."""
    if not plans and not hours_by_day:
        return None
    first = min(
        [p.start_date for p, _ in plans] + [d for d in hours_by_day if d <= ref_day] or [ref_day]
    )
    last = max([p.end_date for p, _ in plans] + [ref_day])
    if (last - first).days > MAX_CHART_DAYS:
        first = max(first, ref_day - timedelta(days=MAX_CHART_DAYS // 2))
        last = min(last, first + timedelta(days=MAX_CHART_DAYS))
    axis = [d for d in wd.days if first <= d <= last]
    if not axis:
        return None
    diff = [0.0] * (len(axis) + 1)  # chart values only: floats are fine for a picture
    base = 0.0
    before_axis = axis[0] - timedelta(days=1)
    for _plan, its in plans:
        for it in its:
            if it.start_date is None or it.end_date is None:
                continue
            pd_ = float(it.person_days)
            n = wd.between(it.start_date, it.end_date)
            if n == 0:  # no working day inside: all of it on the next working day
                i = bisect_left(axis, it.end_date)
                if it.end_date < axis[0]:
                    base += pd_
                elif i < len(axis):
                    diff[i] += pd_
                    diff[i + 1] -= pd_
                continue
            per = pd_ / n
            base += per * wd.between(it.start_date, min(it.end_date, before_axis))
            lo = bisect_left(axis, it.start_date)
            hi = bisect_right(axis, it.end_date) - 1
            if lo <= hi:
                diff[lo] += per
                diff[hi + 1] -= per
    planned, rate, acc = [], 0.0, base
    for i in range(len(axis)):
        rate += diff[i]
        acc += rate
        planned.append(round(acc, 3))
    actual: list[float | None] = []
    done = float(sum((h for d, h in hours_by_day.items() if d < axis[0]), Decimal(0)))
    by_axis: dict[int, float] = defaultdict(float)
    for d, h in hours_by_day.items():
        if d < axis[0] or d > ref_day:
            continue
        i = bisect_right(axis, d) - 1  # hours on a day off count on the working day before
        by_axis[max(i, 0)] += float(h)
    for i, d in enumerate(axis):
        if d > ref_day:
            actual.append(None)
            continue
        done += by_axis.get(i, 0.0)
        actual.append(round(done / float(per_day), 3))
    return {"days": axis, "planned": planned, "actual": actual, "ref_day": ref_day}


def _sla_breaches(
    session: Session, client_id: int, t0: datetime, t1: datetime, tz: Any, now: datetime
) -> list[dict[str, Any]]:
    """Fault clocks breached with their due time in the period (the maintenance module's
    rules: pauses, a visit counting as the response...)."""
    try:
        from ..maintenance import breaches_between
    except ImportError:  # pragma: no cover - maintenance not installed
        return []
    return [
        {
            "key": b["key"],
            "kind": "sla_breach",
            "clock": b["clock"],
            "severity": b["severity"],
            "title": b.get("title", ""),
            "due": b["due"].astimezone(tz),
            "done": b["done"].astimezone(tz) if b.get("done") else None,
            "cause": b.get("cause", ""),
        }
        for b in breaches_between(session, t0, t1, client_id=client_id, now=now)
    ]


def _run_log_days(
    session: Session, contract: Contract | None, first: date, last: date
) -> set[date]:
    """Days of the period with a daily run log (运行日志) of the contract (maintenance)."""
    if contract is None:
        return set()
    try:
        from changeflow.db.maintenance import RunLogEntry
    except ImportError:  # pragma: no cover - maintenance not installed
        return set()
    return set(
        session.scalars(
            select(RunLogEntry.day).where(
                RunLogEntry.contract_id == contract.id,
                RunLogEntry.day >= first,
                RunLogEntry.day <= last,
            )
        )
    )


def _cell_out(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "commits": c["commits"],
        "more_commits": c["more"],
        "n_commits": c["n_commits"],
        "hours": c["hours"],
        "people": sorted(c["people"]),
        "events": c["events"],
        "documents": c["documents"],
    }
