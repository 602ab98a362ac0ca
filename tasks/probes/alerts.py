"""Telling the duty staff: a probe's target went down (a fault was opened) or recovered.

One ``ProbeNotice`` row per fault and kind (unique: the "once"), written in the transaction
that opens the fault's watch or notes its recovery, with the robots' messages queued there
too (``maintenance.robot_outbox``); the mail goes out after the commit, claimed by one
process, and a failed mail stays pending and is tried on the next round. No address or
password is in a notice: the probe's name, the system and the scrubbed detail line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.bilingual import PROBE_NOTICES, PROBE_PROBLEMS, PROBE_SYSTEMS, SEVERITIES, both
from changeflow.db.maintenance import Fault
from changeflow.db.probes import ProbeNotice, ProbeTarget
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.tasks.acttime import show
from changeflow.tasks.maintenance.notices import duty_staff, send
from changeflow.tasks.maintenance.robot_outbox import deliver_robots, queue_robots


def notice_text(
    kind: str, t: ProbeTarget, fault: Fault, key: str, extra: list[str]
) -> tuple[str, str]:
    system = both(PROBE_SYSTEMS.get(t.system, (t.system, t.system)))
    problem = both(PROBE_PROBLEMS.get(t.kind, (t.kind, t.kind)))
    subject = f"[探测 Probe {both(PROBE_NOTICES[kind])}] {key} {system}: {t.name}"
    body = [
        f"{key}  {system} {problem}",
        f"探测 Probe: {t.name} ({t.kind})",
        f"级别 Severity: {both(SEVERITIES[fault.severity])}",
        f"发现时间 Detected: {show(fault.reported_at)}",
        *extra,
        f"changeflow fault show {key}",
    ]
    return subject[:300], "\n".join(body)


def add_notice(session: Session, kind: str, t: ProbeTarget, fault: Fault, key: str,
               extra: list[str]) -> ProbeNotice | None:  # fmt: skip
    """The notice row and the robots' messages, once (a second call adds nothing)."""
    subject, body = notice_text(kind, t, fault, key, extra)
    try:
        with session.begin_nested():
            n = ProbeNotice(target_id=t.id, fault_id=fault.id, kind=kind, subject=subject,
                            body=body)  # fmt: skip
            session.add(n)
    except IntegrityError:
        return None
    queued = queue_robots(session, t.contract.settings, f"contract {t.contract.code}",
                          f"probe-{key}-{t.name}-{kind}", subject + "\n" + body)  # fmt: skip
    if queued["failed"]:
        n.error = ("robots: " + "; ".join(queued["failed"]))[:2000]
    return n


def deliver(now: datetime | None = None) -> dict[str, Any]:
    """Mail every probe notice not sent yet (claimed first), then the robots' messages."""
    now = now or utcnow()
    sent: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with transaction() as s:
        pending = s.scalars(select(ProbeNotice.id).where(ProbeNotice.sent_at.is_(None))).all()
    for nid in pending:
        with transaction() as s:
            claimed = s.execute(
                update(ProbeNotice)
                .where(ProbeNotice.id == nid, ProbeNotice.sent_at.is_(None))
                .values(sent_at=now)
            ).rowcount
            if not claimed:
                continue
            n = s.get(ProbeNotice, nid)
            assert n is not None
            people = duty_staff(s, n.target.contract)
            to = [p.email for p in people if p.email]
            n.recipients = to
            subject, body, code = n.subject, n.body, n.target.contract.code
            info = {"probe": n.target.name, "kind": n.kind, "to": to}
            key = f"probe-notice-{n.id}"
        try:
            if not to:
                raise InputError(f"contract {code}", "duty", "no duty staff with email")
            send(to, subject, body, key)
        except Exception as exc:  # pending: the next round tries again
            with transaction() as s:
                row = s.get(ProbeNotice, nid)
                assert row is not None
                row.sent_at, row.error = None, str(exc)[:2000]
            failed.append({**info, "error": str(exc)[:200]})
        else:
            sent.append(info)
    robots = deliver_robots(now)
    return {"sent": sent, "failed": failed, "robots": robots}
