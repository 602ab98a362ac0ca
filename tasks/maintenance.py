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
from typing import Any

from changeflow.db.lifecycle import FINAL, INITIAL, load_for_update, record_creation, transition
from changeflow.db.maintenance import Fault, FaultPause
from changeflow.db.models import Contract, Person, Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
        transition(s, req, "on_hold", actor=actor, reason=reason, channel=channel,
                   data={"at": when.isoformat(), "pause": "start"})  # fmt: skip
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
        transition(s, req, target, actor=actor, reason=reason, channel=channel,
                   data={"at": when.isoformat(), "pause": "end"})  # fmt: skip
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


def sla_watch(now: datetime | None = None) -> dict[str, Any]:
    """Warn the duty staff at ``warn_at`` of a running clock and at its breach, once each.

    The ``SlaNotice`` row (unique per fault, clock and level) is the 'once': it is written
    first, the mail goes out after the commit, and a failed mail is retried on the next run.
    A clock first seen already breached gets only the breach notice.
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
                try:
                    with s.begin_nested():
                        s.add(SlaNotice(fault_id=fault.id, clock=name, level=level, due_at=st.due))
                except IntegrityError:  # another watcher wrote it first
                    continue
                created.append({"key": req.key, "clock": name, "level": level})
    sent, failed = deliver_notices(now)
    return {"checked": checked, "created": created, "sent": sent, "failed": failed}


def deliver_notices(
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Send every notice not sent yet; each is claimed by one watcher before its mail."""
    from changeflow.db.maintenance import SlaNotice
    from sqlalchemy import update

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
