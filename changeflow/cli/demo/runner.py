"""``changeflow demo``: the sample contract's requests carried through the lifecycle.

Runs on the embedded default (a fresh SQLite database under ``<out>/var``) with a local
Prefect server that it finds or starts, calls the same flows a lead runs from the UI, copies
every document it made into ``<out>``, and returns a summary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .common import DemoRun, Step
from .lifecycle import LIFECYCLE
from .start import step_intake, step_setup


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
    """Setup and intake (``start``), then plan to acceptance (``lifecycle``)."""
    return [step_setup, step_intake, *LIFECYCLE]


def collect_documents(run: DemoRun) -> list[Path]:
    """Copy every stored document into ``<out>/documents/<key>/`` with a readable name."""
    from sqlalchemy import select

    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    target = run.out / "documents"
    shutil.rmtree(target, ignore_errors=True)
    copied = []
    with transaction() as s:
        for doc in s.scalars(select(Document).order_by(Document.id)):
            folder = target / (doc.request.key if doc.request else "general")
            folder.mkdir(parents=True, exist_ok=True)
            dst = folder / Path(doc.path).name
            shutil.copyfile(document_path(doc), dst)
            copied.append(dst)
    return copied


def run_demo(out: Path, *, use_server: bool = True, stages: list[Step] | None = None) -> DemoRun:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    home = fresh_home(out)
    run = DemoRun(out)
    server = None
    if use_server:
        from changeflow.cli.serving import ensure_server

        server = ensure_server(prefect_home=home / "prefect")
        run.server_url = server.ui_url
    try:
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            for step in stages or _stages():
                step(run)
        docs = collect_documents(run)
        run.step("documents", "copied", f"{len(docs)} file(s) in {out / 'documents'}")
    finally:
        if server is not None and server.started_here:
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()
            server.stop()
    return run
