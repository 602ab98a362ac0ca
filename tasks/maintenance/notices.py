"""Who is told and how: the duty staff, mail, and watching the clocks (``sla_watch``):
a warning and a breach notice per clock, once each, delivered after the commit and
retried when the mail fails; the group robots' messages go through their outbox
(``robot_outbox``), queued with the notice and tried again until delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.bilingual import CLOCKS, NOTICE_LEVELS, SEVERITIES, both
from changeflow.db.lifecycle import FINAL
from changeflow.db.maintenance import Fault
from changeflow.db.models import Contract, Person, Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError

from .. import sla
from ..calendar import WorkingCalendar, calendar_for
from ..directory import find_staff
from .common import show
from .fault_clocks import clocks, fault_view
from .robot_outbox import deliver_robots, queue_robots, robot_results

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


def email_addresses(people: Sequence[Person | None]) -> list[str]:
    out: list[str] = []
    for p in people:
        if p is not None and p.email and p.email not in out:
            out.append(p.email)
    return out


def send(to: Sequence[str], subject: str, body: str, key: str) -> None:
    """One mail through ``tasks/mail.send_mail`` (idempotent by ``key``)."""
    from ..mail import send_mail

    send_mail(to=list(to), subject=subject, body=body, idempotency_key=key)


# --- watching the clocks -----------------------------------------------------------------


def _notice_mail(notice_level: str, clock: str, view: dict[str, Any]) -> tuple[str, str]:
    c = view[clock]
    subject = (
        f"[SLA {both(NOTICE_LEVELS[notice_level])}] {view['key']} "
        f"{both(CLOCKS[clock])} due {c['due_local']}"
    )
    step = {"response": ("响应", "respond"), "onsite": ("到场", "onsite")}[clock]
    late = bool(view.get("reported_late"))
    body = "\n".join(
        [
            f"{view['key']}  {view['title']}",
            f"级别 Severity: {both(SEVERITIES[view['severity']])}",
            f"系统 System: {view['system'] or '-'}",
            f"报告时间 Reported: {show(datetime.fromisoformat(view['reported_at']))}",
            f"时限 Clock: {both(CLOCKS[clock], sep=' / ')}, {c['minutes']} min ({c['clock']})",
            f"到期 Due: {c['due_local']}{' (暂定 provisional)' if c['provisional'] else ''}",
            f"已用 Used: {c['used_minutes']} min",
            "",
            (
                "报告时已超过合同规定的时限（报告晚到）。 Already overdue when it was reported"
                " (reported late)."
                if notice_level == "breach" and late
                else "已超过合同规定的响应时间。 The contract's time has passed."
                if notice_level == "breach"
                else "即将超过合同规定的响应时间。 The contract's time is about to pass."
            ),
            "",
            f"下一步：在 Prefect 界面该故障的「{step[0]}」步骤登记 {view['key']}，"
            "超时原因填在「解决」步骤的表单中。",
            f'Next: record it in the fault\'s "{step[1]}" step in the Prefect UI; the'
            ' breach cause goes on the "resolve" step\'s form.',
        ]
    )
    return subject, body


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
    # every robot message still owed (this run's, and earlier runs' passing failures)
    robots = deliver_robots(now)
    for info in (*sent, *failed):
        info["robots"] = robot_results(robots, info["robot_key"])
    return {"checked": checked, "created": created, "sent": sent, "failed": failed,
            "robots": robots}  # fmt: skip


def notify_on_arrival(key: str, now: datetime | None = None) -> dict[str, Any]:
    """A fault recorded already overdue (reported later than its response window): the
    breach notice of each clock past due is written and sent now, once (the same
    ``SlaNotice`` the watch would write, so the watch sends no second one)."""
    from changeflow.db.maintenance import SlaNotice

    from .common import load_fault

    now = now or utcnow()
    with transaction() as s:
        _req, fault = load_fault(s, key)
        cal = calendar_for(s, fault.contract)
        for name, st in clocks(fault, cal, now).items():
            if st.status != sla.BREACHED or st.due is None:
                continue
            try:
                with s.begin_nested():
                    s.add(SlaNotice(fault_id=fault.id, clock=name, level="breach", due_at=st.due))
            except IntegrityError:
                continue
    sent, failed = deliver_notices(now)
    deliver_robots(now)
    return {
        "sent": [n for n in sent if n["key"] == key],
        "failed": [n for n in failed if n["key"] == key],
    }


def overdue_line(overdue: tuple[str, ...], notice: dict[str, Any] | None) -> str:
    """A fault reported late, in one line: which clocks were already past due on arrival and
    whether the duty staff were told (the breach notice)."""
    if not overdue:
        return ""
    zh = "、".join(CLOCKS[c][0] for c in overdue)
    en = ", ".join(CLOCKS[c][1] for c in overdue)
    told = notice or {}
    if told.get("sent"):
        to = ", ".join(sorted({a for n in told["sent"] for a in n.get("to", [])}))
        note = f"超时通知已发 breach notice sent to {to}"
    elif told.get("failed"):
        why = str(told["failed"][0].get("error", ""))
        if why.startswith("mail is not set up"):
            why = "邮件未设置 mail not set up"
        note = f"超时通知未发出，sla-watch 将重发 breach notice NOT sent yet ({why[:160]})"
    else:
        note = "超时通知已发过 breach notice already sent"
    return f"报告时已超时 ALREADY OVERDUE on arrival ({zh} {en}); {note}"


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
            to = email_addresses(people)
            notice.recipients = to
            created = fault.request.created_at
            view["reported_late"] = created is not None and notice.due_at <= created
            subject, body = _notice_mail(notice.level, notice.clock, view)
            key = f"sla-{view['key']}-{notice.clock}-{notice.level}"
            info = {"key": view["key"], "clock": notice.clock, "level": notice.level, "to": to,
                    "robot_key": key}  # fmt: skip
            # the robots' messages, queued with the claim (once per robot, whatever the mail)
            queued = queue_robots(
                s, fault.contract.settings, f"contract {view['contract']}", key,
                subject + "\n" + body,
            )  # fmt: skip
            if queued["failed"]:
                notice.error = ("robots: " + "; ".join(queued["failed"]))[:2000]
        try:
            if not to:
                raise InputError(f"contract {view['contract']}", "duty", "no duty staff with email")
            send(to, subject, body, key)
        except Exception as exc:  # keep it pending: the next run tries again
            with transaction() as s:
                n = s.get(SlaNotice, nid)
                assert n is not None
                n.sent_at, n.error = None, str(exc)[:2000]
            failed.append({**info, "error": str(exc)})
        else:
            sent.append(info)
    return sent, failed
