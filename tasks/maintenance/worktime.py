"""Worked time of one engineer on a dispatch order, split into service time and overtime.

Service days are counted from service time: the part of the work that lies inside the
contract's service hours on working days (``tasks/calendar/``). Work outside them (before
opening, after closing, on a day off) is overtime, kept apart for the contract to bill or not.

A span of up to 24 hours is one stretch of work, every minute counted however many dates it
crosses: Thu 22:00 .. Fri 03:00 is 300 minutes of overtime, Thu 20:00 .. Fri 10:00 is 60
minutes of service time and 780 of overtime. A longer span (``Monday 09:00 .. Friday
17:30``) is read as a working day on each day: from the start on the first day (to the
close, or to midnight when it starts after closing), to the end on the last day, and the
service hours on the days between; days off between them are not worked unless the order is
on a day off (``--on-day-off``), when they count whole service windows of a regular day as
overtime. Each
engineer's service time counts at most ``hours_per_service_day`` hours on one day, so a full
day is one service day whatever the length of the service window (09:00-17:30 is 8.5 hours,
the contract's day is 8).

Minutes entered by hand (``dispatch done --minutes``) are taken as service minutes without a
one-day cap (work over several days entered as one figure).

Each engineer may have their own time on one order (``dispatch done --span``, ``parse_span``):
``张伟=2026-09-14 09:00..2026-09-18 17:30`` (split as above, for that engineer alone) or
``李明=960`` / ``李明=960+120`` (service minutes, and overtime minutes apart).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from changeflow.errors import InputError

from ..calendar import WorkingCalendar
from .common import parse_when

SPAN_HELP = (
    "NAME=START..END (张伟=2026-09-14 09:00..2026-09-18 17:30) or NAME=MINUTES[+OVERTIME]"
    " (李明=960+120)"
)
MAX_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class Span:
    """One engineer's own time on an order: a start and end, or minutes entered."""

    name: str
    start: datetime | None = None
    end: datetime | None = None
    minutes: int | None = None  # service minutes entered (no one-day cap)
    overtime: int | None = None  # overtime minutes entered


def parse_span(value: str | Mapping[str, Any], source: str, *, now: datetime) -> Span:
    """``NAME=START..END`` or ``NAME=MINUTES[+OVERTIME]`` (or a mapping with ``engineer``,
    ``start`` and ``end``, or ``minutes`` and ``overtime``); one clear line when unclear."""
    if isinstance(value, Mapping):
        name = str(value.get("engineer") or "").strip()
        start, end = value.get("start"), value.get("end")
        minutes, overtime = value.get("minutes"), value.get("overtime")
        text = f"{name}=" + (f"{start}..{end}" if start or end else f"{minutes}+{overtime or 0}")
    else:
        text = str(value).strip()
    name, sep, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise InputError(source, "span", f"'{text}' is not {SPAN_HELP}")
    fld = f"span {name}"
    if ".." in rest:
        a_txt, _, b_txt = (x.strip() for x in rest.partition(".."))
        if not a_txt or not b_txt:
            raise InputError(source, fld, f"'{rest}' needs a start and an end: {SPAN_HELP}")
        a = parse_when(a_txt, source, fld, now=now)
        b = parse_when(b_txt, source, fld, now=now)
        if b <= a:
            raise InputError(source, fld, f"ends ({b_txt}) not after it starts ({a_txt})")
        return Span(name, a, b)
    m = re.fullmatch(r"(\d+)\s*(?:\+\s*(\d+))?", rest)
    if not m:
        raise InputError(source, fld, f"'{rest}' is not {SPAN_HELP}")
    minutes, overtime = int(m.group(1)), int(m.group(2) or 0)
    if minutes > MAX_MINUTES or overtime > MAX_MINUTES:
        raise InputError(source, fld, "must be at most a year of minutes")
    return Span(name, minutes=minutes, overtime=overtime)


@dataclass(frozen=True)
class Split:
    """One engineer's worked time: service minutes (counted) and overtime minutes."""

    service_minutes: int
    overtime_minutes: int
    days: int  # calendar days worked


def _minutes(td: timedelta) -> int:
    return int(td.total_seconds() // 60)


def _window_bounds(cal: WorkingCalendar, day: date) -> tuple[datetime, datetime] | None:
    """Opening and closing of ``day``'s service hours (a regular day's on a day off)."""
    wins = cal.day_windows(day)[0] or cal._default  # a regular day's windows on a day off
    if not wins:
        return None
    base = datetime(day.year, day.month, day.day, tzinfo=cal.tz)
    return (
        base + timedelta(microseconds=wins[0][0]),
        base + timedelta(microseconds=wins[-1][1]),
    )


def _worked_intervals(
    a: datetime, b: datetime, cal: WorkingCalendar, *, on_day_off: bool
) -> list[tuple[datetime, datetime]]:
    """The stretches an engineer worked between ``a`` and ``b`` (local times), one per date.

    Up to a day (24 hours) the span is one stretch of work, every minute of it, however many
    dates it crosses (an emergency Thu 22:00 .. Fri 03:00). A longer span is read as a
    working day on each date: from the start to the close of service on the first date (to
    midnight when it starts after closing), the service hours of the dates between (days off
    only when the order is on a day off) and from the opening (midnight when it ends before
    opening) to the end on the last date."""
    out: list[tuple[datetime, datetime]] = []
    d, last = a.date(), b.date()
    if b - a <= timedelta(days=1):
        while d <= last:
            midnight = datetime(d.year, d.month, d.day, tzinfo=cal.tz)
            lo, hi = max(a, midnight), min(b, midnight + timedelta(days=1))
            if hi > lo:
                out.append((lo, hi))
            d += timedelta(days=1)
        return out
    first = d
    while d <= last:
        midnight = datetime(d.year, d.month, d.day, tzinfo=cal.tz)
        bounds = _window_bounds(cal, d)
        if d == first:
            lo = a
            hi = bounds[1] if bounds and a < bounds[1] else midnight + timedelta(days=1)
        elif d == last:
            lo = bounds[0] if bounds and b > bounds[0] else midnight
            hi = b
        elif bounds and (cal.is_working_day(d) or on_day_off):
            lo, hi = bounds
        else:
            d += timedelta(days=1)
            continue  # a day off inside the span: nobody worked
        if hi > lo:
            out.append((lo, hi))
        d += timedelta(days=1)
    return out


def split_work(
    start: datetime,
    end: datetime,
    cal: WorkingCalendar,
    hours_per_day: Decimal,
    *,
    on_day_off: bool = False,
) -> Split:
    """Service time and overtime of one engineer who worked from ``start`` to ``end``: per
    date, the minutes inside the service hours of a working day are service time (at most
    ``hours_per_day`` a date), every other minute worked is overtime."""
    if end <= start:
        return Split(0, 0, 0)
    cap = int(Decimal(hours_per_day) * 60)
    a, b = start.astimezone(cal.tz), end.astimezone(cal.tz)
    service = overtime = 0
    stretches = _worked_intervals(a, b, cal, on_day_off=on_day_off)
    for lo, hi in stretches:
        worked = _minutes(hi - lo)
        inside = _minutes(cal.working_time_between(lo, hi))
        service += min(inside, cap)
        overtime += worked - inside
    return Split(service, overtime, len(stretches))


def service_days(minutes: int, hours_per_day: Decimal) -> Decimal:
    """Minutes of service time as service days (exact; rounding is the caller's)."""
    return Decimal(minutes) / 60 / Decimal(hours_per_day)
