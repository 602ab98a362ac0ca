"""Forms as the lead reads them: choices in both languages, refusals naming the form's labels."""

from __future__ import annotations

import json

import pytest

from tests.support.helpers import sample_taskbook


def _book() -> dict:
    return json.loads(json.dumps(sample_taskbook(), default=str))


def test_task_book_choices_are_bilingual_in_the_form_and_read_back_as_values() -> None:
    from changeflow.flows.deployments import by_name, form_schema
    from changeflow.tasks.taskbook import TaskBook

    entry = by_name()["intake"]
    defs = form_schema(entry.flow, entry.titles)["definitions"]
    assert defs["TaskBook"]["properties"]["priority"]["enum"] == ["高 high", "中 medium", "低 low"]
    assert defs["TaskBook"]["properties"]["priority"]["default"] == "中 medium"
    assert defs["TaskBook"]["properties"]["kind"]["enum"] == ["开发 dev", "变更 change"]
    assert defs["RequirementIn"]["properties"]["priority"]["enum"][0] == "高 high"
    book = _book() | {"priority": "高 high", "kind": "变更 change"}
    book["requirements"][0]["priority"] = "低 low"
    t = TaskBook.model_validate(book)
    assert (t.priority, t.kind, t.requirements[0].priority) == ("high", "change", "low")
    with pytest.raises(ValueError, match="is not a priority"):
        TaskBook.model_validate(_book() | {"priority": "高 low"})  # words that disagree


def test_a_refused_form_names_its_bilingual_labels_not_python_fields(prefect_server: str) -> None:
    """Prefect checks the parameters before the flow runs; the failed run's message names the
    fields as the form labels them, with the reason in both languages."""
    from changeflow.flows.intake import intake

    book = _book() | {"project": "   ", "colour": "red"}  # spaces only: empty once stripped
    book["requirements"][0]["text"] = ""
    state = intake(taskbook=book, return_state=True)
    assert state.is_failed()
    msg = state.message
    assert "项目任务书 Task book › 项目名称 Project: 太短或为空" in msg, msg
    assert "需求清单 Requirements › #1 › 需求描述 Requirement" in msg, msg
    assert "'colour': 表单没有这个字段" in msg, msg
    assert "taskbook.project" not in msg and "\n" not in msg
