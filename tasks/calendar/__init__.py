"""The working calendar: the one place that says when we work (planning, SLA clocks, reports).

Layers, strongest first:

1. contract overrides (``CalendarOverride`` with a ``contract_id``): an extra day off, an
   extra workday, other hours on one day;
2. imported official years (``changeflow calendar import``; ``CalendarYear`` +
   ``CalendarOverride`` rows without contract): holidays and make-up workdays (调休);
3. ``chinesecalendar`` for the years it knows (2004-2026 in 1.11.0);
4. for any other year a *provisional* calendar: weekends plus the statutory holidays the
   ``holidays`` package computes by rule, with no make-up workdays. Every day that rests on
   it says so (``DayInfo.provisional``, ``is_provisional``, ``Due.provisional``): the State
   Council publishes the next year's schedule only around November, so we never guess
   silently and never crash on a year nobody knows yet.

Service hours default to 09:00-17:30, Monday to Friday, Asia/Shanghai; a contract gives its
own ``service_start``/``service_end`` and may refine them in ``contract.settings``:
``service_windows: [["09:00", "12:00"], ["13:00", "18:00"]]`` (e.g. the 8-hours-a-day
option) or ``service_breaks: [["12:00", "13:00"]]``.

Day lookups are cached per calendar instance, so repeated SLA computations cost a few
dictionary lookups each.

Rooms:

* ``days``: what a day is and why (``DayInfo``), ``Due``, ``Span``, the provisional note;
* ``sources``: chinesecalendar and the rule-based guess for other years;
* ``hours``: service hours arithmetic (windows, breaks, ``parse_hhmm``, a contract's hours);
* ``working_calendar``: ``WorkingCalendar`` (working days, working time, due times);
* ``overrides``: the calendar from the database with every override (``calendar_for``);
* ``official``: official years from a YAML file, validated and imported.
"""

from __future__ import annotations

from .days import (
    CLIENT_PROVISIONAL_NOTE,
    HOLIDAY,
    MAKEUP,
    PROVISIONAL_NOTE,
    SRC_CC,
    SRC_CONTRACT,
    SRC_OFFICIAL,
    SRC_RULE,
    WEEKEND,
    WORKDAY,
    DayInfo,
    DayOverride,
    Due,
    Span,
    month_days,
)
from .hours import DEFAULT_END, DEFAULT_START, US_PER_DAY, parse_hhmm
from .official import (
    FILE_FORMAT,
    OfficialYear,
    import_official_year,
    parse_official_year,
)
from .overrides import calendar_days, calendar_for, set_contract_day
from .sources import known_years
from .working_calendar import MAX_SCAN_DAYS, WorkingCalendar

__all__ = [
    "CLIENT_PROVISIONAL_NOTE",
    "DEFAULT_END",
    "DEFAULT_START",
    "FILE_FORMAT",
    "HOLIDAY",
    "MAKEUP",
    "MAX_SCAN_DAYS",
    "PROVISIONAL_NOTE",
    "SRC_CC",
    "SRC_CONTRACT",
    "SRC_OFFICIAL",
    "SRC_RULE",
    "US_PER_DAY",
    "WEEKEND",
    "WORKDAY",
    "DayInfo",
    "DayOverride",
    "Due",
    "OfficialYear",
    "Span",
    "WorkingCalendar",
    "calendar_days",
    "calendar_for",
    "import_official_year",
    "known_years",
    "month_days",
    "parse_hhmm",
    "parse_official_year",
    "set_contract_day",
]
