"""Small helpers every room of the maintenance service uses: times in and out, a fault by
its key. The contract and the staff named are found by ``tasks.directory``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import load_for_update
from changeflow.db.maintenance import Fault
from changeflow.db.models import Request
from changeflow.errors import InputError, NotFoundError
from changeflow.tasks.acttime import FUTURE_SLACK as FUTURE_SLACK
from changeflow.tasks.acttime import iso_local as iso_local
from changeflow.tasks.acttime import parse_ahead as parse_ahead
from changeflow.tasks.acttime import parse_when as parse_when
from changeflow.tasks.acttime import show as show


def load_fault(session: Session, key: str, *, lock: bool = False) -> tuple[Request, Fault]:
    req = (
        load_for_update(session, key)
        if lock
        else session.scalar(select(Request).where(Request.key == key))
    )
    if req is None:
        raise NotFoundError(f"no request {key} (see: changeflow fault list)")
    fault = session.scalar(select(Fault).where(Fault.request_id == req.id))
    if req.kind != "fault" or fault is None:
        raise InputError(key, "key", f"{key} is a {req.kind} request, not a fault")
    return req, fault


def clock_length(minutes: Any, zh: bool) -> str:
    """A clock's length or time used, as client documents show it (one place for it):
    whole hours as hours (``24 小时``, not ``1440 分钟``), else minutes without ``.0``;
    the number held to its unit (``wording.qty``)."""
    m = Decimal(str(minutes or 0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    from changeflow.wording import qty

    if m >= 60 and m % 60 == 0:
        return qty(int(m // 60), "小时" if zh else "h")
    return qty(minutes_text(m), "分钟" if zh else "min")


def minutes_text(minutes: Any) -> str:
    """Minutes to one decimal, half-up, without a trailing ``.0`` (``15``, ``2.5``)."""
    m = Decimal(str(minutes or 0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(int(m)) if m == m.to_integral_value() else str(m)
