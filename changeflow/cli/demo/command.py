"""``changeflow demo``: the whole lifecycle on the embedded default, end to end."""

from __future__ import annotations

from pathlib import Path

import typer

from changeflow.cli.common import JsonOpt, console, emit, table


def demo(
    out: Path = typer.Option(
        Path("demo-out"), help="Folder for the demo's database and documents."
    ),
    server: bool = typer.Option(True, help="Find or start a local Prefect server for the runs."),
    as_json: bool = JsonOpt,
) -> None:
    """Run the sample contract's requests through the lifecycle and print what it made."""
    from changeflow.tasks.status import list_requests

    from .runner import run_demo

    run = run_demo(out, use_server=server)
    requests = list_requests()
    data = {"out": run.out, "prefect": run.server_url, "steps": run.rows, "requests": requests}

    def render() -> None:
        console.print(table("changeflow demo", ["stage", "what", "result"],
                            ([r["stage"], r["what"], r["result"]] for r in run.rows)))  # fmt: skip
        cols = ["key", "kind", "title", "state"]
        console.print(table("Requests", cols, ([r[c] for c in cols] for r in requests)))
        console.print(f"Documents: {run.out / 'documents'}")
        if run.server_url:
            console.print(f"Flow runs were reported to the Prefect server at {run.server_url}")

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)
