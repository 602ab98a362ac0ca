"""Chinese first on the lead's desk: states, phases, clocks, outcomes and next steps from the
one bilingual kit; forms without role words or "str | None" switches; a form's refusal naming
its fields; times in Shanghai to the minute."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from changeflow import bilingual as b
from changeflow.flows.deployments import DEPLOYMENTS, by_name, form_schema
from tests.support.helpers import sample_taskbook
from tests.support.prefect import read_artifacts

ROLE_WORDS = {"engineer", "project lead", "tester", "duty desk", "developer"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _book() -> dict[str, Any]:
    return json.loads(json.dumps(sample_taskbook(), default=str))


def _fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = list(schema.get("properties", {}).items())
    for sub in (schema.get("definitions") or {}).values():
        out += list(sub.get("properties", {}).items())
    return out


def test_every_state_phase_clock_state_and_step_reads_chinese_first() -> None:
    tables = ((b.REQUEST_STATES, b.state_label), (b.PHASES, b.phase_label),
              (b.CLOCK_STATES, b.clock_state_label), (b.OUTCOMES, b.outcome_label))  # fmt: skip
    for table, show in tables:
        for key, (zh, en) in table.items():
            assert show(key) == f"{zh} {en}" and CJK.match(show(key)), key
            assert show(key, "en") == f"{en} {zh}"
    assert b.state_label("in_development") == "开发中 In development"
    assert b.clock_state_label("breached") == "超时 breached"
    assert b.state_label("") == "" and b.state_label(None) == ""
    for d in DEPLOYMENTS:  # every deployment a next-step line can name has a Chinese label
        zh = b.STEPS[d.name][0]
        assert CJK.match(zh) and b.step_label(d.name) == f"{zh} {d.name}", d.name


def test_next_step_names_the_step_in_chinese_first() -> None:
    from changeflow.flows.common import next_line

    line = next_line("plan", "编制计划 / make the plan:")
    first = line.strip().split("\n")[0]
    assert first == "下一步 Next: 编制计划 / make the plan: 运行 run **编制计划 plan**"
    assert "deployment." not in line and "run the" not in line


def test_a_sent_document_is_not_to_be_sent_again() -> None:
    from changeflow.flows.common import hand_in_line, was_sent

    assert "发给客户；" in hand_in_line("计划", "plan")
    sent = hand_in_line("计划", "plan", was_sent({"state": "sent", "to": ["a@b.c"]}))
    assert "计划已发给客户" in sent and "send it" not in sent and "下载" not in sent
    assert not was_sent({"state": "failed"}) and not was_sent({"status": "not-set-up"})
    assert not was_sent(None)


def test_times_on_run_pages_are_shanghai_to_the_minute() -> None:
    from changeflow.flows.common import local_times

    text = "due 2026-12-04T06:05:00.123456+00:00, at 2026-12-04 14:05:33, on 2026-12-04"
    assert local_times(text) == "due 2026-12-04 14:05, at 2026-12-04 14:05, on 2026-12-04"


@pytest.mark.parametrize("entry", DEPLOYMENTS, ids=[d.name for d in DEPLOYMENTS])
def test_forms_have_no_role_word_defaults_and_no_optional_switch(entry: Any) -> None:
    schema = form_schema(entry.flow, entry.titles)
    for name, prop in _fields(schema):
        default = prop.get("default")
        assert not (isinstance(default, str) and default in ROLE_WORDS), f"{entry.name}.{name}"
        options = prop.get("anyOf") or []
        plain = [o for o in options if o.get("type") in ("string", "integer", "number")]
        nullable = any(o.get("type") == "null" for o in options)
        assert not (nullable and plain and not plain[0].get("format")), (
            f"{entry.name}.{name} shows a 'str | None' switch: {prop}"
        )


def test_the_server_leaves_the_form_check_to_the_flow() -> None:
    """Prefect's server would refuse a task book without 项目名称 with "Validation failed for
    field 'taskbook'. Failure reason: 'project' is a required property" before any run: our
    deployments leave the check to the flow, which names the form's labels."""
    import yaml

    from changeflow.flows.deployments import PREFECT_YAML, runner_deployments

    assert all(rd.enforce_parameter_schema is False for rd in runner_deployments())
    data = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    assert all(d["enforce_parameter_schema"] is False for d in data["deployments"])
    entry = by_name()["intake"]
    project = form_schema(entry.flow, entry.titles)["definitions"]["TaskBook"]
    assert "project" in project["required"]  # not "(Optional)" on the form
    assert project["properties"]["project"]["title"] == "项目名称 Project *"


@pytest.mark.prefect
def test_an_empty_project_name_fails_the_run_naming_the_field(
    prefect_server: str, contract: str
) -> None:
    from changeflow.flows.intake import intake

    book = _book()
    del book["project"]  # the form's box left empty: the key is not sent at all
    state = intake(taskbook=book, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    msg = state.message
    assert "项目名称 Project: 必填 Field required" in msg, msg
    assert "\n" not in msg and "'project' is a required property" not in msg
    assert "taskbook.project" not in msg


@pytest.mark.prefect
def test_intake_run_page_reads_chinese_and_an_empty_done_by_is_our_lead(
    prefect_server: str, contract: str
) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.flows.intake import intake

    state = intake(taskbook=_book(), taken_in_by="", return_state=True)
    assert state.is_completed(), state.message
    assert state.message.endswith("-> 已提交 Submitted"), state.message
    key = state.result()["key"]
    text = "\n".join(str(a.data) for a in read_artifacts(state.state_details.flow_run_id))
    assert "状态 State: **已提交 Submitted**" in text
    assert "下一步 Next:" in text and "运行 run **编制计划 plan**" in text
    assert not re.search(r"\bsubmitted\b", text), text
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        lead = req.contract.our_lead.name
        assert lead and req.events[0].actor == lead  # not "project lead", not empty


def test_the_test_step_names_the_forms_fields_and_the_cli_options() -> None:
    from pathlib import Path

    text = Path("tasks/testing/recording.py").read_text(encoding="utf-8")
    i = text.index("no test command")
    said = text[i - 200 : i + 400]
    assert "测试命令 Test command" in said and "(CLI --command)" in said
    assert "JUnit 结果文件 JUnit" in said and "(CLI --junit)" in said


@pytest.mark.parametrize("name", ["intake", "fault", "test", "sync", "plan", "weekly-report"])
def test_form_intros_read_chinese_first(name: str) -> None:
    entry = by_name()[name]
    defs = form_schema(entry.flow, entry.titles).get("definitions") or {}
    intros = [d["description"] for d in defs.values() if d.get("description")]
    assert intros, name
    for intro in intros:
        assert CJK.match(intro), (name, intro)
