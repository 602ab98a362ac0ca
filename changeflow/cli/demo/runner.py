"""``changeflow demo``: the sample contract's requests carried through the lifecycle.

Runs on the embedded default (a fresh SQLite database under ``<out>/var``) with a Prefect
server of its own (on 4200 when that port is free, else on a free port, so two demos never
share one; ``PREFECT_API_URL`` set to a server that answers is used instead), calls the same
flows a lead runs from the UI, copies every document it made into ``<out>/documents``, and
returns a summary. Prefect's own log lines go to the console only with ``verbose``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .common import DemoRun, Step
from .lifecycle import step_repository
from .month import step_month
from .start import step_setup

DEFAULT_PORT = 4200


def fresh_home(out: Path) -> Path:
    """A clean database, store and inbox for the demo; the Prefect server's data is kept."""
    home = out / "var"
    for name in ("changeflow.db", "changeflow.db-wal", "changeflow.db-shm"):
        (home / name).unlink(missing_ok=True)
    for folder in ("documents", "inbox", "repos"):
        shutil.rmtree(home / folder, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["CHANGEFLOW_HOME"] = str(home)
    os.environ.pop("CHANGEFLOW_DATABASE_URL", None)
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()
    return home


def _stages() -> list[Step]:
    """Setup (``start``), the client's repository, then November 2026 replayed in the order
    it happened (``month``): intake, plan to acceptance (``lifecycle``), the maintenance
    month and the reports (``maintenance``)."""
    return [step_setup, step_repository, step_month]


def _folder(doc: Any) -> str:
    if doc.request is not None:
        return doc.request.key
    return doc.kind.split("_")[0].split("-returned")[0].replace("_", "-")


def collect_documents(run: DemoRun) -> list[Path]:
    """Copy every stored document into ``<out>/documents/<key or kind>/`` with a readable name;
    ``run.documents`` lists each with its kind and path (and the reports beside them)."""
    from sqlalchemy import select

    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    target = run.out / "documents"
    shutil.rmtree(target, ignore_errors=True)
    copied = []
    run.documents = []
    with transaction() as s:
        for doc in s.scalars(select(Document).order_by(Document.id)):
            folder = target / _folder(doc)
            folder.mkdir(parents=True, exist_ok=True)
            dst = folder / Path(doc.path).name
            shutil.copyfile(document_path(doc), dst)
            copied.append(dst)
            run.documents.append({
                "kind": doc.kind, "version": doc.version, "lang": doc.lang,
                "request": doc.request.key if doc.request else None, "path": dst,
            })  # fmt: skip
    for kind, path in run.extra_documents:
        run.documents.append(
            {"kind": kind, "version": None, "lang": None, "request": None, "path": path}
        )
    return copied


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def demo_port(host: str = "127.0.0.1") -> int:
    """4200 when free; else a free port of our own (never another server's)."""
    if port_free(host, DEFAULT_PORT):
        return DEFAULT_PORT
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _port_lock() -> Iterator[None]:
    """Held from choosing a port until the server on it answers: a second demo starting at
    the same moment then finds the port taken and picks another (on one machine)."""
    import fcntl
    import tempfile

    path = Path(tempfile.gettempdir()) / "changeflow-demo-port.lock"
    with open(path, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def quiet_prefect(verbose: bool) -> Iterator[None]:
    """Prefect's console log lines (``View at …``, ``Finished in state …``) only if verbose;
    what it sends to the server (the UI's logs) is unchanged."""
    if verbose:
        yield
        return
    from prefect import flow  # noqa: F401 - Prefect sets its logging up on this import
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved: dict[logging.Handler, int] = {}  # one handler may serve several loggers
    for lg in loggers:
        for h in lg.handlers:
            if isinstance(h, PrefectConsoleHandler) and h not in saved:
                saved[h] = h.level
                h.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for h, level in saved.items():
            h.setLevel(level)


def run_demo(
    out: Path, *, use_server: bool = True, stages: list[Step] | None = None,
    verbose: bool = True, keep_server: bool = False,
) -> DemoRun:  # fmt: skip
    """Every stage in order. With ``keep_server`` a server the demo started is left running
    in ``run.server`` (the caller stops it); otherwise it is stopped before returning."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = fresh_home(out)
    run = DemoRun(out)
    server = None
    saved_url = os.environ.get("PREFECT_API_URL")
    if use_server:
        from changeflow.cli.serving import ensure_server, healthy

        configured = os.environ.get("PREFECT_API_URL")
        if configured and healthy(configured):
            server = ensure_server(prefect_home=home / "prefect")
        else:
            with _port_lock():  # two demos starting at once never pick the same port
                server = ensure_server(port=demo_port(), prefect_home=home / "prefect")
        run.server_url = server.ui_url
    try:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with quiet_prefect(verbose), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            for step in stages or _stages():
                step(run)
        docs = collect_documents(run)
        run.step("documents", "copied", f"{len(docs)} file(s) in documents/")
    finally:
        if server is not None and server.started_here:
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()
            if keep_server:
                run.server = server
            else:
                server.stop()
                run.server_url = None  # gone: no links to it
                if saved_url is None:
                    os.environ.pop("PREFECT_API_URL", None)
                else:
                    os.environ["PREFECT_API_URL"] = saved_url
    return run
