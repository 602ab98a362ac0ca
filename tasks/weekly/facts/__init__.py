"""The data of a report: ``build_week`` and the facts it gathers for one client and one week,
one query per kind of fact (never a loop over a request's or a repository's commits in
Python).

Rooms:

* ``period`` - the period a report covers (``Period``, ``report_period``) and the shared
  helpers (working days by bisection, person-days, UTC);
* ``activity`` - the client's requests, the period's commits, hours, stage changes and
  documents, and which requests the report is about;
* ``days`` - each day's development status per request, and the day list;
* ``people`` - commits, days and hours per person, for the week and per request;
* ``plans`` - the newest plan of each request with its items and milestones; next week's plan;
* ``progress`` - time logged to date, progress against the plan, milestones and their delay,
  the plan's risks;
* ``burnup`` - the burn-up chart's data;
* ``service`` - SLA breaches and run-log days from the maintenance side;
* ``build`` - ``build_week``, which calls them and puts the report's data together.
"""

from __future__ import annotations

from .activity import (
    ACTIVE_STATES,
    Activity,
    client_requests,
    distinct_commits,
    period_activity,
    period_commits,
    period_documents,
    period_hours,
    period_hours_total,
    shown_requests,
    stage_changes,
)
from .build import build_week
from .burnup import MAX_CHART_DAYS
from .days import MAX_COMMITS_PER_CELL, day_cells, days_out
from .people import people_of, request_people_out, week_people_out
from .period import Period, report_period
from .plans import Plans, newest_plans, next_week_items
from .progress import (
    PHASE_DONE,
    delay_risks,
    first_arrivals,
    hours_to_date,
    milestones_of,
    request_progress,
    working_days,
)

__all__ = [
    "ACTIVE_STATES",
    "MAX_CHART_DAYS",
    "MAX_COMMITS_PER_CELL",
    "PHASE_DONE",
    "Activity",
    "Period",
    "Plans",
    "build_week",
    "client_requests",
    "day_cells",
    "days_out",
    "delay_risks",
    "distinct_commits",
    "first_arrivals",
    "hours_to_date",
    "milestones_of",
    "newest_plans",
    "next_week_items",
    "people_of",
    "period_activity",
    "period_commits",
    "period_documents",
    "period_hours",
    "period_hours_total",
    "report_period",
    "request_people_out",
    "request_progress",
    "shown_requests",
    "stage_changes",
    "week_people_out",
    "working_days",
]
