"""One dispatch order's record: found by its number, the next number of a year, a state
change with its event, the service time it counts, and its view.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.errors import NotFoundError

from .common import iso_local


def _dispatch(session: Session, number: str, *, lock: bool = False) -> Any:
    from changeflow.db.maintenance import DispatchOrder

    q = select(DispatchOrder).where(DispatchOrder.number == number.strip().upper())
    if lock:
        q = q.with_for_update()
    order = session.scalar(q)
    if order is None:
        raise NotFoundError(f"no dispatch order {number} (see: changeflow dispatch list)")
    return order


def _next_number(session: Session, year: int) -> str:
    from sqlalchemy import func

    from changeflow.db.maintenance import DispatchOrder

    last = session.scalar(
        select(func.max(DispatchOrder.number)).where(DispatchOrder.number.like(f"PG-{year}-%"))
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"PG-{year}-{seq:04d}"


def _dispatch_event(
    session: Session,
    order: Any,
    to_state: str,
    *,
    actor: str,
    channel: str,
    reason: str = "",
    evidence_sha256: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    from changeflow.db.maintenance import DispatchEvent

    order.events.append(
        DispatchEvent(
            from_state=None if not order.events else order.state,
            to_state=to_state,
            actor=actor,
            channel=channel,
            reason=reason,
            evidence_sha256=evidence_sha256,
            data=data or {},
        )
    )
    order.state = to_state


def worked_minutes(order: Any) -> int:
    """Service time of an order for the quota: what was entered, else the actual span, else
    (once the client accepted it) the planned span; nothing for a cancelled one."""
    if order.state == "cancelled":
        return 0
    if order.worked_minutes is not None:
        return int(order.worked_minutes)
    if order.actual_start and order.actual_end:
        return int((order.actual_end - order.actual_start).total_seconds() // 60)
    if order.state == "signed":
        return int((order.planned_end - order.planned_start).total_seconds() // 60)
    return 0


def dispatch_view(order: Any) -> dict[str, Any]:
    return {
        "number": order.number,
        "contract": order.contract.code,
        "kind": order.kind,
        "state": order.state,
        "title": order.title,
        "work_content": order.work_content,
        "location": order.location,
        "staff": [s.person.name for s in order.staff],
        "requests": sorted(link.request.key for link in order.links),
        "planned_start": iso_local(order.planned_start),
        "planned_end": iso_local(order.planned_end),
        "actual_start": iso_local(order.actual_start),
        "actual_end": iso_local(order.actual_end),
        "worked_minutes": worked_minutes(order),
        "document": order.document.path if order.document else None,
        "accepted": order.accepted,
        "satisfaction": order.satisfaction,
        "feedback": order.feedback,
        "signer": order.signer,
        "signed_on": order.signed_on,
    }
