"""The calendar from the database: ``calendar_for`` loads the imported official years and a
contract's own overrides (an extra day off, an extra workday, other hours on one day);
``set_contract_day`` records one such override.
"""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Any

from changeflow.errors import InputError

from .days import SRC_CONTRACT, SRC_OFFICIAL, DayOverride
from .hours import contract_hours
from .working_calendar import WorkingCalendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from changeflow.db.models import Contract


def calendar_for(session: Session, contract: Contract | None = None) -> WorkingCalendar:
    """The calendar of ``contract`` (or the default service) with every override loaded."""
    from sqlalchemy import select

    from changeflow.db.planning import CalendarOverride, CalendarYear

    years = session.scalars(select(CalendarYear.year)).all()
    official = {
        o.day: DayOverride(o.kind, o.name, o.start, o.end)
        for o in session.scalars(
            select(CalendarOverride).where(
                CalendarOverride.contract_id.is_(None),
                CalendarOverride.source == SRC_OFFICIAL,
            )
        )
    }
    own: dict[date, DayOverride] = {}
    kwargs: dict[str, Any] = {}
    label = "default"
    if contract is not None:
        own = {
            o.day: DayOverride(o.kind, o.name, o.start, o.end)
            for o in session.scalars(
                select(CalendarOverride).where(CalendarOverride.contract_id == contract.id)
            )
        }
        start, end, windows, breaks = contract_hours(contract)
        kwargs = {"start": start, "end": end, "windows": windows, "breaks": breaks}
        label = contract.code
    return WorkingCalendar(
        official=official, official_years=years, contract=own, label=label, **kwargs
    )


def set_contract_day(
    session: Session,
    contract: Contract,
    day: date,
    kind: str,
    name: str = "",
    start: time | None = None,
    end: time | None = None,
) -> None:
    """Add or replace a contract's override for one day (extra day off / workday / hours)."""
    from sqlalchemy import select

    from changeflow.db.planning import CalendarOverride

    if kind not in ("workday", "holiday"):
        raise InputError(f"contract {contract.code}", "kind", "must be 'workday' or 'holiday'")
    row = session.scalar(
        select(CalendarOverride).where(
            CalendarOverride.contract_id == contract.id, CalendarOverride.day == day
        )
    )
    if row is None:
        row = CalendarOverride(contract_id=contract.id, day=day, source=SRC_CONTRACT)
        session.add(row)
    row.kind, row.name, row.start, row.end = kind, name, start, end
    session.flush()


# The longest range ``calendar_days`` lists at once.
MAX_LIST_DAYS = 3660


def calendar_days(start: date, end: date, contract: str | None = None) -> dict[str, Any]:
    """``changeflow calendar FROM TO``: every day of the range on the contract's calendar (the
    default calendar without one), with the working days and days off counted and the years
    still provisional named. The range runs forward and covers ten years at the most."""
    from changeflow.db.session import transaction

    from ..contracts import get_contract
    from .days import PROVISIONAL_NOTE

    if end < start:
        raise InputError("command line", "TO", "is before FROM")
    if (end - start).days > MAX_LIST_DAYS:
        raise InputError("command line", "TO", "at most ten years at a time")
    with transaction() as s:
        k = get_contract(s, contract) if contract else None
        days = [d.as_dict() for d in calendar_for(s, k).days(start, end)]
    prov_years = sorted({int(d["date"][:4]) for d in days if d["provisional"]})
    return {
        "from": start,
        "to": end,
        "contract": contract,
        "working_days": sum(1 for d in days if d["working"]),
        "days_off": sum(1 for d in days if not d["working"]),
        "provisional": bool(prov_years),
        "provisional_years": prov_years,
        "note": PROVISIONAL_NOTE["en"] if prov_years else "",
        "days": days,
    }
