"""``changeflow fee`` (the annual fee's schedule, invoices, payments, reminders) and
``changeflow settlement`` (the year's settlement the client confirms)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow.cli.common import ContractOpt, JsonOpt, console, emit, emit_table, table

fee_app = typer.Typer(
    help="The annual fee (费用结算): schedule, invoices, payments.", no_args_is_help=True
)
settlement_app = typer.Typer(help="The year's settlement (年度服务结算单).", no_args_is_help=True)
ActorOpt = typer.Option("changeflow", "--actor", help="Who records it (the audit trail).")


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False)


@fee_app.command("schedule")
def fee_schedule_cmd(
    instalments: list[str] = typer.Argument(
        ..., help="DATE=AMOUNT per instalment (2026-07-15=10000 2027-01-15=10000)."
    ),
    contract: str = ContractOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Set when the annual fee falls due: once a year (one DATE=AMOUNT) or instalments."""
    from changeflow.tasks.settlement import parse_instalments, set_schedule

    r = set_schedule(contract, parse_instalments(instalments, "fee schedule"), actor=actor)
    emit(r, as_json, lambda: _line(f"{r['contract']}: {len(r['instalments'])} instalment(s)"))


@fee_app.command("invoice")
def fee_invoice_cmd(
    number: str = typer.Argument(..., help="The invoice's number (发票号)."),
    date: str = typer.Option(..., "--date", help="Date issued (YYYY-MM-DD)."),
    amount: str = typer.Option(..., "--amount", help="Amount in CNY (20000.00)."),
    note: str = typer.Option("", "--note"),
    contract: str = ContractOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record an invoice we issued."""
    from changeflow.tasks.settlement import issue_invoice

    r = issue_invoice(contract, number, date, amount, note=note, actor=actor)
    emit(r, as_json, lambda: _line(f"invoice {r['number']} ¥{r['amount']} on {r['date']}"))


@fee_app.command("pay")
def fee_pay_cmd(
    amount: str = typer.Argument(..., help="Amount received in CNY."),
    date: str = typer.Option(..., "--date", help="Date received (YYYY-MM-DD)."),
    method: str = typer.Option(..., "--method", help="支票 cheque, 现金 cash or 转账 transfer."),
    cheque_no: str = typer.Option("", "--cheque-no", help="The cheque's number (支票号)."),
    invoice: str = typer.Option(None, "--invoice", help="The invoice it pays."),
    note: str = typer.Option("", "--note"),
    contract: str = ContractOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a payment the client made."""
    from changeflow.tasks.settlement import record_payment

    r = record_payment(
        contract, date, amount, method, cheque_no=cheque_no, invoice=invoice, note=note, actor=actor
    )
    emit(r, as_json, lambda: _line(f"payment ¥{r['amount']} on {r['date']} ({r['method']})"))


@fee_app.command("show")
def fee_show_cmd(
    contract: str = typer.Argument(None, help="Contract code; default: the one in force."),
    as_json: bool = JsonOpt,
) -> None:
    """The fee's standing: schedule, invoices, payments, outstanding and overdue."""
    from changeflow.tasks.settlement import fee_standing

    r = fee_standing(contract)

    def render() -> None:
        _line(
            f"{r['contract']}: fee ¥{r['annual_fee']}, invoiced ¥{r['invoiced']},"
            f" paid ¥{r['paid']}, outstanding ¥{r['outstanding']}, overdue ¥{r['overdue']}"
        )
        cols = ["seq", "due", "amount", "paid", "status"]
        console.print(table("Schedule", cols, ([i[c] for c in cols] for i in r["schedule"])))
        cols = ["date", "amount", "method", "cheque_no", "invoice"]
        console.print(table("Payments", cols, ([p[c] or "-" for c in cols] for p in r["payments"])))
        cols = ["number", "date", "amount"]
        console.print(table("Invoices", cols, ([v[c] for c in cols] for v in r["invoices"])))

    emit(r, as_json, render)


@fee_app.command("remind")
def fee_remind_cmd(
    contract: str = typer.Argument(None, help="Contract code; default: the one in force."),
    as_json: bool = JsonOpt,
) -> None:
    """Mail our project lead about instalments due soon or overdue (once each)."""
    from changeflow.tasks.settlement import remind_payments

    r = remind_payments(contract)
    emit(r, as_json, lambda: _line(f"sent {len(r['sent'])}, failed {len(r['failed'])}"))
    if r["failed"]:
        raise typer.Exit(1)


@settlement_app.command("make")
def settlement_make_cmd(
    contract: str = typer.Argument(None, help="Contract code; default: the one in force."),
    lang: str = typer.Option(None, "--lang", help="zh-CN or en (default: the installation's)."),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Make the year's settlement (年度服务结算单) for the client to confirm."""
    from changeflow.tasks.settlement import settlement_document

    r = settlement_document(contract, lang=lang, actor=actor)
    emit(r, as_json, lambda: _line(f"{r['subject']} v{r['version']}: {r['path']}"))


@settlement_app.command("confirm")
def settlement_confirm_cmd(
    file: Path = typer.Argument(..., help="The settlement .docx the client filled and returned."),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record the client's confirmation of the year's settlement, read from the returned file."""
    from changeflow.tasks.settlement import confirm_settlement

    v = confirm_settlement(file, actor=actor)
    emit(
        v,
        as_json,
        lambda: _line(
            f"{v['subject']} v{v['version']}: {v['state']} by {v['signer']} on {v['signed_on']}"
            + (" (already recorded)" if v["duplicate"] else "")
        ),
    )


@settlement_app.command("list")
def settlement_list_cmd(contract: str = typer.Argument(None), as_json: bool = JsonOpt) -> None:
    """Every settlement issued, with the client's confirmation."""
    from changeflow.tasks.settlement import list_settlements

    rows: list[dict[str, Any]] = list_settlements(contract)
    cols = ["subject", "version", "state", "signer", "signed_on", "document"]
    emit_table(rows, as_json, "Settlements", cols, ([r[c] or "-" for c in cols] for r in rows))


def register(app: typer.Typer) -> None:
    """Add ``fee`` and ``settlement`` to ``app``."""
    app.add_typer(fee_app, name="fee")
    app.add_typer(settlement_app, name="settlement")
