"""The request state machine: the one place that says which transitions are allowed.

``transition()`` checks the rule, changes the state and writes the audit record in the
caller's transaction; the row's version column makes two concurrent transitions of one
request end with exactly one winner (the other gets ``ConflictError``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from changeflow.errors import ConflictError, NotFoundError, TransitionError

from .models import Request, RequestEvent
from .types import utcnow

DEV_STATES = (
    "submitted",
    "planned",
    "rejected",
    "approved",
    "in_development",
    "in_testing",
    "live",
    "accepted",
    "on_hold",
    "cancelled",
)
FAULT_STATES = ("reported", "responded", "on_site", "resolved", "closed", "on_hold", "cancelled")

_DEV_FLOW: dict[str, set[str]] = {
    "submitted": {"planned"},
    "planned": {"planned", "approved", "rejected"},  # planned -> planned: a new plan version
    "rejected": {"planned"},
    "approved": {"in_development", "planned"},
    "in_development": {"in_testing"},
    "in_testing": {"live", "in_development"},
    "live": {"accepted", "in_testing", "in_development"},  # not accepted: back with reasons
}
_FAULT_FLOW: dict[str, set[str]] = {
    "reported": {"responded", "on_site", "resolved"},
    "responded": {"on_site", "resolved"},
    "on_site": {"resolved"},
    "resolved": {"closed", "on_site"},
}
FINAL = {"accepted", "cancelled", "closed"}
INITIAL = {"dev": "submitted", "change": "submitted", "fault": "reported"}


def _flow(kind: str) -> dict[str, set[str]]:
    return _FAULT_FLOW if kind == "fault" else _DEV_FLOW


def allowed_targets(kind: str, state: str, held_from: str | None = None) -> set[str]:
    """Every state a request of ``kind`` may move to from ``state``."""
    if state in FINAL:
        return set()
    if state == "on_hold":
        return {held_from, "cancelled"} if held_from else {"cancelled"}
    return set(_flow(kind).get(state, set())) | {"on_hold", "cancelled"}


def is_allowed(kind: str, state: str, target: str, held_from: str | None = None) -> bool:
    return target in allowed_targets(kind, state, held_from)


def load_for_update(session: Session, key: str) -> Request:
    """Load a request with a row lock (PostgreSQL) so a concurrent change waits for us."""
    req = session.scalar(select(Request).where(Request.key == key).with_for_update())
    if req is None:
        raise NotFoundError(f"no request {key}")
    return req


def transition(
    session: Session,
    request: Request,
    target: str,
    *,
    actor: str,
    reason: str = "",
    channel: str = "cli",
    evidence_sha256: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """Move ``request`` to ``target`` and record who, when, why; flushes both together."""
    state, key = request.state, request.key
    if not is_allowed(request.kind, state, target, request.held_from):
        raise TransitionError(key, state, target)
    with session.no_autoflush:  # one flush below, where a lost race is recognised
        if target == "on_hold":
            request.held_from = state
        elif state == "on_hold":
            request.held_from = None
        request.state = target
        event = RequestEvent(
            request_id=request.id,
            from_state=state,
            to_state=target,
            actor=actor,
            at=at or utcnow(),
            reason=reason,
            channel=channel,
            evidence_sha256=evidence_sha256,
            data=data or {},
        )
        session.add(event)
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            f"request {key} was changed by someone else while moving to '{target}';"
            " nothing was written, try again"
        ) from None
    if "events" in request.__dict__:  # keep a loaded collection in step
        request.events.append(event)
    return event


def record_creation(
    session: Session,
    request: Request,
    *,
    actor: str,
    channel: str,
    reason: str = "",
    evidence_sha256: str | None = None,
) -> RequestEvent:
    """The first audit record of a request: from nothing to its initial state."""
    event = RequestEvent(
        request=request,
        from_state=None,
        to_state=request.state,
        actor=actor,
        reason=reason,
        channel=channel,
        evidence_sha256=evidence_sha256,
    )
    session.add(event)
    return event
