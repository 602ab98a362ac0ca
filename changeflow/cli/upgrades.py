"""``changeflow upgrade``: install and upgrade plans (升级方案) of a server or the OA
platform: planned with the signed plan, approved by the client, recorded after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow.cli.common import ActorOpt, ContractOpt, JsonOpt, emit, emit_records, show_record
from changeflow.cli.common import AtOpt as RecordedAtOpt

upgrade_app = typer.Typer(
    help="Install and upgrade plans (升级方案) and their records (升级记录).", no_args_is_help=True
)


def _line(v: dict[str, Any]) -> None:
    show_record(
        f"{v['number']}  {v['state']}  {v['target']}  {v['window_start'][:16].replace('T', ' ')}"
        f" - {v['window_end'][11:16]}  {v['title']}",
        *(f"{label}: {v[key]}" for label, key in (("plan", "document"), ("record", "record"))
          if v.get(key)),
        f"decided by {v['approver']} on {v['decided_on']}" if v.get("approver") else "",
    )  # fmt: skip


@upgrade_app.command("plan")
def upgrade_plan(
    target: str = typer.Option(..., "--target", help="server | platform"),
    title: str = typer.Option(..., "--title"),
    window_start: str = typer.Option(..., "--window-start", help="Downtime starts (local)."),
    window_end: str = typer.Option(..., "--window-end", help="Downtime ends (local)."),
    check: list[str] = typer.Option(..., "--check", help="环境检查 item (repeat)."),
    step: list[str] = typer.Option(..., "--step", help="步骤 (repeat, in order)."),
    rollback: list[str] = typer.Option(..., "--rollback", help="回退 step (repeat)."),
    test: list[str] = typer.Option(..., "--test", help="访问测试 item (repeat)."),
    system: str = typer.Option("", "--system", help="The server or platform."),
    from_version: str = typer.Option("", "--from"),
    to_version: str = typer.Option("", "--to"),
    contract: str = ContractOpt,
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Plan an install or upgrade and issue its signed plan for the client's approval."""
    from changeflow.tasks.upgrades import plan_upgrade

    v = plan_upgrade(
        target=target, title=title, window_start=window_start, window_end=window_end,
        checks=check, steps=step, rollback=rollback, tests=test, system=system,
        from_version=from_version, to_version=to_version, contract=contract, lang=lang,
        actor=actor, source="changeflow upgrade plan", at=at, at_field="--at",
    )  # fmt: skip
    emit(v, as_json, lambda: _line(v))


@upgrade_app.command("approve")
def upgrade_approve(file: Path, actor: str = ActorOpt, as_json: bool = JsonOpt) -> None:
    """Record the client's decision from the returned plan (the one sign-off reader)."""
    from changeflow.tasks.upgrades import approve_upgrade_file

    v = approve_upgrade_file(file, actor=actor)
    emit(v, as_json, lambda: _line(v))


@upgrade_app.command("record")
def upgrade_record(
    number: str,
    started: str = typer.Option(..., "--started"),
    ended: str = typer.Option(..., "--ended"),
    result: list[str] = typer.Option(
        ..., "--result", help="N=result for each check then access test (repeat)."
    ),
    outcome: str = typer.Option("done", "--outcome", help="done | rolled_back"),
    notes: str = typer.Option("", "--notes"),
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record an approved upgrade as carried out, with its record document (升级记录)."""
    from changeflow.tasks.upgrades import record_upgrade

    v = record_upgrade(number, started=started, ended=ended, results=result, outcome=outcome,
                       notes=notes, lang=lang, actor=actor)  # fmt: skip
    emit(v, as_json, lambda: _line(v))


@upgrade_app.command("list")
def upgrade_list(contract: str = ContractOpt, as_json: bool = JsonOpt) -> None:
    """The installs and upgrades, by window."""
    from changeflow.tasks.upgrades import list_upgrades

    emit_records(list_upgrades(contract), as_json, _line, "no upgrade")


def register(app: typer.Typer) -> None:
    """Add ``upgrade`` to ``app``."""
    app.add_typer(upgrade_app, name="upgrade")
