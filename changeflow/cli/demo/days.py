"""The days of the month the demo replays: November 2026 of the sample contract, on the
real calendar.

Every act is recorded at the time it happened in that month (``at`` on the domain functions
and the forms; an inbox pass as of the day the client's mail arrived), in the order of the
calendar, so each document is dated when it was made and reports only what had happened:

- Mon 11-02 10:00 the task book (.docx) arrives; Tue 11-03 09:30 a second one (the form);
- Tue 11-03 16:00 the plan is issued; 王芳 signs it on Thu 11-05 (mailed back 16:30);
- Thu 11-05 17:00 kick-off: the schedule is frozen (it starts Fri 11-06, as planned);
  development commits by 张伟 and 李明 on the planned days (a sync each evening), the user
  manual on the planned test day's morning (the test report cites its chapters), the test at
  10:00, the technical document that afternoon, go-live in the evening
  of the go-live day, the certificate the next working day, 王芳's signature the day after;
- faults: a crash on Tue 11-10 09:20 and a mail delay on Fri 11-20 16:40, closed on Monday;
- the fixed visit every Wednesday 14:00 (the contract's ``weekly_visit``) on a dispatch
  order made the afternoon before (listing the faults since the last visit), done at 17:35
  and signed by 王芳 that evening (mailed back the next morning);
- the run log of every working day (17:20; Fridays 14:30, before the weekly report);
- the weekly report each Friday 15:00; the month's SLA statement on Tue 12-01 10:00;
- the maintenance half (``upkeep_acts``, ``upkeep``): the plan issued Mon 11-02 and signed
  Tue 11-03, the visits' checks, the OA database's outage Thu 11-12 10:00-10:40 found by the
  probe, service requests, training Thu 11-26, the OA manual Mon 11-23, the upgrade Sat
  11-28 night; the run log and the permission record on Tue 12-01 before the statement.

``replay`` runs the month's events in time order; the development events are scheduled by
kick-off from the frozen plan (``run.times``).
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from .common import DemoRun

YEAR, MONTH = 2026, 11
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
STATEMENT_DAY = date(2026, 12, 1)


def tz() -> Any:
    from changeflow.settings import get_settings

    return get_settings().tz


def at(day: date, hhmm: str) -> datetime:
    """``day`` at ``hhmm``, Beijing time."""
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(h, m), tzinfo=tz())


def nov(d: int, hhmm: str) -> datetime:
    return at(date(YEAR, MONTH, d), hhmm)


def fixed_acts() -> dict[str, datetime]:
    """The month's fixed acts of the development request (the rest follow from kick-off):
    one table for the demo's timeline and the benchmark that replays it."""
    return {
        "intake": nov(2, "10:00"),  # the client's task book arrives as a .docx
        "form_intake": nov(3, "09:30"),  # the lead enters a second one in the UI form
        "plan": nov(3, "16:00"),
        "approval": nov(5, "16:30"),
        "kickoff": nov(5, "17:00"),
    }


def upkeep_acts() -> dict[str, datetime]:
    """The month's fixed acts of the maintenance half (``upkeep``; the service requests'
    own times are in ``upkeep.SERVICES``), on working days in service hours unless the act
    is the client's or outside them by nature (the upgrade's window on a Saturday night)."""
    return {
        "watch": nov(1, "00:00"),  # the probe on the OA database, October's backups on record
        "maintplan": nov(2, "09:00"),  # the maintenance plan issued (the handbook 10:30)
        "maintplan_signed": nov(3, "11:00"),  # 王芳's confirmation mailed back
        "outage": nov(12, "10:00"),  # the OA database's user table lost (the probe fails)
        "restored": nov(12, "10:40"),  # restored from the night's backup
        "restore_test": nov(18, "16:30"),  # a restore test on the visit day
        "oa_manual": nov(23, "09:30"),  # the OA manual with the accepted request's chapters
        "training": nov(23, "10:00"),  # planned, its sign-in sheet issued
        "upgrade": nov(23, "11:00"),  # the upgrade plan issued
        "upgrade_approved": nov(25, "09:30"),  # 王芳's approval mailed back
        "training_signed": nov(26, "16:30"),  # the sign-in sheet returned after the session
        "upgrade_done": nov(28, "22:00"),  # recorded after the Saturday night's window
        "runlog": at(STATEMENT_DAY, "09:40"),  # the month's run log
        "permlog": at(STATEMENT_DAY, "09:50"),  # the month's permission changes
    }


def text(when: datetime) -> str:
    """How a lead types the time into ``--at`` or the form: '2026-11-03 16:00'."""
    return when.astimezone(tz()).strftime("%Y-%m-%d %H:%M")


def is_working_day(day: date) -> bool:
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import calendar_for
    from changeflow.tasks.directory import find_contract

    with transaction() as s:
        return calendar_for(s, find_contract(s, None, day, "demo")).is_working_day(day)


def working_days(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        if is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@contextlib.contextmanager
def as_of(when: datetime, what: str) -> Iterator[None]:
    """Record what happens inside (an inbox pass, a fault record) as of ``when``: checked by
    the one rule (``tasks.acttime``), then run on the act's clock."""
    from changeflow.clock import acting_at
    from changeflow.tasks.acttime import check_act_time

    checked = check_act_time(when, "at", source=f"demo {what}")
    with acting_at(checked):
        yield


# --- the month's calendar of events ---------------------------------------------------------

Event = tuple[datetime, int, str, Callable[[DemoRun], None]]


class Timeline:
    """Events in time order; an event may schedule more (kick-off schedules development)."""

    def __init__(self) -> None:
        self._heap: list[Event] = []
        self._seq = 0

    def add(self, when: datetime, name: str, fn: Callable[[DemoRun], None]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, name, fn))

    def run(self, run: DemoRun) -> None:
        while self._heap:
            when, _, _name, fn = heapq.heappop(self._heap)
            run.now = when
            fn(run)


def later(run: DemoRun, when: datetime, name: str, fn: Callable[[DemoRun], None]) -> None:
    """What happens next at ``when``: on the month's timeline when it is being replayed (so
    nothing dated later is recorded before what happens in between), else at once."""
    if run.timeline is not None:
        run.timeline.add(when, name, fn)
    else:
        run.now = when
        fn(run)
