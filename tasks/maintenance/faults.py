"""Faults: reporting one (both clocks start), stamping its clocks (response, on site,
resolved, closed), pausing and resuming them while we wait for the client, the details
the staff enter, reading and listing faults, the clocks in ``changeflow status KEY``, and
the fault record document (fault.docx).

Waiting for the client is modelled twice on purpose: the fault moves to ``on_hold`` (so
the lifecycle and the timeline show it) and a ``FaultPause`` row keeps the exact span,
which the clocks leave out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import CLOCK_KINDS, CLOCK_STATES, CLOCKS, SEVERITIES, is_zh, label, pick
from changeflow.db.lifecycle import FINAL, INITIAL, record_creation, transition
from changeflow.db.maintenance import Fault, FaultPause
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.store import next_version
from changeflow.db.types import utcnow
from changeflow.errors import InputError, TransitionError
from changeflow.settings import get_settings

from .. import sla
from ..calendar import WorkingCalendar, calendar_for
from ..directory import find_contract, find_staff
from ..documents import store_issued
from ..numbered import with_new_key
from .common import clock_length, load_fault, parse_ahead, parse_when, show
from .fault_clocks import (
    clocks,
    fault_view,
    refresh_dues,
)

# --- reporting a fault -------------------------------------------------------------------

FAULT_SERIES = "GZ"  # 故障: faults count on their own (GZ-2026-0001), not as requests (CR-…)


@dataclass(frozen=True)
class FaultReport:
    """What a fault report gives back: enough for the CLI line and the UI artifact."""

    key: str
    severity: str
    title: str
    contract: str
    reported_at: datetime
    response_due: datetime
    response_provisional: bool
    onsite_due: datetime
    onsite_provisional: bool
    view: dict[str, Any]
    # clocks already past their due time when the fault was recorded (reported late): the
    # breach notice went to the duty staff at once (``notices.notify_on_arrival``)
    overdue: tuple[str, ...] = ()
    notice: dict[str, Any] | None = None


# how the first response was made, as the fault record says it
RESPONSE_MODES = {
    "phone": ("电话", "phone"),
    "remote": ("远程", "remote"),
    "onsite": ("到场", "on site"),
}


def _pick_mode(mode: str | None, zh: bool) -> str:
    if not mode:
        return "-"
    names = RESPONSE_MODES.get(mode, (mode, mode))
    return names[0] if zh else names[1]


def report_fault(
    *,
    severity: str,
    title: str,
    reported_at: str | datetime | None = None,
    system: str = "",
    description: str = "",
    reporter: str = "",
    contract: str | None = None,
    engineer: str | None = None,
    onsite_by: str | datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "fault report",
    now: datetime | None = None,
) -> FaultReport:
    """Record a fault (a request in 'reported') and start both clocks. ``onsite_by`` is the
    on-site time the client asked for (根据甲方要求): it is then the on-site deadline."""
    from ..inputs import clean_text
    from ..intake import next_key

    now = now or utcnow()
    sev = sla.parse_severity(severity, source)
    title = clean_text(title or "", 300).strip()
    if not title:
        raise InputError(source, "title", "is required")
    when = parse_when(reported_at, source, "reported_at", now=now)
    tz = get_settings().tz
    asked = parse_ahead(onsite_by, source, "onsite_by") if onsite_by else None
    if asked is not None and asked <= when:
        raise InputError(source, "onsite_by", "is not after the time the fault was reported")

    def make(s: Session) -> FaultReport:
        k = find_contract(s, contract, when.astimezone(tz).date(), source)
        policy = sla.policy_for(k)
        rule = policy.rule(sev)
        year = when.astimezone(tz).year
        key, seq = next_key(s, year, FAULT_SERIES)
        req = Request(
            key=key,
            year=year,
            seq=seq,
            series=FAULT_SERIES,
            kind="fault",
            client=k.client,
            contract=k,
            title=title,
            description=clean_text(description or ""),
            requester=clean_text(reporter or "", 120),
            priority="high" if sev == "crash" else "medium",
            submitted_on=when.astimezone(tz).date(),
            state=INITIAL["fault"],
        )
        s.add(req)
        s.flush()
        fault = Fault(
            request_id=req.id,
            contract=k,
            severity=sev,
            system=clean_text(system or "", 120),
            reporter=clean_text(reporter or "", 120),
            reported_at=when,
            response_minutes=rule.response.minutes,
            response_clock=rule.response.clock,
            onsite_minutes=rule.onsite.minutes,
            onsite_clock=rule.onsite.clock,
            warn_at=policy.warn_at,
            onsite_requested=asked,
            engineer=find_staff(s, engineer, source, "engineer") if engineer else None,
        )
        s.add(fault)
        cal = calendar_for(s, k)
        refresh_dues(fault, cal)
        s.flush()
        record_creation(
            s, req, actor=actor, channel=channel, reason=f"fault reported ({sev})"
        )
        view = fault_view(s, req, fault, now, cal)
        assert fault.response_due is not None and fault.onsite_due is not None
        late = tuple(
            n for n, c in clocks(fault, cal, now).items() if c.status == sla.BREACHED
        )
        return FaultReport(
            key=key,
            severity=sev,
            title=title,
            contract=k.code,
            reported_at=when,
            response_due=fault.response_due,
            response_provisional=fault.response_provisional,
            onsite_due=fault.onsite_due,
            onsite_provisional=fault.onsite_provisional,
            view=view,
            overdue=late,
        )

    report = with_new_key(make, "request", ("request", "seq"))
    if report.overdue:  # told now, not at the next sla-watch
        from .notices import notify_on_arrival

        report = replace(report, notice=notify_on_arrival(report.key, now))
    return report


# --- stamping the clocks -----------------------------------------------------------------

STAMPS = {
    "respond": ("responded", "responded_at"),
    "onsite": ("on_site", "onsite_at"),
    "resolve": ("resolved", "resolved_at"),
    "close": ("closed", "closed_at"),
}


def stamp(
    key: str,
    what: str,
    *,
    at: str | datetime | None = None,
    mode: str = "",
    note: str = "",
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a response, the arrival on site, the resolution or the closing of a fault."""
    if what not in STAMPS:
        raise InputError("fault", "action", f"'{what}' is not one of {', '.join(STAMPS)}")
    target, attr = STAMPS[what]
    now = now or utcnow()
    source = f"fault {key}"
    when = parse_when(at, source, "at", now=now)
    with transaction() as s:
        req, fault = load_fault(s, key, lock=True)
        if req.state == "on_hold":
            raise TransitionError(
                key, req.state, target, "resume it first: changeflow fault resume"
            )
        if when < fault.reported_at:
            raise InputError(
                source, "at", f"{show(when)} is before the report ({show(fault.reported_at)})"
            )
        for earlier in ("responded_at", "onsite_at", "resolved_at"):
            if earlier == attr:
                break
            prev = getattr(fault, earlier)
            if prev is not None and when < prev:
                raise InputError(source, "at", f"{show(when)} is before {earlier} ({show(prev)})")
        last_pause = max((p.ended_at for p in fault.pauses if p.ended_at), default=None)
        if last_pause is not None and when < last_pause:
            raise InputError(
                source, "at", f"{show(when)} is inside a pause (ended {show(last_pause)})"
            )
        reopened = req.state == "resolved" and target == "on_site"
        transition(
            s,
            req,
            target,
            actor=actor,
            reason=note or what,
            channel=channel,
            data={"at": when.isoformat(), "mode": mode},
        )
        if reopened:
            fault.resolved_at = None
        if getattr(fault, attr) is None or target == "closed":
            setattr(fault, attr, when)
        if what == "respond":
            fault.response_mode = mode or "phone"
        elif fault.responded_at is None and what in ("onsite", "resolve"):
            fault.responded_at = when
            fault.response_mode = "onsite" if what == "onsite" else (mode or "remote")
        cal = calendar_for(s, fault.contract)
        refresh_dues(fault, cal)
        s.flush()
        return fault_view(s, req, fault, now, cal)


def pause(
    key: str,
    *,
    at: str | datetime | None = None,
    reason: str = "waiting for the client",
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Stop the running clocks while we wait for the client (fault goes on_hold)."""
    return _pause_edge(key, "start", at, reason, actor, channel, now)


def resume(
    key: str,
    *,
    at: str | datetime | None = None,
    reason: str = "client answered",
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Restart the clocks: the due times move by the time paused."""
    return _pause_edge(key, "end", at, reason, actor, channel, now)


def _pause_edge(
    key: str,
    edge: str,
    at: str | datetime | None,
    reason: str,
    actor: str,
    channel: str,
    now: datetime | None,
) -> dict[str, Any]:
    """A pause's start (the fault goes on_hold, a FaultPause begins) or its end (back to
    the state it was held from, the pause ends); the due times worked out again."""
    now = now or utcnow()
    source = f"fault {key}"
    when = parse_when(at, source, "at", now=now)
    with transaction() as s:
        req, fault = load_fault(s, key, lock=True)
        if edge == "start":
            if req.state in FINAL or req.state == "on_hold":
                raise TransitionError(key, req.state, "on_hold", "nothing to pause")
            if when < fault.reported_at:
                raise InputError(source, "at", f"{show(when)} is before the report")
            last = max((p.ended_at for p in fault.pauses if p.ended_at), default=None)
            if last is not None and when < last:
                raise InputError(source, "at", f"{show(when)} is before the last pause ended")
            target = "on_hold"
        else:
            open_ = [p for p in fault.pauses if p.ended_at is None]
            if req.state != "on_hold" or not open_:
                raise TransitionError(
                    key, req.state, req.held_from or "resume", "it is not paused"
                )
            if when < open_[0].started_at:
                raise InputError(source, "at", f"{show(when)} is before the pause began")
            target = req.held_from or INITIAL["fault"]
        transition(
            s,
            req,
            target,
            actor=actor,
            reason=reason,
            channel=channel,
            data={"at": when.isoformat(), "pause": edge},
        )
        if edge == "start":
            fault.pauses.append(FaultPause(started_at=when, reason=reason, actor=actor))
        else:
            open_[0].ended_at = when
        cal = calendar_for(s, fault.contract)
        refresh_dues(fault, cal)
        s.flush()
        return fault_view(s, req, fault, now, cal)


def record_fault_details(
    key: str,
    *,
    assessment: str | None = None,
    test_report: str | None = None,
    solution: str | None = None,
    steps: Sequence[str] | None = None,
    breach_cause: str | None = None,
    root_cause: str | None = None,
    prevention: str | None = None,
    confirmed_by: str | None = None,
    confirmed_on: str | None = None,
    confirmation: str | None = None,
    actor: str = "changeflow",
) -> dict[str, Any]:
    """What the staff enter for the fault record: assessment, tests, root cause, solution,
    steps, prevention, the client's confirmation (who, when, what they said)."""
    from ..inputs import clean_text

    with transaction() as s:
        req, fault = load_fault(s, key, lock=True)
        for name, value in (
            ("assessment", assessment),
            ("test_report", test_report),
            ("solution", solution),
            ("breach_cause", breach_cause),
            ("root_cause", root_cause),
            ("prevention", prevention),
            ("confirmed_by", confirmed_by),
            ("confirmed_on", confirmed_on),
            ("confirmation", confirmation),
        ):
            if value is not None:
                setattr(fault, name, clean_text(value, 120 if name == "confirmed_by" else 20000))
        if steps is not None:
            fault.steps = [clean_text(x, 2000) for x in steps if x and x.strip()]
        req.updated_at = utcnow()
        s.flush()
        return fault_view(s, req, fault, utcnow())


def get_fault(key: str, now: datetime | None = None) -> dict[str, Any]:
    with transaction() as s:
        req, fault = load_fault(s, key)
        return fault_view(s, req, fault, now or utcnow())


def list_faults(open_only: bool = False, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every fault (or the open ones) with both clocks as of ``now``."""
    now = now or utcnow()
    with transaction() as s:
        q = select(Request, Fault).join(Fault, Fault.request_id == Request.id)
        if open_only:
            q = q.where(Request.state.not_in(("resolved", *FINAL)))
        q = q.order_by(Fault.reported_at)
        cals: dict[int, WorkingCalendar] = {}
        out = []
        for req, fault in s.execute(q).all():
            cal = cals.get(fault.contract_id)
            if cal is None:
                cal = cals[fault.contract_id] = calendar_for(s, fault.contract)
            out.append(fault_view(s, req, fault, now, cal))
        return out


def status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """The clocks in ``changeflow status KEY`` of a fault."""
    if request.kind != "fault":
        return None
    fault = session.scalar(select(Fault).where(Fault.request_id == request.id))
    if fault is None:
        return None
    v = fault_view(session, request, fault, utcnow())
    return {
        "severity": v["severity"],
        "system": v["system"],
        "response due": f"{v['response']['due_local']} ({v['response']['status']})",
        "on site due": f"{v['onsite']['due_local']} ({v['onsite']['status']})",
        "paused": v["paused"],
    }


# --- the fault record document -------------------------------------------------------------


def fault_record(
    key: str, *, lang: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Render and store the fault record (fault.docx) from what the staff entered."""

    from ..wordkit import render

    now = now or utcnow()
    lang = lang or get_settings().lang
    zh = is_zh(lang)
    with transaction() as s:
        req, fault = load_fault(s, key)
        cal = calendar_for(s, fault.contract)
        states = clocks(fault, cal, now)

        def lim(c: sla.ClockState) -> str:
            kind = label(CLOCK_KINDS, c.clock, lang)
            return (
                f"{clock_length(c.minutes, zh)}（{kind}）"
                if zh
                else f"{clock_length(c.minutes, zh)} ({kind})"
            )

        def lines(text: str) -> list[str]:
            return [x for x in (text or "").splitlines() if x.strip()] or ["-"]

        labels = (
            ("assessment", ("故障评估", "assessment")),
            ("root_cause", ("根本原因", "root cause")),
            ("test_report", ("测试报告", "test report")),
            ("solution", ("解决方案", "solution")),
            ("prevention", ("预防措施", "measures against recurrence")),
            ("confirmed_by", ("甲方确认人", "the client's confirmation")),
        )
        missing = [pair[0 if zh else 1] for name, pair in labels
                   if not (getattr(fault, name) or "").strip()]  # fmt: skip
        if not fault.steps:
            missing.append("排错步骤" if zh else "troubleshooting steps")
        ctx = {
            "draft": bool(missing),
            "missing": missing,
            "key": req.key,
            "title": req.title,
            "contract": fault.contract.code,
            "system": fault.system or "-",
            "severity": pick(SEVERITIES[fault.severity], lang),
            "reporter": fault.reporter or "-",
            "reported_at": show(fault.reported_at)[:16],
            "engineer": fault.engineer.name if fault.engineer else "-",
            "resolved_at": (show(fault.resolved_at) or "-")[:16],
            "closed_at": (show(fault.closed_at) or "-")[:16],
            "onsite_requested": (show(fault.onsite_requested) or "")[:16]
            or ("甲方未指定" if zh else "not set by the client"),
            "response_mode": _pick_mode(fault.response_mode, zh),
            # 超时原因 only where a clock was breached (else the text is no breach's cause)
            "breach_cause": fault.breach_cause
            if any(c.status == sla.BREACHED for c in states.values())
            else "",
            "root_cause": lines(fault.root_cause),
            "prevention": lines(fault.prevention),
            "confirmed_by": fault.confirmed_by or "",
            "confirmed_on": fault.confirmed_on or "",
            "confirmation": fault.confirmation or "",
            "clocks": [
                {
                    "name": pick(CLOCKS[n], lang),
                    "limit": lim(c),
                    "due": (show(c.due) or "-")[:16] + (" *" if c.provisional else ""),
                    "actual": (show(c.stopped_at) or "-")[:16],
                    "result": pick(CLOCK_STATES[c.status], lang),
                }
                for n, c in states.items()
            ],
            "pauses": [
                {
                    "start": show(p.started_at)[:16],
                    "end": (show(p.ended_at) or "-")[:16],
                    "reason": p.reason,
                }
                for p in fault.pauses
            ],
            "assessment": lines(fault.assessment),
            "test_report": lines(fault.test_report),
            "solution": lines(fault.solution),
            "steps": [{"no": i, "text": t} for i, t in enumerate(fault.steps or [], start=1)]
            or [{"no": "-", "text": "-"}],
        }
        title = ("故障处理记录 " if zh else "Fault Record ") + req.key
        if missing:
            title += "（草稿）" if zh else " (draft)"
        data = render("fault", ctx, lang=lang, title=title, subject=fault.contract.code,
                      contract=fault.contract)  # fmt: skip
        version = next_version(s, req, "fault-record", lang)
        doc = store_issued(
            s,
            data,
            subject=req.key,
            kind="fault-record",
            request=req,
            version=version,
            lang=lang,
            meta={"severity": fault.severity},
        )
        return {
            "key": req.key,
            "path": doc.path,
            "version": doc.version,
            "lang": lang,
            "sha256": doc.sha256,
        }
