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
    days; a visit falling on a day off is skipped (and reported). Running it again creates
    nothing twice (one schedule key per contract and day)."""
    now = now or utcnow()
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    todo: list[tuple[str, datetime, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
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
                if not cal.is_working_day(d):
                    skipped.append({"contract": k.code, "day": d, "why": cal.day_info(d).reason})
                    continue
                todo.append((k.code, start, rule))
    created, existing = [], []
    for code, start, rule in todo:
        try:
            created.append(
                create_dispatch(
                    kind="weekly-visit",
                    planned_start=start,
                    planned_end=start + timedelta(minutes=rule["minutes"]),
                    staff=rule["staff"],
                    location=rule["location"],
                    work_content=rule["work"],
                    contract=code,
                    schedule_key=f"{code}:weekly:{start.date().isoformat()}",
                    actor="dispatch flow",
                    channel="flow",
                    source=f"contract {code} weekly visit",
                )
            )
        except (ConflictError, IntegrityError):
            existing.append({"contract": code, "day": start.date()})
    return {"created": created, "existing": existing, "skipped": skipped}
