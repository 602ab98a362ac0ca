"""Implementation plan and cost budget (实施计划和费用预算): estimate, cost, schedule, version.

A lead can always start from a plan: without an estimates file the work items come from the
task book's requirements through the contract's estimation defaults (person-days per role by
priority; built-in defaults when the contract has none). ``export_estimates`` writes the
current estimate as YAML for editing, ``make_plan(..., estimates=...)`` reads it back.

Each plan is a new version, written in one transaction with its document and the request's
move to ``planned``; older versions stay as they were, and only the newest can be approved
(``latest_plan``).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import is_allowed, load_for_update, transition
from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import PHASES, Milestone, Plan, WorkItem
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.errors import ConflictError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from .calendar import PROVISIONAL_NOTE, WorkingCalendar, calendar_for
from .inputs import clean_text, load_yaml, read_limited
from .money import ZERO, capital, fmt, money, times, total

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

PHASE_LABELS = {
    "analysis": ("需求分析", "Analysis"),
    "development": ("设计开发", "Development"),
    "testing": ("测试", "Testing"),
    "golive": ("上线", "Go-live"),
    "acceptance": ("验收", "Acceptance"),
}
MILESTONE_LABELS = {
    "analysis": ("需求确认", "Requirements confirmed"),
    "development": ("开发完成", "Development complete"),
    "testing": ("测试通过", "Testing passed"),
    "golive": ("系统上线", "System live"),
    "acceptance": ("项目验收", "Project accepted"),
}
ROLE_LABELS = {
    "project_lead": ("项目经理", "Project lead"),
    "analyst": ("需求分析师", "Analyst"),
    "designer": ("设计师", "Designer"),
    "developer": ("开发工程师", "Developer"),
    "tester": ("测试工程师", "Tester"),
    "engineer": ("实施工程师", "Engineer"),
}
PRIORITY_LABELS = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}
PLANNABLE_FROM = ("submitted", "planned", "rejected", "approved")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


# --- estimates ---------------------------------------------------------------------------


@dataclass
class Estimate:
    """One work item before it is costed and scheduled."""

    phase: str
    role: str
    person_days: Decimal
    requirement_no: int | None = None
    title: str = ""
    assignee: str | None = None  # a staff member's name


def _person_days(value: Any, source: str, fld: str) -> Decimal:
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
    for phase in PHASES:
        for req in request.requirements:
            roles = per_req.get(req.priority) or per_req.get("medium") or {}
            for role, days in roles.items():
                if phases.get(role, "development") != phase:
                    continue
                rated = _rated_role(contract, role)
                if rated is None:
                    raise InputError(src, "day_rates", f"no day rate for role '{role}'")
                out.append(
                    Estimate(
                        phase,
                        rated,
                        _person_days(days, src, f"estimation_defaults.{req.priority}.{role}"),
                        req.no,
                        clean_text(req.text, 200),
                        _staff_for(session, rated),
                    )
                )
        for role, days in (per_request.get(phase) or {}).items():
            rated = _rated_role(contract, role)
            if rated is None:
                raise InputError(src, "day_rates", f"no day rate for role '{role}'")
            out.append(
                Estimate(
                    phase,
                    rated,
                    _person_days(days, src, f"estimation_defaults.per_request.{phase}.{role}"),
                    None,
                    _pick(MILESTONE_LABELS[phase], lang),
                    _staff_for(session, rated),
                )
            )
    return out


def parse_estimates(
    session: Session,
    data: bytes,
    source: str,
    request: Request,
    contract: Contract,
    lang: str = "zh-CN",
) -> list[Estimate]:
    """Read an estimates YAML file (see ``export_estimates``); one InputError on any problem."""
    doc = load_yaml(data, source)
    if not isinstance(doc, dict):
        raise InputError(source, "document", "must be a mapping with 'items'")
    unknown = set(doc) - {"request", "based_on", "items", "note"}
    if unknown:
        raise InputError(source, sorted(unknown)[0], "unknown field")
    if doc.get("request") not in (None, request.key):
        raise InputError(source, "request", f"is for {doc['request']}, not {request.key}")
    items = doc.get("items")
    if not isinstance(items, list) or not items:
        raise InputError(source, "items", "must be a non-empty list of work items")
    if len(items) > MAX_ITEMS:
        raise InputError(source, "items", f"has {len(items)} entries; the limit is {MAX_ITEMS}")
    reqs = {r.no: r for r in request.requirements}
    staff = {
        p.name: p
        for p in session.scalars(
            select(Person).where(Person.client_id.is_(None), Person.active.is_(True))
        )
    }
    out: list[Estimate] = []
    allowed = {"requirement", "phase", "role", "person_days", "assignee", "title"}
    for i, it in enumerate(items):
        f = f"items[{i}]"
        if not isinstance(it, dict):
            raise InputError(source, f, "must be a mapping (phase, role, person_days, ...)")
        extra = set(it) - allowed
        if extra:
            raise InputError(source, f"{f}.{sorted(extra)[0]}", "unknown field")
        phase = it.get("phase")
        if phase not in PHASES:
            raise InputError(source, f"{f}.phase", f"must be one of {', '.join(PHASES)}")
        role = it.get("role")
        if not isinstance(role, str) or not role.strip():
            raise InputError(source, f"{f}.role", "is required (e.g. developer)")
        role = role.strip()
        if role not in (contract.day_rates or {}):
            raise InputError(
                source,
                f"{f}.role",
                f"contract {contract.code} has no day rate for '{role}'"
                f" (roles: {', '.join(sorted(contract.day_rates or {}))})",
            )
        days = _person_days(it.get("person_days"), source, f"{f}.person_days")
        no = it.get("requirement")
        if no is not None and (isinstance(no, bool) or not isinstance(no, int) or no not in reqs):
            raise InputError(
                source,
                f"{f}.requirement",
                f"'{no}' is not a requirement of {request.key}"
                f" (numbers: {', '.join(map(str, reqs))}; leave empty for the whole request)",
            )
        assignee = it.get("assignee")
        if assignee is not None:
            if not isinstance(assignee, str) or assignee.strip() not in staff:
                raise InputError(
                    source,
                    f"{f}.assignee",
                    f"'{assignee}' is not one of our active staff"
                    f" ({', '.join(sorted(staff)) or 'none loaded'})",
                )
            assignee = assignee.strip()
        title = it.get("title")
        if title is not None and not isinstance(title, str):
            raise InputError(source, f"{f}.title", "must be text")
        if not title:
            title = reqs[no].text if no is not None else _pick(MILESTONE_LABELS[phase], lang)
        out.append(Estimate(phase, role, days, no, clean_text(title, 200), assignee))
    return out


# --- costing -----------------------------------------------------------------------------


@dataclass
class Budget:
    """Amounts per item, per role, and the totals; every number already rounded."""

    day_rates: list[Decimal]
    amounts: list[Decimal]
    per_role: dict[str, dict[str, Decimal]]
    person_days: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def cost(estimates: list[Estimate], contract: Contract) -> Budget:
    """Day rate x person-days per item; tax on the subtotal; the lines add up to the total."""
    src = f"contract {contract.code}"
    rates, amounts = [], []
    per_role: dict[str, dict[str, Decimal]] = {}
    for e in estimates:
        try:
            rate = money(contract.day_rate(e.role))
        except (TypeError, ValueError):
            raise InputError(src, f"day_rates.{e.role}", "is not an amount") from None
        amount = times(e.person_days, rate)
        rates.append(rate)
        amounts.append(amount)
        r = per_role.setdefault(e.role, {"person_days": Decimal(0), "amount": ZERO})
        r["person_days"] += e.person_days
        r["amount"] += amount
    tax_rate = Decimal(contract.tax_rate)
    if not Decimal(0) <= tax_rate < 1:
        raise InputError(src, "tax_rate", f"{tax_rate} is not a rate between 0 and 1")
    subtotal = total(amounts)
    tax = times(subtotal, tax_rate)
    return Budget(
        rates,
        amounts,
        per_role,
        sum((e.person_days for e in estimates), Decimal(0)),
        subtotal,
        tax_rate,
        tax,
        subtotal + tax,
    )


# --- scheduling --------------------------------------------------------------------------


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


# --- versions ----------------------------------------------------------------------------


def latest_plan(session: Session, request: Request) -> Plan | None:
    """The newest plan version of ``request``: the only one that may be approved."""
    return session.scalar(
        select(Plan).where(Plan.request_id == request.id).order_by(Plan.version.desc()).limit(1)
    )


def is_latest(session: Session, plan: Plan) -> bool:
    newest = session.scalar(
        select(func.max(Plan.version)).where(Plan.request_id == plan.request_id)
    )
    return plan.version == newest


def get_plan(session: Session, request: Request, version: int | None = None) -> Plan:
    if version is None:
        plan = latest_plan(session, request)
    else:
        plan = session.scalar(
            select(Plan).where(Plan.request_id == request.id, Plan.version == version)
        )
    if plan is None:
        which = f"version {version}" if version else "any plan"
        raise NotFoundError(f"request {request.key} has no {which}; make one: changeflow plan KEY")
    return plan


def today_local() -> date:
    return datetime.now(get_settings().tz).date()


def _actor() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or "changeflow"


def _estimates_for(
    session: Session,
    req: Request,
    contract: Contract,
    estimates: bytes | None,
    source: str,
    lang: str,
) -> tuple[list[Estimate], str]:
    if estimates is not None:
        return parse_estimates(session, estimates, source, req, contract, lang), source
    return default_estimates(session, req, contract, lang), "defaults"


def make_plan(
    key: str,
    *,
    estimates: bytes | None = None,
    estimates_source: str = "estimates.yaml",
    start: date | None = None,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    new_version: bool = False,
) -> dict[str, Any]:
    """Make plan version n+1 of ``key`` with its document; move the request to ``planned``.

    While the request is still ``planned``, the same inputs (estimates, start, language,
    rates) give back the plan already made, unless ``new_version`` asks for another one:
    a run retried after a crash never sends the client a second, identical version.
    """
    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    actor = actor or _actor()
    with transaction() as session:
        req = load_for_update(session, key)
        if not is_allowed(req.kind, req.state, "planned", req.held_from) or req.kind == "fault":
            raise TransitionError(
                key,
                req.state,
                "planned",
                "a plan is made for a dev/change request that is submitted, planned,"
                " rejected or approved",
            )
        contract = req.contract
        if contract is None:
            raise InputError(key, "contract", "the request has no contract; day rates come from it")
        items, source = _estimates_for(session, req, contract, estimates, estimates_source, lang)
        cal = calendar_for(session, contract)
        budget = cost(items, contract)
        sched = schedule(items, cal, start or cal.next_working_day(today_local()))
        digest = _inputs_digest(items, sched.start, lang, contract)
        newest = latest_plan(session, req)
        if (
            not new_version
            and newest is not None
            and req.state == "planned"
            and (newest.data or {}).get("inputs_digest") == digest
        ):
            # Same estimates, start, language and rates, no decision since: the plan we
            # already made stands (a retried run after a crash makes no second version).
            doc = newest.document
            return plan_summary(newest) | {
                "unchanged": True,
                "document": str(document_path(doc)) if doc else None,
                "sha256": doc.sha256 if doc else None,
            }
        version = (
            session.scalar(select(func.max(Plan.version)).where(Plan.request_id == req.id)) or 0
        ) + 1
        per_role = {
            r: {"person_days": pd_text(v["person_days"]), "amount": format(v["amount"], "f")}
            for r, v in budget.per_role.items()
        }
        plan = Plan(
            request=req,
            version=version,
            start_date=sched.start,
            end_date=sched.end,
            calendar_days=sched.calendar_days,
            working_days=sched.working_days,
            person_days=budget.person_days,
            subtotal=budget.subtotal,
            tax_rate=budget.tax_rate,
            tax=budget.tax,
            total=budget.total,
            currency=contract.currency or "CNY",
            provisional=sched.provisional,
            estimates_source=Path(source).name if source != "defaults" else source,
            lang=lang,
            created_by=actor,
            data={
                "per_role": per_role,
                "phases": {
                    p: {
                        "start": s.start.isoformat(),
                        "end": s.end.isoformat(),
                        "provisional": s.provisional,
                    }
                    for p, s in sched.phases.items()
                },
                "provisional_years": cal.provisional_years(sched.start, sched.end),
                "first_provisional": (
                    sched.first_provisional.isoformat() if sched.first_provisional else None
                ),
                "contract": contract.code,
                "inputs_digest": digest,
            },
        )
        staff = {
            p.name: p for p in session.scalars(select(Person).where(Person.client_id.is_(None)))
        }
        for seq, (e, slot) in enumerate(zip(items, sched.items, strict=True), start=1):
            plan.items.append(
                WorkItem(
                    seq=seq,
                    requirement_no=e.requirement_no,
                    phase=e.phase,
                    role=e.role,
                    title=e.title,
                    person_days=e.person_days,
                    assignee=staff.get(e.assignee) if e.assignee else None,
                    day_rate=budget.day_rates[seq - 1],
                    amount=budget.amounts[seq - 1],
                    start_date=slot.start,
                    end_date=slot.end,
                    provisional=slot.provisional,
                )
            )
        for phase, day, prov in sched.milestones:
            plan.milestones.append(
                Milestone(
                    phase=phase,
                    name=_pick(MILESTONE_LABELS[phase], lang),
                    day=day,
                    provisional=prov,
                )
            )
        session.add(plan)
        try:
            session.flush()
        except IntegrityError:
            raise ConflictError(
                f"someone else made plan v{version} of {key} at the same time;"
                " nothing was written, run it again"
            ) from None
        data = render_plan(plan, lang=lang)
        doc = put_document(
            session,
            data,
            kind="plan",
            request=req,
            filename=f"{req.key}-plan-v{version}.docx",
            version=version,
            lang=lang,
            meta={
                "plan_version": version,
                "total": format(budget.total, "f"),
                "provisional": sched.provisional,
            },
        )
        plan.document = doc
        transition(
            session,
            req,
            "planned",
            actor=actor,
            reason=f"plan v{version}: {fmt(budget.total)} CNY, {sched.start} - {sched.end}",
            channel=channel,
            evidence_sha256=doc.sha256,
            data={"plan_version": version, "total": format(budget.total, "f")},
        )
        return plan_summary(plan) | {"document": str(document_path(doc)), "sha256": doc.sha256}


def _inputs_digest(items: list[Estimate], start: date, lang: str, contract: Contract) -> str:
    """What a plan is made from: two runs with the same digest make the same plan."""
    from .wordkit import document_digest

    return document_digest(
        "plan",
        lang,
        {
            "items": [
                [e.requirement_no, e.phase, e.role, e.title, str(e.person_days), e.assignee]
                for e in items
            ],
            "start": start.isoformat(),
            "contract": contract.code,
            "rates": contract.day_rates,
            "tax": str(contract.tax_rate),
        },
    )


def plan_summary(plan: Plan) -> dict[str, Any]:
    """A plan as plain data (CLI --json, flow artifacts)."""
    return {
        "key": plan.request.key,
        "version": plan.version,
        "state": plan.request.state,
        "start": plan.start_date.isoformat(),
        "end": plan.end_date.isoformat(),
        "calendar_days": plan.calendar_days,
        "working_days": plan.working_days,
        "person_days": pd_text(plan.person_days),
        "subtotal": format(plan.subtotal, "f"),
        "tax_rate": format(plan.tax_rate, "f"),
        "tax": format(plan.tax, "f"),
        "total": format(plan.total, "f"),
        "total_capital": capital(plan.total),
        "currency": plan.currency,
        "provisional": plan.provisional,
        "provisional_years": (plan.data or {}).get("provisional_years", []),
        "estimates": plan.estimates_source,
        "per_role": (plan.data or {}).get("per_role", {}),
        "phases": (plan.data or {}).get("phases", {}),
        "items": [
            {
                "seq": it.seq,
                "requirement": it.requirement_no,
                "phase": it.phase,
                "role": it.role,
                "title": it.title,
                "person_days": pd_text(it.person_days),
                "assignee": it.assignee.name if it.assignee else None,
                "day_rate": format(it.day_rate, "f"),
                "amount": format(it.amount, "f"),
                "start": it.start_date.isoformat() if it.start_date else None,
                "end": it.end_date.isoformat() if it.end_date else None,
                "provisional": it.provisional,
            }
            for it in plan.items
        ],
        "milestones": [
            {
                "phase": m.phase,
                "name": m.name,
                "day": m.day.isoformat(),
                "provisional": m.provisional,
            }
            for m in plan.milestones
        ],
    }


# --- export / import of estimates ----------------------------------------------------------


def export_estimates(key: str, path: Path) -> dict[str, Any]:
    """Write the current estimate (newest plan, else the defaults) as YAML for editing."""
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        plan = latest_plan(session, req)
        if plan is not None:
            items = [
                Estimate(it.phase, it.role, it.person_days, it.requirement_no, it.title,
                         it.assignee.name if it.assignee else None)
                for it in plan.items
            ]  # fmt: skip
            based_on = f"plan v{plan.version}"
        else:
            if req.contract is None:
                raise InputError(key, "contract", "the request has no contract")
            items = default_estimates(session, req, req.contract)
            based_on = f"estimation defaults of contract {req.contract.code}"
    doc = {
        "request": key,
        "based_on": based_on,
        "items": [
            {
                "requirement": e.requirement_no,
                "phase": e.phase,
                "role": e.role,
                "person_days": pd_text(e.person_days),
                "assignee": e.assignee,
                "title": e.title,
            }
            for e in items
        ],
    }
    head = (
        f"# Estimates for {key} ({based_on}). Edit, then: changeflow plan {key} --estimates FILE\n"
        "# phase: analysis | development | testing | golive | acceptance;"
        " person_days in steps of 0.5;\n"
        "# requirement: the task book's number (empty for the whole request);"
        " assignee: one of our staff or empty.\n"
    )
    text = head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return {"key": key, "file": str(path), "based_on": based_on, "items": len(items)}


def read_estimates_file(path: Path) -> bytes:
    return read_limited(Path(path), limit=1024 * 1024)


# --- the document --------------------------------------------------------------------------


def _marker(plan: Plan) -> Any:
    """date -> text, with '*' when the date rests on the provisional calendar."""
    raw = (plan.data or {}).get("first_provisional")
    first = date.fromisoformat(raw) if raw else None

    def show(day: date | None) -> str:
        if day is None:
            return ""
        return day.isoformat() + ("*" if first is not None and day >= first else "")

    return show


ASSUMPTIONS = {
    "zh-CN": [
        "工作量以人日计（每人日按合同服务时间计），按合同约定的各角色人日单价计费。",
        "进度按中国法定节假日和调休安排排定，每人每个工作日最多安排一人日工作。",
        "甲方在需求分析阶段确认需求，在测试阶段提供测试环境和测试数据，并按时组织验收。",
        "需求如有变更，按变更后的工作量重新出具计划和预算（新版本）。",
    ],
    "en": [
        "Effort is counted in person-days (one person-day = one day of the contract's service"
        " hours) and charged at the contract's day rate per role.",
        "The schedule follows China's statutory holidays and make-up workdays; each person"
        " carries at most one person-day of work per working day.",
        "The client confirms requirements during analysis, provides a test environment and"
        " test data during testing, and arranges acceptance on time.",
        "Changed requirements lead to a new plan and budget (a new version).",
    ],
}
EXCLUSIONS = {
    "zh-CN": [
        "第三方软件、硬件及其许可费用不在本预算内。",
        "本计划范围以外的需求及数据迁移、历史数据整理。",
        "合同约定服务时间以外的加班和现场驻场（另行约定）。",
    ],
    "en": [
        "Third-party software, hardware and licence fees are not part of this budget.",
        "Requirements outside this plan's scope, data migration and clean-up of old data.",
        "Work outside the contract's service hours and on-site residence (agreed separately).",
    ],
}


def plan_context(plan: Plan, lang: str) -> dict[str, Any]:
    """Everything the template shows, already formatted (the template only places text)."""
    req = plan.request
    contract = req.contract
    tz = get_settings().tz
    reqs = {r.no: r for r in req.requirements}
    per_role = (plan.data or {}).get("per_role", {})
    phases = (plan.data or {}).get("phases", {})

    def role(r: str) -> str:
        return _pick(ROLE_LABELS[r], lang) if r in ROLE_LABELS else r

    pct = (plan.tax_rate * 100).normalize()
    _d = _marker(plan)
    return {
        "lang": lang,
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "requester": req.requester,
        "version": plan.version,
        "issued": plan.created_at.astimezone(tz).date().isoformat()
        if plan.created_at
        else today_local().isoformat(),
        "our_lead": contract.our_lead.name if contract and contract.our_lead else "",
        "requirements": [
            {
                "no": r.no,
                "text": r.text,
                "priority": _pick(PRIORITY_LABELS.get(r.priority, (r.priority, r.priority)), lang),
                "acceptance": r.acceptance,
            }
            for r in req.requirements
        ],
        "items": [
            {
                "seq": it.seq,
                "req": str(it.requirement_no) if it.requirement_no in reqs else "—",
                "phase": _pick(PHASE_LABELS[it.phase], lang),
                "title": it.title,
                "role": role(it.role),
                "assignee": it.assignee.name
                if it.assignee
                else ("待定" if lang == "zh-CN" else "TBD"),
                "person_days": pd_text(it.person_days),
                "rate": fmt(it.day_rate),
                "amount": fmt(it.amount),
                "start": _d(it.start_date),
                "end": _d(it.end_date),
            }
            for it in plan.items
        ],
        "roles": [
            {"role": role(r), "person_days": v["person_days"], "amount": fmt(Decimal(v["amount"]))}
            for r, v in per_role.items()
        ],
        "person_days": pd_text(plan.person_days),
        "subtotal": fmt(plan.subtotal),
        "tax_rate": f"{pct:f}%",
        "tax": fmt(plan.tax),
        "total": fmt(plan.total),
        "total_capital": capital(plan.total),
        "currency": plan.currency,
        "phases": [
            {
                "phase": _pick(PHASE_LABELS[p], lang),
                "start": _d(date.fromisoformat(v["start"])),
                "end": _d(date.fromisoformat(v["end"])),
            }
            for p, v in phases.items()
        ],
        "milestones": [{"name": m.name, "day": _d(m.day)} for m in plan.milestones],
        "start": _d(plan.start_date),
        "end": _d(plan.end_date),
        "calendar_days": plan.calendar_days,
        "working_days": plan.working_days,
        "provisional": plan.provisional,
        "provisional_note": PROVISIONAL_NOTE[lang] if plan.provisional else "",
        "provisional_years": ", ".join(map(str, (plan.data or {}).get("provisional_years", []))),
        "assumptions": ASSUMPTIONS[lang],
        "exclusions": EXCLUSIONS[lang],
    }


def render_plan(plan: Plan, *, lang: str) -> bytes:
    from changeflow.docs_templates.labels import PLAN_TITLE

    from .signoff import sign_document
    from .wordkit import render

    title = _pick(PLAN_TITLE, lang)
    # Signed so the client's returned copy can be verified (tasks/signed.py); signing in
    # ``finish`` keeps it to one open and one save of the document.
    return render(
        "plan",
        plan_context(plan, lang),
        lang=lang,
        title=f"{title} {plan.request.key} v{plan.version}",
        subject=plan.request.title,
        custom_properties={
            "changeflow.kind": "plan",
            "changeflow.request": plan.request.key,
            "changeflow.plan_version": str(plan.version),
            "changeflow.lang": lang,
            "changeflow.total": format(plan.total, "f"),
        },
        finish=lambda doc: sign_document(
            doc, kind="plan", request=plan.request.key, version=plan.version, lang=lang
        ),
    )


def plan_from_file(
    key: str,
    *,
    estimates_path: Path | None = None,
    start: date | None = None,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    new_version: bool = False,
) -> dict[str, Any]:
    """``make_plan`` with the estimates read from a file (CLI)."""
    data = read_estimates_file(estimates_path) if estimates_path else None
    return make_plan(
        key,
        estimates=data,
        estimates_source=str(estimates_path) if estimates_path else "defaults",
        start=start,
        lang=lang,
        actor=actor,
        channel=channel,
        new_version=new_version,
    )


# --- the plan in `changeflow status KEY` ----------------------------------------------------


def _status_section(session: Session, request: Request) -> dict[str, Any] | None:
    plan = latest_plan(session, request)
    if plan is None:
        return None
    star = " *" if plan.provisional else ""
    return {
        "version": plan.version,
        "period": f"{plan.start_date} .. {plan.end_date}{star}",
        "person_days": pd_text(plan.person_days),
        "total": f"{fmt(plan.total)} {plan.currency} ({capital(plan.total)})",
        "milestones": ", ".join(f"{m.name} {m.day}" for m in plan.milestones),
    }


def _register_status_section() -> None:
    from .status import section

    section("plan")(_status_section)


_register_status_section()
