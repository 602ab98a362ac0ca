"""Flow ``intake``: a project lead enters a client's task book (项目任务书) in the UI form."""

from __future__ import annotations

from typing import Any

from prefect import flow
from pydantic import Field

from changeflow.tasks.taskbook import TaskBook

from .common import md, publish_markdown


@flow(name="intake", log_prints=True)
def intake(
    taskbook: TaskBook,
    taken_in_by: str = Field("project lead", title="经办人 Taken in by", max_length=120),
) -> dict[str, Any]:
    """Create the request in 'submitted' from a task book entered in the form."""
    from .units import intake_task_book

    result = intake_task_book(taskbook, source="Prefect form", actor=taken_in_by, channel="ui")
    lines = [
        f"# {result.key} · {md(result.title)}",
        f"- 委托单位 Client: {result.client}",
        f"- 状态 State: **{result.state}**",
        "",
        "| 序号 No. | 需求 Requirement | 优先级 Priority |",
        "|---|---|---|",
        *[f"| {r.no} | {md(r.text)} | {r.priority} |" for r in taskbook.requirements],
    ]
    publish_markdown(f"intake-{result.key}", "\n".join(lines), "Task book taken in")
    print(f"{result.key} taken in: {result.title}")
    return result.__dict__
