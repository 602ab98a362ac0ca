"""``changeflow up``: the Prefect server, the deployments and something running them.

One command for a lead's machine (``--serve``, the default) or for each worker machine of a
shared server (``--worker``, with ``PREFECT_API_URL`` pointing at it).
"""

from __future__ import annotations

import os
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
    docs_host: str = typer.Option(
        "127.0.0.1", help="Address of the document service (documents, hand-in page)."
    ),
    docs_port: int = typer.Option(None, help="Its port (default: the server's port + 10)."),
) -> None:
    """Start (or find) the Prefect server, create the deployments and run them until Ctrl-C."""
    from changeflow.cli.docservice import DEFAULT_PORT_OFFSET, URL_ENV
    from changeflow.cli.serving import (
        ensure_server,
        pin_places,
        serving_elsewhere,
        start_docservice,
        start_executor,
    )
    from changeflow.errors import ConfigError
    from changeflow.flows.deployments import DEPLOYMENTS
    from changeflow.tasks.doctor import stray_checkout_database

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, _raise_interrupt)  # a service manager's stop = Ctrl-C
    places = pin_places()  # absolute, for every flow run (they work inside the checkout)
    console.print(f"Home {places['CHANGEFLOW_HOME']}", highlight=False)
    stray = stray_checkout_database()
    if stray is not None:
        err_console.print(f"warning: {stray} is a database inside the checkout, not yours"
                          " (flow runs once wrote there); see changeflow doctor",
                          highlight=False)  # fmt: skip
    server = ensure_server(host=host, port=port)
    mode = "worker" if worker else "serve"
    how = "started here" if server.started_here else "already running, reused"
    console.print(f"Prefect server {server.api_url} ({how})", highlight=False)
    if not server.started_here:
        other = serving_elsewhere(server.api_url, mode)
        if other:
            # Serving them too would re-point them at this folder, and stopping would pause
            # what the other ``up`` still serves: refuse and say where it runs.
            raise ConfigError(f"{other} at {server.ui_url}/v2/deployments: use that one, or"
                              " stop it first (deployments of an up that was killed count as"
                              " served for 90 s)")  # fmt: skip
    if server.started_here and not _loopback(server.api_url) and not _auth_configured():
        err_console.print(
            "warning: the server listens beyond this machine without "
            "PREFECT_SERVER_API_AUTH_STRING: anyone on the network can run flows"
        )
    from urllib.parse import urlparse

    try:
        api_port = urlparse(server.api_url).port or 4200
        docs = start_docservice(docs_host, docs_port or api_port + DEFAULT_PORT_OFFSET)
    except BaseException:
        server.stop()
        raise
    if not os.environ.get(URL_ENV):  # set it yourself for an address others reach
        os.environ[URL_ENV] = docs.url  # the links in every artifact
    try:
        ex = start_executor(mode, server.api_url, pool=pool, deploy=deploy, limit=limit)
    except BaseException:
        docs.stop()
        server.stop()
        raise
    rows = [(d.ui_name, d.schedule.cron or f"every {d.schedule.seconds} s" if d.schedule else "")
            for d in DEPLOYMENTS]  # fmt: skip
    console.print(table(f"Deployments ({mode})", ["deployment", "schedule (Asia/Shanghai)"], rows))
    console.print(f"[bold]UI:[/] {server.ui_url}/v2/deployments", highlight=False)
    console.print(f"[bold]Hand-in page:[/] {os.environ[URL_ENV]}/hand-in", highlight=False)
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
    docs.stop()
    if server.started_here:
        server.stop()
        console.print("Prefect server stopped.")
    else:
        console.print(f"Prefect server left running at {server.api_url} (not started here).")
    sys.exit(code)


def register(app: typer.Typer) -> None:
    """Add ``up`` to ``app``."""
    app.command()(up)
