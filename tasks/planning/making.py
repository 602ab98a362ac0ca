"""Making and recording a plan: version n+1 with its document and the move to ``planned``,
in one transaction; the same inputs while still ``planned`` give back the plan already made.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import is_allowed, load_for_update, transition
from changeflow.db.models import Contract, Person, Request
from changeflow.db.planning import Milestone, Plan, WorkItem
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.errors import ConflictError, InputError, TransitionError
from changeflow.settings import get_settings

from ..calendar import calendar_for
from ..money import capital, fmt
from .budget import cost
from .common import MILESTONE_LABELS, _pick, today_local
from .document import render_plan
from .estimates_file import parse_estimates, read_estimates_file
from .estimating import Estimate, default_estimates, pd_text
from .scheduling import schedule
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
