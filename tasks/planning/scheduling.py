"""Scheduling on the working calendar: items placed on working days, phase after phase."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from changeflow.db.planning import PHASES
from changeflow.errors import InputError

from ..calendar import WorkingCalendar
from .estimating import Estimate


@dataclass
class Slot:
    start: date
    end: date
    provisional: bool


@dataclass
class Schedule:
    items: list[Slot]
    phases: dict[str, Slot]
    milestones: list[tuple[str, date, bool]]  # (phase, day, provisional)
    start: date
    end: date
    calendar_days: int
    working_days: int
    provisional: bool
    first_provisional: date | None = None  # dates from this day on rest on a guess
    resources: dict[str, list[int]] = field(default_factory=dict)  # who -> item indexes
    load: dict[str, dict[date, int]] = field(default_factory=dict)  # who -> day -> half-days


def resource_of(e: Estimate) -> str:
    """Who carries the item: the assignee, or one stand-in per role when nobody is named."""
    return e.assignee or f"{e.role} (TBD)"


MAX_SEARCH_DAYS = 3 * 366  # a person with no free day in three years: refuse, don't loop


def schedule(
    estimates: list[Estimate],
    cal: WorkingCalendar,
    start: date,
    busy: dict[str, dict[date, int]] | None = None,
) -> Schedule:
    """Place the items on working days, phase after phase; one person-day per person a day.

    Work is counted in half days. A phase starts on the working day after the previous
    phase ends; inside a phase, one person's items follow each other (no overlap) while
    different people work in parallel. ``busy`` (person -> day -> half-days) is what other
    plans and days away already hold: a person works only in what is left of a day.
    Milestones are the phases' last (working) days.
    """
    busy = busy or {}
    first = cal.roll_forward(start)
    cursor: dict[str, date] = {}  # resource -> the day its next item may start
    load: dict[str, dict[date, int]] = defaultdict(dict)
    slots: list[Slot | None] = [None] * len(estimates)
    phases: dict[str, Slot] = {}
    resources: dict[str, list[int]] = defaultdict(list)

    def free(who: str, day: date) -> int:
        return 2 - busy.get(who, {}).get(day, 0) - load[who].get(day, 0)

    def next_free(who: str, day: date) -> date:
        limit = day.toordinal() + MAX_SEARCH_DAYS
        while free(who, day) <= 0:
            day = cal.next_working_day(day)
            if day.toordinal() > limit:
                raise InputError(
                    "schedule", who, f"has no free working day within three years of {start}"
                )
        return day

    phase_start = first
    for phase in PHASES:
        idx = [i for i, e in enumerate(estimates) if e.phase == phase]
        if not idx:
            continue
        idx.sort(key=lambda i: (estimates[i].requirement_no or 10**6, i))
        phase_end = phase_start
        for i in idx:
            e = estimates[i]
            who = resource_of(e)
            resources[who].append(i)
            day = next_free(who, max(phase_start, cursor.get(who, phase_start)))
            halves = int(e.person_days * 2)
            item_start = day
            while True:
                take = min(free(who, day), halves)
                load[who][day] = load[who].get(day, 0) + take
                halves -= take
                if halves == 0:
                    break
                day = next_free(who, cal.next_working_day(day))
            cursor[who] = day
            slots[i] = Slot(item_start, day, False)
            phase_end = max(phase_end, day)
        phases[phase] = Slot(phase_start, phase_end, False)
        phase_start = cal.next_working_day(phase_end)
    if not phases:
        raise InputError("estimates", "items", "nothing to schedule")
    end = max(p.end for p in phases.values())
    # A date rests on the provisional calendar when any day from the start up to it does:
    # everything after the first provisional day is marked.
    first_prov = next((d.day for d in cal.days(first, end) if d.provisional), None)

    def prov(day: date) -> bool:
        return first_prov is not None and day >= first_prov

    items = [s for s in slots if s is not None]
    for slot in items:
        slot.provisional = prov(slot.end)
    for slot in phases.values():
        slot.provisional = prov(slot.end)
    milestones = [(ph, s.end, prov(s.end)) for ph, s in phases.items()]
    return Schedule(
        items,
        phases,
        milestones,
        first,
        end,
        (end - first).days + 1,
        cal.working_days_between(first, end),
        first_prov is not None,
        first_prov,
        dict(resources),
        {who: dict(days) for who, days in load.items()},
    )
