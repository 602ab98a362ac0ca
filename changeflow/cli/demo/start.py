"""The demo's first stages: the database and the sample contract, then two task books taken
in (a filled .docx as a file, and one entered in the UI form)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import DemoRun, _examples


def step_setup(run: DemoRun) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

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
