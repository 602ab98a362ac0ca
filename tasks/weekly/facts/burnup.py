"""The burn-up chart's data: planned against actual cumulative person-days on the working
calendar. Values are computed per working day and carried flat over the days off between
them, so the planned line never climbs across a holiday and reads at the report's day what
the progress table says."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .period import WorkingDays

MAX_CHART_DAYS = 400


def burnup_series(
    wd: WorkingDays,
    plans: list[tuple[Any, list[Any]]],
    hours_by_day: dict[date, Decimal],
    per_day: Decimal,
    ref_day: date,
) -> dict[str, Any] | None:
    """Planned (difference arrays over the working days, flat over days off) vs actual (the
    hours booked up to each calendar day) cumulative person-days."""
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
    before = sum((h for d, h in hours_by_day.items() if d < axis[0]), Decimal(0))
    # every calendar day of the span: a day off carries the working day before it
    days, p_out, a_out, off = [], [], [], []
    d, i = axis[0], 0
    while d <= axis[-1] or (d <= ref_day and d <= last):
        while i + 1 < len(axis) and axis[i + 1] <= d:
            i += 1
        working = d == axis[i]
        days.append(d)
        p_out.append(planned[i])
        if d <= ref_day:
            before += hours_by_day.get(d, Decimal(0))
            a_out.append(round(float(before / per_day), 3) if per_day else 0.0)
        else:
            a_out.append(None)
        if not working:
            off.append(d)
        d += timedelta(days=1)
    return {"days": days, "planned": p_out, "actual": a_out, "ref_day": ref_day, "off": off}
