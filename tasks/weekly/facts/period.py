"""The period a report covers with the contract, calendar and report rule that apply, and the
small helpers every fact uses.

The period rule: a report of an ISO week covers exactly that week, Monday to Sunday
(Asia/Shanghai), whatever day it is made or due. Weeks never overlap, so a commit, an hour
and a day are in one week's report only; every version of a week covers the same span (a
version made on the report day shows the days still to come as such, a later version of
the week replaces it and adds nothing to the next week)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from changeflow.db.models import Client, Contract, Request
from changeflow.settings import get_settings

from ...calendar import WorkingCalendar, calendar_for
from ...directory import client_contract
from ..week import ReportRule, due_at, rule_for, week_days


@dataclass(frozen=True)
class Period:
    """One client's report week: its days, its report day and what applies to it."""

    client: Client
    week: str
    contract: Contract | None  # in force on the week's Sunday (else the newest)
    cal: WorkingCalendar
    rule: ReportRule
    due: datetime | None  # when the report is due; None: the week has no working day
    mon: date
    sun: date
    start: date  # this week's Monday (the period is the ISO week)
    end: date  # this week's Sunday
    per_day: Decimal  # hours per person-day
    tz: Any
    t0: datetime  # start .. end as UTC instants, [t0, t1)
    t1: datetime

    @property
    def next_mon(self) -> date:
        return self.mon + timedelta(days=7)

    @property
    def next_sun(self) -> date:
        return self.sun + timedelta(days=7)

    def request_ids(self) -> Select[Any]:
        """The ids of the client's requests, for ``IN (...)``."""
        return select(Request.id).where(Request.client_id == self.client.id)


def report_period(session: Session, client: Client, week: str) -> Period:
    """The period ``client``'s report of ``week`` covers."""
    tz = get_settings().tz
    mon, sun = week_days(week)
    contract = client_contract(session, client, sun)
    cal = calendar_for(session, contract)
    rule = rule_for(contract)
    due = due_at(cal, rule, week)
    start, end = mon, sun
    per_day = (contract.hours_per_service_day if contract else None) or Decimal(8)
    t0 = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC)
    t1 = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return Period(
        client=client,
        week=week,
        contract=contract,
        cal=cal,
        rule=rule,
        due=due,
        mon=mon,
        sun=sun,
        start=start,
        end=end,
        per_day=per_day,
        tz=tz,
        t0=t0,
        t1=t1,
    )


def person_days_of(hours: Decimal, per_day: Decimal) -> Decimal:
    return (hours / per_day).quantize(Decimal("0.01")) if per_day else Decimal(0)


class WorkingDays:
    """Working days of a range as a sorted list: counts and positions by bisection."""

    def __init__(self, cal: WorkingCalendar, first: date, last: date) -> None:
        self.days = [d.day for d in cal.days(first, last) if d.working]
        self.first, self.last = first, last

    def upto(self, day: date) -> int:
        """Working days on or before ``day`` in the range."""
        return bisect_right(self.days, day)

    def between(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last`` inclusive (0 if last < first)."""
        if last < first:
            return 0
        return self.upto(last) - self.upto(first - timedelta(days=1))


def as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
