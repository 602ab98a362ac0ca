"""The weekly fixed visit (每周固定时间上门): the rule in the contract's settings, and the
dispatch orders planned from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from changeflow.db.models import Contract
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError
from changeflow.settings import get_settings

from ..calendar import calendar_for
from .dispatch import DEFAULT_VISIT_MINUTES, create_dispatch


def weekly_visit_rule(contract: Contract) -> dict[str, Any] | None:
    """``contract.settings.weekly_visit`` validated: weekday 1-7 (Monday 1), time, minutes,
    optional staff and location; None when the contract has no fixed visit."""
    from ..calendar import parse_hhmm

    raw = (contract.settings or {}).get("weekly_visit")
    if not raw:
        return None
    src = f"contract {contract.code}"
    if not isinstance(raw, dict):
        raise InputError(src, "settings.weekly_visit", "must be a mapping with weekday and time")
    weekday = raw.get("weekday")
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 1 <= weekday <= 7:
        raise InputError(src, "settings.weekly_visit.weekday", "must be 1 (Monday) .. 7 (Sunday)")
    minutes = raw.get("minutes", DEFAULT_VISIT_MINUTES)
    if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
        raise InputError(src, "settings.weekly_visit.minutes", "must be 1..1440")
    staff = raw.get("staff") or []
    if not isinstance(staff, list):
        raise InputError(src, "settings.weekly_visit.staff", "must be a list of names")
    return {
        "weekday": weekday,
        "time": parse_hhmm(raw.get("time", "14:00"), src, "settings.weekly_visit.time"),
        "minutes": minutes,
        "staff": [str(x) for x in staff],
        "location": str(raw.get("location") or ""),
        "work": str(raw.get("work") or "每周例行巡检：服务器、数据库、邮件、备份检查；用户支持。"),
    }


def plan_weekly_visits(now: datetime | None = None, days_ahead: int = 7) -> dict[str, Any]:
    """Dispatch orders for every contract's fixed weekly visit in the coming ``days_ahead``
    days; a visit falling on a day off moves to the next working day (same time) and says
    so on the order. Running it again creates nothing twice: the schedule key is the slot's
    own day (contract and the day the visit was due), whatever day it moved to, and an
    order that holds it (planned, done, signed or cancelled) is never made again."""
    now = now or utcnow()
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    todo: list[tuple[str, datetime, dict[str, Any], Any, str]] = []
    skipped: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    with transaction() as s:
        for k in s.scalars(select(Contract).order_by(Contract.code)):
            rule = weekly_visit_rule(k)
            if rule is None:
                continue
            cal = calendar_for(s, k)
            for i in range(days_ahead + 1):
                d = today + timedelta(days=i)
                if d.isoweekday() != rule["weekday"] or not k.start_date <= d <= k.end_date:
                    continue
                start = datetime.combine(d, rule["time"], tzinfo=tz)
                if start < now:
                    continue
                note = ""
                if not cal.is_working_day(d):
                    to = cal.next_working_day(d)
                    info = cal.day_info(d)
                    if to > k.end_date:
                        skipped.append({"contract": k.code, "day": d, "why": info.reason})
                        continue
                    note = (
                        f"原定 {d}（{info.reason_zh}）顺延至 {to} "
                        f"(moved from {d}, {info.reason}, to the next working day {to})"
                    )
                    moved.append({"contract": k.code, "day": d, "to": to, "why": info.reason})
                    start = datetime.combine(to, rule["time"], tzinfo=tz)
                todo.append((k.code, start, rule, d, note))
    created, existing = [], []
    for code, start, rule, slot, note in todo:
        try:
            created.append(
                create_dispatch(
                    kind="weekly-visit",
                    planned_start=start,
                    planned_end=start + timedelta(minutes=rule["minutes"]),
                    staff=rule["staff"],
                    location=rule["location"],
                    work_content=rule["work"] + (f"\n{note}" if note else ""),
                    contract=code,
                    schedule_key=f"{code}:weekly:{slot.isoformat()}",
                    actor="dispatch flow",
                    channel="flow",
                    source=f"contract {code} weekly visit",
                )
            )
        except (ConflictError, IntegrityError):
            existing.append({"contract": code, "day": slot})
    return {"created": created, "existing": existing, "moved": moved, "skipped": skipped}
