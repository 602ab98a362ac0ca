"""Maintenance service: faults and their SLA clocks, dispatch orders, the contract's quota,
the daily run log and the monthly SLA report.

Every change runs in one transaction with its audit record (fault state changes through
``db.lifecycle``). Waiting for the client is modelled twice on purpose: the fault moves to
``on_hold`` (so the lifecycle and the timeline show it) and a ``FaultPause`` row keeps the
exact span, which the clocks in ``tasks/sla.py`` leave out. Times are stored in UTC and shown
in the configured zone (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import FINAL, INITIAL, load_for_update, record_creation, transition
from changeflow.db.maintenance import Fault, FaultPause
from changeflow.db.models import Contract, Person, Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from . import sla
from .calendar import WorkingCalendar, calendar_for
from .status import section

FUTURE_SLACK = timedelta(minutes=5)  # clocks of the machine and the caller may differ a bit


# --- small helpers -----------------------------------------------------------------------


def parse_when(
    value: str | datetime | None,
    source: str,
    field: str,
    *,
    now: datetime | None = None,
) -> datetime:
    """An ISO time (a time without a zone is local, Asia/Shanghai) -> aware; None -> now.

    A time in the future is refused: clocks are stamped when things happened.
    """
    now = now or utcnow()
    if value is None or value == "":
        return now
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(
                source, field, f"'{value}' is not a time like 2026-11-20T17:00 or 2026-11-20 17:00"
            ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=get_settings().tz)
    if when > now + FUTURE_SLACK:
        raise InputError(source, field, f"{value} is in the future")
    return when


def show(dt: datetime | None) -> str | None:
    """Local time for people: '2026-11-23 09:30 周一'."""
    if dt is None:
        return None
    loc = dt.astimezone(get_settings().tz)
    return loc.strftime("%Y-%m-%d %H:%M ") + "一二三四五六日"[loc.weekday()]


def iso_local(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(get_settings().tz).isoformat()


def find_contract(session: Session, code: str | None, on: date, source: str) -> Contract:
    """The contract named, or the one contract whose period covers ``on``."""
    if code:
        contract = session.scalar(select(Contract).where(Contract.code == code))
        if contract is None:
            raise InputError(source, "contract", f"no contract '{code}' (changeflow contract show)")
        return contract
    active = session.scalars(
        select(Contract).where(Contract.start_date <= on, Contract.end_date >= on)
    ).all()
    if len(active) == 1:
        return active[0]
    if not active:
        raise InputError(
            source, "contract", f"no contract covers {on}; load one or name it with --contract"
        )
    codes = ", ".join(c.code for c in active)
    raise InputError(source, "contract", f"several contracts cover {on} ({codes}): name one")


def find_staff(session: Session, name: str, source: str, field: str) -> Person:
    """One of our staff by name or git alias."""
    wanted = name.strip().lower()
    for p in session.scalars(select(Person).where(Person.client_id.is_(None))):
        if wanted in {p.name.lower(), *(a.lower() for a in p.git_aliases or [])}:
            return p
    raise InputError(source, field, f"'{name}' is not one of our staff")


def _fault(session: Session, key: str, *, lock: bool = False) -> tuple[Request, Fault]:
    req = (
        load_for_update(session, key)
        if lock
        else session.scalar(select(Request).where(Request.key == key))
    )
    if req is None:
        raise NotFoundError(f"no request {key} (see: changeflow fault list)")
    fault = session.scalar(select(Fault).where(Fault.request_id == req.id))
    if req.kind != "fault" or fault is None:
        raise InputError(key, "key", f"{key} is a {req.kind} request, not a fault")
    return req, fault


# --- the clocks of one fault -------------------------------------------------------------


def fault_rule(fault: Fault) -> sla.SeverityRule:
    """The rule copied onto the fault when it was reported."""
    return sla.SeverityRule(
        sla.ClockRule(fault.response_minutes, fault.response_clock),
        sla.ClockRule(fault.onsite_minutes, fault.onsite_clock),
    )


def pauses_of(fault: Fault) -> list[sla.Pause]:
    return [sla.Pause(p.started_at, p.ended_at) for p in fault.pauses]


def stops(fault: Fault) -> dict[str, datetime | None]:
    """When each clock stopped: a response is also made by arriving or resolving; being on
    site is not needed once the fault is resolved (remotely)."""
    response = fault.responded_at or fault.onsite_at or fault.resolved_at
    onsite = fault.onsite_at or fault.resolved_at
    return {"response": response, "onsite": onsite}


def clocks(fault: Fault, cal: WorkingCalendar, now: datetime) -> dict[str, sla.ClockState]:
    rule, pauses, stopped = fault_rule(fault), pauses_of(fault), stops(fault)
    return {
        name: sla.clock_state(
            name,
            fault.reported_at,
            rule.clock(name),
            fault.warn_at,
            cal,
            pauses=pauses,
            stopped_at=stopped[name],
            now=now,
        )
        for name in sla.CLOCK_NAMES
    }


def _refresh_dues(fault: Fault, cal: WorkingCalendar) -> None:
    """Keep the stored due times (for listing and queries) in step with the pauses."""
    rule, pauses, stopped = fault_rule(fault), pauses_of(fault), stops(fault)
    for name in sla.CLOCK_NAMES:
        r = rule.clock(name)
        due = sla.paused_due(fault.reported_at, r.duration, r.clock, cal, pauses, stopped[name])
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
        "onsite_at": iso_local(fault.onsite_at),
        "resolved_at": iso_local(fault.resolved_at),
        "closed_at": iso_local(fault.closed_at),
        "engineer": fault.engineer.name if fault.engineer else None,
        "paused": any(p.ended_at is None for p in fault.pauses),
        "pauses": [
            {"from": iso_local(p.started_at), "to": iso_local(p.ended_at), "reason": p.reason}
            for p in fault.pauses
        ],
        "response": clock_view(states["response"]),
        "onsite": clock_view(states["onsite"]),
    }


# --- reporting a fault -------------------------------------------------------------------


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
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "fault report",
    now: datetime | None = None,
) -> FaultReport:
    """Record a fault (a request in 'reported') and start both clocks."""
    from .inputs import clean_text
    from .intake import next_key

    now = now or utcnow()
    sev = sla.parse_severity(severity, source)
    title = clean_text(title or "", 300).strip()
    if not title:
        raise InputError(source, "title", "is required")
    when = parse_when(reported_at, source, "reported_at", now=now)
    tz = get_settings().tz
    for _attempt in range(5):
        try:
            with transaction() as s:
                k = find_contract(s, contract, when.astimezone(tz).date(), source)
                policy = sla.policy_for(k)
                rule = policy.rule(sev)
                year = when.astimezone(tz).year
                key, seq = next_key(s, year)
                req = Request(
                    key=key,
                    year=year,
                    seq=seq,
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
                    engineer=find_staff(s, engineer, source, "engineer") if engineer else None,
                )
                s.add(fault)
                cal = calendar_for(s, k)
                _refresh_dues(fault, cal)
                s.flush()
                record_creation(
                    s, req, actor=actor, channel=channel, reason=f"fault reported ({sev})"
                )
                view = fault_view(s, req, fault, now, cal)
                assert fault.response_due is not None and fault.onsite_due is not None
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
                )
        except IntegrityError as exc:
            if "request" not in str(exc.orig).lower() and "seq" not in str(exc.orig).lower():
                raise
    raise ConflictError("could not allocate a request key after 5 tries; try again")


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
        req, fault = _fault(s, key, lock=True)
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
        _refresh_dues(fault, cal)
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
    now = now or utcnow()
    source = f"fault {key}"
    when = parse_when(at, source, "at", now=now)
    with transaction() as s:
        req, fault = _fault(s, key, lock=True)
        if req.state in FINAL or req.state == "on_hold":
            raise TransitionError(key, req.state, "on_hold", "nothing to pause")
        if when < fault.reported_at:
            raise InputError(source, "at", f"{show(when)} is before the report")
        last = max((p.ended_at for p in fault.pauses if p.ended_at), default=None)
        if last is not None and when < last:
            raise InputError(source, "at", f"{show(when)} is before the last pause ended")
        transition(
            s,
            req,
            "on_hold",
            actor=actor,
            reason=reason,
            channel=channel,
            data={"at": when.isoformat(), "pause": "start"},
        )
        fault.pauses.append(FaultPause(started_at=when, reason=reason, actor=actor))
        cal = calendar_for(s, fault.contract)
        _refresh_dues(fault, cal)
        s.flush()
        return fault_view(s, req, fault, now, cal)


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
    now = now or utcnow()
    source = f"fault {key}"
    when = parse_when(at, source, "at", now=now)
    with transaction() as s:
        req, fault = _fault(s, key, lock=True)
        open_ = [p for p in fault.pauses if p.ended_at is None]
        if req.state != "on_hold" or not open_:
            raise TransitionError(key, req.state, req.held_from or "resume", "it is not paused")
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
            data={"at": when.isoformat(), "pause": "end"},
        )
        open_[0].ended_at = when
        cal = calendar_for(s, fault.contract)
        _refresh_dues(fault, cal)
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
    actor: str = "changeflow",
) -> dict[str, Any]:
    """What the staff enter for the fault record: assessment, tests, solution, steps."""
    from .inputs import clean_text

    with transaction() as s:
        req, fault = _fault(s, key, lock=True)
        for name, value in (
            ("assessment", assessment),
            ("test_report", test_report),
            ("solution", solution),
            ("breach_cause", breach_cause),
        ):
            if value is not None:
                setattr(fault, name, clean_text(value))
        if steps is not None:
            fault.steps = [clean_text(x, 2000) for x in steps if x and x.strip()]
        req.updated_at = utcnow()
        s.flush()
        return fault_view(s, req, fault, utcnow())


def get_fault(key: str, now: datetime | None = None) -> dict[str, Any]:
    with transaction() as s:
        req, fault = _fault(s, key)
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


@section("sla")
def _status_section(session: Session, request: Request) -> dict[str, Any] | None:
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


# --- who is told: the duty staff, and mail ------------------------------------------------


def duty_staff(session: Session, contract: Contract) -> list[Person]:
    """``contract.settings.duty`` (names) or our active engineers plus our project lead."""
    names = (contract.settings or {}).get("duty")
    if names:
        src = f"contract {contract.code}"
        return [find_staff(session, str(n), src, "settings.duty") for n in names]
    people = [
        p
        for p in session.scalars(
            select(Person).where(Person.client_id.is_(None), Person.active.is_(True))
        )
        if "engineer" in (p.roles or [])
    ]
    if contract.our_lead is not None and contract.our_lead not in people:
        people.append(contract.our_lead)
    return people


def _addresses(people: Sequence[Person | None]) -> list[str]:
    out: list[str] = []
    for p in people:
        if p is not None and p.email and p.email not in out:
            out.append(p.email)
    return out


def send(to: Sequence[str], subject: str, body: str, key: str) -> None:
    """One mail through ``tasks/mail.send_mail`` (idempotent by ``key``); plain SMTP from the
    settings until that module exists."""
    try:
        from .mail import send_mail  # type: ignore[import-not-found]
    except ImportError:
        send_mail = _send_smtp
    send_mail(to=list(to), subject=subject, body=body, idempotency_key=key)


def _send_smtp(*, to: list[str], subject: str, body: str, idempotency_key: str) -> None:
    import smtplib
    from email.message import EmailMessage

    from changeflow.errors import ConfigError

    st = get_settings()
    if not st.smtp_host:
        raise ConfigError("no SMTP server configured: set CHANGEFLOW_SMTP_HOST")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = st.mail_from, ", ".join(to), subject
    msg["Message-ID"] = f"<{idempotency_key}@changeflow>"
    msg.set_content(body)
    smtp_cls = smtplib.SMTP_SSL if st.smtp_security == "tls" else smtplib.SMTP
    with smtp_cls(st.smtp_host, st.smtp_port, timeout=30) as smtp:
        if st.smtp_security == "starttls":
            smtp.starttls()
        if st.smtp_user and st.smtp_password:
            smtp.login(st.smtp_user, st.smtp_password.get_secret_value())
        smtp.send_message(msg)


# --- watching the clocks -----------------------------------------------------------------

CLOCK_ZH = {"response": "首次响应", "onsite": "到场"}
CLOCK_EN = {"response": "first response", "onsite": "on site"}
LEVEL_ZH = {"warning": "预警", "breach": "超时"}


def _notice_mail(notice_level: str, clock: str, view: dict[str, Any]) -> tuple[str, str]:
    c = view[clock]
    subject = (
        f"[SLA {LEVEL_ZH[notice_level]} {notice_level}] {view['key']} "
        f"{CLOCK_ZH[clock]} {CLOCK_EN[clock]} due {c['due_local']}"
    )
    verb = {"response": "respond", "onsite": "onsite"}[clock]
    body = "\n".join(
        [
            f"{view['key']}  {view['title']}",
            f"级别 Severity: {SEVERITY_LABEL[view['severity']]}",
            f"系统 System: {view['system'] or '-'}",
            f"报告时间 Reported: {show(datetime.fromisoformat(view['reported_at']))}",
            f"时限 Clock: {CLOCK_ZH[clock]} / {CLOCK_EN[clock]}, {c['minutes']} min ({c['clock']})",
            f"到期 Due: {c['due_local']}{' (暂定 provisional)' if c['provisional'] else ''}",
            f"已用 Used: {c['used_minutes']} min",
            "",
            (
                "已超过合同规定的响应时间。 The contract's time has passed."
                if notice_level == "breach"
                else "即将超过合同规定的响应时间。 The contract's time is about to pass."
            ),
            f"changeflow fault {verb} {view['key']}",
        ]
    )
    return subject, body


SEVERITY_LABEL = {"crash": "系统崩溃 crash", "non_crash": "非系统崩溃 non-crash"}


def sla_watch(now: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Warn the duty staff at ``warn_at`` of a running clock and at its breach, once each.

    The ``SlaNotice`` row (unique per fault, clock and level) is the 'once': it is written
    first, the mail goes out after the commit, and a failed mail is retried on the next run.
    A clock first seen already breached gets only the breach notice. ``dry_run`` lists what
    would be sent and writes and sends nothing.
    """
    from changeflow.db.maintenance import SlaNotice

    now = now or utcnow()
    created: list[dict[str, Any]] = []
    checked = 0
    with transaction() as s:
        q = (
            select(Request, Fault)
            .join(Fault, Fault.request_id == Request.id)
            .where(Request.state.not_in(("resolved", *FINAL)))
        )
        cals: dict[int, WorkingCalendar] = {}
        for req, fault in s.execute(q).all():
            checked += 1
            cal = cals.get(fault.contract_id)
            if cal is None:
                cal = cals[fault.contract_id] = calendar_for(s, fault.contract)
            have = {
                (n.clock, n.level)
                for n in s.scalars(select(SlaNotice).where(SlaNotice.fault_id == fault.id))
            }
            for name, st in clocks(fault, cal, now).items():
                if st.status not in (sla.AT_RISK, sla.BREACHED) or st.due is None:
                    continue
                level = "breach" if st.status == sla.BREACHED else "warning"
                if (name, level) in have or (level == "warning" and (name, "breach") in have):
                    continue
                if dry_run:
                    created.append({"key": req.key, "clock": name, "level": level})
                    continue
                try:
                    with s.begin_nested():
                        s.add(SlaNotice(fault_id=fault.id, clock=name, level=level, due_at=st.due))
                except IntegrityError:  # another watcher wrote it first
                    continue
                created.append({"key": req.key, "clock": name, "level": level})
    if dry_run:
        return {"checked": checked, "created": created, "sent": [], "failed": [], "dry_run": True}
    sent, failed = deliver_notices(now)
    return {"checked": checked, "created": created, "sent": sent, "failed": failed}


def deliver_notices(
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Send every notice not sent yet; each is claimed by one watcher before its mail."""
    from sqlalchemy import update

    from changeflow.db.maintenance import SlaNotice

    now = now or utcnow()
    sent: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with transaction() as s:
        pending = s.scalars(select(SlaNotice.id).where(SlaNotice.sent_at.is_(None))).all()
    for nid in pending:
        with transaction() as s:
            claimed = s.execute(
                update(SlaNotice)
                .where(SlaNotice.id == nid, SlaNotice.sent_at.is_(None))
                .values(sent_at=now)
            ).rowcount
            if not claimed:
                continue
            notice = s.get(SlaNotice, nid)
            assert notice is not None
            fault = notice.fault
            view = fault_view(s, fault.request, fault, now)
            people = [*duty_staff(s, fault.contract), fault.engineer]
            to = _addresses(people)
            notice.recipients = to
            subject, body = _notice_mail(notice.level, notice.clock, view)
            info = {"key": view["key"], "clock": notice.clock, "level": notice.level, "to": to}
        try:
            if not to:
                raise InputError(f"contract {view['contract']}", "duty", "no duty staff with email")
            send(to, subject, body, f"sla-{view['key']}-{info['clock']}-{info['level']}")
        except Exception as exc:  # keep it pending: the next run tries again
            with transaction() as s:
                n = s.get(SlaNotice, nid)
                assert n is not None
                n.sent_at, n.error = None, str(exc)[:2000]
            failed.append({**info, "error": str(exc)})
        else:
            sent.append(info)
    return sent, failed


# --- dispatch orders (派工单) ---------------------------------------------------------------

DEFAULT_VISIT_MINUTES = 210  # the weekly visit: 14:00-17:30 unless the contract says more
DEFAULT_ORDER_MINUTES = 120


def _dispatch(session: Session, number: str, *, lock: bool = False) -> Any:
    from changeflow.db.maintenance import DispatchOrder

    q = select(DispatchOrder).where(DispatchOrder.number == number.strip().upper())
    if lock:
        q = q.with_for_update()
    order = session.scalar(q)
    if order is None:
        raise NotFoundError(f"no dispatch order {number} (see: changeflow dispatch list)")
    return order


def _next_number(session: Session, year: int) -> str:
    from sqlalchemy import func

    from changeflow.db.maintenance import DispatchOrder

    last = session.scalar(
        select(func.max(DispatchOrder.number)).where(DispatchOrder.number.like(f"PG-{year}-%"))
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"PG-{year}-{seq:04d}"


def _dispatch_event(
    session: Session,
    order: Any,
    to_state: str,
    *,
    actor: str,
    channel: str,
    reason: str = "",
    evidence_sha256: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    from changeflow.db.maintenance import DispatchEvent

    order.events.append(
        DispatchEvent(
            from_state=None if not order.events else order.state,
            to_state=to_state,
            actor=actor,
            channel=channel,
            reason=reason,
            evidence_sha256=evidence_sha256,
            data=data or {},
        )
    )
    order.state = to_state


def worked_minutes(order: Any) -> int:
    """Service time of an order for the quota: what was entered, else the actual span, else
    (once the client accepted it) the planned span; nothing for a cancelled one."""
    if order.state == "cancelled":
        return 0
    if order.worked_minutes is not None:
        return int(order.worked_minutes)
    if order.actual_start and order.actual_end:
        return int((order.actual_end - order.actual_start).total_seconds() // 60)
    if order.state == "signed":
        return int((order.planned_end - order.planned_start).total_seconds() // 60)
    return 0


def dispatch_view(order: Any) -> dict[str, Any]:
    return {
        "number": order.number,
        "contract": order.contract.code,
        "kind": order.kind,
        "state": order.state,
        "title": order.title,
        "work_content": order.work_content,
        "location": order.location,
        "staff": [s.person.name for s in order.staff],
        "requests": sorted(link.request.key for link in order.links),
        "planned_start": iso_local(order.planned_start),
        "planned_end": iso_local(order.planned_end),
        "actual_start": iso_local(order.actual_start),
        "actual_end": iso_local(order.actual_end),
        "worked_minutes": worked_minutes(order),
        "document": order.document.path if order.document else None,
        "accepted": order.accepted,
        "satisfaction": order.satisfaction,
        "feedback": order.feedback,
        "signer": order.signer,
        "signed_on": order.signed_on,
    }


def _dispatch_context(order: Any, lang: str) -> dict[str, Any]:
    from changeflow.docs_templates.tpl_dispatch import KIND_LABELS

    zh = lang == "zh-CN"
    lines = [x for x in (order.work_content or "").splitlines() if x.strip()] or ["-"]
    return {
        "number": order.number,
        "contract": order.contract.code,
        "client": order.contract.client.name,
        "kind": KIND_LABELS[order.kind][0 if zh else 1],
        "title": order.title,
        "staff": "、".join(s.person.name for s in order.staff)
        if zh
        else ", ".join(s.person.name for s in order.staff),
        "planned_start": show(order.planned_start)[:16],
        "planned_end": show(order.planned_end)[:16],
        "location": order.location or "-",
        "requests": ", ".join(sorted(link.request.key for link in order.links)) or "-",
        "work_lines": lines,
    }


def _issue_dispatch_document(session: Session, order: Any, lang: str) -> Any:
    """Render, sign and store the order's document (a new version each time).

    The signature (``tasks.signoff``) covers every table but the sign-off table, so the
    client's entries there do not break it while any change above does.
    """
    from changeflow.db.store import next_version, put_document

    from .signoff import sign_document
    from .wordkit import render

    version = next_version(session, None, "dispatch", lang)

    def sign(doc: Any) -> None:
        sign_document(doc, kind="dispatch", request=order.number, version=version, lang=lang)

    title = ("派工单 " if lang == "zh-CN" else "Dispatch Order ") + order.number
    data = render(
        "dispatch",
        _dispatch_context(order, lang),
        lang=lang,
        title=title,
        subject=order.contract.code,
        finish=sign,
    )
    stored = put_document(
        session,
        data,
        kind="dispatch",
        request=None,
        filename=f"{order.number}.docx",
        version=version,
        lang=lang,
        meta={"dispatch": order.number},
    )
    order.document = stored
    return stored


def _parse_planned(
    value: str | datetime | None, source: str, field: str
) -> datetime:  # planned times may lie ahead
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise InputError(
                source, field, f"'{value}' is not a time like 2026-12-02 14:00"
            ) from None
    return when if when.tzinfo else when.replace(tzinfo=get_settings().tz)


def create_dispatch(
    *,
    kind: str,
    planned_start: str | datetime,
    planned_end: str | datetime | None = None,
    staff: Sequence[str] = (),
    title: str = "",
    work_content: str = "",
    location: str = "",
    requests: Sequence[str] = (),
    contract: str | None = None,
    schedule_key: str | None = None,
    lang: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    source: str = "dispatch order",
) -> dict[str, Any]:
    """A dispatch order with its signed document, in one transaction."""
    from changeflow.db.maintenance import DISPATCH_KINDS, DispatchLink, DispatchOrder, DispatchStaff

    from .inputs import clean_text

    if kind not in DISPATCH_KINDS:
        raise InputError(source, "kind", f"'{kind}' is not one of {', '.join(DISPATCH_KINDS)}")
    start = _parse_planned(planned_start, source, "planned_start")
    lang = lang or get_settings().lang
    tz = get_settings().tz
    with transaction() as s:
        linked = []
        for key in requests:
            req = s.scalar(select(Request).where(Request.key == key.strip()))
            if req is None:
                raise InputError(source, "requests", f"no request {key}")
            linked.append(req)
        k = find_contract(
            s,
            contract or (linked[0].contract.code if linked and linked[0].contract else None),
            start.astimezone(tz).date(),
            source,
        )
        for req in linked:
            if req.client_id != k.client_id:
                raise InputError(source, "requests", f"{req.key} is another client's request")
        minutes = DEFAULT_VISIT_MINUTES if kind == "weekly-visit" else DEFAULT_ORDER_MINUTES
        end = (
            _parse_planned(planned_end, source, "planned_end")
            if planned_end
            else start + timedelta(minutes=minutes)
        )
        if end <= start:
            raise InputError(source, "planned_end", "is not after planned_start")
        people = [find_staff(s, n, source, "staff") for n in staff if n.strip()]
        if not people:
            people = [
                p
                for p in (
                    *(
                        f.engineer
                        for r in linked
                        for f in s.scalars(select(Fault).where(Fault.request_id == r.id))
                    ),
                    *duty_staff(s, k)[:1],
                )
                if p is not None
            ][:1]
        if not people:
            raise InputError(source, "staff", "name at least one of our staff")
        if schedule_key and s.scalar(
            select(DispatchOrder).where(DispatchOrder.schedule_key == schedule_key)
        ):
            raise ConflictError(f"a dispatch order for {schedule_key} exists already")
        number = _next_number(s, start.astimezone(tz).year)
        order = DispatchOrder(
            number=number,
            contract=k,
            kind=kind,
            title=clean_text(title or _default_title(kind, linked), 300),
            work_content=clean_text(work_content or ""),
            location=clean_text(location or "", 200),
            planned_start=start,
            planned_end=end,
            schedule_key=schedule_key,
            created_by=actor,
        )
        seen: set[int] = set()
        for i, p in enumerate(people, start=1):
            if p.id not in seen:
                order.staff.append(DispatchStaff(person=p, seq=i))
                seen.add(p.id)
        for req in linked:
            order.links.append(DispatchLink(request=req))
        s.add(order)
        _dispatch_event(s, order, "planned", actor=actor, channel=channel, reason=f"{kind} order")
        s.flush()
        _issue_dispatch_document(s, order, lang)
        s.flush()
        return dispatch_view(order)


def _default_title(kind: str, linked: Sequence[Request]) -> str:
    from changeflow.docs_templates.tpl_dispatch import KIND_LABELS

    label = KIND_LABELS[kind][0]
    return f"{label}：{linked[0].title}" if linked else label


def emergency_dispatch(
    fault_key: str, *, staff: Sequence[str] = (), actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    """An emergency visit for a fault, planned from now."""
    return create_dispatch(
        kind="emergency",
        planned_start=utcnow().replace(second=0, microsecond=0),
        requests=[fault_key],
        staff=staff,
        actor=actor,
        channel=channel,
        source=f"emergency dispatch for {fault_key}",
    )


def complete_dispatch(
    number: str,
    *,
    actual_start: str | datetime,
    actual_end: str | datetime,
    worked_minutes: int | None = None,
    work_content: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record when the work was actually done (the time counts against the quota)."""
    from .inputs import clean_text

    now = now or utcnow()
    source = f"dispatch {number}"
    a = parse_when(actual_start, source, "actual_start", now=now)
    b = parse_when(actual_end, source, "actual_end", now=now)
    if b <= a:
        raise InputError(source, "actual_end", "is not after actual_start")
    if worked_minutes is not None and not 0 <= worked_minutes <= 24 * 60:
        raise InputError(source, "worked_minutes", "must be 0..1440")
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        if order.state not in ("planned", "done"):
            raise InputError(source, "state", f"the order is {order.state}")
        order.actual_start, order.actual_end = a, b
        if worked_minutes is not None:
            order.worked_minutes = worked_minutes
        if work_content is not None:
            order.work_content = clean_text(work_content)
        _dispatch_event(
            s,
            order,
            "done",
            actor=actor,
            channel=channel,
            reason="work done",
            data={"actual_start": a.isoformat(), "actual_end": b.isoformat()},
        )
        s.flush()
        view = dispatch_view(order)
        contract_code = order.contract.code
    check_quota(contract_code, now=now)
    return view


def cancel_dispatch(
    number: str, *, reason: str, actor: str = "changeflow", channel: str = "cli"
) -> dict[str, Any]:
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        if order.state in ("signed", "cancelled"):
            raise InputError(f"dispatch {number}", "state", f"the order is {order.state}")
        _dispatch_event(s, order, "cancelled", actor=actor, channel=channel, reason=reason)
        s.flush()
        return dispatch_view(order)


def list_dispatch(contract: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    from changeflow.db.maintenance import DispatchOrder

    with transaction() as s:
        q = select(DispatchOrder).order_by(DispatchOrder.planned_start, DispatchOrder.id)
        if contract:
            q = q.where(
                DispatchOrder.contract_id
                == find_contract(s, contract, date.today(), "dispatch list").id
            )
        if state:
            q = q.where(DispatchOrder.state == state)
        return [dispatch_view(o) for o in s.scalars(q)]


# --- the client's sign-off, read back through the verified path ---------------------------


def signoff_dispatch(path: Any, *, actor: str = "changeflow") -> dict[str, Any]:
    """``changeflow dispatch signoff FILE``: a returned dispatch order, read and recorded
    through the signed round trip (``tasks.signoff``) like every signed document."""
    from pathlib import Path

    from .inputs import read_limited
    from .signoff import Refused, approve_document, read_returned

    path = Path(path)
    source = str(path)
    data = read_limited(path)
    returned = read_returned(data, source)
    if returned.kind != "dispatch":
        raise Refused(
            source, "kind", f"is a {returned.kind} document, not a dispatch order", "unknown"
        )
    result = approve_document(data, source, filename=path.name, actor=actor, returned=returned)
    with transaction() as s:
        return dispatch_view(_dispatch(s, result.key))


def record_dispatch_signoff(
    returned: Any, spec: Any, data: bytes, *, filename: str, actor: str
) -> Any:
    """The dispatch order's recorder (declared in ``tasks.signoff.kinds``): the client's
    sign-off values, the returned file and the order's event, in one transaction."""
    from changeflow.db.models import Document
    from changeflow.db.store import document_path, put_document, sha256_bytes

    from .inputs import clean_text, open_docx
    from .signoff import (
        DecisionResult,
        Refused,
        check_content,
        dispatch_canonical_lines,
        parse_accepted,
        parse_date,
        parse_satisfaction,
    )

    source = returned.source
    number = returned.request
    raw = returned.signoff_raw
    version = returned.version
    sha = sha256_bytes(data)
    with transaction() as s:
        order = _dispatch(s, number, lock=True)
        sent = s.scalar(
            select(Document).where(
                Document.kind == "dispatch",
                Document.version == version,
                Document.lang == returned.lang,
            )
        )
        if sent is None or (sent.meta or {}).get("dispatch") != order.number:
            raise Refused(
                source, "version", f"no issued dispatch order {number} v{version}", "unknown"
            )
        if order.document_id != sent.id:
            raise Refused(source, "version", f"v{version} was replaced by a newer version", "stale")
        sent_lines = dispatch_canonical_lines(
            open_docx(document_path(sent).read_bytes(), sent.path)
        )
        check_content(returned, sent_lines)
        if order.state in ("signed", "cancelled"):
            raise Refused(
                source, "state", f"dispatch order {number} is {order.state} already", "decided"
            )
        accepted = parse_accepted(raw.get("accepted", ""), source)
        score = parse_satisfaction(raw.get("satisfaction", ""), source)
        signer = clean_text(raw.get("signer", ""), 120)
        if not signer:
            raise Refused(source, "signer", "is blank: the signer's name is required", "approver")
        signed_on = parse_date(raw.get("date", ""), source)
        stored = put_document(
            s,
            data,
            kind="dispatch-returned",
            request=None,
            filename=f"{order.number}-signed.docx",
            meta={"dispatch": order.number, "version": version},
        )
        order.accepted, order.satisfaction, order.signer = accepted, score, signer
        order.feedback = clean_text(raw.get("feedback", ""), 4000)
        order.signed_on, order.signed_document = signed_on, stored
        _dispatch_event(
            s,
            order,
            "signed",
            actor=actor,
            channel="document",
            reason=("accepted" if accepted else "not accepted") + f", satisfaction {score}",
            evidence_sha256=sha,
            data={"signer": signer, "raw": raw},
        )
        s.flush()
        result = DecisionResult(
            key=order.number,
            kind="dispatch",
            version=version,
            decision="approve" if accepted else "reject",
            state=order.state,
            approver=signer,
            decided_on=signed_on,
            comment=order.feedback,
            channel="document",
            evidence_sha256=sha,
            evidence=stored.path,
            approval_id=0,
        )
        code = order.contract.code
    check_quota(code)
    return result


def staff_evaluation(contract: str | None = None) -> list[dict[str, Any]]:
    """Per engineer: orders, signed, accepted, average satisfaction, the feedback received."""
    from changeflow.db.maintenance import DispatchOrder

    with transaction() as s:
        q = select(DispatchOrder).where(DispatchOrder.state != "cancelled")
        if contract:
            q = q.where(
                DispatchOrder.contract_id
                == find_contract(s, contract, date.today(), "evaluation").id
            )
        per: dict[str, dict[str, Any]] = {}
        for o in s.scalars(q.order_by(DispatchOrder.planned_start)):
            for st in o.staff:
                e = per.setdefault(
                    st.person.name,
                    {
                        "staff": st.person.name,
                        "orders": 0,
                        "signed": 0,
                        "accepted": 0,
                        "not_accepted": 0,
                        "scores": [],
                        "feedback": [],
                    },
                )
                e["orders"] += 1
                if o.state == "signed":
                    e["signed"] += 1
                    e["accepted" if o.accepted else "not_accepted"] += 1
                    if o.satisfaction:
                        e["scores"].append(o.satisfaction)
                    if o.feedback:
                        e["feedback"].append(f"{o.number}: {o.feedback}")
        out = []
        for e in sorted(per.values(), key=lambda x: x["staff"]):
            scores = e.pop("scores")
            e["average_satisfaction"] = (
                (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
            )
            e["ratings"] = len(scores)
            out.append(e)
        return out


# --- the contract's quota of service days --------------------------------------------------

QUOTA_LEVELS = (80, 100)
TWO = Decimal("0.01")


def _usage(session: Session, contract: Contract, today: date) -> dict[str, Any]:
    from decimal import ROUND_HALF_UP

    from changeflow.db.maintenance import DispatchOrder

    from .money import money

    tz = get_settings().tz
    first, last = contract.start_date, contract.end_date
    orders = [
        o
        for o in session.scalars(
            select(DispatchOrder).where(
                DispatchOrder.contract_id == contract.id, DispatchOrder.state != "cancelled"
            )
        )
        if first <= (o.actual_start or o.planned_start).astimezone(tz).date() <= last
    ]
    per_hour_day = Decimal(contract.hours_per_service_day)

    def days(minutes: int) -> Decimal:
        return (Decimal(minutes) / 60 / per_hour_day).quantize(TWO, ROUND_HALF_UP)

    minutes = 0
    per_month: dict[str, int] = {}
    per_cycle: dict[str, int] = {}
    for o in orders:
        m = worked_minutes(o)
        if not m:
            continue
        minutes += m
        when = (o.actual_start or o.planned_start).astimezone(tz)
        per_month[when.strftime("%Y-%m")] = per_month.get(when.strftime("%Y-%m"), 0) + m
        if contract.service_cycle == "week":
            y, w, _ = when.isocalendar()
            cycle = f"{y}-W{w:02d}"
        else:
            cycle = when.strftime("%Y-%m")
        per_cycle[cycle] = per_cycle.get(cycle, 0) + m
    quota = Decimal(contract.service_days_per_year)
    used = days(minutes)
    pct = (used / quota * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if quota else Decimal(0)
    level = max((lv for lv in QUOTA_LEVELS if pct >= lv), default=None)
    cycles_per_year = 52 if contract.service_cycle == "week" else 12
    return {
        "contract": contract.code,
        "client": contract.client.name,
        "period": f"{first} .. {last}",
        "service_days_per_year": quota,
        "hours_per_service_day": per_hour_day,
        "service_cycle": contract.service_cycle,
        "allowance_per_cycle": (quota / cycles_per_year).quantize(TWO, ROUND_HALF_UP),
        "orders_counted": sum(1 for o in orders if worked_minutes(o)),
        "hours_used": (Decimal(minutes) / 60).quantize(TWO, ROUND_HALF_UP),
        "days_used": used,
        "days_left": (quota - used).quantize(TWO),
        "used_percent": pct,
        "alert_level": level,
        "per_month": {k: days(v) for k, v in sorted(per_month.items())},
        "per_cycle": {k: days(v) for k, v in sorted(per_cycle.items())},
        "annual_fee": money(contract.annual_fee),
        "currency": contract.currency,
        "fee_per_service_day": money(Decimal(contract.annual_fee) / quota) if quota else None,
        "renewal_date": contract.renewal_date,
        "end_date": contract.end_date,
        "days_to_renewal": (contract.renewal_date - today).days if contract.renewal_date else None,
    }


def contract_usage(contract: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Service days used and left, per month and cycle, the fee and the renewal."""
    today = today or utcnow().astimezone(get_settings().tz).date()
    with transaction() as s:
        return _usage(s, find_contract(s, contract, today, "contract usage"), today)


def check_quota(contract: str, now: datetime | None = None) -> dict[str, Any]:
    """Alert our project lead and the duty staff once at 80 % and once at 100 % of the
    contract's service days (a failed mail is retried on the next check)."""
    from changeflow.db.maintenance import QuotaAlert

    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()
    with transaction() as s:
        k = find_contract(s, contract, today, "quota")
        usage = _usage(s, k, today)
        have = {
            a.level
            for a in s.scalars(
                select(QuotaAlert).where(
                    QuotaAlert.contract_id == k.id, QuotaAlert.period_start == k.start_date
                )
            )
        }
        for lv in QUOTA_LEVELS:
            if usage["used_percent"] >= lv and lv not in have:
                try:
                    with s.begin_nested():
                        s.add(
                            QuotaAlert(
                                contract_id=k.id,
                                period_start=k.start_date,
                                level=lv,
                                days_used=usage["days_used"],
                            )
                        )
                except IntegrityError:
                    pass
        pending = s.scalars(
            select(QuotaAlert).where(QuotaAlert.contract_id == k.id, QuotaAlert.sent_at.is_(None))
        ).all()
        to = _addresses([k.our_lead, *duty_staff(s, k)])
        jobs = [(a.id, a.level) for a in pending]
        for a in pending:
            a.sent_at = now  # claimed; reset below when the mail fails
    sent = []
    for aid, lv in jobs:
        subject = (
            f"[服务天数 {lv}% quota] {usage['contract']}: 已用 {usage['days_used']} /"
            f" {usage['service_days_per_year']} 天 days used"
        )
        body = "\n".join(
            f"{k_}: {v}" for k_, v in usage.items() if k_ not in ("per_month", "per_cycle")
        )
        try:
            if not to:
                raise InputError(f"contract {usage['contract']}", "our_lead", "no one with email")
            send(to, subject, body, f"quota-{usage['contract']}-{usage['period']}-{lv}")
            sent.append(lv)
        except Exception as exc:
            with transaction() as s:
                a = s.get(QuotaAlert, aid)
                assert a is not None
                a.sent_at, a.error = None, str(exc)[:2000]
    return {**usage, "alerts_sent": sent}


# --- the daily run log (运行日志) ----------------------------------------------------------


def run_log_view(e: Any) -> dict[str, Any]:
    return {
        "contract": e.contract.code,
        "day": e.day,
        "author": e.author,
        "checks": list(e.checks or []),
        "backups_verified": e.backups_verified,
        "backup_note": e.backup_note,
        "incidents": e.incidents,
        "changes": e.changes,
    }


def add_run_log(
    *,
    day: str | date | None = None,
    author: str,
    checks: Sequence[str] = (),
    backups_verified: bool = False,
    backup_note: str = "",
    incidents: str = "",
    changes: str = "",
    contract: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """The run log of one service day; a second entry for the day needs ``replace``."""
    from changeflow.db.maintenance import RunLogEntry

    from .inputs import clean_text

    source = "run log"
    tz = get_settings().tz
    today = utcnow().astimezone(tz).date()
    if day is None or day == "":
        d = today
    elif isinstance(day, date):
        d = day
    else:
        try:
            d = date.fromisoformat(str(day).strip())
        except ValueError:
            raise InputError(source, "day", f"'{day}' is not a date like 2026-11-27") from None
    if d > today:
        raise InputError(source, "day", f"{d} is in the future")
    if not author.strip():
        raise InputError(source, "author", "is required")
    with transaction() as s:
        k = find_contract(s, contract, d, source)
        entry = s.scalar(
            select(RunLogEntry).where(RunLogEntry.contract_id == k.id, RunLogEntry.day == d)
        )
        if entry is not None and not replace:
            raise InputError(source, "day", f"{d} has a run log entry already (use --replace)")
        if entry is None:
            entry = RunLogEntry(contract=k, day=d)
            s.add(entry)
        entry.author = clean_text(author, 120)
        entry.checks = [clean_text(c, 500) for c in checks if c and c.strip()]
        entry.backups_verified = bool(backups_verified)
        entry.backup_note = clean_text(backup_note or "")
        entry.incidents = clean_text(incidents or "")
        entry.changes = clean_text(changes or "")
        s.flush()
        return run_log_view(entry)


def run_log_entries(
    session: Session, contract: Contract, first: date, last: date
) -> list[dict[str, Any]]:
    """Entries of a period (the weekly report shows them)."""
    from changeflow.db.maintenance import RunLogEntry

    q = (
        select(RunLogEntry)
        .where(
            RunLogEntry.contract_id == contract.id,
            RunLogEntry.day >= first,
            RunLogEntry.day <= last,
        )
        .order_by(RunLogEntry.day)
    )
    return [run_log_view(e) for e in session.scalars(q)]


def missing_run_log_days(
    session: Session, contract: Contract, first: date, last: date
) -> list[date]:
    """Working days (contract calendar) in the period without an entry."""
    from changeflow.db.maintenance import RunLogEntry

    cal = calendar_for(session, contract)
    have = set(
        session.scalars(
            select(RunLogEntry.day).where(
                RunLogEntry.contract_id == contract.id,
                RunLogEntry.day >= first,
                RunLogEntry.day <= last,
            )
        )
    )
    out, d = [], max(first, contract.start_date)
    while d <= min(last, contract.end_date):
        if cal.is_working_day(d) and d not in have:
            out.append(d)
        d += timedelta(days=1)
    return out


def list_run_log(
    contract: str | None = None, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    today = utcnow().astimezone(get_settings().tz).date()
    last = last or today
    first = first or last - timedelta(days=6)
    with transaction() as s:
        k = find_contract(s, contract, last, "run log")
        return {
            "contract": k.code,
            "from": first,
            "to": last,
            "entries": run_log_entries(s, k, first, last),
            "missing": missing_run_log_days(s, k, first, last),
        }


def run_log_reminder(now: datetime | None = None, lookback_days: int = 7) -> dict[str, Any]:
    """Remind the duty staff of working days without a run log, once per day: the last
    ``lookback_days`` days, today included once its service hours are over."""
    from changeflow.db.maintenance import RunLogReminder

    now = now or utcnow()
    loc = now.astimezone(get_settings().tz)
    today = loc.date()
    jobs = []
    with transaction() as s:
        for k in s.scalars(
            select(Contract).where(Contract.start_date <= today, Contract.end_date >= today)
        ):
            last = (
                today
                if loc.time() >= (k.service_end or datetime.min.time())
                else today - timedelta(days=1)
            )
            missing = missing_run_log_days(s, k, today - timedelta(days=lookback_days), last)
            reminded = set(
                s.scalars(select(RunLogReminder.day).where(RunLogReminder.contract_id == k.id))
            )
            new = [d for d in missing if d not in reminded]
            if not new:
                continue
            rows = []
            for d in new:
                try:
                    with s.begin_nested():
                        r = RunLogReminder(contract_id=k.id, day=d, sent_at=now)
                        s.add(r)
                    rows.append(r)
                except IntegrityError:
                    pass
            s.flush()
            if rows:
                jobs.append(
                    (
                        k.code,
                        [r.id for r in rows],
                        [r.day for r in rows],
                        _addresses(duty_staff(s, k)),
                    )
                )
    sent, failed = [], []
    for code, ids, days, to in jobs:
        day_list = ", ".join(d.isoformat() for d in days)
        subject = (
            f"[运行日志 run log] {code}: {len(days)} 个工作日未填写 working day(s) without an entry"
        )
        body = (
            f"合同 Contract {code}\n以下工作日还没有运行日志 These working days have no run log:\n"
            f"{day_list}\n\nchangeflow runlog add --day YYYY-MM-DD --author NAME --check ..."
        )
        try:
            if not to:
                raise InputError(f"contract {code}", "duty", "no duty staff with email")
            send(to, subject, body, f"runlog-{code}-{days[0]}-{days[-1]}")
            sent.append({"contract": code, "days": days})
        except Exception as exc:
            with transaction() as s:
                for rid in ids:
                    r = s.get(RunLogReminder, rid)
                    if r is not None:
                        s.delete(r)  # not reminded: the next run tries again
            failed.append({"contract": code, "days": days, "error": str(exc)})
    return {"sent": sent, "failed": failed}


# --- the monthly SLA report ---------------------------------------------------------------


def _month(text: str) -> tuple[date, date]:
    try:
        y, m = (int(x) for x in str(text).strip().split("-"))
        first = date(y, m, 1)
    except ValueError:
        raise InputError("sla report", "month", f"'{text}' is not a month like 2026-11") from None
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def sla_report(
    month: str, contract: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Faults reported in ``month``: met % per clock, average and worst times (clock time,
    pauses left out), and every breach with its recorded cause."""
    now = now or utcnow()
    tz = get_settings().tz
    first, last = _month(month)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    with transaction() as s:
        q = (
            select(Request, Fault)
            .join(Fault, Fault.request_id == Request.id)
            .where(
                Fault.reported_at >= start, Fault.reported_at < end, Request.state != "cancelled"
            )
            .order_by(Fault.reported_at)
        )
        if contract:
            q = q.where(Fault.contract_id == find_contract(s, contract, first, "sla report").id)
        cals: dict[int, WorkingCalendar] = {}
        stats = {
            n: {"faults": 0, "met": 0, "breached": 0, "open": 0, "minutes": []}
            for n in sla.CLOCK_NAMES
        }
        severities: dict[str, int] = {}
        breaches = []
        for req, fault in s.execute(q).all():
            cal = cals.get(fault.contract_id)
            if cal is None:
                cal = cals[fault.contract_id] = calendar_for(s, fault.contract)
            severities[fault.severity] = severities.get(fault.severity, 0) + 1
            for name, st in clocks(fault, cal, now).items():
                c = stats[name]
                c["faults"] += 1
                if st.stopped_at is not None:
                    c["minutes"].append(st.used.total_seconds() / 60)
                if st.status == sla.MET:
                    c["met"] += 1
                elif st.status == sla.BREACHED:
                    c["breached"] += 1
                    over = (st.used - st.limit).total_seconds() / 60
                    breaches.append(
                        {
                            "key": req.key,
                            "title": req.title,
                            "severity": fault.severity,
                            "clock": name,
                            "due": show(st.due),
                            "stopped_at": show(st.stopped_at),
                            "over_minutes": round(over, 1),
                            "cause": fault.breach_cause or "(cause not recorded)",
                        }
                    )
                else:
                    c["open"] += 1
        clocks_out = {}
        for name, c in stats.items():
            decided = c["met"] + c["breached"]
            mins = c.pop("minutes")
            clocks_out[name] = {
                **c,
                "met_percent": round(100 * c["met"] / decided, 1) if decided else None,
                "average_minutes": round(sum(mins) / len(mins), 1) if mins else None,
                "worst_minutes": round(max(mins), 1) if mins else None,
            }
        return {
            "month": f"{first:%Y-%m}",
            "contract": contract,
            "faults": sum(severities.values()),
            "by_severity": severities,
            "clocks": clocks_out,
            "breaches": breaches,
        }


def report_markdown(r: dict[str, Any]) -> str:
    """The report as Markdown (Prefect artifact, mail body)."""

    def cell(v: Any) -> str:
        return "-" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# SLA 月报 SLA report {r['month']}",
        "",
        f"故障数 Faults: {r['faults']}  "
        + "  ".join(f"{SEVERITY_LABEL.get(k, k)}: {v}" for k, v in r["by_severity"].items()),
        "",
        "| 时限 Clock | 故障 Faults | 达标 Met | 超时 Breached | 未结 Open | 达标率 Met % |"
        " 平均 Avg (min) | 最长 Worst (min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in r["clocks"].items():
        lines.append(
            f"| {CLOCK_ZH[name]} {CLOCK_EN[name]} | {c['faults']} | {c['met']} | {c['breached']}"
            f" | {c['open']} | {cell(c['met_percent'])} | {cell(c['average_minutes'])}"
            f" | {cell(c['worst_minutes'])} |"
        )
    lines += ["", "## 超时明细 Breaches", ""]
    if not r["breaches"]:
        lines.append("无 None.")
    else:
        lines += [
            "| 编号 Key | 故障 Fault | 时限 Clock | 到期 Due | 实际 Actual"
            " | 超出 Over (min) | 原因 Cause |",
            "|---|---|---|---|---|---|---|",
        ]
        for b in r["breaches"]:
            lines.append(
                f"| {b['key']} | {cell(b['title'])} | {CLOCK_EN[b['clock']]} | {cell(b['due'])}"
                f" | {cell(b['stopped_at'])} | {b['over_minutes']} | {cell(b['cause'])} |"
            )
    return "\n".join(lines)


# --- the fault record document -------------------------------------------------------------


def fault_record(
    key: str, *, lang: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Render and store the fault record (fault.docx) from what the staff entered."""
    from changeflow.db.store import put_document

    from .wordkit import render

    now = now or utcnow()
    lang = lang or get_settings().lang
    zh = lang == "zh-CN"
    with transaction() as s:
        req, fault = _fault(s, key)
        cal = calendar_for(s, fault.contract)
        states = clocks(fault, cal, now)
        result = {
            sla.MET: ("达标", "met"),
            sla.BREACHED: ("超时", "breached"),
            sla.AT_RISK: ("即将超时", "at risk"),
            sla.RUNNING: ("计时中", "running"),
            sla.PAUSED: ("暂停", "paused"),
        }

        def lim(c: sla.ClockState) -> str:
            kind = (
                ("服务时间" if zh else "service hours")
                if c.clock == sla.SERVICE
                else ("全天" if zh else "around the clock")
            )
            return (
                f"{c.minutes} {'分钟' if zh else 'min'}（{kind}）"
                if zh
                else f"{c.minutes} min ({kind})"
            )

        def lines(text: str) -> list[str]:
            return [x for x in (text or "").splitlines() if x.strip()] or ["-"]

        ctx = {
            "key": req.key,
            "title": req.title,
            "client": fault.contract.client.name,
            "contract": fault.contract.code,
            "system": fault.system or "-",
            "severity": SEVERITY_LABEL[fault.severity].split()[0 if zh else 1],
            "reporter": fault.reporter or "-",
            "reported_at": show(fault.reported_at)[:16],
            "engineer": fault.engineer.name if fault.engineer else "-",
            "resolved_at": (show(fault.resolved_at) or "-")[:16],
            "clocks": [
                {
                    "name": CLOCK_ZH[n] if zh else CLOCK_EN[n],
                    "limit": lim(c),
                    "due": (show(c.due) or "-")[:16] + (" *" if c.provisional else ""),
                    "actual": (show(c.stopped_at) or "-")[:16],
                    "result": result[c.status][0 if zh else 1],
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
        data = render("fault", ctx, lang=lang, title=title, subject=fault.contract.code)
        doc = put_document(
            s,
            data,
            kind="fault-record",
            request=req,
            filename=f"{req.key}-fault.docx",
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


# --- the weekly fixed visit (每周固定时间上门) -------------------------------------------------


def weekly_visit_rule(contract: Contract) -> dict[str, Any] | None:
    """``contract.settings.weekly_visit`` validated: weekday 1-7 (Monday 1), time, minutes,
    optional staff and location; None when the contract has no fixed visit."""
    from .calendar import parse_hhmm

    raw = (contract.settings or {}).get("weekly_visit")
    if not raw:
        return None
    src = f"contract {contract.code}"
    if not isinstance(raw, dict):
        raise InputError(src, "settings.weekly_visit", "must be a mapping with weekday and time")
    weekday = raw.get("weekday")
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 1 <= weekday <= 7:
        raise InputError(src, "settings.weekly_visit.weekday", "must be 1 (Monday) .. 7 (Sunday)")
    minutes = raw.get("minutes", DEFAULT_VISIT_MINUTES)
    if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
        raise InputError(src, "settings.weekly_visit.minutes", "must be 1..1440")
    staff = raw.get("staff") or []
    if not isinstance(staff, list):
        raise InputError(src, "settings.weekly_visit.staff", "must be a list of names")
    return {
        "weekday": weekday,
        "time": parse_hhmm(raw.get("time", "14:00"), src, "settings.weekly_visit.time"),
        "minutes": minutes,
        "staff": [str(x) for x in staff],
        "location": str(raw.get("location") or ""),
        "work": str(raw.get("work") or "每周例行巡检：服务器、数据库、邮件、备份检查；用户支持。"),
    }


def plan_weekly_visits(now: datetime | None = None, days_ahead: int = 7) -> dict[str, Any]:
    """Dispatch orders for every contract's fixed weekly visit in the coming ``days_ahead``
    days; a visit falling on a day off is skipped (and reported). Running it again creates
    nothing twice (one schedule key per contract and day)."""
    now = now or utcnow()
    tz = get_settings().tz
    today = now.astimezone(tz).date()
    todo: list[tuple[str, datetime, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
    with transaction() as s:
        for k in s.scalars(select(Contract).order_by(Contract.code)):
            rule = weekly_visit_rule(k)
            if rule is None:
                continue
            cal = calendar_for(s, k)
            for i in range(days_ahead + 1):
                d = today + timedelta(days=i)
                if d.isoweekday() != rule["weekday"] or not k.start_date <= d <= k.end_date:
                    continue
                start = datetime.combine(d, rule["time"], tzinfo=tz)
                if start < now:
                    continue
                if not cal.is_working_day(d):
                    skipped.append({"contract": k.code, "day": d, "why": cal.day_info(d).reason})
                    continue
                todo.append((k.code, start, rule))
    created, existing = [], []
    for code, start, rule in todo:
        try:
            created.append(
                create_dispatch(
                    kind="weekly-visit",
                    planned_start=start,
                    planned_end=start + timedelta(minutes=rule["minutes"]),
                    staff=rule["staff"],
                    location=rule["location"],
                    work_content=rule["work"],
                    contract=code,
                    schedule_key=f"{code}:weekly:{start.date().isoformat()}",
                    actor="dispatch flow",
                    channel="flow",
                    source=f"contract {code} weekly visit",
                )
            )
        except (ConflictError, IntegrityError):
            existing.append({"contract": code, "day": start.date()})
    return {"created": created, "existing": existing, "skipped": skipped}


# --- for other reports (weekly report) -----------------------------------------------------


def breaches_between(
    session: Session,
    first: datetime,
    last: datetime,
    *,
    client_id: int | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Clocks whose due time fell in [first, last) and that were (or are) breached, by the
    same rules as the watch and the monthly report (pauses, remote resolution, a visit
    counting as the response)."""
    now = now or utcnow()
    q = (
        select(Request, Fault)
        .join(Fault, Fault.request_id == Request.id)
        .where(Fault.reported_at < last, Request.state != "cancelled")
    )
    if client_id is not None:
        q = q.where(Request.client_id == client_id)
    out = []
    cals: dict[int, WorkingCalendar] = {}
    for req, fault in session.execute(q.order_by(Fault.reported_at)).all():
        cal = cals.get(fault.contract_id)
        if cal is None:
            cal = cals[fault.contract_id] = calendar_for(session, fault.contract)
        for name, st in clocks(fault, cal, now).items():
            if st.status == sla.BREACHED and st.due is not None and first <= st.due < last:
                out.append(
                    {
                        "key": req.key,
                        "title": req.title,
                        "severity": fault.severity,
                        "clock": name,
                        "due": st.due,
                        "done": st.stopped_at,
                        "cause": fault.breach_cause,
                    }
                )
    return out
