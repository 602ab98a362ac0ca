"""``changeflow runlog``: the daily run log (运行日志)."""

from __future__ import annotations

import typer

from changeflow.cli.common import AtOpt as RecordedAtOpt
from changeflow.cli.common import ContractOpt, JsonOpt, console, emit, table

runlog_app = typer.Typer(help="The daily run log (运行日志).", no_args_is_help=True)


@runlog_app.command("add")
def runlog_add(
    author: str = typer.Option(..., "--author"),
    day: str = typer.Option(None, "--day", help="YYYY-MM-DD; default today."),
    check: list[str] = typer.Option(None, "--check", help="A check done (repeat)."),
    backups_verified: bool = typer.Option(False, "--backups-verified", help="Backups checked."),
    backup_note: str = typer.Option("", "--backup-note"),
    incidents: str = typer.Option("", "--incidents"),
    changes: str = typer.Option("", "--changes"),
    contract: str = ContractOpt,
    replace: bool = typer.Option(False, "--replace", help="Replace the day's entry."),
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Write the run log of one service day."""
    from changeflow.tasks.maintenance import add_run_log

    v = add_run_log(
        day=day,
        author=author,
        checks=check or [],
        backups_verified=backups_verified,
        backup_note=backup_note,
        incidents=incidents,
        changes=changes,
        contract=contract,
        replace=replace,
        at=at,
        at_field="--at",
    )
    emit(
        v, as_json, lambda: console.print(f"run log {v['contract']} {v['day']} saved", markup=False)
    )


@runlog_app.command("list")
def runlog_list(
    first: str = typer.Option(None, "--from", help="YYYY-MM-DD; default a week ago."),
    last: str = typer.Option(None, "--to", help="YYYY-MM-DD; default today."),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Entries of a period and the working days that have none."""
    from datetime import date

    from changeflow.errors import InputError
    from changeflow.tasks.maintenance import list_run_log

    def day(v: str | None, field: str) -> date | None:
        try:
            return date.fromisoformat(v) if v else None
        except ValueError:
            raise InputError("changeflow runlog list", field, f"'{v}' is not a date") from None

    info = list_run_log(contract, day(first, "from"), day(last, "to"))

    def render() -> None:
        cols = ["day", "author", "checks", "backups", "backup note", "incidents", "changes"]
        console.print(
            table(
                f"Run log {info['contract']}",
                cols,
                (
                    [
                        e["day"],
                        e["author"],
                        "; ".join(e["checks"]),
                        "yes" if e["backups_verified"] else "no",
                        e["backup_note"],
                        e["incidents"],
                        e["changes"],
                    ]
                    for e in info["entries"]
                ),
            )
        )
        if info["missing"]:
            console.print("no entry: " + ", ".join(d.isoformat() for d in info["missing"]))

    emit(info, as_json, render)


# --- SLA report ----------------------------------------------------------------------------
