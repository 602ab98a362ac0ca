"""The clock every recorded act reads: the wall clock, or the time the act really happened.

A lead records things after the fact (a paper approval signed last Tuesday, a go-live done on
Saturday night). A domain function that takes ``at`` checks it once (``tasks.acttime``) and
then runs under ``acting_at(when)``: everything it stamps or prints as "now" (the audit
record's ``at``, a document's date, a plan's issue time) is that time. What was *recorded*
when is always the wall clock (``wall_utcnow``): the audit records keep both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

_ACT: ContextVar[datetime | None] = ContextVar("changeflow_act_time", default=None)


def wall_utcnow() -> datetime:
    """The machine's clock (UTC), whatever act is being recorded: when we recorded it."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The time of the act being recorded (UTC): the given time inside ``acting_at``, else now."""
    act = _ACT.get()
    return act if act is not None else wall_utcnow()


def act_time() -> datetime | None:
    """The time given for the act in force, or None when the act happens now."""
    return _ACT.get()


@contextlib.contextmanager
def acting_at(when: datetime | None) -> Iterator[datetime | None]:
    """Run the body of one act at ``when`` (aware; None: now, the clock is left alone)."""
    if when is None:
        yield None
        return
    if when.tzinfo is None:
        raise ValueError("acting_at needs an aware time")
    token = _ACT.set(when.astimezone(UTC))
    try:
        yield when
    finally:
        _ACT.reset(token)
