"""``changeflow board``: the lead's board (看板) in the terminal, the same content the Prefect
UI shows as the artifact keyed ``board`` (``tasks.board``)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import typer

from changeflow.cli.common import JsonOpt, emit


def _plain(value: Any) -> Any:
    """The facts as JSON-ready data: steps as mappings, time left in minutes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def board(
    lang: str = typer.Option(None, help="zh-CN or en (default: the installation's)."),
    docs_url: str = typer.Option(
        None, "--docs-url", help="The document service's address, for document links."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Every open request and fault: state, next step and who it waits for, plan against
    today, SLA clocks, service days and fee, latest documents."""
    from changeflow.tasks.board import board_facts, render

    facts = board_facts()
    if as_json:
        emit(_plain(facts), True)
        return
    text = render(facts, lang=lang, docs_url=docs_url).replace("<br>", "；")
    typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add ``board`` to ``app``."""
    app.command()(board)
