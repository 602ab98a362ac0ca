"""A service request's worked time in the one count of service days (``tasks.servicedays``).

Time counts as used once the requester confirmed the request (as a dispatch order's time
counts once the client accepted it on the signed order); before that it is *awaiting*. Time
worked during a dispatch visit names the order and is counted by the order, never twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.servicereq import ServiceRequest


def worked(sr: ServiceRequest) -> tuple[int, int]:
    """(service minutes, overtime minutes) of all the request's work."""
    return (
        sum(int(w.service_minutes) for w in sr.work),
        sum(int(w.overtime_minutes) for w in sr.work),
    )


def service_request_minutes(
    session: Session, contract: Any, *, until: date | None = None
) -> dict[str, Any]:
    """The contract year's service-request time: ``counted`` (confirmed), ``awaiting``
    (not confirmed yet), ``overtime`` (of the counted), by request key (``requests``) and
    by work day (``days``: (day, minutes) counted, for the months and cycles)."""
    first, last = contract.start_date, min(contract.end_date, until or contract.end_date)
    out: dict[str, Any] = {"counted": 0, "awaiting": 0, "overtime": 0, "requests": {}, "days": []}
    for sr in session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.contract_id == contract.id, ServiceRequest.state != "cancelled")
        .order_by(ServiceRequest.id)
    ):
        confirmed = (
            sr.state == "confirmed"
            and sr.confirmed_at is not None
            and (until is None or sr.confirmed_at.astimezone(_tz()).date() <= until)
        )
        for w in sr.work:
            if w.dispatch_number or not first <= w.day <= last:
                continue
            if confirmed:
                out["counted"] += int(w.service_minutes)
                out["overtime"] += int(w.overtime_minutes)
                out["requests"][sr.key] = out["requests"].get(sr.key, 0) + int(w.service_minutes)
                out["days"].append((w.day, int(w.service_minutes)))
            else:
                out["awaiting"] += int(w.service_minutes)
    return out


def _tz():
    from changeflow.settings import get_settings

    return get_settings().tz
