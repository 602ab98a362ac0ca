"""``changeflow demo``: the sample contract's requests carried through the lifecycle.

Runs on the embedded default (a fresh SQLite database under ``<out>/var``) with a local
Prefect server that it finds or starts, calls the same flows a lead runs from the UI, copies
every document it made into ``<out>``, and returns a summary.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclass
class DemoRun:
    out: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    server_url: str | None = None

    def step(self, stage: str, what: str, result: str) -> None:
        self.rows.append({"stage": stage, "what": what, "result": result})


Step = Callable[[DemoRun], None]


def _examples() -> Path:
    if (EXAMPLES / "contract.yaml").is_file():
        return EXAMPLES
    raise FileNotFoundError("the examples/ folder of the checkout is needed for the demo")


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


def step_setup(run: DemoRun) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signing import ensure_secret

    s = get_settings()
    upgrade(s.db_url)
    ensure_secret()
    done = load_contract_file(_examples() / "contract.yaml")
    run.step("setup", "database, contract", f"{s.db_url}; contract {', '.join(done['contracts'])}")


def step_intake(run: DemoRun) -> None:
    from prefect import flow

    from changeflow.flows.intake import intake
    from changeflow.flows.units import intake_file
    from changeflow.tasks.taskbook import read_taskbook

    # The client's filled .docx arrives as a file (the inbox path); the lead also enters a
    # task book in the UI form (the intake flow): both go through the same domain function.
    @flow(name="intake-file")
    def intake_docx(path: str) -> dict[str, Any]:
        return intake_file(Path(path), actor="demo", channel="document").__dict__

    docx_result = intake_docx(str(_examples() / "taskbook.docx"))
    run.keys["main"] = docx_result["key"]
    run.step("intake", "task book (.docx)", f"{docx_result['key']} submitted")
    book, _ = read_taskbook(_examples() / "taskbook.yaml")
    book = book.model_copy(update={"project": book.project + "（表单录入）"})
    form_result = intake(taskbook=book, taken_in_by="李明")
    run.keys["form"] = form_result["key"]
    run.step("intake", "task book (UI form)", f"{form_result['key']} submitted")


def _stages() -> list[Step]:
    """Setup and intake here; plan to acceptance in ``demo_lifecycle``."""
    from changeflow.demo_lifecycle import LIFECYCLE

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
