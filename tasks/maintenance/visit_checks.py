"""The maintenance plan's checks as a visit sees them: which are due on the visit's day (by
frequency and the last day each was done) and the results recorded on its dispatch order.

It reads the plan's tables (``db.maintplan``) only, so the dispatch order's document can list
them; loading the plan, recording results and the plan's documents are in
``tasks.maintplan``, which builds on this.

A check of frequency ``visit`` is due on every visit; ``weekly`` when it was not done in the
seven days before; ``monthly`` when not done in the day's calendar month; ``quarterly`` when
not in the day's calendar quarter.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from changeflow.bilingual import CHECK_FREQUENCIES, CHECK_KINDS, CHECK_RESULTS, is_zh, pick
from changeflow.settings import get_settings

# the order the frequencies are shown in
FREQUENCY_ORDER = {f: i for i, f in enumerate(CHECK_FREQUENCIES)}


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def is_due(frequency: str, last: date | None, day: date) -> bool:
    """Whether a check of ``frequency`` last done on ``last`` is due on ``day``."""
    if frequency == "visit" or last is None:
        return True
    if last > day:
        return False
    if frequency == "weekly":
        return last <= day - timedelta(days=7)
    if frequency == "monthly":
        return (last.year, last.month) != (day.year, day.month)
    if frequency == "quarterly":
        return _quarter(last) != _quarter(day)
    raise ValueError(frequency)


def system_name(system: Any, lang: str | None) -> str:
    """A system as a client reads it: its name in the language, else its kind."""
    from changeflow.bilingual import PLAN_SYSTEM_KINDS

    own = system.name if is_zh(lang) else (system.name_en or "")
    return own or pick(PLAN_SYSTEM_KINDS[system.kind], lang)


def last_done(s: Any, check_ids: list[int], before: date) -> dict[int, date]:
    """Each check's last day done before ``before``."""
    from changeflow.db.maintplan import CheckResult

    if not check_ids:
        return {}
    q = (
        select(CheckResult.check_id, func.max(CheckResult.day))
        .where(CheckResult.check_id.in_(check_ids), CheckResult.day < before)
        .group_by(CheckResult.check_id)
    )
    return {cid: d for cid, d in s.execute(q)}


def due_rows(s: Any, mp: Any, day: date, lang: str | None, order_id: int | None = None,
             ) -> list[dict[str, Any]]:  # fmt: skip
    """The checks due on ``day``, most frequent first, each with its last day done and (for
    an order) the result recorded on it."""
    from changeflow.db.maintplan import CheckResult

    checks = [c for c in mp.checks if c.active]
    last = last_done(s, [c.id for c in checks], day)
    done: dict[int, Any] = {}
    if order_id is not None:
        for r in s.scalars(select(CheckResult).where(CheckResult.order_id == order_id)):
            done[r.check_id] = r
    rows = []
    for c in checks:
        if not is_due(c.frequency, last.get(c.id), day) and c.id not in done:
            continue
        r = done.get(c.id)
        rows.append({
            "code": c.code,
            "system": system_name(c.system, lang),
            "check": pick(CHECK_KINDS[c.kind], lang),
            "frequency": c.frequency,
            "threshold": c.threshold if is_zh(lang) else c.threshold_en,
            "last": last.get(c.id),
            "result": r.result if r else None,
            "value": r.value if r else "",
            "note": r.note if r else "",
        })  # fmt: skip
    rows.sort(key=lambda x: FREQUENCY_ORDER[x["frequency"]])
    return rows


def order_day(order: Any) -> date:
    tz = get_settings().tz
    return (order.actual_start or order.planned_start).astimezone(tz).date()


def visit_check_rows(s: Any, order: Any, lang: str) -> list[dict[str, Any]]:
    """The rows a visit's dispatch order shows: each check due that day, its result once
    recorded (blank before); none without a plan."""
    from changeflow.db.maintplan import MaintPlan

    if s is None:
        return []
    mp = s.scalar(select(MaintPlan).where(MaintPlan.contract_id == order.contract_id))
    if mp is None:
        return []
    rows = due_rows(s, mp, order_day(order), lang, order.id)
    sep = "；" if is_zh(lang) else "; "
    return [{"system": r["system"], "check": r["check"], "threshold": r["threshold"],
             "result": pick(CHECK_RESULTS[r["result"]], lang) if r["result"] else "",
             "value": sep.join(x for x in (r["value"], r["note"]) if x)} for r in rows]  # fmt: skip
