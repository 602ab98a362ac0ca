"""One dispatch order's record: found by its number, the next number of a year, a state
change with its event, the service time it counts, and its view.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..numbered import find_numbered, move_state, next_number
from ..servicedays import overtime_minutes, worked_minutes
from .common import iso_local


def find_dispatch(session: Session, number: str, *, lock: bool = False) -> Any:
    from changeflow.db.maintenance import DispatchOrder

    return find_numbered(
        session, DispatchOrder, number, "dispatch order", "changeflow dispatch list", lock=lock
    )


def next_dispatch_number(session: Session, year: int) -> str:
    from changeflow.db.maintenance import DispatchOrder

    return next_number(session, DispatchOrder, "PG", year)


def dispatch_event(session: Session, order: Any, to_state: str, **audit: Any) -> None:
    """The order's state change and its audit record (in the caller's transaction)."""
    from changeflow.db.maintenance import DispatchEvent

    move_state(order, DispatchEvent, to_state, **audit)


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
