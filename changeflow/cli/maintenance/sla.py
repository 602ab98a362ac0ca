"""``changeflow sla``: the monthly SLA report and statement, its confirmation, the
statements issued, the watch over the clocks."""

from __future__ import annotations

from pathlib import Path

import typer

from changeflow.cli.clientmail import SendOpt, emit_mailed
from changeflow.cli.common import ActorOpt, ContractOpt, JsonOpt, console, emit, emit_table
from changeflow.cli.common import AtOpt as RecordedAtOpt

sla_app = typer.Typer(help="SLA reports.", no_args_is_help=True)


@sla_app.command("report")
def sla_report_cmd(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    contract: str = ContractOpt,
    docx: bool = typer.Option(
        False, "--docx", help="Also make the Word statement for the client (对账单)."
    ),
    lang: str = typer.Option(None, "--lang", help="zh-CN | en (default: settings)."),
    send: bool = SendOpt,
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Monthly SLA report: met %, average and worst times, breaches with causes, open clocks
    as open; with --docx the Word statement the client receives and confirms (--send mails
    it to the client's contact, and implies --docx)."""
    from changeflow.tasks.clientmail import send_issued
    from changeflow.tasks.maintenance import report_markdown, sla_report, sla_report_document

    docx = docx or bool(send)
    r = (
        sla_report_document(month, contract, lang=lang, at=at, at_field="--at")
        if docx
        else sla_report(month, contract)
    )
    mail = r["mail"] = send_issued(r, send, document="path") if docx else None

    def render() -> None:
        console.print(report_markdown(r), markup=False, highlight=False)
        if docx:
            console.print(
                f"\n{r['path']} (statement {r['subject']} v{r['version']}: send it to the"
                " client to confirm; record the returned file with the inbox or"
                " changeflow sla confirm FILE)",
                markup=False,
            )

    emit_mailed(r, as_json, render, mail)


@sla_app.command("confirm")
def sla_confirm_cmd(
    file: Path = typer.Argument(
        ..., help="The SLA statement .docx the client filled and returned."
    ),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record the client's confirmation of a monthly SLA statement (无异议/有异议), read back
    from the returned file (verified signature, unchanged content, newest version)."""
    from changeflow.tasks.maintenance import confirm_statement

    v = confirm_statement(file, actor=actor)
    emit(
        v,
        as_json,
        lambda: console.print(
            f"{v['subject']} v{v['version']}: {v['state']} by {v['signer']} on {v['signed_on']}"
            + (f" ({v['remarks']})" if v["remarks"] else "")
            + (" (already recorded)" if v["duplicate"] else ""),
            markup=False,
        ),
    )


@sla_app.command("statements")
def sla_statements_cmd(
    contract: str = ContractOpt,
    month: str = typer.Option(None, "--month", help="YYYY-MM"),
    as_json: bool = JsonOpt,
) -> None:
    """Issued monthly statements and whether the client confirmed them."""
    from changeflow.tasks.maintenance import list_statements

    rows = list_statements(contract, month)
    cols = ["subject", "version", "state", "signer", "signed_on", "remarks", "document"]
    emit_table(rows, as_json, "SLA statements", cols, ([r[c] or "-" for c in cols] for r in rows))


@sla_app.command("watch")
def sla_watch_cmd(as_json: bool = JsonOpt) -> None:
    """Check the clocks once and send due warnings and breach notices (what sla-watch runs)."""
    from changeflow.tasks.maintenance import sla_watch

    r = sla_watch()
    emit(
        r,
        as_json,
        lambda: console.print(
            f"checked {r['checked']} open fault(s);"
            f" sent {len(r['sent'])}, failed {len(r['failed'])}"
        ),
    )
