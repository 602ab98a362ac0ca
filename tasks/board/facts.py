"""What the board shows, gathered in ONE read of the database: every contract with its
service days (``servicedays.service_year``, the one count) and its fee's standing
(``settlement.fees.standing``), every open request and fault with its state, the next step
and who it waits for since when, the plan's dates against today, the SLA clocks, the money
of its plan and its latest documents; and the requests finished lately (an accepted request
shows as 已验收 Accepted, not as the certificate it last issued).

Plain data (dicts, Decimals, datetimes in UTC); ``render`` words them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import FINAL
from changeflow.db.maintenance import Fault
from changeflow.db.models import Contract, Document, Request
from changeflow.db.planning import Plan
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.settings import get_settings

from .steps import next_step

DONE_DAYS = 30  # a request finished within these days still shows, under 最近完成
# the documents a lead opens from the board (latest version of each), in lifecycle order
DOC_KINDS = (
    "taskbook", "plan", "plan-returned", "testreport", "techdoc", "manual", "golive",
    "acceptance", "acceptance-returned", "fault-record",
)  # fmt: skip
# the plan phase a state works in: its milestone is the date the state should end by
STATE_PHASE = {
    "approved": "analysis",
    "in_development": "development",
    "in_testing": "testing",
    "live": "acceptance",
}


def _since(req: Request) -> datetime:
    """When the request entered its state: its last state change (the act's own time)."""
    last = req.events[-1] if req.events else None
    if last is not None and last.to_state == req.state:
        return last.at
    return req.updated_at or req.created_at


def _latest_docs(session: Session, req: Request) -> list[dict[str, Any]]:
    latest: dict[str, Document] = {}
    for d in session.scalars(
        select(Document)
        .where(Document.request_id == req.id, Document.kind.in_(DOC_KINDS))
        .order_by(Document.version, Document.id)
    ):
        latest[d.kind] = d  # the last wins: the latest version of each kind
    return [
        {"id": d.id, "kind": d.kind, "version": d.version, "lang": d.lang}
        for kind in DOC_KINDS
        if (d := latest.get(kind)) is not None
    ]


def _plan(session: Session, req: Request, today: date) -> dict[str, Any] | None:
    from ..money import money
    from ..servicedays import approved_plan, plan_billed

    latest = session.scalar(
        select(Plan).where(Plan.request_id == req.id).order_by(Plan.version.desc()).limit(1)
    )
    if latest is None:
        return None
    ok = approved_plan(session, req)
    shown = ok or latest
    phase = STATE_PHASE.get(req.state)
    due = next((m.day for m in shown.milestones if m.phase == phase), None) if phase else None
    sd = (shown.data or {}).get("service_days") or {}
    open_ = req.state not in FINAL
    late_by = (today - due).days if (open_ and due and today > due) else 0
    if open_ and not late_by and req.state != "submitted" and today > shown.end_date:
        late_by = (today - shown.end_date).days
    return {
        "version": shown.version,
        "status": latest.status,  # draft | issued (of the latest version)
        "latest_version": latest.version,
        "approved": ok is not None,
        "start": shown.start_date,
        "end": shown.end_date,
        "phase": phase,
        "phase_due": due,
        "late_by": late_by,
        "person_days": shown.person_days,
        "total": money(shown.total),
        "covered_days": sd.get("covered") if sd.get("counts", True) else None,
        "billed": plan_billed(shown),
    }


def _clocks(session: Session, fault: Fault, now: datetime) -> list[dict[str, Any]]:
    from ..calendar import calendar_for
    from ..maintenance.fault_clocks import clocks

    out = []
    for name, st in clocks(fault, calendar_for(session, fault.contract), now).items():
        out.append(
            {
                "name": name,
                "status": st.status,
                "due": st.due,
                "stopped_at": st.stopped_at,
                "left": (st.due - now) if st.due is not None else None,
            }
        )
    return out


def _request(session: Session, req: Request, now: datetime, today: date) -> dict[str, Any]:
    docs = _latest_docs(session, req)
    kinds = {d["kind"] for d in docs}
    plan = _plan(session, req, today) if req.kind != "fault" else None
    step = next_step(
        req.state,
        plan_issued=plan is None or plan["status"] != "draft",
        acceptance_issued="acceptance" in kinds,
        fault=req.kind == "fault",
    )
    out: dict[str, Any] = {
        "key": req.key,
        "kind": req.kind,
        "title": req.title,
        "state": req.state,
        "held_from": req.held_from,
        "since": _since(req),
        "contract": req.contract.code if req.contract else None,
        "step": step,
        "plan": plan,
        "docs": docs,
    }
    if req.kind == "fault":
        fault = session.scalar(select(Fault).where(Fault.request_id == req.id))
        if fault is not None:
            out["severity"] = fault.severity
            out["reported_at"] = fault.reported_at
            out["clocks"] = _clocks(session, fault, now) if req.state not in FINAL else []
    return out


def _service(sr: Any, now: datetime) -> dict[str, Any]:
    from .steps import SERVICE_STEPS, Step

    return {
        "key": sr.key,
        "title": sr.title,
        "category": sr.category,
        "requester": " ".join(p for p in (sr.department, sr.requester) if p),
        "state": sr.state,
        "urgent": sr.urgent,
        "step": SERVICE_STEPS.get(sr.state, Step("done", None, "none")),
        "since": sr.done_at if sr.state == "done" and sr.done_at else sr.received_at,
        "due": sr.response_due if sr.responded_at is None else None,
        "engineer": sr.engineer.name if sr.engineer else "",
    }


def _services(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Open service requests (服务请求): not confirmed, not cancelled."""
    from changeflow.db.servicereq import ServiceRequest

    q = select(ServiceRequest).where(ServiceRequest.state.not_in(("confirmed", "cancelled")))
    return [_service(sr, now) for sr in session.scalars(q.order_by(ServiceRequest.key))]


def _contract(session: Session, k: Contract, today: date) -> dict[str, Any]:
    from ..oamanual import manual_document
    from ..servicedays import service_year
    from ..settlement.fees import standing

    year = service_year(session, k, until=today)
    fee = standing(session, k, today)
    manual = manual_document(session, k, get_settings().lang)
    return {
        "code": k.code,
        "title": k.title,
        "client": k.client.name,
        "start": k.start_date,
        "end": k.end_date,
        "days": year.summary(),
        "fee": {
            name: fee[name]
            for name in ("annual_fee", "invoiced", "paid", "outstanding", "overdue", "next_due")
        },
        # the client's OA manual (使用手册) as it stands: its newest version
        "oa_manual": (
            {"id": manual.id, "kind": manual.kind, "version": manual.version} if manual else None
        ),
    }


def gather(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The board's facts at ``now`` (UTC), read in the caller's session."""
    now = now or utcnow()
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    recent = now - timedelta(days=DONE_DAYS)
    contracts = [
        _contract(session, k, today)
        for k in session.scalars(select(Contract).order_by(Contract.code))
        if k.start_date <= today <= k.end_date or k.end_date >= today - timedelta(days=DONE_DAYS)
    ]
    open_reqs, done = [], []
    for req in session.scalars(select(Request).order_by(Request.year, Request.seq)):
        if req.state in FINAL:
            if req.state == "cancelled" or _since(req) < recent:
                continue
            done.append(_request(session, req, now, today))
        else:
            open_reqs.append(_request(session, req, now, today))
    return {
        "now": now,
        "today": today,
        "contracts": contracts,
        "requests": [r for r in open_reqs if r["kind"] != "fault"],
        "faults": [r for r in open_reqs if r["kind"] == "fault"],
        "services": _services(session, now),
        "done": done,
    }


def board_facts(now: datetime | None = None) -> dict[str, Any]:
    """The board's facts, in one transaction of its own."""
    with transaction() as s:
        return gather(s, now)


__all__ = ["DOC_KINDS", "board_facts", "gather"]
