"""Flow ``intake``: a project lead enters a client's task book (项目任务书) in the UI form."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from changeflow.bilingual import state_label
from changeflow.errors import ChangeflowError
from changeflow.tasks.taskbook import PRIORITY_FORM, TaskBook

from .common import AT_FIELD, AT_LABEL, md, next_line, outcome, publish_markdown, refused, run_name
from .forms import flow


@flow(name="intake", flow_run_name=run_name("intake", "taskbook", "project"), log_prints=True)
def intake(
    taskbook: TaskBook,
    taken_in_by: str = Field("", title="经办人 Taken in by", max_length=120),
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> Any:
    """Create the request in 'submitted' from a task book entered in the form."""
    from .units import intake_task_book

    try:
        result = intake_task_book(
            taskbook,
            source="Prefect form",
            actor=taken_in_by,
            channel="ui",
            at=at,
            at_field=AT_LABEL,
        )
    except ChangeflowError as exc:
        return refused("intake", exc)
    lines = [
        f"# {result.key} · {md(result.title)}",
        f"- 委托单位 Client: {result.client}",
        f"- 状态 State: **{state_label(result.state)}**",
        "",
        "| 序号 No. | 需求 Requirement | 优先级 Priority |",
        "|---|---|---|",
        *[
            f"| {r.no} | {md(r.text)} | {PRIORITY_FORM[r.priority]} |"
            for r in taskbook.requirements
        ],
        next_line("plan", f"编制计划 / make the plan of {result.key}:"),
    ]
    publish_markdown(f"intake-{result.key}", "\n".join(lines), "任务书已录入 Task book taken in")
    return outcome(
        f"{result.key} 已录入 taken in: {result.title} -> {state_label(result.state)}",
        result.__dict__,
        name=f"intake {result.key}",
    )
