"""Waiting for the client: ONE reminder of a plan or certificate not answered after the
contract's working days (to the client's contact, our lead told), failed mails sent again,
and the acceptance the contract deems given (逾期视同验收) — recorded only by an explicit
step (``changeflow deemed KEY``, the ``deemed-acceptance`` deployment), never silently,
with the dates and the reminders as its evidence and channel ``deemed``.

Working days come from the contract's working calendar (``tasks.calendar``): a document
sent on day D is answered late from the N-th working day after D (``add_working_days``).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from changeflow.db.approval import Approval
from changeflow.db.clientmail import ClientSend, MailboxMessage
from changeflow.db.lifecycle import load_for_update
from changeflow.db.models import Document
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from changeflow.db.types import utcnow
from changeflow.errors import ChangeflowError, InputError, TransitionError
from changeflow.settings import get_settings

from ..calendar import calendar_for
from .outgoing import DOCX, failed_sends, recipients, send_if_wanted, shown_name
from .policy import deemed_acceptance, remind_after
from .texts import NAMES, reminder_mail

AWAITING = {"plan": "planned", "acceptance": "live"}


def _today(now: datetime | None) -> date:
    return (now or utcnow()).astimezone(get_settings().tz).date()


def _waiting(session: Any, row: ClientSend) -> bool:
    """The send is the newest version of its kind, its request still waits on it and no
    decision on it is recorded."""
    req = row.request
    if req is None or req.state != AWAITING.get(row.kind):
        return False
    newest = session.scalar(
        select(Document.version)
        .where(Document.request_id == req.id, Document.kind == row.kind)
        .order_by(Document.version.desc())
        .limit(1)
    )
    if newest != row.version:
        return False
    return (
        session.scalar(
            select(Approval.id).where(
                Approval.request_id == req.id,
                Approval.subject_kind == row.kind,
                Approval.subject_version == row.version,
            )
        )
        is None
    )


def _sent_day(row: ClientSend) -> date:
    assert row.sent_at is not None
    return row.sent_at.astimezone(get_settings().tz).date()


def due_reminders(now: datetime | None = None) -> list[int]:
    today = _today(now)
    out = []
    with transaction() as s:
        rows = s.scalars(
            select(ClientSend)
            .where(
                ClientSend.kind.in_(tuple(AWAITING)),
                ClientSend.state == "sent",
                ClientSend.reminded_at.is_(None),
            )
            .order_by(ClientSend.id)
        ).all()
        for row in rows:
            if row.contract is None or not _waiting(s, row):
                continue
            cal = calendar_for(s, row.contract)
            if today >= cal.add_working_days(_sent_day(row), remind_after(row.contract)):
                out.append(row.id)
    return out


def deemed_on(session: Any, row: ClientSend) -> date | None:
    """The last working day the client may object under the clause (None: no clause)."""
    clause = deemed_acceptance(row.contract)
    if clause is None:
        return None
    cal = calendar_for(session, row.contract)
    return cal.add_working_days(_sent_day(row), clause.working_days)


def remind(
    row_id: int, *, now: datetime | None = None, actor: str = "changeflow"
) -> dict[str, Any]:
    """The one reminder of a send: the document again to the client's contact (Reply-To
    the mailbox), and a note to our lead. At most once (keys in ``sent_mail``)."""
    from ..mail import send_mail_result

    with transaction() as s:
        row = s.get(ClientSend, row_id)
        assert row is not None and row.contract is not None
        to, _cc, name, ours = recipients(row.contract)
        days = remind_after(row.contract)
        last_day = deemed_on(s, row) if row.kind == "acceptance" else None
        clause = deemed_acceptance(row.contract) if last_day else None
        doc = row.document
        attach = [(shown_name(doc), document_path(doc).read_bytes(), DOCX)]
        sent_on = _sent_day(row).isoformat()
        subject, body = reminder_mail(
            row.kind, row.subject, row.version, sent_on, days, name, ours,
            last_day.isoformat() if last_day else None, clause.clause if clause else None,
            get_settings().reply_to,
        )  # fmt: skip
        key = f"client-reminder:{row.id}"
        lead = row.contract.our_lead
        view = {
            "subject": row.subject, "kind": row.kind, "version": row.version, "to": to,
            "sent_on": sent_on, "working_days": days, "lead": lead.email if lead else None,
        }  # fmt: skip
    res = send_mail_result(to, subject, body, attach, key, reply_to=get_settings().reply_to)
    with transaction() as s:
        row = s.get(ClientSend, row_id)
        assert row is not None
        row.reminded_at, row.reminder_key = row.reminded_at or now or utcnow(), key
    if lead is not None and lead.email:
        zh, en = NAMES[view["kind"]]
        send_mail_result(
            [lead.email],
            f"【已提醒甲方 Client reminded】{view['subject']} {zh} v{view['version']}",
            f"{view['subject']} 的{zh}（第 {view['version']} 版）于 {sent_on}"
            f" 发给 {', '.join(to)}，"
            f"{days} 个工作日未回复，已发送一次提醒。\n\nThe {en} v{view['version']} of"
            f" {view['subject']} went to {', '.join(to)} on {sent_on}; no answer after {days}"
            " working days: one reminder was sent.\n",
            idempotency_key=f"client-reminder-lead:{row_id}",
        )
    return view | {"status": res.status}


def follow_up(now: datetime | None = None, *, actor: str = "changeflow") -> dict[str, Any]:
    """What the ``client-followup`` deployment does each working morning: send again the
    mails that failed, send the reminders that are due, list the acceptances the contract
    now deems given (for the lead to record with ``changeflow deemed``)."""
    resent, reminders, problems = [], [], []
    for doc_id in failed_sends():
        res = send_if_wanted(doc_id, True, actor=actor)
        if res is not None:
            resent.append(res)
    for row_id in due_reminders(now):
        try:
            reminders.append(remind(row_id, now=now, actor=actor))
        except ChangeflowError as exc:
            problems.append(f"reminder {row_id}: {exc}")
    today = _today(now)
    deemed_due = []
    with transaction() as s:
        for row in s.scalars(
            select(ClientSend).where(ClientSend.kind == "acceptance", ClientSend.state == "sent")
        ):
            if not _waiting(s, row):
                continue
            last = deemed_on(s, row)
            if last is not None and today > last:
                deemed_due.append({"key": row.subject, "version": row.version,
                                   "deemed_on": last.isoformat()})  # fmt: skip
    return {"resent": resent, "reminders": reminders, "deemed_due": deemed_due,
            "problems": problems}  # fmt: skip


def record_deemed(
    key: str, *, actor: str = "changeflow", now: datetime | None = None
) -> dict[str, Any]:
    """Record ``key`` accepted by the contract's 逾期视同验收 clause.

    Only when the contract has the clause, the request is live, its newest certificate was
    mailed to the client (the acceptance request: its date counts), no decision on it is
    recorded, no mail about it came back from the client since, and the clause's working
    days have passed. The evidence (stored, sha256 in the audit record) lists the clause,
    the certificate, when and to whom it went, the reminder, and the last day to object."""
    from ..signoff.decisions import write_approval
    from ..signoff.kinds import signable

    source = f"changeflow deemed {key}"
    today = _today(now)
    spec = signable("acceptance")
    assert spec is not None
    with transaction() as s:
        req = load_for_update(s, key)
        clause = deemed_acceptance(req.contract)
        if clause is None:
            raise InputError(
                source,
                "contract",
                f"contract {req.contract.code if req.contract else '-'} has no 逾期视同验收"
                " clause (settings.deemed_acceptance): the client's acceptance is needed",
            )
        if req.state != "live":
            raise TransitionError(
                key, req.state, "accepted", "only a live request waiting for acceptance"
            )
        sent = s.scalar(
            select(Document)
            .where(Document.request_id == req.id, Document.kind == "acceptance")
            .order_by(Document.version.desc())
            .limit(1)
        )
        row = (
            s.scalar(select(ClientSend).where(ClientSend.document_id == sent.id))
            if sent is not None
            else None
        )
        if sent is None or row is None or row.state != "sent" or row.sent_at is None:
            what = f"certificate v{sent.version}" if sent else "no certificate"
            raise InputError(
                source,
                "certificate",
                f"{what} of {key} was not mailed to the client, so no acceptance request has a"
                f" date to count from: send it with changeflow send {key}",
            )
        if not _waiting(s, row):
            raise InputError(source, "certificate", f"a decision on {key} is already recorded")
        last = deemed_on(s, row)
        assert last is not None
        if today <= last:
            raise InputError(
                source,
                "date",
                f"the clause gives the client {clause.working_days} working days from"
                f" {_sent_day(row)}: until {last}; it can be recorded from the next day",
            )
        answered = s.scalar(
            select(MailboxMessage)
            .where(MailboxMessage.request_key == key, MailboxMessage.claimed_at >= row.sent_at)
            .limit(1)
        )
        if answered is not None:
            raise InputError(
                source,
                "certificate",
                f"the client did write about {key} on"
                f" {answered.claimed_at.astimezone(get_settings().tz):%Y-%m-%d} ({answered.state}:"
                f" {answered.detail[:200]}): not a silent client; settle it with them",
            )
        tz = get_settings().tz
        evidence = {
            "clause": clause.clause,
            "working_days": clause.working_days,
            "request": key,
            "certificate": {"version": sent.version, "sha256": sent.sha256, "path": sent.path},
            "sent_at": row.sent_at.astimezone(tz).isoformat(timespec="minutes"),
            "sent_to": list(row.recipients or []),
            "message_id": row.message_id,
            "reminded_at": (
                row.reminded_at.astimezone(tz).isoformat(timespec="minutes")
                if row.reminded_at
                else None
            ),
            "last_day_to_object": last.isoformat(),
            "answers_received": 0,
            "recorded_by": actor,
            "recorded_at": utcnow().astimezone(tz).isoformat(timespec="minutes"),
        }
        blob = json.dumps(evidence, ensure_ascii=False, indent=2).encode("utf-8")
        decided_on = min(last + timedelta(days=1), today)
        approval = write_approval(
            s,
            req,
            spec,
            version=sent.version,
            sent=sent,
            decision="approve",
            approver="逾期视同验收 deemed accepted",
            decided_on=decided_on,
            comment=(
                f"按合同条款视同验收 deemed accepted by the contract's clause: {clause.clause}"
                f" — sent {evidence['sent_at']}, reminded {evidence['reminded_at'] or '-'},"
                f" no objection by {last}"
            ),
            channel="deemed",
            actor=actor,
            evidence=blob,
            evidence_name=f"{key}-acceptance-v{sent.version}-deemed.json",
            evidence_kind="acceptance-deemed",
            data={"deemed": evidence},
        )
        return {
            "key": key,
            "version": sent.version,
            "state": req.state,
            "clause": clause.clause,
            "sent_on": _sent_day(row).isoformat(),
            "reminded_at": evidence["reminded_at"],
            "deemed_on": last.isoformat(),
            "decided_on": decided_on.isoformat(),
            "channel": approval.channel,
            "evidence": approval.evidence_document.path if approval.evidence_document else None,
            "evidence_sha256": approval.evidence_sha256,
        }
