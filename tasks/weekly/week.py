"""Weeks and the report day: ISO weeks (Asia/Shanghai), the contract's weekly cron line, the
report day moved off days off, and whether a client's report is due now.
The client's contract on a day comes from the one look-up home, ``tasks.directory``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Client, Contract
from changeflow.db.types import utcnow
from changeflow.db.weekly import WeeklyReport
from changeflow.errors import InputError
from changeflow.settings import get_settings

from ..calendar import WorkingCalendar, calendar_for
from ..directory import client_contract

DEFAULT_CRON = "0 15 * * 5"  # Friday 15:00 Asia/Shanghai
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
DOW_NAMES = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}


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
    return week_of((now or utcnow()).astimezone(tz).date())


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


def report_due(session: Session, client: Client, week: str) -> datetime | None:
    """When ``client``'s report of ``week`` is due (aware, Shanghai); None: no working day."""
    _mon, sun = week_days(week)
    contract = client_contract(session, client, sun)
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
        if client_contract(session, client, sun) is None:
            continue
        if should_send_now(session, client, now):
            out.append((client, week))
    return out


def week_start(args: dict[str, Any]) -> tuple[datetime, str] | None:
    """A week's report is not dated before the week begins (``week`` '2026-W45')."""
    week = args.get("week")
    if not week:
        return None
    try:
        parse_week(str(week))
        first, _ = week_days(str(week))
    except Exception:
        return None
    return datetime(first.year, first.month, first.day, tzinfo=get_settings().tz), f"week {week}"
