"""The service desk's acts on a service request: received (from any channel), assigned,
worked, done, confirmed by the requester; each state change in one transaction with its
``ServiceEvent``.

States: received -> assigned -> in_progress -> done -> confirmed (cancelled from any open
state). Worked time may be recorded while assigned, in progress or done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.servicereq import (
    SERVICE_CATEGORIES,
    SERVICE_CHANNELS,
    ServiceEvent,
    ServiceRequest,
    ServiceWork,
)
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from ..acttime import parse_when, show
from ..calendar import calendar_for
from ..directory import find_contract, find_staff
from ..inputs import clean_text
from ..numbered import with_new_key
from .target import response_rule

PREFIX = "FW"
# words a person may type for a category (CLI, form, mail)
_CATEGORY_WORDS = {
    "account": "account",
    "permission": "account",
    "账号权限": "account",
    "账号": "account",
    "权限": "account",
    "data": "data",
    "data-fix": "data",
    "数据维护": "data",
    "form": "form",
    "workflow": "form",
    "表单流程调整": "form",
    "表单": "form",
    "流程": "form",
    "howto": "howto",
    "how-to": "howto",
    "question": "howto",
    "使用咨询": "howto",
    "other": "other",
    "其他": "other",
}
OPEN_STATES = ("received", "assigned", "in_progress")
NEXT = {
    "assign": (("received", "assigned", "in_progress"), "assigned"),
    "done": (("assigned", "in_progress"), "done"),
    "confirm": (("done",), "confirmed"),
    "cancel": (("received", "assigned", "in_progress"), "cancelled"),
}
CONFIRM_VIA = ("mail", "ui", "cli", "dispatch")


def parse_category(value: str, source: str, field: str = "category") -> str:
    key = str(value or "").strip().lower()
    try:
        return _CATEGORY_WORDS[key]
    except KeyError:
        raise InputError(
            source, field, f"'{value}' is not one of {', '.join(SERVICE_CATEGORIES)}"
        ) from None


def next_service_key(session: Session, year: int) -> tuple[str, int]:
    """The year's next FW key: a series of its own, apart from the requests' CR keys."""
    seq = (
        session.scalar(select(func.max(ServiceRequest.seq)).where(ServiceRequest.year == year)) or 0
    ) + 1
    return f"{PREFIX}-{year}-{seq:04d}", seq


def load_service(session: Session, key: str, *, lock: bool = False) -> ServiceRequest:
    q = select(ServiceRequest).where(ServiceRequest.key == str(key).strip().upper())
    sr = session.scalar(q.with_for_update() if lock else q)
    if sr is None:
        raise NotFoundError(f"no service request {key} (see: changeflow service list)")
    return sr


def service_event(
    s: Session,
    sr: ServiceRequest,
    to: str,
    *,
    frm: str | None,
    actor: str,
    channel: str,
    at: datetime,
    reason: str = "",
    data: dict | None = None,
    evidence_sha256: str | None = None,
) -> None:
    """A service request's audit record (from ``frm`` to ``to``), in the caller's
    transaction: every change of a service request and every act on it writes one."""
    s.add(
        ServiceEvent(
            service_id=sr.id,
            from_state=frm,
            to_state=to,
            actor=actor,
            at=at,
            reason=reason,
            channel=channel,
            data=data or {},
            evidence_sha256=evidence_sha256,
        )
    )


def service_act(
    s: Session,
    sr: ServiceRequest,
    moves: tuple[str, str],
    *,
    actor: str,
    channel: str,
    at: datetime,
    reason: str,
    data: dict | None = None,
) -> None:
    """An act on a service request that moves it on the first time (an assignment moves a
    received request to assigned, work an assigned one to in progress): the move, when it
    is in ``moves[0]``, and the act's audit record either way."""
    frm = sr.state
    if sr.state == moves[0]:
        sr.state = moves[1]
    service_event(
        s, sr, sr.state, frm=frm, actor=actor, channel=channel, at=at, reason=reason, data=data
    )


def service_view(sr: ServiceRequest) -> dict[str, Any]:
    from .counting import worked

    service, overtime = worked(sr)
    return {
        "key": sr.key,
        "contract": sr.contract.code,
        "category": sr.category,
        "title": sr.title,
        "requester": sr.requester,
        "department": sr.department,
        "channel": sr.channel,
        "urgent": sr.urgent,
        "state": sr.state,
        "received": show(sr.received_at),
        "response_due": show(sr.response_due),
        "responded": show(sr.responded_at),
        "response_met": None if sr.responded_at is None else sr.responded_at <= sr.response_due,
        "engineer": sr.engineer.name if sr.engineer else None,
        "service_minutes": service,
        "overtime_minutes": overtime,
        "done": show(sr.done_at),
        "resolution": sr.resolution,
        "confirmed": show(sr.confirmed_at),
        "confirmed_by": sr.confirmed_by,
        "confirmed_via": sr.confirmed_via,
        "permission_changes": len(sr.permission_changes),
    }


def new_service(
    *,
    category: str,
    title: str,
    description: str = "",
    requester: str = "",
    department: str = "",
    urgent: bool = False,
    contract: str | None = None,
    engineer: str | None = None,
    channel: str = "cli",
    received_at: str | datetime | None = None,
    mail_id: int | None = None,
    actor: str = "changeflow",
    session: Session | None = None,
    evidence_sha256: str | None = None,
    event_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Receive a service request: its FW key and its response due time (the contract's).
    ``evidence_sha256`` / ``event_data``: the client's form it came from, on its audit
    event."""
    source = f"service request ({channel})"
    cat = parse_category(category, source)
    title = clean_text(title or "", 300)
    if not title:
        raise InputError(source, "title", "is required")
    if channel not in SERVICE_CHANNELS:
        raise InputError(
            source, "channel", f"'{channel}' is not one of {', '.join(SERVICE_CHANNELS)}"
        )
    when = parse_when(received_at, source, "received_at")
    tz = get_settings().tz

    def make(s: Session) -> dict[str, Any]:
        k = find_contract(s, contract, when.astimezone(tz).date(), source)
        rule = response_rule(k, urgent)
        cal = calendar_for(s, k)
        from .. import sla

        due = sla.due_at(when, rule.duration, rule.clock, cal).at
        key, seq = next_service_key(s, when.astimezone(tz).year)
        sr = ServiceRequest(
            key=key,
            year=when.astimezone(tz).year,
            seq=seq,
            contract=k,
            category=cat,
            title=title,
            description=clean_text(description or ""),
            requester=clean_text(requester or "", 120),
            department=clean_text(department or "", 120),
            channel=channel,
            urgent=bool(urgent),
            state="received",
            received_at=when,
            response_minutes=rule.minutes,
            response_clock=rule.clock,
            response_due=due,
            resolution="",
            confirmed_by="",
            confirmed_via="",
            dispatch_number="",
            mail_id=mail_id,
        )
        s.add(sr)
        s.flush()
        service_event(
            s,
            sr,
            "received",
            frm=None,
            actor=actor,
            channel=channel,
            at=when,
            reason=f"service request received ({cat}{', urgent' if urgent else ''})",
            data=event_data,
            evidence_sha256=evidence_sha256,
        )
        if engineer:
            _assign(s, sr, engineer, actor=actor, channel=channel, at=when)
        s.flush()
        return service_view(sr)

    if session is not None:
        return make(session)
    return with_new_key(make, "service request", ("service_request", "key"))


def _assign(
    s: Session, sr: ServiceRequest, engineer: str, *, actor: str, channel: str, at: datetime
) -> None:
    person = find_staff(s, engineer, f"service {sr.key}", "engineer")
    sr.engineer = person
    if sr.responded_at is None:
        sr.responded_at = at
    service_act(
        s,
        sr,
        ("received", "assigned"),
        actor=actor,
        channel=channel,
        at=at,
        reason=f"assigned to {person.name}",
        data={"engineer": person.name},
    )


def _check(sr: ServiceRequest, act: str) -> str:
    allowed, target = NEXT[act]
    if sr.state not in allowed:
        raise TransitionError(sr.key, sr.state, target, f"only from {' or '.join(allowed)}")
    return target


def assign_service(
    key: str,
    engineer: str,
    *,
    at: str | datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Assign (or re-assign) an engineer; the first assignment is the response."""
    with transaction() as s:
        sr = load_service(s, key, lock=True)
        _check(sr, "assign")
        when = parse_when(at, f"service {sr.key}", "at")
        if when < sr.received_at:
            raise InputError(f"service {sr.key}", "at", "is before the request was received")
        _assign(s, sr, engineer, actor=actor, channel=channel, at=when)
        s.flush()
        return service_view(sr)


def record_work(
    key: str,
    *,
    engineer: str | None = None,
    start: str | datetime | None = None,
    end: str | datetime | None = None,
    minutes: int | None = None,
    dispatch: str = "",
    note: str = "",
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Record worked time: from ``start`` to ``end`` (service hours on working days are
    service time, the rest overtime) or ``minutes`` typed in (service time)."""
    source = f"service {key}"
    with transaction() as s:
        sr = load_service(s, key, lock=True)
        if sr.state not in ("assigned", "in_progress", "done"):
            raise TransitionError(sr.key, sr.state, "in_progress", "work is recorded once assigned")
        person = find_staff(s, engineer, source, "engineer") if engineer else sr.engineer
        if person is None:
            raise InputError(source, "engineer", "name who worked (none is assigned)")
        cal = calendar_for(s, sr.contract)
        if minutes is not None:
            if end:
                raise InputError(source, "minutes", "give minutes (and start) or start and end")
            if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
                raise InputError(source, "minutes", f"'{minutes}' is not 1..1440 minutes")
            when = parse_when(start, source, "start") if start else parse_when(None, source, "at")
            a = b = None
            service, overtime = minutes, 0
        else:
            if not start or not end:
                raise InputError(source, "start", "give start and end (or minutes)")
            a, b = parse_when(start, source, "start"), parse_when(end, source, "end")
            if b <= a:
                raise InputError(source, "end", "is not after start")
            total = int((b - a).total_seconds() // 60)
            service = min(total, int(cal.working_time_between(a, b).total_seconds() // 60))
            overtime, when = total - service, a
        if when < sr.received_at:
            raise InputError(source, "start", "is before the request was received")
        if dispatch:
            from changeflow.db.maintenance import DispatchOrder

            if s.scalar(select(DispatchOrder.id).where(DispatchOrder.number == dispatch)) is None:
                raise InputError(source, "dispatch", f"no dispatch order {dispatch}")
        s.add(
            ServiceWork(
                service=sr,
                person=person,
                day=when.astimezone(cal.tz).date(),
                started_at=a,
                ended_at=b,
                service_minutes=service,
                overtime_minutes=overtime,
                dispatch_number=dispatch,
                note=clean_text(note or ""),
            )
        )
        service_act(
            s,
            sr,
            ("assigned", "in_progress"),
            actor=actor,
            channel=channel,
            at=when,
            reason=f"{person.name} worked {service} min (+{overtime} min overtime)",
            data={
                "engineer": person.name,
                "service_minutes": service,
                "overtime_minutes": overtime,
                "dispatch": dispatch,
            },
        )
        s.flush()
        s.refresh(sr)
        return service_view(sr)


def finish_service(
    key: str,
    *,
    resolution: str,
    at: str | datetime | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
) -> dict[str, Any]:
    """Mark done with what was done. An account/permission request is done only once its
    permission change is recorded with a named authoriser."""
    source = f"service {key}"
    with transaction() as s:
        sr = load_service(s, key, lock=True)
        target = _check(sr, "done")
        text = clean_text(resolution or "")
        if not text:
            raise InputError(source, "resolution", "say what was done")
        if sr.category == "account" and not sr.permission_changes:
            raise InputError(
                source,
                "permission",
                "an account/permission request is done once its change "
                "is recorded (changeflow service permission)",
            )
        if not sr.work:
            raise InputError(source, "work", "no worked time recorded (changeflow service work)")
        when = parse_when(at, source, "at")
        frm, sr.state, sr.done_at, sr.resolution = sr.state, target, when, text
        service_event(s, sr, target, frm=frm, actor=actor, channel=channel, at=when, reason=text)
        s.flush()
        return service_view(sr)


def confirm_service(
    key: str,
    *,
    by: str,
    via: str = "cli",
    note: str = "",
    at: str | datetime | None = None,
    dispatch: str = "",
    actor: str = "changeflow",
    evidence_sha256: str | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """The requester confirms the work (mail reply, UI, CLI or a signed dispatch order)."""
    source = f"service {key}"
    if via not in CONFIRM_VIA:
        raise InputError(source, "via", f"'{via}' is not one of {', '.join(CONFIRM_VIA)}")
    who = clean_text(by or "", 120)
    if not who:
        raise InputError(source, "by", "name who confirmed")

    def act(s: Session) -> dict[str, Any]:
        sr = load_service(s, key, lock=True)
        target = _check(sr, "confirm")
        when = parse_when(at, source, "at")
        assert sr.done_at is not None
        if when < sr.done_at:
            raise InputError(source, "at", "is before the request was done")
        frm, sr.state = sr.state, target
        sr.confirmed_at, sr.confirmed_by, sr.confirmed_via = when, who, via
        sr.dispatch_number = dispatch or sr.dispatch_number
        service_event(
            s,
            sr,
            target,
            frm=frm,
            actor=actor,
            at=when,
            reason=clean_text(note or "") or f"confirmed by {who}",
            channel="document" if via == "dispatch" else via if via != "mail" else "mail",
            evidence_sha256=evidence_sha256,
            data={"by": who, "via": via},
        )
        s.flush()
        return service_view(sr)

    if session is not None:
        return act(session)
    with transaction() as s:
        return act(s)


def cancel_service(
    key: str, *, reason: str, actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    with transaction() as s:
        sr = load_service(s, key, lock=True)
        target = _check(sr, "cancel")
        if not (reason or "").strip():
            raise InputError(f"service {key}", "reason", "is required")
        frm, sr.state = sr.state, target
        service_event(
            s, sr, target, frm=frm, actor=actor, channel=channel, at=utcnow(), reason=reason
        )
        s.flush()
        return service_view(sr)


def list_services(*, contract: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.models import Contract

    with transaction() as s:
        q = select(ServiceRequest).order_by(ServiceRequest.year, ServiceRequest.seq)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        if state:
            q = q.where(ServiceRequest.state == state)
        return [service_view(sr) for sr in s.scalars(q)]


def show_service(key: str) -> dict[str, Any]:
    with transaction() as s:
        sr = load_service(s, key)
        v = service_view(sr)
        v["events"] = [
            {
                "at": show(e.at),
                "from": e.from_state,
                "to": e.to_state,
                "actor": e.actor,
                "channel": e.channel,
                "reason": e.reason,
            }
            for e in sr.events
        ]
        return v
