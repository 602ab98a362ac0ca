"""``changeflow demo``: the whole contract on the embedded default, end to end."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from changeflow.cli.common import JsonOpt, console, emit, table

KIND_NAMES = {
    "plan": "implementation plan and budget (实施计划和费用预算)",
    "testreport": "test report (测试报告)",
    "golive": "go-live record (上线记录)",
    "techdoc": "technical document (技术文档)",
    "manual": "user manual (用户手册)",
    "acceptance": "acceptance certificate (验收单)",
    "taskbook": "task book (项目任务书)",
    "fault-record": "fault record (故障处理记录)",
    "dispatch": "dispatch order (派工单)",
    "weekly-report": "weekly report (项目周报)",
    "sla-report": "monthly SLA statement (月度服务对账单)",
    "plan-draft": "implementation plan and budget, draft (草稿)",
}


def kind_name(kind: str) -> str:
    """A document kind as a person reads it (returned copies: '… returned, signed')."""
    for suffix in ("_returned", "-returned", "_signed"):
        if kind.endswith(suffix):
            return KIND_NAMES.get(kind.removesuffix(suffix), kind) + ", returned signed"
    return KIND_NAMES.get(kind, kind.replace("_", " "))


def demo(
    out: Path = typer.Option(
        Path("demo-out"), metavar="DIR", help="Folder for the demo's database and documents."
    ),
    server: bool = typer.Option(True, help="Run the flows on a local Prefect server."),
    ui: bool = typer.Option(
        False, "--ui", help="Keep the Prefect server up with the demo's runs until Ctrl-C."
    ),
    verbose: bool = typer.Option(False, "--verbose", help="Show Prefect's own log lines."),
    as_json: bool = JsonOpt,
) -> None:
    """Run the sample contract through development and a maintenance month; list what it made."""
    from changeflow.tasks.status import list_requests

    from .runner import run_demo

    run = run_demo(out, use_server=server, verbose=verbose, keep_server=ui)
    requests = list_requests()
    docs = [{**d, "kind_name": kind_name(d["kind"])} for d in run.documents]
    data = {
        "out": run.out,
        "prefect": run.server_url,
        "steps": run.rows,
        "requests": requests,
        "documents": docs,
    }

    def rel(p: Path) -> str:
        try:
            return str(Path(p).relative_to(Path.cwd()))
        except ValueError:
            return str(p)

    def render() -> None:
        console.print(table("changeflow demo", ["stage", "what", "result"],
                            ([r["stage"], r["what"], r["result"]] for r in run.rows)))  # fmt: skip
        cols = ["key", "kind", "title", "state"]
        console.print(table("Requests", cols, ([r[c] for c in cols] for r in requests)))
        console.print(table(f"Documents ({len(docs)})", ["kind", "for", "path"],
                            ([d["kind_name"], d["request"] or "", rel(d["path"])]
                             for d in docs)))  # fmt: skip
        if run.server_url and run.server is None:
            console.print(f"Flow runs: {run.server_url}/runs (the Prefect server stays up)")

    emit(data, as_json, render)
    if run.server is not None:
        import signal

        def stop(_sig: int, _frame: object) -> None:
            raise KeyboardInterrupt

        # Ctrl-C (also when started with SIGINT ignored, as a background job) and a plain
        # kill both stop the server the demo started, never leaving it behind.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            console.print(
                f"Prefect UI with the demo's runs: {run.server_url}/runs (Ctrl-C stops the server)",
                highlight=False,
            )
            while run.server.process is not None and run.server.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            run.server.stop()


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)
