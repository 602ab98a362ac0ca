"""Facts from the maintenance side of the contract: SLA breaches of fault clocks and the days
with a daily run log (运行日志)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract


def sla_breaches(
    session: Session, client_id: int, t0: datetime, t1: datetime, tz: Any, now: datetime
) -> list[dict[str, Any]]:
    """Fault clocks breached with their due time in the period (the maintenance module's
    rules: pauses, a visit counting as the response...)."""
    from ...maintenance import breaches_between

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


def watch(contract: Contract | None, first: date, last: date, now: datetime) -> dict[str, Any]:
    """The week's probe availability, visit checks and backups (``{}``: nothing to say)."""
    if contract is None:
        return {}
    from ...systemwatch import watch_summary

    return watch_summary(contract.code, first, last, now=now)


def run_log_days(session: Session, contract: Contract | None, first: date, last: date) -> set[date]:
    """Days of the period with a daily run log (运行日志) of the contract (maintenance)."""
    if contract is None:
        return set()
    from changeflow.db.maintenance import RunLogEntry

    return set(
        session.scalars(
            select(RunLogEntry.day).where(
                RunLogEntry.contract_id == contract.id,
                RunLogEntry.day >= first,
                RunLogEntry.day <= last,
            )
        )
    )


def week_service(
    session: Session, contract: Contract | None, period: Any, shown: list[int]
) -> dict[str, list[dict[str, Any]]]:
    """The week's service beside the development: the dispatch orders (visits, remote and
    emergency service) of the period, the faults reported in it or worked on in it
    (``shown``), and next week's planned orders (for the next-week plan)."""
    out: dict[str, list[dict[str, Any]]] = {"visits": [], "faults": [], "next_visits": []}
    if contract is None:
        return out
    from datetime import UTC, time, timedelta

    from changeflow.db.maintenance import DispatchOrder, Fault

    tz = period.tz
    next_t1 = datetime.combine(period.next_sun + timedelta(days=1), time(0), tzinfo=tz)
    orders = session.scalars(
        select(DispatchOrder)
        .where(
            DispatchOrder.contract_id == contract.id,
            DispatchOrder.state != "cancelled",
            DispatchOrder.planned_start >= period.t0 - timedelta(days=7),
            DispatchOrder.planned_start < next_t1.astimezone(UTC),
        )
        .order_by(DispatchOrder.planned_start, DispatchOrder.id)
    ).all()
    for o in orders:
        when = o.actual_start or o.planned_start
        staff = [s.person.name for s in o.staff]
        row = {
            "number": o.number,
            "title": o.title,
            "kind": o.kind,
            "day": when.astimezone(tz).date(),
            "staff": staff,
            "state": o.state,
            "minutes": o.worked_minutes,
        }
        if period.t0 <= when < period.t1:
            out["visits"].append(row)
        elif o.state == "planned" and period.next_mon <= row["day"] <= period.next_sun:
            out["next_visits"].append(row)
    faults = session.scalars(
        select(Fault)
        .where(Fault.contract_id == contract.id)
        .where(
            (Fault.reported_at >= period.t0) & (Fault.reported_at < period.t1)
            | Fault.request_id.in_(shown or [-1])
        )
        .order_by(Fault.reported_at, Fault.id)
    ).all()
    for f in faults:
        out["faults"].append(
            {
                "key": f.request.key,
                "title": f.request.title,
                "severity": f.severity,
                "reported": f.reported_at.astimezone(tz),
                "state": f.request.state,
            }
        )
    return out
