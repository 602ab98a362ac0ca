"""Flows of the mail with the client: ``mailbox`` (the project's mailbox, every five minutes
in service hours), ``client-followup`` (each working morning: failed mails again, the one
reminder, acceptances the contract now deems given) and ``deemed-acceptance`` (the explicit,
audited step that records one); and the send-to-the-client box the document forms share.

Thin: the work is ``tasks.clientmail``; these wrap it and show it in the UI.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from changeflow.bilingual import outcome_label, state_label, step_label
from changeflow.errors import ChangeflowError, InputError, MailNotSetUp

from . import common
from .common import md, next_line, outcome, publish_markdown, publish_table, refused, timed_name
from .forms import flow

SEND_TITLE = "发送给甲方 Send to the client"
SEND_HELP = (
    "勾选：把签发的文档（Word，装有 LibreOffice 时另附 PDF）发给合同中的甲方联系人，回复地址为项目"
    "邮箱；合同设置 client_mail.send 为 true 时不勾选也发送 / ticked: mail the signed document"
    " (and its PDF) to the contract's client contact, Reply-To the project mailbox; with the"
    " contract's client_mail.send true it goes unticked too"
)


def send_field() -> Any:
    return Field(False, title=SEND_TITLE, description=SEND_HELP)


def _send(
    result: dict[str, Any],
    send: bool,
    actor: str,
    document: str = "document",
    what: str = "document",
    hint: str = "",
) -> dict[str, Any] | None:
    """A document just made, sent by the one rule (``tasks.clientmail.send_issued``): the box
    ticked sends it, unticked leaves it to the contract (client_mail.send); a draft never."""
    from changeflow.tasks.clientmail import send_issued

    return send_issued(
        result, True if send else None, actor=actor, document=document, what=what,
        source=str(result.get("key") or "form"), field="send", hint=hint,
    )  # fmt: skip


send_task = task(_send, name="send-to-client", cache_policy=NO_CACHE)


NOT_SET_UP = "邮件未设置 mail not set up"


def mail_note(mail: dict[str, Any] | None) -> str:
    """What a completed run's state message adds when mail is not set up (else nothing)."""
    if mail and mail.get("status") == "not-set-up":
        return f"; {NOT_SET_UP}: {mail.get('error')}"
    return ""


def mail_markdown(mail: dict[str, Any] | None) -> str:
    """The artifact's line on the mail (empty when nothing was sent)."""
    if not mail:
        return ""
    if mail.get("status") == "not-set-up":
        return f"\n- 邮件 Mail: **{NOT_SET_UP}**: {md(str(mail.get('error')))}\n"
    to = md(", ".join(mail.get("to") or []))
    if mail.get("state") == "failed":
        return f"\n- 邮件 Mail to {to}: **失败 FAILED** {md(str(mail.get('error')))}\n"
    files = md(", ".join(mail.get("attachments") or []))
    again = " (已发送过 already sent)" if mail.get("status") == "already-sent" else ""
    return f"\n- 邮件 Mail: 已发送 sent to {to} {mail.get('sent_at')}{again}: {files}\n"


def mail_failed(step: str, mail: dict[str, Any] | None, key: str) -> Any | None:
    """A failed run when the document stands but its mail did not go (None otherwise)."""
    if mail and mail.get("state") == "failed":
        return refused(
            step,
            InputError(
                key,
                "mail",
                f"the document is issued, but its mail to the client failed: {mail.get('error')};"
                " client-followup sends it again (or changeflow send)",
            ),
            key,
        )
    return None


def _pass() -> dict[str, Any]:
    from changeflow.tasks.clientmail.mailbox import read_mailbox

    return read_mailbox().as_dict()


mailbox_task = task(_pass, name="mailbox-pass", cache_policy=NO_CACHE)


@flow(name="mailbox", flow_run_name=timed_name("mailbox"), log_prints=True)
def mailbox() -> Any:
    """Read the project's mailbox: each reply's attachment through the inbox's checks (task
    books to intake, signed documents to their decision), the mail filed and answered; a
    client's mail without attachment is kept, forwarded to our lead and acknowledged; fails,
    naming them, if any mail was refused (each sender got the reason)."""
    from changeflow.tasks.clientmail.mailbox import mailbox_set_up

    if not mailbox_set_up():  # optional until it is set up: a completed run that says so
        return outcome(f"{NOT_SET_UP}: {MailNotSetUp.IMAP}", {"configured": False})
    try:
        report = mailbox_task()
    except ChangeflowError as exc:
        return refused("mailbox", exc)
    items = report["items"]
    if items:
        publish_table(
            "mailbox",
            [
                {
                    "发件人 From": i["sender"],
                    "主题 Subject": i["subject"],
                    "结果 Outcome": outcome_label(i["outcome"]),
                    "请求 Key": i["key"] or "",
                    "说明 Detail": i["detail"],
                    "回信 Answer": i["answer"],
                }
                for i in items
            ],
            f"Mailbox pass over {report['folder']}",
        )
    from .board import report_hand_ins

    report_hand_ins(items, "mailbox")  # each recorded attachment: a run named for it
    c = report["counts"]
    line = (
        f"邮箱 Mailbox: {c['recorded']} 已登记 recorded,"
        f" {c['kept']} 来信已保存并转交负责人 kept and forwarded to our lead,"
        f" {c['refused']} 拒收 refused, {c['waiting']} 待下次 left for the next pass"
    )
    bad = [i for i in items if i["outcome"] == "refused"]
    if bad:
        return refused(
            "mailbox",
            InputError(
                report["folder"],
                "mail",
                f"{len(bad)} mail(s) refused and answered: "
                + "; ".join(f"{i['sender']}: {i['detail']}" for i in bad[:10]),
            ),
        )
    return outcome(line, report)


def _follow_up(actor: str) -> dict[str, Any]:
    from changeflow.tasks.clientmail.waiting import follow_up

    return follow_up(actor=actor)


follow_up_task = task(_follow_up, name="client-followup", cache_policy=NO_CACHE)


@flow(name="client-followup", flow_run_name=timed_name("client-followup"), log_prints=True)
def client_followup(
    done_by: str = Field("changeflow", title="经办人 Done by", max_length=120),
) -> Any:
    """Each working morning: send again the mails to clients that failed, the one reminder
    of a plan or certificate not answered after the contract's working days (our lead is
    told), and list the acceptances the contract's 逾期视同验收 clause now deems given."""
    done = follow_up_task(done_by)
    lines = ["# 等待甲方 Waiting for the client", ""]
    for r in done["reminders"]:
        lines.append(
            f"- 已提醒 Reminded {md(', '.join(r['to']))}: {md(r['subject'])} {r['kind']}"
            f" v{r['version']} (sent {r['sent_on']}, {r['working_days']} 工作日 working days)"
        )
    for r in done["resent"]:
        lines.append(
            f"- 重发 Sent again: {md(r['subject'])} {r['kind']} v{r['version']}:"
            f" {outcome_label(r['state'])}"
        )
    for d in done["deemed_due"]:
        lines.append(
            f"- **{md(d['key'])}** 按合同视同验收 deemed accepted from {d['deemed_on']}:"
            f" 运行 run **{step_label('deemed-acceptance')}**"
        )
    if len(lines) == 2:
        lines.append("- 无 nothing to do")
    publish_markdown("client-followup", "\n".join(lines), "Waiting for the client")
    failed = [r for r in done["resent"] if r.get("state") == "failed"] + done["problems"]
    if failed:
        raise InputError("client-followup", "mail", f"{len(failed)} mail(s) still not sent")
    return outcome(
        f"提醒 {len(done['reminders'])} reminder(s), 重发 {len(done['resent'])} resent,"
        f" 视同验收待登记 {len(done['deemed_due'])} deemed acceptance(s) to record",
        done,
    )


def _deemed(key: str, actor: str) -> dict[str, Any]:
    from changeflow.tasks.clientmail.waiting import record_deemed

    return record_deemed(key, actor=actor)


deemed_task = task(_deemed, name="record-deemed-acceptance", cache_policy=NO_CACHE)


@flow(name="deemed-acceptance", flow_run_name="deemed-acceptance {key}", log_prints=True)
def deemed_acceptance(
    key: str = Field(**common.REQUEST_KEY_BARE),  # type: ignore[arg-type]
    recorded_by: str = Field(title="经办人 Recorded by", min_length=1, max_length=120),
) -> Any:
    """Record a live request as accepted by the contract's 逾期视同验收 clause: the
    certificate was mailed, no answer came within the clause's working days; the dates and
    the reminder are the evidence (channel 'deemed')."""
    try:
        r = deemed_task(key, recorded_by)
    except ChangeflowError as exc:
        return refused("deemed-acceptance", exc, key)
    publish_markdown(
        f"deemed-{key}",
        f"# {md(key)} 视同验收 Deemed accepted\n\n"
        f"- 条款 Clause: {md(r['clause'])}\n"
        f"- 验收单 Certificate v{r['version']} 发出 sent {r['sent_on']},"
        f" 提醒 reminded {r['reminded_at'] or '—'}\n"
        f"- 异议期至 No objection by: {r['deemed_on']}\n"
        f"- 证据 Evidence: `{md(r['evidence'] or '')}` (sha256 `{r['evidence_sha256']}`)\n"
        + next_line(None, "需求已验收 the request is accepted"),
        "视同验收 Deemed acceptance",
    )
    return outcome(
        f"{key} 视同验收 deemed accepted ({r['deemed_on']}) -> {state_label(r['state'])}", r
    )
