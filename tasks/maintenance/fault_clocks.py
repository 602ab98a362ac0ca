"""The clocks of one fault: the rule copied onto it, its pauses, when each clock stopped,
the state of both clocks, and the views (and labels) shown for them.

The clock arithmetic itself is in ``tasks/sla.py``; this room applies it to a stored
``Fault``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from changeflow.db.maintenance import Fault
from changeflow.db.models import Request

from .. import sla
from ..calendar import WorkingCalendar, calendar_for
from .common import iso_local, show


def fault_rule(fault: Fault) -> sla.SeverityRule:
    """The rule copied onto the fault when it was reported."""
    return sla.SeverityRule(
        sla.ClockRule(fault.response_minutes, fault.response_clock),
        sla.ClockRule(fault.onsite_minutes, fault.onsite_clock),
    )


def asked_onsite(fault: Fault) -> datetime | None:
    """The client's on-site time when it is the deadline (``sla.asked_onsite``)."""
    return sla.asked_onsite(fault.severity, fault.onsite_requested)


def pauses_of(fault: Fault) -> list[sla.Pause]:
    return [sla.Pause(p.started_at, p.ended_at) for p in fault.pauses]


def stops(fault: Fault) -> dict[str, datetime | None]:
    """When each clock stopped: a response is also made by arriving or resolving; being on
    site is not needed once the fault is resolved (remotely)."""
    response = fault.responded_at or fault.onsite_at or fault.resolved_at
    onsite = fault.onsite_at or fault.resolved_at
    return {"response": response, "onsite": onsite}


def clocks(fault: Fault, cal: WorkingCalendar, now: datetime) -> dict[str, sla.ClockState]:
    """Both clocks at ``now``: the on-site one is never due before the response one, and a
    time the client asked for on site is the on-site deadline."""
    rule, pauses, stopped = fault_rule(fault), pauses_of(fault), stops(fault)
    out: dict[str, sla.ClockState] = {}
    for name in sla.CLOCK_NAMES:
        out[name] = sla.clock_state(
            name,
            fault.reported_at,
            rule.clock(name),
            fault.warn_at,
            cal,
            pauses=pauses,
            stopped_at=stopped[name],
            now=now,
            not_before=out["response"].due if name == "onsite" else None,
            fixed_due=asked_onsite(fault) if name == "onsite" else None,
        )
    return out


def refresh_dues(fault: Fault, cal: WorkingCalendar) -> None:
    """Keep the stored due times (for listing and queries) in step with the pauses."""
    rule, pauses, stopped = fault_rule(fault), pauses_of(fault), stops(fault)
    response_due = None
    for name in sla.CLOCK_NAMES:
        r = rule.clock(name)
        due = sla.paused_due(fault.reported_at, r.duration, r.clock, cal, pauses, stopped[name])
        if name == "onsite":
            due = sla.onsite_deadline(due, asked=asked_onsite(fault), not_before=response_due)
        if name == "response":
            response_due = due.at if due else None
        setattr(fault, f"{name}_due", due.at if due else None)
        if due is not None:
            setattr(fault, f"{name}_provisional", due.provisional)


def clock_view(state: sla.ClockState) -> dict[str, Any]:
    return {
        "minutes": state.minutes,
        "clock": state.clock,
        "due": iso_local(state.due),
        "due_local": show(state.due),
        "provisional": state.provisional,
        "warn_at": iso_local(state.warn_due),
        "stopped_at": iso_local(state.stopped_at),
        "status": state.status,
        "used_minutes": round(state.used.total_seconds() / 60, 1),
    }


def fault_view(
    session: Session, req: Request, fault: Fault, now: datetime, cal: WorkingCalendar | None = None
) -> dict[str, Any]:
    cal = cal or calendar_for(session, fault.contract)
    states = clocks(fault, cal, now)
    return {
        "key": req.key,
        "title": req.title,
        "state": req.state,
        "severity": fault.severity,
        "system": fault.system,
        "reporter": fault.reporter,
        "contract": fault.contract.code,
        "reported_at": iso_local(fault.reported_at),
        "responded_at": iso_local(fault.responded_at),
        "response_mode": fault.response_mode,
        "onsite_requested": iso_local(fault.onsite_requested),
        "onsite_at": iso_local(fault.onsite_at),
        "resolved_at": iso_local(fault.resolved_at),
        "closed_at": iso_local(fault.closed_at),
        "engineer": fault.engineer.name if fault.engineer else None,
        "description": req.description,
        "assessment": fault.assessment,
        "test_report": fault.test_report,
        "solution": fault.solution,
        "steps": list(fault.steps or []),
        "breach_cause": fault.breach_cause,
        "paused": any(p.ended_at is None for p in fault.pauses),
        "pauses": [
            {"from": iso_local(p.started_at), "to": iso_local(p.ended_at), "reason": p.reason}
            for p in fault.pauses
        ],
        "response": clock_view(states["response"]),
        "onsite": clock_view(states["onsite"]),
    }
