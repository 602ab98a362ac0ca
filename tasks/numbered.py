"""Records numbered per year by a prefix (派工单 PG-2026-0001, 培训 PX-2026-0001, 升级 SJ-2026-0001)
that move through states with an audit trail: found by number, numbered, moved. One room for
what dispatch orders, training sessions and upgrade changes share; each keeps its own model,
prefix and words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.session import transaction
from changeflow.errors import ConflictError, NotFoundError

T = TypeVar("T")


def find_numbered(
    session: Session, model: Any, number: str, what: str, listing: str, *, lock: bool = False
) -> Any:
    """The row of ``model`` numbered ``number`` (any case); NotFoundError names ``what`` and
    the command that lists them."""
    q = select(model).where(model.number == number.strip().upper())
    if lock:
        q = q.with_for_update()
    found = session.scalar(q)
    if found is None:
        raise NotFoundError(f"no {what} {number} (see: {listing})")
    return found


def next_number(session: Session, model: Any, prefix: str, year: int) -> str:
    """The year's next number in ``prefix``'s series: ``PG-2026-0001`` after none."""
    last = session.scalar(
        select(func.max(model.number)).where(model.number.like(f"{prefix}-{year}-%"))
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{year}-{seq:04d}"


def move_state(
    row: Any,
    event_model: Any,
    to_state: str,
    *,
    actor: str,
    channel: str,
    reason: str = "",
    evidence_sha256: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """``row`` moves to ``to_state`` with its audit record (``event_model``, a StateEvent
    table), in the caller's transaction: the first event has no from-state."""
    row.events.append(
        event_model(
            from_state=None if not row.events else row.state,
            to_state=to_state,
            actor=actor,
            channel=channel,
            reason=reason,
            evidence_sha256=evidence_sha256,
            data=data or {},
        )
    )
    row.state = to_state


def with_new_key(make: Callable[[Session], T], what: str, clash: tuple[str, ...]) -> T:
    """``make`` in a transaction of its own, made again (five tries at most) when a
    concurrent writer took the same new key: the unique row refuses it with an IntegrityError
    naming one of ``clash`` (its table or column); any other error is raised."""
    for _attempt in range(5):
        try:
            with transaction() as s:
                return make(s)
        except IntegrityError as exc:
            if not any(word in str(exc.orig).lower() for word in clash):
                raise
    raise ConflictError(f"could not allocate a {what} key after 5 tries; try again")
