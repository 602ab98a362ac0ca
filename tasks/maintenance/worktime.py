"""Worked time of one engineer on a dispatch order, split into service time and overtime.

Service days are counted from service time: the part of the work that lies inside the
contract's service hours on working days (``tasks/calendar/``). Work outside them (before
opening, after closing, on a day off) is overtime, kept apart for the contract to bill or not.

A span over several days (``Monday 09:00 .. Friday 17:30``) is read as a working day on each
day: from the start on the first day, to the end on the last day, and the service hours on
the days between; days off between them are not worked unless the order is on a day off
(``--on-day-off``), when they count whole service windows of a regular day as overtime. Each
engineer's service time counts at most ``hours_per_service_day`` hours on one day, so a full
day is one service day whatever the length of the service window (09:00-17:30 is 8.5 hours,
the contract's day is 8).

Minutes entered by hand (``dispatch done --minutes``) are taken as service minutes without a
one-day cap (work over several days entered as one figure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..calendar import WorkingCalendar


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


def split_work(
    start: datetime,
    end: datetime,
    cal: WorkingCalendar,
    hours_per_day: Decimal,
    *,
    on_day_off: bool = False,
) -> Split:
    """Service time and overtime of one engineer who worked from ``start`` to ``end``."""
    if end <= start:
        return Split(0, 0, 0)
    cap = int(Decimal(hours_per_day) * 60)
    a, b = start.astimezone(cal.tz), end.astimezone(cal.tz)
    first, last = a.date(), b.date()
    service = overtime = days = 0
    d = first
    while d <= last:
        bounds = _window_bounds(cal, d)
        lo = a if d == first else (bounds[0] if bounds else None)
        hi = b if d == last else (bounds[1] if bounds else None)
        between = first < d < last
        if lo is not None and hi is not None and hi > lo:
            if between and not cal.is_working_day(d) and not on_day_off:
                d += timedelta(days=1)
                continue  # a day off inside the span: nobody worked
            worked = _minutes(hi - lo)
            inside = _minutes(cal.working_time_between(lo, hi))
            counted = min(inside, cap)
            service += counted
            overtime += worked - inside
            days += 1
        d += timedelta(days=1)
    return Split(service, overtime, days)


def service_days(minutes: int, hours_per_day: Decimal) -> Decimal:
    """Minutes of service time as service days (exact; rounding is the caller's)."""
    return Decimal(minutes) / 60 / Decimal(hours_per_day)
