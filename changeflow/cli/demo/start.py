"""The demo's first stages: the database and the sample contract, then the month's two task
books taken in on the days they arrived (the client's filled .docx, dated the day it was
sent, and one the lead entered in the UI form)."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

from .common import DemoRun, examples_dir

# The task books of the month: the client's .docx (examples/taskbook.yaml, as filled on the
# day it was sent) and the one the lead enters in the form the next morning.
DOCX_BOOK_DAY = date(2026, 11, 2)
FORM_BOOK = {
    "project": "OA 会议室预订增加审批提醒",
    "date": date(2026, 11, 3),
    "priority": "medium",
    "desired_date": date(2027, 1, 15),
    "background": "会议室预订审批常被遗漏，行政部希望在待审批超过 4 小时时提醒审批人。",
    "requirements": [
        {"no": 1, "text": "预订待审批超过 4 小时，向审批人发送 OA 待办提醒", "priority": "medium",
         "acceptance": "提交预订 4 小时后审批人收到提醒"},
        {"no": 2, "text": "提醒记录可在预订详情中查看", "priority": "low",
         "acceptance": "预订详情显示提醒时间与对象"},
    ],
    "attachments": [],
}  # fmt: skip


def step_setup(run: DemoRun) -> None:
    from changeflow.db.migrate import upgrade
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

    s = get_settings()
    upgrade(s.db_url)
    ensure_secret()
    done = load_contract_file(examples_dir() / "contract.yaml")
    run.step(
        "setup", "database, contract", f"var/changeflow.db; contract {', '.join(done['contracts'])}"
    )


def _client_docx(run: DemoRun) -> Path:
    """The client's task book as they filled it in Word, dated the day they sent it."""
    from changeflow.tasks.inputs import load_yaml

    spec = importlib.util.spec_from_file_location(
        "make_taskbook_docx", examples_dir() / "make_taskbook_docx.py"
    )
    assert spec is not None and spec.loader is not None
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    data = load_yaml((examples_dir() / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    data["date"] = DOCX_BOOK_DAY
    folder = run.out / "received"
    folder.mkdir(parents=True, exist_ok=True)
    return maker.fill(data, folder / "项目任务书-OA请假审批流程改造.docx")


def step_intake(run: DemoRun) -> None:
    from prefect import flow

    from changeflow.flows.intake import intake
    from changeflow.flows.units import intake_file
    from changeflow.tasks.taskbook import read_taskbook

    from .days import fixed_acts, text

    # The client's filled .docx arrives as a file (the inbox path); the lead also enters a
    # task book in the UI form (the intake flow): both go through the same domain function.
    @flow(name="intake-file")
    def intake_docx(path: str, at: str) -> dict[str, Any]:
        return intake_file(Path(path), actor="李明", channel="document", at=at).__dict__

    received = run.times.get("intake") or fixed_acts()["intake"]
    docx_result = intake_docx(str(_client_docx(run)), text(received))
    run.keys["main"] = docx_result["key"]
    run.step("intake", "task book (.docx)", f"{docx_result['key']} submitted {text(received)}")
    base, _ = read_taskbook(examples_dir() / "taskbook.yaml")
    book = type(base).model_validate(base.model_dump() | FORM_BOOK)
    entered = fixed_acts()["form_intake"]
    form_result = intake(taskbook=book, taken_in_by="李明", at=text(entered))
    if not isinstance(form_result, dict) or "key" not in form_result:
        raise RuntimeError(f"intake refused: {form_result}")
    run.keys["form"] = form_result["key"]
    run.step("intake", "task book (UI form)", f"{form_result['key']} submitted {text(entered)}")
