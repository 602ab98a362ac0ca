"""Sending a stored report version to the client's project lead, at most once per mail key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from changeflow.bilingual import is_zh
from changeflow.db.session import transaction
from changeflow.db.store import document_path
from changeflow.db.weekly import WeeklyReport
from changeflow.errors import InputError, NotFoundError

from .week import already_sent


def mail_body(rep: WeeklyReport, lang: str) -> tuple[str, str]:
    """Subject and a short body: the report itself is the attachment."""
    client = rep.client.name
    # the attachment by the name it is stored and listed under (tasks.documents.names)
    name = Path(rep.document.path).name if rep.document is not None else ""
    if is_zh(lang):
        subject = f"项目周报 {client} {rep.week}（第 {rep.version} 版）"
        lead = rep.contract.lead.name if rep.contract and rep.contract.lead else ""
        ours = rep.contract.our_lead.name if rep.contract and rep.contract.our_lead else ""
        body = (
            f"{lead}：您好！\n\n附件为 {rep.week}（{rep.period_start} 至 {rep.period_end}）"
            f"的项目周报{f'（{name}）' if name else ''}，请查阅。\n\n{ours}\n"
        )
    else:
        subject = f"Weekly project report {client} {rep.week} (v{rep.version})"
        body = (
            f"Hello,\n\nattached is the weekly report of {rep.week} ({rep.period_start} to"
            f" {rep.period_end}){f' ({name})' if name else ''}.\n"
        )
    return subject, body


def send_report(
    report_id: int,
    *,
    resend: bool = False,
    password: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Mail one stored report version to the client's project lead, at most once per key.

    A version already sent is not sent again (its key is recorded); a new version of a week
    that was already mailed is sent only with ``resend`` (a deliberate correction). A
    failure is recorded on the row and raised, so the task can retry and the run fails
    visibly while the report stays stored.
    """
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        if rep is None:
            raise NotFoundError(f"no weekly report {report_id}")
        if rep.mail_state == "sent":
            return {
                "sent": False,
                "status": "already-sent",
                "reason": "already sent",
                "mail_key": rep.mail_key,
                "to": rep.mail_to,
            }
        earlier = already_sent(s, rep.client_id, rep.week)
        if earlier is not None and not resend:
            rep.mail_state = "skipped"
            rep.mail_error = f"v{earlier.version} of {rep.week} was already sent; use resend"
            return {
                "sent": False,
                "status": "skipped",
                "reason": rep.mail_error,
                "mail_key": rep.mail_key,
                "to": rep.mail_to,
            }
        contract = rep.contract
        lead = contract.lead if contract else None
        if lead is None or not lead.email:
            src = f"contract {contract.code}" if contract else f"client {rep.client.code}"
            raise InputError(src, "client_lead.email", "the client's project lead has no email")
        to = [lead.email]
        cc = (
            [contract.our_lead.email]
            if contract and contract.our_lead and (contract.our_lead.email)
            else []
        )
        doc = rep.document
        assert doc is not None
        blob = document_path(doc).read_bytes()
        subject, body = mail_body(rep, rep.lang)
        attach = [
            (
                Path(doc.path).name,  # the name it is stored and listed under
                blob,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        ]
        key = rep.mail_key
    from ..mail import send_mail_result

    try:
        res = send_mail_result(to, subject, body, attach, key, cc=cc, password=password)
    except Exception as exc:
        with transaction(url) as s:
            rep = s.get(WeeklyReport, report_id)
            assert rep is not None
            rep.mail_attempts += 1
            rep.mail_state = "failed"
            rep.mail_error = f"{type(exc).__name__}: {exc}"[:500]  # mail scrubs the password
        raise
    with transaction(url) as s:
        rep = s.get(WeeklyReport, report_id)
        assert rep is not None
        rep.mail_attempts += 1
        rep.mail_state = "sent"
        rep.mail_error = ""
        rep.sent_at = datetime.now(UTC)
        rep.mail_to = ", ".join(res.recipients)
    return {
        "sent": res.status == "sent",
        "status": res.status,
        "to": res.recipients,
        "mail_key": key,
        "message_id": res.message_id,
    }
