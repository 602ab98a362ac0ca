"""Implementation plan and cost budget (实施计划和费用预算): estimate, cost, schedule, version.

A lead can always start from a plan: without an estimates file the work items come from the
task book's requirements through the contract's estimation defaults (person-days per role by
priority; built-in defaults when the contract has none). ``export_estimates`` writes the
current estimate as YAML for editing, ``make_plan(..., estimates=...)`` reads it back.

Each plan is a new version, first a draft (unsigned, 草稿 on every page, neither sendable
nor approvable) that the lead reviews and edits; issuing it signs it, in one transaction
with the request's move to ``planned``. Older versions stay as they were, and only the
newest issued one can be approved.

Rooms:

* ``common``: labels of phases, milestones, roles, priorities; today's date;
* ``estimating``: work items in person-days, the estimation defaults;
* ``estimates_file``: the estimates YAML file, read and exported;
* ``budget``: the money lines (day rate x person-days, tax, total);
* ``scheduling``: the items placed on the working calendar;
* ``versions``: plan versions (the newest is the one that may be approved);
* ``document``: the plan document, rendered and signed;
* ``staffing``: one staff calendar across requests (what other plans hold, days away),
  the approved plans' person-days (``planned_service_days``);
* ``economics``: the contract's service days and fee in the plan (covered vs billed),
  read from the one count of a contract year's days (``tasks/servicedays.py``);
* ``making``: drafting and issuing a plan version (``make_plan``, ``issue_plan``,
  ``plan_from_file``);
* ``status_section``: the plan in ``changeflow status KEY`` (listed in ``tasks.status``).
"""

from __future__ import annotations

from ..servicedays import APPROVED_STATES, booked_service_days
from .budget import Budget, cost
from .common import (
    MILESTONE_LABELS,
    PHASE_LABELS,
    PRIORITY_LABELS,
    ROLE_LABELS,
    today_local,
)
from .document import ASSUMPTIONS, EXCLUSIONS, plan_context, render_plan
from .economics import economics, service_days_before
from .estimates_file import export_estimates, parse_estimates, read_estimates_file
from .estimating import (
    BUILTIN_DEFAULTS,
    HALF,
    MAX_ITEMS,
    MAX_PERSON_DAYS,
    ROLE_FALLBACK,
    ROLE_PHASE,
    Estimate,
    default_estimates,
    pd_text,
)
from .making import (
    PLANNABLE_FROM,
    earliest_start,
    issue_plan,
    make_plan,
    plan_from_file,
    plan_summary,
)
from .scheduling import Schedule, Slot, resource_of, schedule
from .staffing import (
    HOLDING_STATES,
    booked_elsewhere,
    list_away,
    planned_service_days,
    set_away,
)
from .versions import get_plan, is_latest, latest_plan

__all__ = [
    "APPROVED_STATES",
    "ASSUMPTIONS",
    "BUILTIN_DEFAULTS",
    "EXCLUSIONS",
    "HALF",
    "HOLDING_STATES",
    "MAX_ITEMS",
    "MAX_PERSON_DAYS",
    "MILESTONE_LABELS",
    "PHASE_LABELS",
    "PLANNABLE_FROM",
    "PRIORITY_LABELS",
    "ROLE_FALLBACK",
    "ROLE_LABELS",
    "ROLE_PHASE",
    "Budget",
    "Estimate",
    "Schedule",
    "Slot",
    "booked_elsewhere",
    "booked_service_days",
    "cost",
    "default_estimates",
    "earliest_start",
    "economics",
    "export_estimates",
    "get_plan",
    "is_latest",
    "issue_plan",
    "latest_plan",
    "list_away",
    "make_plan",
    "parse_estimates",
    "pd_text",
    "plan_context",
    "plan_from_file",
    "plan_summary",
    "planned_service_days",
    "read_estimates_file",
    "render_plan",
    "resource_of",
    "schedule",
    "service_days_before",
    "set_away",
    "today_local",
]
