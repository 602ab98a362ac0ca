"""Making and issuing a plan.

``make_plan`` makes version n+1 as a *draft*: scheduled around what other plans hold of our
staff and their days away, costed against the contract's service days, with an unsigned
document marked 草稿 on every page; nothing is sent and nothing can be approved. The lead
reviews it, edits the estimates (a new draft version) and issues it (``issue_plan`` or
``make_plan(..., issue=True)``): the signed document, the version the client approves, and
the request's move to ``planned`` with its audit record, in one transaction.

The same inputs give back the draft (or, while still ``planned``, the issued plan) already
made. A start in the past, or before the client can approve (the contract's approval lead
time in working days), is refused with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.lifecycle import is_allowed, load_for_update, transition
from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import Milestone, Plan, WorkItem
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError, NotFoundError, TransitionError
from changeflow.tasks.acttime import recorded_act

from ..calendar import calendar_for
from ..documents import document_lang, store_issued
from ..money import capital, fmt
from ..servicedays import development_counts, extra_rates
from .budget import cost, cover
from .common import MILESTONE_LABELS, today_local
from .document import render_plan
from .economics import economics, service_days_before
from .estimates_file import parse_estimates, read_estimates_file
from .estimating import Estimate, default_estimates, pd_text
from .history import apply_history
from .scheduling import schedule
from .staffing import (
    approval_lead_days,
    booked_elsewhere,
    busy_during,
    double_booked,
    plan_load,
)
from .versions import latest_plan

PLANNABLE_FROM = ("submitted", "planned", "rejected", "approved")


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


def _suggested(
    session: Session, req: Request, contract: Contract, items: list[Estimate], source: str
) -> tuple[list[Estimate], str, list[dict[str, Any]]]:
    """Without an estimates file, the defaults adjusted by similar past requirements."""
    if source != "defaults":
        return items, source, []
    items, notes = apply_history(session, req, contract, items)
    return items, ("history" if notes else source), notes


@recorded_act("plan")
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
    issue: bool = False,
    backdated: bool = False,
) -> dict[str, Any]:
    """Make plan version n+1 of ``key`` as a draft; with ``issue`` sign it at once and move
    the request to ``planned``.

    The same inputs (estimates, start, language, rates, what other plans hold) give back
    the newest draft, or the issued plan while the request is still ``planned``, unless
    ``new_version`` asks for another one: a run retried after a crash never sends the
    client a second, identical version. ``backdated`` records a plan agreed earlier (e.g.
    from paper): its start is not checked against today.
    """
    asked_lang = lang
    lang = document_lang(lang)
    actor = actor or _actor()
    with transaction() as session:
        req = load_for_update(session, key)
        newest = latest_plan(session, req)
        if (
            issue
            and estimates is None
            and start is None
            and not new_version
            and newest is not None
            and asked_lang in (None, newest.lang)
        ):
            done = _issue_newest(session, req, newest, actor=actor, channel=channel)
            if done is not None:
                return done
        contract = _plannable(key, req)
        fig = _figure(
            session, req, contract, estimates, estimates_source, start, lang, backdated=backdated,
            key=key,
        )  # fmt: skip
        if (
            not new_version
            and newest is not None
            and (newest.status == "draft" or req.state == "planned")
            and (newest.data or {}).get("inputs_digest") == fig.digest
        ):
            # Same estimates, start, language, rates and staff calendar, no decision since:
            # the plan we already made stands (a retried run makes no second version).
            if issue and newest.status == "draft":
                _issue(session, req, newest, actor=actor, channel=channel, today=fig.today)
            doc = newest.document
            return plan_summary(newest) | {
                "unchanged": True,
                "document": str(document_path(doc)) if doc else None,
                "sha256": doc.sha256 if doc else None,
            }
        plan = _new_plan(session, req, contract, fig, lang=lang, actor=actor, backdated=backdated)
        _store_draft(session, key, req, plan, lang=lang)
        if issue:
            _issue(session, req, plan, actor=actor, channel=channel, today=fig.today)
        doc = plan.document
        return plan_summary(plan) | {"document": str(document_path(doc)), "sha256": doc.sha256}


def _plannable(key: str, req: Request) -> Contract:
    """The request's contract, when a plan may be made for the request now."""
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
    return contract


@dataclass
class _Figures:
    """What a plan version is made of: the estimates, their schedule and their cost."""

    items: list[Estimate]
    source: str
    suggestions: Any
    cal: Any
    today: date
    lead: int
    earliest: date
    sched: Any
    budget: Any
    econ: dict[str, Any]
    busy: Any
    late: Any
    digest: str


def _figure(
    session: Session,
    req: Request,
    contract: Contract,
    estimates: bytes | None,
    estimates_source: str,
    start: date | None,
    lang: str,
    *,
    backdated: bool,
    key: str,
) -> _Figures:
    """The estimates (given, history's or the defaults), scheduled around what other plans
    hold from the first allowed day, costed with the service days still covered."""
    items, source = _estimates_for(session, req, contract, estimates, estimates_source, lang)
    items, source, suggestions = _suggested(session, req, contract, items, source)
    cal = calendar_for(session, contract)
    today = today_local()
    lead = approval_lead_days(contract)
    earliest = earliest_start(cal, today, lead)
    if start is not None and not backdated:
        check_start(key, start, today, earliest, lead)
    first = cal.roll_forward(start or earliest)
    lock_people(session, (e.assignee for e in items if e.assignee))
    booked = booked_elsewhere(session, cal, exclude_request_id=req.id, first=first)
    sched = schedule(items, cal, first, busy=booked.halves)
    counts = development_counts(contract)
    before = service_days_before(session, contract, req.id)
    order = sorted(range(len(items)), key=lambda i: (sched.items[i].start, i))
    covered = cover(items, order, before["before"]) if counts else None
    budget = cost(items, contract, covered, extra_rates(contract))
    econ = economics(before, budget, contract)
    people = sorted({e.assignee for e in items if e.assignee})
    busy = busy_during(booked, people, sched.start, sched.end, cal)
    late = _late(req.desired_date, sched.end, cal)
    digest = _inputs_digest(items, sched.start, lang, contract, sched.load, econ)
    return _Figures(
        items, source, suggestions, cal, today, lead, earliest, sched, budget, econ, busy, late,
        digest,
    )  # fmt: skip


def _new_plan(
    session: Session,
    req: Request,
    contract: Contract,
    fig: _Figures,
    *,
    lang: str,
    actor: str,
    backdated: bool,
) -> Plan:
    """Plan version n+1 (a draft) with its work items and milestones."""
    sched, budget, source = fig.sched, fig.budget, fig.source
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
        estimates_source=Path(source).name if source not in ("defaults", "history") else source,
        lang=lang,
        created_by=actor,
        status="draft",
        data={
            "load": {
                who: {d.isoformat(): h for d, h in sorted(days.items())}
                for who, days in sched.load.items()
                if not who.endswith(" (TBD)")
            },
            "service_days": fig.econ,
            "suggestions": fig.suggestions,
            "busy_elsewhere": fig.busy,
            "late": fig.late,
            "desired_date": req.desired_date.isoformat() if req.desired_date else None,
            "approval_lead_days": fig.lead,
            "earliest_start": fig.earliest.isoformat(),
            "backdated": backdated,
            "per_role": per_role,
            "phases": {
                p: {
                    "start": s.start.isoformat(),
                    "end": s.end.isoformat(),
                    "provisional": s.provisional,
                }
                for p, s in sched.phases.items()
            },
            "provisional_years": fig.cal.provisional_years(sched.start, sched.end),
            "first_provisional": (
                sched.first_provisional.isoformat() if sched.first_provisional else None
            ),
            "contract": contract.code,
            "inputs_digest": fig.digest,
        },
    )
    staff = {p.name: p for p in session.scalars(select(Person).where(Person.client_id.is_(None)))}
    for seq, (e, slot) in enumerate(zip(fig.items, sched.items, strict=True), start=1):
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
                covered_days=budget.covered[seq - 1],
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
                name=pick(MILESTONE_LABELS[phase], lang),
                day=day,
                provisional=prov,
            )
        )
    return plan


def _store_draft(session: Session, key: str, req: Request, plan: Plan, *, lang: str) -> None:
    """The new version written (a second writer of the same version is refused, nothing
    written) and its draft document (草稿) stored."""
    session.add(plan)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError(
            f"someone else made plan v{plan.version} of {key} at the same time;"
            " nothing was written, run it again"
        ) from None
    data = render_plan(plan, lang=lang, draft=True)
    plan.document = store_issued(
        session,
        data,
        subject=req.key,
        kind="plan-draft",
        request=req,
        version=plan.version,
        lang=lang,
        meta={"plan_version": plan.version, "total": format(plan.total, "f"), "draft": True},
    )


def _issue_newest(
    session: Session, req: Request, newest: Plan, *, actor: str, channel: str
) -> dict[str, Any] | None:
    """``--issue`` alone: sign the draft the lead reviewed (maybe edited from a file), not
    fresh defaults; an issued plan still waiting for the decision stands. A draft made from
    the defaults that no longer fits (another plan took its days, or its start is now too
    early) is made again instead (None: go on and make it)."""
    today = today_local()
    if newest.status == "issued":
        if req.state != "planned":
            return None
        doc = newest.document
        return plan_summary(newest) | {
            "unchanged": True,
            "document": str(document_path(doc)) if doc else None,
            "sha256": doc.sha256 if doc else None,
        }
    if newest.estimates_source in ("defaults", "history") and not _fits(
        session, req, newest, today
    ):
        return None
    _issue(session, req, newest, actor=actor, channel=channel, today=today)
    doc = newest.document
    return plan_summary(newest) | {
        "document": str(document_path(doc)) if doc else None,
        "sha256": doc.sha256 if doc else None,
    }


def _fits(session: Session, req: Request, plan: Plan, today: date) -> bool:
    """Whether ``plan`` could be issued today: its start allowed, nobody double-booked."""
    cal = calendar_for(session, req.contract)
    lead = approval_lead_days(req.contract)
    backdated = (plan.data or {}).get("backdated")
    if not backdated and plan.start_date < earliest_start(cal, today, lead):
        return False
    lock_people(session, plan_load(plan, cal))
    booked = booked_elsewhere(session, cal, exclude_request_id=req.id, first=plan.start_date)
    return not double_booked(plan_load(plan, cal), booked)


def lock_people(session: Session, names: Any) -> None:
    """Lock our staff rows of ``names`` (PostgreSQL; SQLite serialises writers anyway) so
    two requests planned at once read each other's holds before they write their own."""
    names = sorted(set(names))
    if names:
        session.execute(
            select(Person.id)
            .where(Person.client_id.is_(None), Person.name.in_(names))
            .order_by(Person.id)
            .with_for_update()
        ).all()


def earliest_start(cal: Any, today: date, lead: int) -> date:
    """The first day a plan may start: the working day after ``lead`` working days from
    tomorrow (lead 0: the next working day)."""
    day = today
    for _ in range(lead + 1):
        day = cal.next_working_day(day)
    return day


def check_start(key: str, start: date, today: date, earliest: date, lead: int) -> None:
    if start < today:
        raise InputError(key, "start", f"{start} is in the past (today is {today})")
    if start < earliest:
        raise InputError(
            key,
            "start",
            f"{start} is before the client can approve the plan: with the contract's approval"
            f" lead time of {lead} working day(s) (settings.planning.approval_lead_days) the"
            f" earliest start is {earliest}",
        )


def _late(desired: date | None, end: date, cal: Any) -> dict[str, Any] | None:
    """By how much the plan misses the desired completion date (None: it meets it)."""
    if desired is None or end <= desired:
        return None
    return {
        "desired": desired.isoformat(),
        "end": end.isoformat(),
        "calendar_days": (end - desired).days,
        "working_days": cal.working_days_between(desired, end)
        - (1 if cal.is_working_day(desired) else 0),
    }


def _issue(
    session: Session, req: Request, plan: Plan, *, actor: str, channel: str, today: date
) -> None:
    """Sign the draft ``plan``: the signed document, status issued, request -> planned."""
    key = req.key
    if plan.status != "draft":
        return
    if not is_allowed(req.kind, req.state, "planned", req.held_from):
        raise TransitionError(key, req.state, "planned", "the plan can no longer be issued")
    contract = req.contract
    cal = calendar_for(session, contract)
    if not (plan.data or {}).get("backdated"):
        lead = approval_lead_days(contract)
        check_start(key, plan.start_date, today, earliest_start(cal, today, lead), lead)
    lock_people(session, plan_load(plan, cal))
    booked = booked_elsewhere(session, cal, exclude_request_id=req.id, first=plan.start_date)
    clashes = double_booked(plan_load(plan, cal), booked)
    if clashes:
        who, day, why = clashes[0]
        raise InputError(
            key,
            "staff",
            f"{who} is now also held on {day} by {', '.join(why) or 'another plan'}"
            f" ({len(clashes)} day(s) in all) since draft v{plan.version} was made;"
            f" make a new draft: changeflow plan {key}",
        )
    draft_doc = plan.document
    data = render_plan(plan, lang=plan.lang)
    doc = store_issued(
        session,
        data,
        subject=req.key,
        kind="plan",
        request=req,
        version=plan.version,
        lang=plan.lang,
        meta={
            "plan_version": plan.version,
            "total": format(plan.total, "f"),
            "provisional": plan.provisional,
        },
    )
    plan.document = doc
    plan.status = "issued"
    plan.issued_at = utcnow()
    plan.issued_by = actor
    plan.data = dict(plan.data or {}) | {
        "draft_document": draft_doc.path if draft_doc is not None else None
    }
    transition(
        session,
        req,
        "planned",
        actor=actor,
        reason=f"plan v{plan.version} issued: {fmt(plan.total)} CNY,"
        f" {plan.start_date} - {plan.end_date}",
        channel=channel,
        evidence_sha256=doc.sha256,
        data={"plan_version": plan.version, "total": format(plan.total, "f")},
    )
    session.flush()


@recorded_act("plan")
def issue_plan(key: str, *, actor: str | None = None, channel: str = "cli") -> dict[str, Any]:
    """Issue the newest draft of ``key``: signed, the version the client approves."""
    actor = actor or _actor()
    with transaction() as session:
        req = load_for_update(session, key)
        plan = latest_plan(session, req)
        if plan is None:
            raise NotFoundError(
                f"request {key} has no plan to issue; draft one: changeflow plan {key}"
            )
        already = plan.status == "issued"
        _issue(session, req, plan, actor=actor, channel=channel, today=today_local())
        doc = plan.document
        return plan_summary(plan) | {
            "unchanged": already,
            "document": str(document_path(doc)) if doc else None,
            "sha256": doc.sha256 if doc else None,
        }


def _inputs_digest(
    items: list[Estimate],
    start: date,
    lang: str,
    contract: Contract,
    load: dict[str, dict[date, int]],
    econ: dict[str, Any],
) -> str:
    """What a plan is made from: two runs with the same digest make the same plan."""
    from ..wordkit import document_digest

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
            "load": {w: {d.isoformat(): h for d, h in sorted(v.items())} for w, v in load.items()},
            "service_days": econ,
        },
    )


def plan_summary(plan: Plan) -> dict[str, Any]:
    """A plan as plain data (CLI --json, flow artifacts)."""
    return {
        "key": plan.request.key,
        "version": plan.version,
        "state": plan.request.state,
        "status": plan.status,
        "issued_at": plan.issued_at.isoformat() if plan.issued_at else None,
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
        "service_days": (plan.data or {}).get("service_days"),
        "busy_elsewhere": (plan.data or {}).get("busy_elsewhere", []),
        "suggestions": (plan.data or {}).get("suggestions", []),
        "late": (plan.data or {}).get("late"),
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
                "covered_days": pd_text(it.covered_days) if it.covered_days else "0",
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


@recorded_act("plan")
def plan_from_file(
    key: str,
    *,
    estimates_path: Path | None = None,
    start: date | None = None,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    new_version: bool = False,
    issue: bool = False,
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
        issue=issue,
    )
