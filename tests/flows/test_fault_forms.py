"""A fault from the Prefect forms, on a real Prefect server: reported an hour and a half
late it is flagged on arrival (artifact and state message); the resolve and close forms
carry the fault record's fields (assessment, root cause, solution, steps, tests, breach
cause, prevention, the client's confirmation), with bilingual titles."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.prefect import read_artifacts

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_record_fields_are_form_fields_with_bilingual_titles() -> None:
    from changeflow.flows.deployments import by_name, form_schema

    def props_of(name: str) -> dict:
        entry = by_name()[name]
        return form_schema(entry.flow, entry.titles)["properties"]

    props = props_of("resolve")
    for name, zh in [("assessment", "故障评估"), ("root_cause", "根本原因"),
                     ("solution", "解决方案"), ("steps", "排错步骤"), ("test_report", "测试情况"),
                     ("breach_cause", "超时原因"), ("prevention", "预防措施")]:  # fmt: skip
        title = props[name]["title"]
        assert title.startswith(zh) and any(c.isascii() and c.isalpha() for c in title), title
    props = props_of("close")
    for name, zh in [("confirmed_by", "甲方确认人"), ("confirmed_on", "确认日期"),
                     ("confirmation", "甲方意见"), ("breach_cause", "超时原因")]:  # fmt: skip
        assert props[name]["title"].startswith(zh)


def test_late_fault_flagged_and_its_record_filled_from_the_forms(prefect_server, contract) -> None:
    from changeflow.db.types import utcnow
    from changeflow.flows.maintenance import FaultInput, close, fault, resolve, respond
    from changeflow.settings import get_settings
    from changeflow.tasks.maintenance import get_fault

    # as the lead types it in the form: Beijing time, to the minute
    reported = (utcnow() - timedelta(minutes=90)).astimezone(get_settings().tz)
    reported = reported.strftime("%Y-%m-%d %H:%M")
    state = fault(
        report=FaultInput(severity="crash", title="审批页面打不开", reported_at=reported),
        return_state=True,
    )
    assert state.is_completed(), state.message
    assert "报告时已超时 ALREADY OVERDUE" in state.message and "首次响应" in state.message
    key = state.result()["key"]
    assert key.startswith("GZ-")
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:  # the run list names the fault by its key
        assert c.read_flow_run(state.state_details.flow_run_id).name == f"fault {key}"
        refused = fault(
            report=FaultInput(severity="crash", title="x", reported_at="2099-01-01 10:00"),
            return_state=True,
        )
        assert refused.is_failed(), refused.message
        name = c.read_flow_run(refused.state_details.flow_run_id).name
        assert re.fullmatch(r"fault \d\d-\d\d \d\d:\d\d", name), name  # not a random name
    arts = read_artifacts(state.state_details.flow_run_id)
    (art,) = [a for a in arts if a.type == "markdown" and a.key != "board"]
    assert "报告时已超时 ALREADY OVERDUE" in art.data

    assert respond(key=key, return_state=True).is_completed()
    state = resolve(
        key=key, note="已修复", assessment="数据库连接池耗尽", root_cause="连接未释放",
        solution="修复连接释放并重启", steps="查看日志；重启连接池\n验证登录",
        test_report="登录与审批均正常", breach_cause="夜间报告，值班电话未接通",
        prevention="增加连接池监控", return_state=True,
    )  # fmt: skip
    assert state.is_completed(), state.message
    v = get_fault(key)
    assert v["steps"] == ["查看日志", "重启连接池", "验证登录"]
    assert v["assessment"] == "数据库连接池耗尽" and v["breach_cause"].startswith("夜间报告")
    assert v["test_report"] == "登录与审批均正常"
    state = close(key=key, confirmed_by="王芳", confirmed_on="2026-12-06",
                  confirmation="确认已恢复", return_state=True)  # fmt: skip
    assert state.is_completed(), state.message
    assert get_fault(key)["state"] == "closed"
    # a refused step writes none of its fields
    state = resolve(key=key, assessment="不应写入", return_state=True)
    assert state.is_failed() and get_fault(key)["assessment"] == "数据库连接池耗尽"
