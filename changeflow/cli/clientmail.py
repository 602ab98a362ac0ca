"""Mail with the client: ``changeflow send`` (a document to the client's contact, again or
for the first time), ``changeflow mailbox`` (one pass over the project's mailbox),
``changeflow remind`` (the reminders of documents not answered) and ``changeflow deemed``
(record an acceptance by the contract's 逾期视同验收 clause); and the ``--send`` option the
document commands share."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from changeflow.cli.common import JsonOpt, console, emit, table

SendOpt = typer.Option(
    None,
    "--send/--no-send",
    help="Mail the signed document to the client's contact (default: the contract's"
    " settings.client_mail.send).",
)


def mail_line(mail: dict[str, Any] | None) -> None:
    """One line on what the mail did (nothing when not sent)."""
    if not mail:
        return
    to = ", ".join(mail.get("to") or [])
    if mail.get("state") == "not-set-up":
        console.print(f"not mailed: {mail.get('error')}", markup=False)
    elif mail.get("state") == "failed":
        console.print(f"mail to {to}: FAILED: {mail.get('error')}", markup=False)
    else:
        dup = " (already sent before)" if mail.get("status") == "already-sent" else ""
        files = ", ".join(mail.get("attachments") or [])
        console.print(f"mailed to {to} on {mail.get('sent_at')}{dup}: {files}", markup=False)


def fail_if_unsent(mail: dict[str, Any] | None) -> None:
    """After the output: a failed mail is a non-zero exit (the document stands)."""
    if mail and mail.get("state") == "failed":
        print(f"error: {mail.get('error')}", file=sys.stderr)
        raise typer.Exit(6)


def emit_mailed(
    data: Any, as_json: bool, render: Callable[[], None], mail: dict[str, Any] | None
) -> None:
    """A document command's result after ``send_issued``: JSON, or ``render`` and then the
    line on the mail; a failed mail is a non-zero exit after the output."""

    def show() -> None:
        render()
        mail_line(mail)

    emit(data, as_json, show)
    fail_if_unsent(mail)


def send_cmd(
    target: str = typer.Argument(
        None, help="A request key (its plan or certificate) or a dispatch order number."
    ),
    kind: str = typer.Option(None, "--kind", help="plan | acceptance (default: what it waits on)."),
    document: int = typer.Option(None, "--document", help="A recorded document's id instead."),
    failed: bool = typer.Option(False, "--failed", help="Send again every mail that failed."),
    actor: str = typer.Option("changeflow", "--actor", help="Who sends (recorded)."),
    as_json: bool = JsonOpt,
) -> None:
    """Mail a signed document to the client's contact (at most once per version; a failed
    one is sent again)."""
    from changeflow.errors import InputError, MailNotSetUp
    from changeflow.tasks.clientmail import failed_sends, newest_for, send_if_wanted_all

    if failed:
        ids = failed_sends()
    elif document is not None:
        ids = [document]
    elif target:
        ids = [newest_for(target, kind)]
    else:
        raise InputError(
            "changeflow send", "TARGET", "name a request, an order, --document or --failed"
        )
    sends = send_if_wanted_all(ids, actor=actor)

    def render() -> None:
        if not sends:
            console.print("nothing to send")
        if sends and all(m.get("state") == "not-set-up" for m in sends):
            console.print(f"nothing sent: {MailNotSetUp.SMTP}", markup=False)
            return
        for m in sends:
            console.print(f"{m['subject']} {m['kind']} v{m['version']}:", end=" ", markup=False)
            mail_line(m)

    emit({"sends": sends}, as_json, render)
    bad = [m for m in sends if m.get("state") == "failed"]
    if bad:
        print(
            f"error: {len(bad)} mail(s) failed: " + "; ".join(m["error"] for m in bad),
            file=sys.stderr,
        )
        raise typer.Exit(6)


def mailbox_cmd(as_json: bool = JsonOpt) -> None:
    """One pass over the project's mailbox: each reply's attachment through the inbox's
    checks (task books to intake, signed documents to their decision), the message filed
    in the processed or refused folder and the sender answered."""
    from changeflow.errors import MailNotSetUp
    from changeflow.tasks.clientmail.mailbox import mailbox_set_up, read_mailbox

    if not mailbox_set_up():  # optional until it is set up: say so, succeed
        emit(
            {"configured": False, "message": MailNotSetUp.IMAP},
            as_json,
            lambda: console.print(MailNotSetUp.IMAP, markup=False),
        )
        return
    report = read_mailbox()

    def render() -> None:
        if report.items:
            console.print(
                table(
                    f"mailbox {report.folder}",
                    ["from", "subject", "outcome", "key", "detail", "answer"],
                    (
                        [i.sender, i.subject, i.outcome, i.key or "", i.detail, i.answer]
                        for i in report.items
                    ),
                )
            )
        console.print(report.summary(), markup=False)

    emit(report.as_dict(), as_json, render)
    refused = [i for i in report.items if i.outcome == "refused"]
    if refused:
        print(
            f"error: {len(refused)} mail(s) refused (answered with the reason): "
            + "; ".join(f"{i.sender}: {i.detail}" for i in refused),
            file=sys.stderr,
        )
        raise typer.Exit(2)


def remind_cmd(
    actor: str = typer.Option("changeflow", "--actor"),
    as_json: bool = JsonOpt,
) -> None:
    """Remind the client's contact, once, of each plan or certificate not answered after the
    contract's working days (settings.client_mail.remind_after_working_days), telling our
    lead; and send again the mails that failed."""
    from changeflow.tasks.clientmail.waiting import follow_up

    done = follow_up(actor=actor)

    def render() -> None:
        for r in done["reminders"]:
            console.print(
                f"{r['subject']} {r['kind']} v{r['version']}: reminded {', '.join(r['to'])}"
                f" (sent {r['sent_on']}, {r['working_days']} working days)",
                markup=False,
            )
        for r in done["resent"]:
            console.print(f"{r['subject']} {r['kind']} v{r['version']}:", end=" ", markup=False)
            mail_line(r)
        for d in done["deemed_due"]:
            console.print(
                f"{d['key']}: deemed accepted from {d['deemed_on']} by the clause; record it"
                f" with: changeflow deemed {d['key']}",
                markup=False,
            )
        if not (done["reminders"] or done["resent"] or done["deemed_due"]):
            console.print("nothing to remind")

    emit(done, as_json, render)


def deemed_cmd(
    key: str = typer.Argument(..., help="Request key of a live request."),
    actor: str = typer.Option("changeflow", "--actor", help="Who records it (audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Record the request as accepted by the contract's 逾期视同验收 clause: the certificate
    was sent, no answer came within the clause's working days; the dates and reminders are
    the evidence, channel 'deemed'."""
    from changeflow.tasks.clientmail.waiting import record_deemed

    res = record_deemed(key, actor=actor)
    emit(
        res,
        as_json,
        lambda: console.print(
            f"{res['key']} accepted by the clause ({res['clause']}): certificate v{res['version']}"
            f" sent {res['sent_on']}, no answer by {res['deemed_on']}; state {res['state']}",
            markup=False,
        ),
    )


def register(app: typer.Typer) -> None:
    """Add ``send``, ``mailbox``, ``remind`` and ``deemed`` to ``app``."""
    app.command("send")(send_cmd)
    app.command("mailbox")(mailbox_cmd)
    app.command("remind")(remind_cmd)
    app.command("deemed")(deemed_cmd)
