"""Each day's development status: per day and request the commits, hours, people, stage
changes and documents; and the day list (working or not and why, the report day, not yet
happened, the run log) with those rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .activity import Activity
from .period import Period, as_utc

MAX_COMMITS_PER_CELL = 8


def day_cells(period: Period, act: Activity) -> dict[tuple[date, int], dict[str, Any]]:
    """(day, request id) -> what happened on that day for that request."""
    tz = period.tz
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

    for rid, day, sha, message, author, is_merge in act.commits:
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
    for rid, day, name, hours, n in act.hours:
        h = Decimal(hours) * n
        c = slot(day, rid)
        c["hours"] += h
        c["people"].add(name)
    for rid, at, frm, to, actor, reason in act.events:
        day = as_utc(at).astimezone(tz).date()
        slot(day, rid)["events"].append(
            {
                "from": frm,
                "to": to,
                "actor": actor,
                "reason": reason,
                "at": as_utc(at).astimezone(tz).strftime("%H:%M"),
            }
        )
    for rid, at, kind, version, lang in act.documents:
        day = as_utc(at).astimezone(tz).date()
        slot(day, rid)["documents"].append({"kind": kind, "version": version, "lang": lang})
    return cell


def days_out(
    period: Period,
    reqs: dict[int, Any],
    cell: dict[tuple[date, int], dict[str, Any]],
    run_logs: set[date],
    today: date,
) -> list[dict[str, Any]]:
    """The seven days of the week in order; a day after ``today`` (the day the report is
    made) has not happened yet and says so rather than "nothing recorded"."""
    due = period.due
    days_info = {d.day: d for d in period.cal.days(period.start, period.end)}
    days = []
    for d in sorted(days_info):
        info = days_info[d]
        rows = [
            {"key": reqs[rid].key, "title": reqs[rid].title, **_cell_out(cell[(d, rid)])}
            for rid in sorted({rid for (dd, rid) in cell if dd == d}, key=lambda r: reqs[r].key)
        ]
        future = d > today
        days.append(
            {
                "date": d,
                "weekday": d.isoweekday(),
                "in_week": True,  # the period is the ISO week (see period.py)
                "future": future,
                "working": info.working,
                "kind": info.kind,
                "reason": info.reason,
                "reason_zh": info.reason_zh,
                "provisional": info.provisional,
                "report_day": due is not None and d == due.date(),
                "run_log": (
                    None
                    if future and d not in run_logs
                    else (d in run_logs if (info.working or d in run_logs) else None)
                ),
                "requests": rows,
            }
        )
    return days


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
