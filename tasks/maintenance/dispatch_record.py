"""One dispatch order's record: found by its number, the next number of a year, a state
change with its event, the service time it counts, and its view.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.errors import NotFoundError

from ..servicedays import overtime_minutes, worked_minutes
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
        "overtime_minutes": overtime_minutes(order),
        "work": [
            {
                "engineer": w.person.name,
                "start": iso_local(w.started_at),
                "end": iso_local(w.ended_at),
                "service_minutes": w.service_minutes,
                "overtime_minutes": w.overtime_minutes,
                "entered": w.entered,
            }
            for w in order.work
        ],
        "service_mode": order.service_mode,
        "skills": list(order.skills or []),
        "on_day_off": order.on_day_off,
        "document": order.document.path if order.document else None,
        "version": order.document.version if order.document else None,
        "accepted": order.accepted,
        "satisfaction": order.satisfaction,
        "feedback": order.feedback,
        "signer": order.signer,
        "signed_on": order.signed_on,
    }
