"""Facts from the maintenance side of the contract: SLA breaches of fault clocks and the days
with a daily run log (运行日志)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract


def _sla_breaches(
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


def _run_log_days(
    session: Session, contract: Contract | None, first: date, last: date
) -> set[date]:
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
