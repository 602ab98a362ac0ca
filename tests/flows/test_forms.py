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


def _props(node: object) -> list[dict]:
    """Every field of a schema, nested ones too."""
    out: list[dict] = []
    if isinstance(node, dict):
        for v in (node.get("properties") or {}).values():
            out.append(v)
        for v in node.values():
            out += _props(v)
    elif isinstance(node, list):
        for v in node:
            out += _props(v)
    return out


def test_date_fields_are_typed_yyyy_mm_dd_with_an_example_not_picked() -> None:
    """The UI's date picker takes MM/DD/YYYY: every date field of every form is a text box
    whose label says the format and gives an example, as the time fields do."""
    from changeflow.flows.common import DATE_HINT
    from changeflow.flows.deployments import DEPLOYMENTS, form_schema

    seen = 0
    for entry in DEPLOYMENTS:
        for prop in _props(form_schema(entry.flow, entry.titles)):
            options = [prop, *(prop.get("anyOf") or [])]
            assert not any(o.get("format") == "date" for o in options), (entry.name, prop)
            if DATE_HINT in str(prop.get("title", "")):
                assert (prop["type"] == "string" and "default" not in prop) or prop["default"], prop
                seen += 1
    assert seen >= 5, seen  # task book, plan start, payment, invoice, run-log day ...


@pytest.mark.parametrize("typed", ["12/04/2026", "2026.12.04", "2026-13-01"])
def test_a_malformed_date_is_refused_in_one_line_naming_the_field(typed: str) -> None:
    from prefect.exceptions import ParameterTypeError

    from changeflow.flows.plan import plan

    with pytest.raises(ParameterTypeError) as exc:
        plan.validate_parameters({"request": {"key": "CR-2026-0001", "start": typed}})
    line = str(exc.value)
    assert "开始日期 Start date（YYYY-MM-DD，例 2026-12-04）: 不是日期" in line, line
    assert f"'{typed}'" in line and "write it as YYYY-MM-DD" in line and "\n" not in line, line
    assert "request.start" not in line
    good = plan.validate_parameters({"request": {"key": "CR-2026-0001", "start": "2099-12-04"}})
    assert str(good["request"].start) == "2099-12-04"
    empty = plan.validate_parameters({"request": {"key": "CR-2026-0001", "start": ""}})
    assert empty["request"].start is None  # an emptied box: the next working day
