"""Effort: work items (``Estimate``) in person-days, in steps of half a day.

Without an estimates file the items come from the task book's requirements through the
contract's estimation defaults (person-days per role by priority, plus items for the whole
request), or the built-in defaults when the contract has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import PHASES
from changeflow.errors import InputError

from ..inputs import clean_text
from .common import MILESTONE_LABELS, PRIORITY_LABELS

HALF = Decimal("0.5")
MAX_PERSON_DAYS = Decimal("999")
MAX_ITEMS = 500

# Built-in estimation defaults, used when the contract has none: person-days per role for
# each requirement by priority, plus items for the whole request (go-live, acceptance).
BUILTIN_DEFAULTS: dict[str, Any] = {
    "per_requirement": {
        "high": {"analyst": "2", "developer": "5", "tester": "2"},
        "medium": {"analyst": "1", "developer": "3", "tester": "1.5"},
        "low": {"analyst": "0.5", "developer": "1.5", "tester": "0.5"},
    },
    "per_request": {
        "golive": {"engineer": "1"},
        "acceptance": {"project_lead": "1"},
    },
}
# Which phase a role's per-requirement work belongs to (the contract may add to it).
ROLE_PHASE = {
    "analyst": "analysis",
    "designer": "analysis",
    "developer": "development",
    "tester": "testing",
    "engineer": "golive",
    "project_lead": "acceptance",
}
# Stand-ins when a default role has no day rate in the contract.
ROLE_FALLBACK = {
    "engineer": ("developer",),
    "project_lead": ("analyst",),
    "designer": ("analyst",),
}


@dataclass
class Estimate:
    """One work item before it is costed and scheduled."""

    phase: str
    role: str
    person_days: Decimal
    requirement_no: int | None = None
    title: str = ""
    assignee: str | None = None  # a staff member's name


def parse_person_days(value: Any, source: str, fld: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise InputError(source, fld, "must be a number of person-days like 1.5")
    if isinstance(value, float):
        value = repr(value)  # the text the user typed, never float arithmetic
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(source, fld, f"'{value}' is not a number of person-days") from None
    if not d.is_finite() or d <= 0:
        raise InputError(source, fld, "must be more than 0")
    if d > MAX_PERSON_DAYS:
        raise InputError(source, fld, f"{d} is more than {MAX_PERSON_DAYS} person-days")
    if d % HALF:
        raise InputError(source, fld, f"{d} is not in steps of 0.5 person-days")
    return Decimal(pd_text(d))


def pd_text(d: Decimal) -> str:
    """Person-days as people write them: 19, 1.5 (never 19.0)."""
    return format(d.quantize(Decimal("1")) if d % 1 == 0 else d.quantize(HALF / 5), "f")


def _rated_role(contract: Contract, role: str) -> str | None:
    rates = contract.day_rates or {}
    if role in rates:
        return role
    for alt in ROLE_FALLBACK.get(role, ()):
        if alt in rates:
            return alt
    return None


def _defaults(contract: Contract) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(per_requirement by priority, per_request by phase) from the contract or built-in."""
    raw = contract.estimation_defaults or {}
    src = f"contract {contract.code}"
    if not raw:
        return BUILTIN_DEFAULTS["per_requirement"], BUILTIN_DEFAULTS["per_request"]
    if not isinstance(raw, dict):
        raise InputError(src, "estimation_defaults", "must be a mapping")
    if set(raw) <= set(PRIORITY_LABELS):  # short form: {high: {role: days}, ...}
        per_req, per_request = raw, BUILTIN_DEFAULTS["per_request"]
    else:
        unknown = set(raw) - {"per_requirement", "per_request", "phases"}
        if unknown:
            raise InputError(src, f"estimation_defaults.{sorted(unknown)[0]}", "unknown field")
        per_req = raw.get("per_requirement") or BUILTIN_DEFAULTS["per_requirement"]
        per_request = raw.get("per_request", BUILTIN_DEFAULTS["per_request"]) or {}
    for prio, roles in per_req.items():
        if prio not in PRIORITY_LABELS or not isinstance(roles, dict):
            raise InputError(
                src,
                f"estimation_defaults.per_requirement.{prio}",
                "use high/medium/low: {role: days}",
            )
    for phase, roles in per_request.items():
        if phase not in PHASES or not isinstance(roles, dict):
            raise InputError(
                src, f"estimation_defaults.per_request.{phase}", f"use a phase of {PHASES}"
            )
    return per_req, per_request


def _role_phases(contract: Contract) -> dict[str, str]:
    phases = dict(ROLE_PHASE)
    extra = (contract.estimation_defaults or {}).get("phases") or {}
    if isinstance(extra, dict):
        for role, phase in extra.items():
            if phase not in PHASES:
                raise InputError(
                    f"contract {contract.code}",
                    f"estimation_defaults.phases.{role}",
                    f"'{phase}' is not one of {', '.join(PHASES)}",
                )
            phases[str(role)] = phase
    return phases


def _staff_for(session: Session, role: str) -> str | None:
    """The first active staff member holding ``role`` (a starting point the lead edits)."""
    for p in session.scalars(
        select(Person)
        .where(Person.client_id.is_(None), Person.active.is_(True))
        .order_by(Person.id)
    ):
        if role in (p.roles or []):
            return p.name
    return None


def default_estimates(
    session: Session, request: Request, contract: Contract, lang: str = "zh-CN"
) -> list[Estimate]:
    """Work items from the requirements through the estimation defaults."""
    per_req, per_request = _defaults(contract)
    phases = _role_phases(contract)
    src = f"contract {contract.code}"
    out: list[Estimate] = []
    if not request.requirements:
        raise InputError(request.key, "requirements", "the request has no requirements to plan")

    def line(phase: str, role: str, days: Any, where: str, no: int | None, title: str) -> Estimate:
        """One work item: the role as rated (none without a day rate), its days, its staff."""
        rated = _rated_role(contract, role)
        if rated is None:
            raise InputError(src, "day_rates", f"no day rate for role '{role}'")
        days_ = parse_person_days(days, src, where)
        return Estimate(phase, rated, days_, no, title, _staff_for(session, rated))

    for phase in PHASES:
        for req in request.requirements:
            roles = per_req.get(req.priority) or per_req.get("medium") or {}
            for role, days in roles.items():
                if phases.get(role, "development") != phase:
                    continue
                where = f"estimation_defaults.{req.priority}.{role}"
                out.append(line(phase, role, days, where, req.no, clean_text(req.text, 200)))
        for role, days in (per_request.get(phase) or {}).items():
            where = f"estimation_defaults.per_request.{phase}.{role}"
            out.append(line(phase, role, days, where, None, pick(MILESTONE_LABELS[phase], lang)))
    return out
