"""The weekly report (项目周报): what each client's project lead gets every Friday afternoon.

Why it is shaped like this:

* **One client, one ISO week** (Asia/Shanghai). The report covers the days after the
  previous week's report day up to this week's Sunday, so a make-up workday after last
  Friday's report (e.g. Sun 2026-09-20) is reported the following week instead of never.
  Data is what the database holds when the report is made.
* **The report day** comes from the contract's ``settings.weekly_report_cron`` (default
  ``0 15 * * 5``: Friday 15:00). When that day is not a working day (National Day
  2026-10-02), the week's last working day before it at the same hour; if there is none
  before it, the first after it in the same week; a week without any working day has no
  report (``report_due`` returns None). So never on a holiday, never twice a week.
* **Fast**: every figure is one SQL aggregate per kind of fact (commits of the period,
  hours grouped by their exact text, events, documents, latest plans), never a loop over a
  request's or a repository's commits in Python. Hours are stored as exact text: summing
  ``(hours, count)`` groups keeps them exact without floats.
* **Progress** is logged time against the newest plan: planned person-days spread evenly
  over each work item's working days give the planned burn-up; done person-days are
  hours / the contract's hours per service day. A milestone is done when the request first
  reaches the state that ends its phase (development -> in_testing, testing -> live,
  go-live -> live, acceptance -> accepted); analysis has no state of its own and is never
  judged late. Slippage is counted in working days of the contract's calendar.
"""

from __future__ import annotations

import contextlib
import io
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Client, Contract, Document, Person, Request, RequestEvent
from changeflow.db.planning import Milestone, Plan, WorkItem
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.db.weekly import WeeklyReport
from changeflow.errors import InputError, NotFoundError
from changeflow.settings import get_settings

from .calendar import PROVISIONAL_NOTE, WorkingCalendar, calendar_for
from .planning import PHASE_LABELS

DEFAULT_CRON = "0 15 * * 5"  # Friday 15:00 Asia/Shanghai
KIND = "weekly-report"
MAX_COMMITS_PER_CELL = 8
MAX_CHART_DAYS = 400
ACTIVE_STATES = ("approved", "in_development", "in_testing", "live")
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
DOW_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
# the state whose first arrival ends a phase (analysis has none: never judged late)
PHASE_DONE = {
    "development": ("in_testing", "live", "accepted"),
    "testing": ("live", "accepted"),
    "golive": ("live", "accepted"),
    "acceptance": ("accepted",),
}
STATE_LABELS = {
    "submitted": ("已提交", "Submitted"),
    "planned": ("已计划", "Planned"),
    "rejected": ("未通过", "Rejected"),
    "approved": ("已批准", "Approved"),
    "in_development": ("开发中", "In development"),
    "in_testing": ("测试中", "In testing"),
    "live": ("已上线", "Live"),
    "accepted": ("已验收", "Accepted"),
    "on_hold": ("暂停", "On hold"),
    "cancelled": ("已取消", "Cancelled"),
    "reported": ("已报告", "Reported"),
    "responded": ("已响应", "Responded"),
    "on_site": ("已到场", "On site"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}
WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
TITLE = ("项目周报", "Weekly Project Report")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


# --- weeks and the report day --------------------------------------------------------------


def parse_week(text: str, source: str = "--week") -> tuple[int, int]:
    """'2026-W48' -> (2026, 48); anything else is an InputError naming the field."""
    m = WEEK_RE.match(str(text or "").strip().upper())
    if not m:
        raise InputError(source, "week", f"'{text}' is not an ISO week like 2026-W48")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InputError(source, "week", f"{year} has no ISO week {week}") from None
    return year, week


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def week_of(day: date) -> str:
    y, w, _ = day.isocalendar()
    return week_label(y, w)


def week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week."""
    y, w = parse_week(week)
    mon = date.fromisocalendar(y, w, 1)
    return mon, mon + timedelta(days=6)


def shift_week(week: str, n: int) -> str:
    mon, _ = week_days(week)
    return week_of(mon + timedelta(weeks=n))


def current_week(now: datetime | None = None) -> str:
    tz = get_settings().tz
    return week_of((now or datetime.now(tz)).astimezone(tz).date())


@dataclass(frozen=True)
class ReportRule:
    """When in the week the report is due: an ISO weekday (1=Mon..7=Sun) and a time."""

    weekday: int
    at: time
    cron: str


def parse_cron(cron: str, source: str = "contract", field: str = "settings.weekly_report_cron"):
    """A weekly cron line 'M H * * D' (D 0-7 or mon..sun) -> ReportRule; else InputError."""
    parts = str(cron or "").split()
    problem = f"'{cron}' is not a weekly cron line like '0 15 * * 5' (minute hour * * weekday)"
    if len(parts) != 5 or parts[2] != "*" or parts[3] != "*":
        raise InputError(source, field, problem)
    minute, hour, dow = parts[0], parts[1], parts[4].lower()
    if not (minute.isdigit() and hour.isdigit()) or int(minute) > 59 or int(hour) > 23:
        raise InputError(source, field, problem)
    if dow in DOW_NAMES:
        d = DOW_NAMES[dow]
    elif dow.isdigit() and int(dow) <= 7:
        d = int(dow)
    else:
        raise InputError(source, field, problem + ": one weekday only")
    iso = 7 if d in (0, 7) else d
    return ReportRule(iso, time(int(hour), int(minute)), " ".join(parts))


def rule_for(contract: Contract | None) -> ReportRule:
    if contract is None:
        return parse_cron(DEFAULT_CRON)
    cron = (contract.settings or {}).get("weekly_report_cron") or DEFAULT_CRON
    return parse_cron(cron, f"contract {contract.code}")


def due_day(cal: WorkingCalendar, rule: ReportRule, week: str) -> date | None:
    """The report day of ``week``: the rule's weekday, else the last working day before it,
    else the first working day after it in the same week; None when the week has none."""
    mon, sun = week_days(week)
    target = mon + timedelta(days=rule.weekday - 1)
    if cal.is_working_day(target):
        return target
    d = target - timedelta(days=1)
    while d >= mon:
        if cal.is_working_day(d):
            return d
        d -= timedelta(days=1)
    d = target + timedelta(days=1)
    while d <= sun:
        if cal.is_working_day(d):
            return d
        d += timedelta(days=1)
    return None


def due_at(cal: WorkingCalendar, rule: ReportRule, week: str) -> datetime | None:
    day = due_day(cal, rule, week)
    if day is None:
        return None
    return datetime.combine(day, rule.at, tzinfo=get_settings().tz)


def active_contract(session: Session, client: Client, on: date) -> Contract | None:
    """The client's contract in force on ``on`` (else its newest one)."""
    rows = session.scalars(
        select(Contract).where(Contract.client_id == client.id).order_by(Contract.start_date.desc())
    ).all()
    for c in rows:
        if c.start_date <= on <= c.end_date:
            return c
    return rows[0] if rows else None


def report_due(session: Session, client: Client, week: str) -> datetime | None:
    """When ``client``'s report of ``week`` is due (aware, Shanghai); None: no working day."""
    _mon, sun = week_days(week)
    contract = active_contract(session, client, sun)
    return due_at(calendar_for(session, contract), rule_for(contract), week)


def already_sent(session: Session, client_id: int, week: str) -> WeeklyReport | None:
    return session.scalar(
        select(WeeklyReport)
        .where(
            WeeklyReport.client_id == client_id,
            WeeklyReport.week == week,
            WeeklyReport.mail_state == "sent",
        )
        .limit(1)
    )


def should_send_now(session: Session, client: Client, now: datetime) -> bool:
    """True on the report day at or after the report time when the week was not mailed yet.

    The schedule fires every day at the report hour (see flows/weekly.py); this decides,
    so a Friday off moves the report to the week's last working day and a second trigger
    in the same week (a retry, a manual run) never mails the week again.
    """
    if now.tzinfo is None:
        raise ValueError("naive datetime given to should_send_now; attach a timezone")
    tz = get_settings().tz
    local = now.astimezone(tz)
    week = week_of(local.date())
    due = report_due(session, client, week)
    if due is None or local < due or local.date() != due.date():
        return False
    return already_sent(session, client.id, week) is None


def clients_due(session: Session, now: datetime) -> list[tuple[Client, str]]:
    """Every client whose report is due at ``now`` (with a contract in force this week)."""
    out = []
    week = week_of(now.astimezone(get_settings().tz).date())
    _, sun = week_days(week)
    for client in session.scalars(select(Client).order_by(Client.code)):
        if active_contract(session, client, sun) is None:
            continue
        if should_send_now(session, client, now):
            out.append((client, week))
    return out


def find_client(session: Session, ref: str | None) -> Client:
    """A client by code, name, alias or id; without ``ref`` the only client there is."""
    if ref is None:
        clients = session.scalars(select(Client).order_by(Client.code)).all()
        if len(clients) == 1:
            return clients[0]
        if not clients:
            raise NotFoundError("no client yet; load a contract: changeflow contract load FILE")
        raise InputError(
            "--client",
            "client",
            f"several clients ({', '.join(c.code for c in clients)}): name one",
        )
    ref = ref.strip()
    c = session.scalar(select(Client).where(or_(Client.code == ref, Client.name == ref)))
    if c is None and ref.isdigit():
        c = session.get(Client, int(ref))
    if c is None:
        for cand in session.scalars(select(Client)):
            if ref in (cand.aliases or []):
                return cand
        raise NotFoundError(f"no client {ref}")
    return c


# --- the data -------------------------------------------------------------------------------


def _sum_groups(rows: Sequence[Any]) -> dict[Any, Decimal]:
    """(key..., hours_text, count) rows -> exact Decimal sum per key."""
    out: dict[Any, Decimal] = defaultdict(Decimal)
    for *key, hours, n in rows:
        out[key[0] if len(key) == 1 else tuple(key)] += Decimal(hours) * n
    return out


def _pd(hours: Decimal, per_day: Decimal) -> Decimal:
    return (hours / per_day).quantize(Decimal("0.01")) if per_day else Decimal(0)


def _num(d: Decimal | None) -> str:
    """Person-days/hours as short text: 3, 2.5, 0.13."""
    if d is None:
        return "-"
    q = d.quantize(Decimal("0.01")).normalize()
    return format(q, "f") if q != 0 else "0"


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
        from .maintenance import breaches_between
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


# --- chart, document, markdown -----------------------------------------------------------


def chart_png(data: dict[str, Any], lang: str) -> bytes | None:
    """The planned vs actual burn-up as a PNG (matplotlib, Agg backend)."""
    ch = data.get("chart")
    if not ch:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    family = _cjk_font(font_manager) if lang == "zh-CN" else None
    fig = Figure(figsize=(7.2, 3.2), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    xs = ch["days"]
    ax.plot(
        xs,
        ch["planned"],
        color="#1f77b4",
        linewidth=1.8,
        label=_pick(("计划（累计人日）", "Planned (cumulative person-days)"), lang),
    )
    pts = [(x, y) for x, y in zip(xs, ch["actual"], strict=True) if y is not None]
    if pts:
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            color="#d62728",
            linewidth=1.8,
            label=_pick(("实际（累计人日）", "Actual (cumulative person-days)"), lang),
        )
    ax.axvline(ch["ref_day"], color="#888888", linestyle="--", linewidth=0.8)
    ax.set_ylabel(_pick(("人日", "person-days"), lang), fontfamily=family)
    ax.set_title(
        _pick(("进度燃起图：计划与实际", "Burn-up: planned vs actual"), lang),
        fontfamily=family,
    )
    ax.grid(True, linewidth=0.3)
    leg = ax.legend(loc="upper left", fontsize=8)
    if family:
        for t in leg.get_texts():
            t.set_fontfamily(family)
    from matplotlib.dates import DateFormatter

    ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.18)  # tight_layout: +0.2 s
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)
CJK_FILE_HINTS = ("cjk", "wqy", "sourcehan", "simhei", "msyh")


def _cjk_font(font_manager: Any) -> str | None:
    """A font family that has Chinese glyphs, or None. A font installed after matplotlib
    built its font cache is not in that cache: then the system's font files are scanned once
    and the CJK ones added, rather than drawing empty boxes until someone deletes the cache."""
    for attempt in range(2):
        for name in CJK_FAMILIES:
            try:
                font_manager.findfont(name, fallback_to_default=False)
                return name
            except ValueError:
                continue
        if attempt == 0:
            for path in font_manager.findSystemFonts():
                if any(h in Path(path).name.lower() for h in CJK_FILE_HINTS):
                    with contextlib.suppress(Exception):  # an unreadable font file: skip it
                        font_manager.fontManager.addfont(path)
    return None


CHART_MARKER = "[[changeflow-chart]]"


def _fmt_date(d: date | None, lang: str) -> str:
    if d is None:
        return "-"
    return d.isoformat()


def _state(s: str | None, lang: str) -> str:
    if not s:
        return "-"
    return _pick(STATE_LABELS.get(s, (s, s)), lang)


def _doc_kind(kind: str, lang: str) -> str:
    names = {
        "taskbook": ("项目任务书", "task book"),
        "plan": ("实施计划和费用预算", "plan and budget"),
        "plan-returned": ("甲方审批回执", "returned plan"),
    }
    return _pick(names.get(kind, (kind, kind)), lang)


def report_context(data: dict[str, Any], *, version: int, lang: str) -> dict[str, Any]:
    """The data as the template shows it: every value already formatted text."""
    wk = WEEKDAYS[lang]
    zh = lang == "zh-CN"
    days = []
    rows = []
    for d in data["days"]:
        label = f"{d['date'].isoformat()} {wk[d['weekday'] - 1]}"
        reason = d["reason_zh"] if zh else d["reason"]
        if d["report_day"]:
            reason += "（报告日）" if zh else " (report day)"
        if not d["in_week"]:
            reason += "（上期报告后）" if zh else " (after the last report)"
        days.append(
            {
                "date": label,
                "working": _pick(("是", "yes"), lang)
                if d["working"]
                else _pick(("否", "no"), lang),
                "reason": reason,
                "run_log": {True: "✓", False: _pick(("未填写", "missing"), lang), None: ""}[
                    d["run_log"]
                ],
            }
        )
        if not d["requests"] and d["working"] and d["in_week"]:
            rows.append(
                {
                    "date": label,
                    "key": "-",
                    "commits": _pick(("无记录", "nothing recorded"), lang),
                    "hours": "-",
                    "changes": "",
                    "docs": "",
                }
            )
        for r in d["requests"]:
            commits = [
                f"{c['message']}（{c['author']}）" if zh else f"{c['message']} ({c['author']})"
                for c in r["commits"]
            ]
            if r["more_commits"]:
                commits.append(
                    f"……另 {r['more_commits']} 次提交" if zh else f"... {r['more_commits']} more"
                )
            changes = [
                f"{e['at']} {_state(e['from'], lang)} → {_state(e['to'], lang)}（{e['actor']}）"
                if zh
                else f"{e['at']} {_state(e['from'], lang)} → {_state(e['to'], lang)} ({e['actor']})"
                for e in r["events"]
            ]
            docs = [f"{_doc_kind(x['kind'], lang)} v{x['version']}" for x in r["documents"]]
            rows.append(
                {
                    "date": label,
                    "key": r["key"],
                    "commits": "\n".join(commits),  # one paragraph, line breaks: fast to render
                    "hours": _num(r["hours"]) if r["hours"] else "-",
                    "changes": "\n".join(changes),
                    "docs": "\n".join(docs),
                }
            )
    reqs = []
    milestones = []
    # milestones worth a line: due from the period start to the end of next week, done in
    # the period, or late (the full list is in the data and the plan)
    lo, hi = data["period_start"], data["next_week"]["end"]
    for r in data["requests"]:
        reqs.append(
            {
                "key": r["key"],
                "title": r["title"],
                "state": _state(r["state"], lang),
                "planned": _num(r["planned_person_days"]),
                "planned_to_date": _num(r["planned_to_date"]),
                "done": _num(r["done_person_days"]),
                "pct": f"{r['progress_pct']}%" if r["progress_pct"] is not None else "-",
                "slip": str(r["slip_working_days"])
                if r["planned_person_days"] is not None
                else "-",
                "people": "\n".join(
                    f"{p['name']} {p['days']}天/{_num(p['hours'])}h"
                    if zh
                    else f"{p['name']} {p['days']}d/{_num(p['hours'])}h"
                    for p in r["people"]
                ),
            }
        )
        for m in r["milestones"]:
            if not (
                m["status"] == "late"
                or lo <= m["day"] <= hi
                or (m["done_on"] is not None and lo <= m["done_on"] <= data["period_end"])
            ):
                continue
            status = {
                "done": ("已完成", "done"),
                "late": ("已延误", "late"),
                "open": ("进行中", "open"),
                "untracked": ("—", "—"),
            }[m["status"]]
            milestones.append(
                {
                    "key": r["key"],
                    "name": m["name"]
                    or _pick(PHASE_LABELS.get(m["phase"], (m["phase"],) * 2), lang),
                    "day": m["day"].isoformat() + ("*" if m["provisional"] else ""),
                    "done_on": _fmt_date(m["done_on"], lang) if m["done_on"] else "-",
                    "slip": "-" if m["status"] == "untracked" else str(m["slip_working_days"]),
                    "status": _pick(status, lang),
                }
            )
    risks = [_risk_text(x, lang) for x in data["risks"]]
    nxt = [
        {
            "key": x["key"],
            "title": x["title"] or _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang),
            "phase": _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang),
            "who": x["who"] or "-",
            "start": x["start"].isoformat(),
            "end": x["end"].isoformat() + ("*" if x["provisional"] else ""),
            "person_days": _num(x["person_days"]),
        }
        for x in data["next_week"]["items"]
    ]
    t = data["totals"]
    off = "、".join if zh else "; ".join
    days_off = off(
        f"{d['date'].isoformat()} {d['reason_zh'] if zh else d['reason']}" for d in data["days_off"]
    )
    return {
        "client": data["client"]["name"],
        "contract": (
            f"{data['contract']['code']} {data['contract']['title']}" if data["contract"] else "-"
        ),
        "week": data["week"],
        "week_start": data["week_start"].isoformat(),
        "week_end": data["week_end"].isoformat(),
        "period_start": data["period_start"].isoformat(),
        "period_end": data["period_end"].isoformat(),
        "report_day": (
            f"{data['due_at']:%Y-%m-%d %H:%M}"
            if data["due_at"]
            else _pick(("本周无工作日，无需报告", "no working day this week: no report due"), lang)
        ),
        "generated": f"{data['generated_at']:%Y-%m-%d %H:%M}",
        "version": version,
        "our_lead": (data["our_lead"] or {}).get("name", "-"),
        "client_lead": (data["client_lead"] or {}).get("name", "-"),
        "working_days": data["working_days"],
        "days_off": days_off or _pick(("无", "none"), lang),
        "n_requests": t["requests"],
        "commits": t["commits"],
        "hours": _num(t["hours"]),
        "person_days": _num(t["person_days"]),
        "n_people": t["people"],
        "empty": data["empty"],
        "days": days,
        "rows": rows,
        "requests": reqs,
        "milestones": milestones,
        "people": [
            {
                "name": p["name"],
                "days": str(p["days"]),
                "hours": _num(p["hours"]),
                "commits": str(p["commits"]),
                "requests": ", ".join(p["requests"]),
            }
            for p in data["people"]
        ],
        "risks": risks,
        "next_week": data["next_week"]["week"],
        "next_start": data["next_week"]["start"].isoformat(),
        "next_end": data["next_week"]["end"].isoformat(),
        "next_items": nxt,
        "has_chart": bool(data.get("chart")),
        "chart": CHART_MARKER,
        "provisional": data["provisional"],
        "provisional_note": PROVISIONAL_NOTE[lang],
        "hours_per_day": _num(data["hours_per_day"]),
    }


def _risk_text(x: dict[str, Any], lang: str) -> str:
    zh = lang == "zh-CN"
    if x["kind"] == "late_milestone":
        name = x["name"] or _pick(PHASE_LABELS.get(x["phase"], (x["phase"],) * 2), lang)
        return (
            f"{x['key']}：里程碑“{name}”（{x['day']}）已延误 {x['slip_working_days']} 个工作日"
            if zh
            else f"{x['key']}: milestone '{name}' ({x['day']}) is {x['slip_working_days']}"
            " working day(s) late"
        )
    if x["kind"] == "behind_plan":
        return (
            f"{x['key']}：进度落后于计划（计划至今 {_num(x['planned'])} 人日，"
            f"实际 {_num(x['done'])} 人日）"
            if zh
            else f"{x['key']}: behind plan ({_num(x['planned'])} person-days planned to date,"
            f" {_num(x['done'])} done)"
        )
    if x["kind"] == "sla_breach":
        names = {"response": ("首次响应", "first response"), "onsite": ("到场", "on-site")}
        clock = _pick(names.get(x["clock"], (x["clock"], x["clock"])), lang)
        title = f"（{x['title']}）" if zh and x.get("title") else ""
        if not zh and x.get("title"):
            title = f" ({x['title']})"
        cause = x.get("cause") or ""
        if zh:
            return f"{x['key']}{title}：{clock}时限 {x['due']:%Y-%m-%d %H:%M} 已超时" + (
                f"，原因：{cause}" if cause else ""
            )
        return f"{x['key']}{title}: {clock} time limit {x['due']:%Y-%m-%d %H:%M} breached" + (
            f"; cause: {cause}" if cause else ""
        )
    return f"{x['key']}: {x['kind']}"


def render_report(data: dict[str, Any], *, version: int, lang: str) -> bytes:
    """The Word report through wordkit.render; the chart goes in with the ``post`` hook."""
    from docx.shared import Mm

    from .wordkit import render

    png = chart_png(data, lang)

    def put_chart(tpl: Any) -> None:
        for p in tpl.docx.paragraphs:
            if CHART_MARKER in p.text:
                for r in p.runs:
                    r.text = ""
                if png:
                    p.runs[0].add_picture(io.BytesIO(png), width=Mm(150)) if p.runs else (
                        p.add_run().add_picture(io.BytesIO(png), width=Mm(150))
                    )
                return

    title = f"{_pick(TITLE, lang)} {data['client']['name']} {data['week']}"
    return render(
        "weekly",
        report_context(data, version=version, lang=lang),
        lang=lang,
        title=title,
        subject=_pick(TITLE, lang),
        post=put_chart,
        custom_properties={
            "changeflow.kind": KIND,
            "changeflow.client": data["client"]["code"],
            "changeflow.week": data["week"],
            "changeflow.version": str(version),
        },
    )


def report_markdown(data: dict[str, Any], *, version: int, lang: str = "zh-CN") -> str:
    """A short markdown view for the Prefect UI (both languages in the headings)."""
    from changeflow.flows.common import md

    ctx = report_context(data, version=version, lang=lang)
    lines = [
        f"# 项目周报 Weekly report · {md(data['client']['name'])} · {data['week']} v{version}",
        f"- 统计期间 Period: {ctx['period_start']} — {ctx['period_end']}",
        f"- 报告时间 Report due: {ctx['report_day']}",
        f"- 工作日 Working days: {ctx['working_days']}; 休息日 Days off: {md(ctx['days_off'])}",
        f"- 提交 Commits: {ctx['commits']}; 工时 Hours: {ctx['hours']}"
        f" ({ctx['person_days']} 人日 person-days); 人员 People: {ctx['n_people']}",
        "",
        "| 需求 Request | 阶段 Stage | 计划 Planned | 计划至今 To date | 完成 Done | 进度 % |"
        " 滞后 Slip (wd) |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {md(r['key'])} {md(r['title'])} | {md(r['state'])} | {r['planned']} |"
            f" {r['planned_to_date']} | {r['done']} | {r['pct']} | {r['slip']} |"
            for r in ctx["requests"]
        ],
    ]
    if ctx["risks"]:
        lines += ["", "## 风险 Risks", *[f"- {md(x)}" for x in ctx["risks"]]]
    if ctx["next_items"]:
        lines += [
            "",
            f"## 下周计划 Next week ({ctx['next_start']} — {ctx['next_end']})",
            *[
                f"- {md(x['key'])} {md(x['title'])} · {md(x['who'])} · {x['start']}–{x['end']}"
                for x in ctx["next_items"]
            ],
        ]
    return "\n".join(lines)


# --- making and recording a report -----------------------------------------------------------


def mail_key(client_code: str, week: str, version: int) -> str:
    """The idempotency key of one version's mail: the same key is never mailed twice."""
    return f"weekly-report/{client_code}/{week}/v{version}"


def make_report(
    week: str | None = None,
    client: str | None = None,
    *,
    lang: str | None = None,
    actor: str = "changeflow",
    trigger: str = "cli",
    now: datetime | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Build, render and store version n+1 of a client's week report, in one transaction."""
    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    week = week or current_week(now)
    y, w = parse_week(week)
    week = week_label(y, w)
    with transaction(url) as session:
        cl = find_client(session, client)
        data = build_week(session, cl, week, now=now)
        version = (
            session.scalar(
                select(func.max(WeeklyReport.version)).where(
                    WeeklyReport.client_id == cl.id, WeeklyReport.week == week
                )
            )
            or 0
        ) + 1
        blob = render_report(data, version=version, lang=lang)
        doc = put_document(
            session,
            blob,
            kind=KIND,
            request=None,
            filename=f"{cl.code}-{week}-weekly.docx",
            version=version,
            lang=lang,
            meta={"client": cl.code, "week": week, "version": version},
        )
        contract_id = data["contract"]["id"] if data["contract"] else None
        rep = WeeklyReport(
            client_id=cl.id,
            contract_id=contract_id,
            week=week,
            version=version,
            period_start=data["period_start"],
            period_end=data["period_end"],
            due_at=data["due_at"],
            lang=lang,
            document=doc,
            created_by=actor,
            trigger=trigger,
            summary=_jsonable(data["totals"])
            | {
                "risks": len(data["risks"]),
                "markdown": report_markdown(data, version=version, lang=lang),
            },
            mail_key=mail_key(cl.code, week, version),
            mail_state="not_sent",
            mail_to=((data["client_lead"] or {}).get("email") or ""),
        )
        session.add(rep)
        session.flush()
        return {
            "id": rep.id,
            "client": cl.code,
            "week": week,
            "version": version,
            "lang": lang,
            "document": str(document_path(doc)),
            "document_id": doc.id,
            "sha256": doc.sha256,
            "mail_key": rep.mail_key,
            "markdown": report_markdown(data, version=version, lang=lang),
            "data": data,
        }


def scheduled_reports(
    *,
    lang: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    url: str | None = None,
) -> list[dict[str, Any]]:
    """The reports a scheduled trigger at ``now`` should mail: one per client whose report is
    due and not yet mailed. A report the schedule already made this week (a retried run) is
    reused rather than made again, so its mail key, recorded as sent, stops a second mail."""
    now = now or datetime.now(get_settings().tz)
    targets: list[tuple[str, str, int | None]] = []
    with transaction(url) as s:
        only = find_client(s, client).id if client else None
        for cl, week in clients_due(s, now):
            if only is not None and cl.id != only:
                continue
            prior = s.scalar(
                select(WeeklyReport.id)
                .where(
                    WeeklyReport.client_id == cl.id,
                    WeeklyReport.week == week,
                    WeeklyReport.trigger == "schedule",
                )
                .order_by(WeeklyReport.version.desc())
                .limit(1)
            )
            targets.append((cl.code, week, prior))
    out = []
    for code, week, prior in targets:
        if prior is not None:
            out.append(stored_report(prior, url=url))
        else:
            out.append(
                make_report(
                    week, code, lang=lang, actor="schedule", trigger="schedule", now=now, url=url
                )
            )
    return out


def stored_report(report_id: int, *, url: str | None = None) -> dict[str, Any]:
    """A stored report version as ``make_report`` returns it (without the week data)."""
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        if rep is None:
            raise NotFoundError(f"no weekly report {report_id}")
        doc = rep.document
        return {
            "id": rep.id,
            "client": rep.client.code,
            "week": rep.week,
            "version": rep.version,
            "lang": rep.lang,
            "document": str(document_path(doc)) if doc else "",
            "document_id": doc.id if doc else None,
            "sha256": doc.sha256 if doc else "",
            "mail_key": rep.mail_key,
            "markdown": (rep.summary or {}).get("markdown", ""),
        }


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in d.items()}


# --- mail ------------------------------------------------------------------------------------


def mail_body(rep: WeeklyReport, lang: str) -> tuple[str, str]:
    """Subject and a short body: the report itself is the attachment."""
    client = rep.client.name
    if lang == "zh-CN":
        subject = f"项目周报 {client} {rep.week}（第 {rep.version} 版）"
        lead = rep.contract.lead.name if rep.contract and rep.contract.lead else ""
        ours = rep.contract.our_lead.name if rep.contract and rep.contract.our_lead else ""
        body = (
            f"{lead}：您好！\n\n附件为 {rep.week}（{rep.period_start} 至 {rep.period_end}）"
            f"的项目周报，请查阅。\n\n{ours}\n"
        )
    else:
        subject = f"Weekly project report {client} {rep.week} (v{rep.version})"
        body = (
            f"Hello,\n\nattached is the weekly report of {rep.week} ({rep.period_start} to"
            f" {rep.period_end}).\n"
        )
    return subject, body


def send_report(
    report_id: int,
    *,
    resend: bool = False,
    password: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Mail one stored report version to the client's project lead, at most once per key.

    A version already sent is not sent again (its key is recorded); a new version of a week
    that was already mailed is sent only with ``resend`` (a deliberate correction). A
    failure is recorded on the row and raised, so the task can retry and the run fails
    visibly while the report stays stored.
    """
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        if rep is None:
            raise NotFoundError(f"no weekly report {report_id}")
        if rep.mail_state == "sent":
            return {
                "sent": False,
                "status": "already-sent",
                "reason": "already sent",
                "mail_key": rep.mail_key,
                "to": rep.mail_to,
            }
        earlier = already_sent(s, rep.client_id, rep.week)
        if earlier is not None and not resend:
            rep.mail_state = "skipped"
            rep.mail_error = f"v{earlier.version} of {rep.week} was already sent; use resend"
            return {
                "sent": False,
                "status": "skipped",
                "reason": rep.mail_error,
                "mail_key": rep.mail_key,
                "to": rep.mail_to,
            }
        contract = rep.contract
        lead = contract.lead if contract else None
        if lead is None or not lead.email:
            src = f"contract {contract.code}" if contract else f"client {rep.client.code}"
            raise InputError(src, "client_lead.email", "the client's project lead has no email")
        to = [lead.email]
        cc = (
            [contract.our_lead.email]
            if contract and contract.our_lead and (contract.our_lead.email)
            else []
        )
        doc = rep.document
        assert doc is not None
        blob = document_path(doc).read_bytes()
        subject, body = mail_body(rep, rep.lang)
        attach = [
            (
                f"{rep.client.code}-{rep.week}-v{rep.version}-weekly.docx",
                blob,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        ]
        key = rep.mail_key
    from .mail import send_mail_result

    try:
        res = send_mail_result(to, subject, body, attach, key, cc=cc, password=password)
    except Exception as exc:
        with transaction(url) as s:
            rep = s.get(WeeklyReport, report_id)
            assert rep is not None
            rep.mail_attempts += 1
            rep.mail_state = "failed"
            rep.mail_error = f"{type(exc).__name__}: {exc}"[:500]  # mail scrubs the password
        raise
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        assert rep is not None
        rep.mail_attempts += 1
        rep.mail_state = "sent"
        rep.mail_error = ""
        rep.sent_at = datetime.now(UTC)
        rep.mail_to = ", ".join(res.recipients)
    return {
        "sent": res.status == "sent",
        "status": res.status,
        "to": res.recipients,
        "mail_key": key,
        "message_id": res.message_id,
    }


def report_rows(client: str | None = None, week: str | None = None, url: str | None = None):
    """Stored report versions (newest first) for the CLI and the flow's artifact."""
    with transaction(url) as s:
        q = select(WeeklyReport).order_by(WeeklyReport.week.desc(), WeeklyReport.version.desc())
        if client:
            q = q.where(WeeklyReport.client_id == find_client(s, client).id)
        if week:
            y, w = parse_week(week)
            q = q.where(WeeklyReport.week == week_label(y, w))
        return [
            {
                "id": r.id,
                "client": r.client.code,
                "week": r.week,
                "version": r.version,
                "mail_state": r.mail_state,
                "sent_at": r.sent_at,
                "mail_key": r.mail_key,
            }
            for r in s.scalars(q)
        ]
