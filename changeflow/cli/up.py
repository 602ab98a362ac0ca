"""``changeflow up``: the Prefect server, the deployments and something running them.

One command for a lead's machine (``--serve``, the default) or for each worker machine of a
shared server (``--worker``, with ``PREFECT_API_URL`` pointing at it).
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

import typer

from changeflow.cli.common import console, err_console, table


def _raise_interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def _loopback(api_url: str) -> bool:
    from urllib.parse import urlparse

    return urlparse(api_url).hostname in ("127.0.0.1", "localhost", "::1")


def _auth_configured() -> bool:
    import os

    return bool(os.environ.get("PREFECT_SERVER_API_AUTH_STRING"))


def _wait_interruptible(ex: Any) -> bool:
    """Wait for the executor to exit; False if Ctrl-C came first."""
    try:
        while ex.running():
            time.sleep(0.3)
        return True
    except KeyboardInterrupt:
        return False


def up(
    host: str = typer.Option(None, help="Address to bind (default 127.0.0.1: this machine only)."),
    port: int = typer.Option(None, help="Port of the server and UI (default 4200)."),
    worker: bool = typer.Option(
        False,
        "--worker/--serve",
        help="Run flows with a process worker on the work pool (several machines), or serve "
        "them from this process (one machine; the default).",
    ),
    pool: str = typer.Option("changeflow", help="Work pool for --worker."),
    deploy: bool = typer.Option(
        True,
        help="Create/update the deployments (--no-deploy: a worker joining a shared "
        "server uses the deployments already there).",
    ),
    limit: int = typer.Option(None, help="At most this many flow runs at once here."),
) -> None:
    """Start (or find) the Prefect server, create the deployments and run them until Ctrl-C."""
    from changeflow.cli.serving import ensure_server, start_executor
    from changeflow.flows.deployments import DEPLOYMENTS

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, _raise_interrupt)  # a service manager's stop = Ctrl-C
    server = ensure_server(host=host, port=port)
    mode = "worker" if worker else "serve"
    how = "started here" if server.started_here else "already running, reused"
    console.print(f"Prefect server {server.api_url} ({how})", highlight=False)
    if server.started_here and not _loopback(server.api_url) and not _auth_configured():
        err_console.print(
            "warning: the server listens beyond this machine without "
            "PREFECT_SERVER_API_AUTH_STRING: anyone on the network can run flows"
        )
    try:
        ex = start_executor(mode, server.api_url, pool=pool, deploy=deploy, limit=limit)
    except BaseException:
        server.stop()
        raise
    rows = [(d.name, d.schedule.cron or f"every {d.schedule.seconds} s" if d.schedule else "")
            for d in DEPLOYMENTS]  # fmt: skip
    console.print(table(f"Deployments ({mode})", ["deployment", "schedule (Asia/Shanghai)"], rows))
    console.print(f"[bold]UI:[/] {server.ui_url}/v2/deployments", highlight=False)
    console.print(f"Logs: {ex.log_path}. Ctrl-C to stop.", highlight=False)
    code = 0
    if _wait_interruptible(ex):
        err_console.print(f"the {mode} process stopped (exit {ex.process.returncode}); see "
                          f"{ex.log_path}", highlight=False)  # fmt: skip
        code = 1
    else:
        console.print("Stopping: no new runs; running flow runs may finish "
                      "(Ctrl-C again cancels them).")  # fmt: skip
        ex.drain()
        if not _wait_interruptible(ex):
            console.print("Cancelling running flow runs...")
            ex.cancel()
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if ex.wait(60) is None:
                ex.kill()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the server stop in peace
    if server.started_here:
        server.stop()
        console.print("Prefect server stopped.")
    else:
        console.print(f"Prefect server left running at {server.api_url} (not started here).")
    sys.exit(code)


def register(app: typer.Typer) -> None:
    """Add ``up`` to ``app``."""
    app.command()(up)
