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


def resource_of(e: Estimate) -> str:
    """Who carries the item: the assignee, or one stand-in per role when nobody is named."""
    return e.assignee or f"{e.role} (TBD)"


def schedule(estimates: list[Estimate], cal: WorkingCalendar, start: date) -> Schedule:
    """Place the items on working days, phase after phase; one person-day per person a day.

    Work is counted in half days. A phase starts on the working day after the previous
    phase ends; inside a phase, one person's items follow each other (no overlap) while
    different people work in parallel. Milestones are the phases' last (working) days.
    """
    first = cal.roll_forward(start)
    cursor: dict[str, tuple[date, int]] = {}  # resource -> (day, half-days used that day)
    slots: list[Slot | None] = [None] * len(estimates)
    phases: dict[str, Slot] = {}
    resources: dict[str, list[int]] = defaultdict(list)
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
            day, used = cursor.get(who, (phase_start, 0))
            if day < phase_start:
                day, used = phase_start, 0
            if used >= 2:
                day, used = cal.next_working_day(day), 0
            halves = int(e.person_days * 2)
            item_start = day
            while True:
                take = min(2 - used, halves)
                halves -= take
                used += take
                if halves == 0:
                    break
                day, used = cal.next_working_day(day), 0
            cursor[who] = (day, used)
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
    )
