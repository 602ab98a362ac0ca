"""A period's availability of each probe target, from its state trail (``ProbeEvent``,
never pruned, unlike the results): the time from the first failure of a run to the first
pass after it is time down; a flap counts its minutes too. For the run log and the monthly
statement (the month's probe availability), and ``changeflow probe availability``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from changeflow.db.models import Contract
from changeflow.db.probes import ProbeEvent, ProbeTarget
from changeflow.db.session import transaction
from changeflow.settings import get_settings

DOWN = ("failing", "opening", "down")


def _ends(e: ProbeEvent) -> datetime:
    """When a run of failures ended: the first pass (kept as ``since`` on a recovery)."""
    since = (e.data or {}).get("since")
    if e.from_state in ("down", "opening") and since:
        return datetime.fromisoformat(since)
    return e.at


def availability(contract: str | None, first: date, last: date,
                 now: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Per target: minutes down in [first, last] (local days), availability %, faults
    opened, flaps (a run of failures that ended before a fault)."""
    tz = get_settings().tz
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    if now is not None:
        end = min(end, now)
    total = (end - start).total_seconds() / 60
    out = []
    with transaction() as s:
        q = select(ProbeTarget).order_by(ProbeTarget.name)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        for t in s.scalars(q):
            events = s.scalars(select(ProbeEvent).where(ProbeEvent.target_id == t.id)
                               .order_by(ProbeEvent.at, ProbeEvent.id)).all()  # fmt: skip
            down_from: datetime | None = None
            minutes = 0.0
            faults = flaps = 0
            for e in events:
                if e.to_state == "failing" and down_from is None:
                    down_from = e.at
                elif e.to_state == "ok" and e.from_state in DOWN and down_from is not None:
                    a, b = max(down_from, start), min(_ends(e), end)
                    minutes += max(0.0, (b - a).total_seconds() / 60)
                    flaps += e.from_state == "failing"
                    down_from = None
                if e.to_state == "down" and start <= e.at < end:
                    faults += 1
            if down_from is not None:  # still down at the end of the period
                minutes += max(0.0, (end - max(down_from, start)).total_seconds() / 60)
            share = Decimal(100) if total <= 0 else Decimal(str(100 * (1 - minutes / total)))
            out.append({
                "probe": t.name, "kind": t.kind, "system": t.system,
                "down_minutes": round(minutes),
                "availability": share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                "faults": faults, "flaps": flaps,
            })  # fmt: skip
    return out
