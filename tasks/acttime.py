"""When a recorded act really happened: the one place for its rule.

Every act a lead records (a task book received, a plan issued, kick-off, a test run, the
delivery documents, go-live, the acceptance certificate, a dispatch order, a run-log entry, a
weekly report, a statement) may carry the time it happened (CLI ``--at``, a form's
"发生时间" field, the domain function's ``at``). The time given is refused, with one line
naming the field, when it

- is not a time (``2026-11-20 17:00``, ``2026-11-20T17:00``, a date alone means 00:00;
  without a zone it is Asia/Shanghai),
- lies in the future (the machine's clock, a few minutes' slack),
- lies before the previous step of the same request (its newest audit record), or
- lies outside the period of the contract it belongs to.

The act then runs under ``changeflow.clock.acting_at``: what it stamps or prints as "now"
is that time, while each audit record also keeps when it was recorded (``recorded_at``, the
wall clock) and by whom (``actor``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.clock import act_time, acting_at
from changeflow.db.models import Contract, Request, RequestEvent
from changeflow.db.session import transaction
from changeflow.db.types import utcnow, wall_utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings

from .calendar import month_days

F = TypeVar("F", bound=Callable[..., Any])

FUTURE_SLACK = timedelta(minutes=5)  # clocks of the machine and the caller may differ a bit


def parse_when(
    value: str | datetime | None,
    source: str,
    field: str,
    *,
    now: datetime | None = None,
) -> datetime:
    """An ISO time (a time without a zone is local, Asia/Shanghai) -> aware; None -> now.

    A time in the future is refused: clocks are stamped when things happened.
    """
    now = now or utcnow()
    if value is None or value == "":
        return now
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(
                source, field, f"'{value}' is not a time like 2026-11-20T17:00 or 2026-11-20 17:00"
            ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=get_settings().tz)
    if when > now + FUTURE_SLACK:
        raise InputError(source, field, f"{value} is in the future")
    return when


def show(dt: datetime | None) -> str | None:
    """Local time for people: '2026-11-23 09:30 周一'."""
    if dt is None:
        return None
    loc = dt.astimezone(get_settings().tz)
    return loc.strftime("%Y-%m-%d %H:%M ") + "一二三四五六日"[loc.weekday()]


def iso_local(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(get_settings().tz).isoformat()


# How a form shows the field (both languages, the format and an example in the title).
AT_TITLE = "发生时间 When it happened（YYYY-MM-DD HH:MM，例 2026-11-20 17:00；空 = 现在 now）"


def parse_act_time(value: str | datetime | None, field: str, source: str) -> datetime | None:
    """``value`` as an aware time (None or empty: None, the act happens now); a time in the
    future is refused naming ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_when(value, source, field, now=wall_utcnow())


def last_step(session: Session, request: Request) -> RequestEvent | None:
    """The newest audit record of ``request``: the step an act may not be dated before."""
    return session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id)
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(1)
    ).first()


def _in_period(contract: Contract, when: datetime) -> bool:
    day = when.astimezone(get_settings().tz).date()
    return contract.start_date <= day <= contract.end_date


def check_act_time(
    value: str | datetime | None,
    field: str,
    *,
    source: str,
    key: str | None = None,
    contract: str | None = None,
    not_before: datetime | None = None,
    not_before_what: str = "",
) -> datetime | None:
    """The one rule for the time of an act (see the module): the checked time or None."""
    when = parse_act_time(value, field, source)
    if when is None:
        return None
    if not_before is not None and when < not_before:
        raise InputError(
            source, field, f"{show(when)} is before {not_before_what} ({show(not_before)})"
        )
    with transaction() as s:
        k: Contract | None = None
        if key:
            req = s.scalar(select(Request).where(Request.key == key))
            if req is not None:
                prev = last_step(s, req)
                if prev is not None and when < prev.at - timedelta(seconds=59):
                    raise InputError(
                        source,
                        field,
                        f"{show(when)} is before the previous step of {key}"
                        f" ({prev.to_state}, {show(prev.at)})",
                    )
                k = req.contract
        elif contract:
            k = s.scalar(select(Contract).where(Contract.code == contract))
        if k is not None:
            if not _in_period(k, when):
                raise InputError(
                    source,
                    field,
                    f"{show(when)} is outside contract {k.code} ({k.start_date} - {k.end_date})",
                )
        elif s.scalar(select(func.count(Contract.id))) and not any(
            _in_period(c, when) for c in s.scalars(select(Contract))
        ):
            raise InputError(source, field, f"{show(when)} is outside every contract's period")
    return when


def recorded_act(
    what: str,
    *,
    key: str | None = "key",
    not_before: Callable[[dict[str, Any]], tuple[datetime, str] | None] | None = None,
) -> Callable[[F], F]:
    """Give a domain function an ``at`` (and ``at_field``, how the caller names the field:
    ``--at`` on the CLI, the form's label) argument: checked by ``check_act_time`` against
    the request named by its ``key`` argument (or its ``contract``), then the function runs
    as of that time. ``not_before`` gives, from the call's arguments, a time the act may not
    precede and what it is (a statement: the end of its month). Without ``at`` nothing
    changes."""

    def deco(fn: F) -> F:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, at: str | datetime | None = None, at_field: str = "at",
                    **kwargs: Any) -> Any:  # fmt: skip
            if at is None or (isinstance(at, str) and not at.strip()):
                return fn(*args, **kwargs)
            bound = sig.bind_partial(*args, **kwargs).arguments
            name = bound.get(key) if key else None
            floor = not_before(bound) if not_before else None
            when = check_act_time(
                at, at_field, source=f"{what} {name}" if name else what,
                key=name, contract=bound.get("contract"),
                not_before=floor[0] if floor else None,
                not_before_what=floor[1] if floor else "",
            )  # fmt: skip
            with acting_at(when):
                return fn(*args, **kwargs)

        params = list(sig.parameters.values())
        extra = [
            inspect.Parameter("at", inspect.Parameter.KEYWORD_ONLY, default=None),
            inspect.Parameter("at_field", inspect.Parameter.KEYWORD_ONLY, default="at"),
        ]
        tail = [p for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
        head = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
        wrapper.__signature__ = sig.replace(parameters=head + extra + tail)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return deco


__all__ = [
    "AT_TITLE",
    "act_time",
    "acting_at",
    "check_act_time",
    "last_step",
    "month_end",
    "parse_act_time",
    "recorded_act",
]


def month_end(args: dict[str, Any]) -> tuple[datetime, str] | None:
    """A month's statement is issued after the month ends (``month`` 'YYYY-MM')."""
    month = str(args.get("month") or "")
    try:
        end = month_days(month, "month")[1] + timedelta(days=1)
    except InputError:
        return None  # the function itself names a bad month
    tz = get_settings().tz
    return datetime(end.year, end.month, end.day, tzinfo=tz), f"the end of {month}"


def parse_ahead(value: str | datetime | None, source: str, field: str) -> datetime:
    """A time that may lie ahead (planned, or asked for by the client); local when it has no
    zone."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise InputError(
                source, field, f"'{value}' is not a time like 2026-12-02 14:00"
            ) from None
    return when if when.tzinfo else when.replace(tzinfo=get_settings().tz)
