"""The board over one database with requests in every part of their life and an open fault
(real SQLite and real PostgreSQL): each row's state, next step and who it waits for, the
plan against today, the SLA clocks, the contract's service days (the one count) and fee, the
document links; an accepted request shows as 已验收 Accepted."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import EXAMPLES
from tests.support.approval import approve, make_plan
from tests.support.delivery import advance

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=["sqlite", "postgres"])
def loaded(request: pytest.FixtureRequest, cf_home: Path) -> str:
    """A migrated database (SQLite or PostgreSQL) with the sample contract."""
    from changeflow.db.migrate import upgrade
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

    if request.param == "postgres":
        request.getfixturevalue("pg_url")
    upgrade(get_settings().db_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")
    return request.param


def _intake(project: str) -> str:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate
    from tests.support.helpers import sample_taskbook

    book = sample_taskbook()
    book["project"] = project
    return intake(validate(book, "test"), source="test").key


def _row(facts: dict, key: str) -> dict:
    rows = facts["requests"] + facts["faults"] + facts["done"]
    return next(r for r in rows if r["key"] == key)


def test_the_board_shows_every_request_where_it_stands(loaded: str, tmp_path: Path) -> None:
    from changeflow.tasks.board import board_facts, render
    from changeflow.tasks.maintenance import report_fault

    new = _intake("新需求 请假统计")
    waiting = _intake("等待审批 门户改版")
    make_plan(waiting)
    building = _intake("开发中 考勤同步")
    make_plan(building)
    approve(building, tmp_path)
    advance(building, "in_development")
    done = _intake("已验收 报销流程")
    advance(done, "planned", "approved", "in_development", "in_testing", "live", "accepted")
    fault = report_fault(severity="crash", title="OA 无法登录", reporter="王芳").key

    now = datetime.now(SH) + timedelta(minutes=5)
    facts = board_facts(now)
    assert [r["key"] for r in facts["requests"]] == [new, waiting, building]
    assert [r["key"] for r in facts["faults"]] == [fault]
    assert [r["key"] for r in facts["done"]] == [done]

    # the next step and who it waits for
    assert (_row(facts, new)["step"].step, _row(facts, new)["step"].waits) == ("plan", "us")
    assert _row(facts, waiting)["step"].waits == "client"
    assert _row(facts, waiting)["step"].step == "approve-plan"
    assert _row(facts, building)["step"].deployment == "test"
    assert _row(facts, fault)["step"].deployment == "respond"
    # the plan against today, its money
    plan = _row(facts, building)["plan"]
    assert plan["approved"] and plan["phase"] == "development" and plan["phase_due"]
    assert plan["total"] > 0
    assert _row(facts, new)["plan"] is None
    # the fault's clocks run, with time left
    clocks = {c["name"]: c for c in _row(facts, fault)["clocks"]}
    assert clocks["response"]["status"] in ("running", "at_risk")
    assert clocks["response"]["left"] > timedelta(0)
    # the contract's service days: the one count
    (k,) = facts["contracts"]
    assert k["code"] == "OA-2026" and k["days"]["days_bought"] == 24
    assert k["days"]["days_left"] == k["days"]["days_bought"] - k["days"]["days_used"]
    assert k["fee"]["annual_fee"] == 20000

    md = render(facts, lang="zh-CN", docs_url="http://docs.test")
    assert md.startswith("# 看板 Board")
    words = ("已提交 Submitted", "已计划 Planned", "开发中 In development", "已验收 Accepted",
             "已报告 Reported", "系统崩溃", "首次响应", "编制实施计划和费用预算",
             "甲方<br>", "乙方<br>", "→ **respond**", "购买 24")  # fmt: skip
    for word in (*words, "年费 Annual fee"):
        assert word in md, word
    for raw in ("in_development", "submitted |", "breached", "non_crash"):
        assert raw not in md, raw
    assert "](http://docs.test/documents/" in md  # the plans and task books, as links
    assert "实施计划和费用预算 第1版" in md
    # the accepted request is not "certificate issued": it is accepted
    done_line = next(line for line in md.splitlines() if done in line)
    assert "已验收 Accepted" in done_line

    en = render(facts, lang="en")
    assert en.startswith("# Board 看板") and "In development 开发中" in en
    assert "make the implementation plan" in en and "编制实施计划" not in en
    assert "documents/" not in en  # no document service: names alone


def test_changeflow_board_prints_the_same_board(cli, contract: str) -> None:
    import json

    from changeflow.tasks.maintenance import report_fault

    key = _intake("命令行看板")
    fault = report_fault(severity="non_crash", title="打印异常", reporter="王芳").key
    code, out, err = cli("board")
    assert code == 0, err
    assert out.startswith("# 看板 Board") and key in out and fault in out
    assert "<br>" not in out and "已提交 Submitted" in out and "非系统崩溃" in out
    code, out, err = cli("board", "--json")
    assert code == 0, err
    facts = json.loads(out)
    (row,) = facts["requests"]
    assert row["key"] == key and row["step"]["waits"] == "us"
    assert facts["faults"][0]["clocks"][0]["left"] > 0


def test_a_drafted_plan_waits_for_us_to_issue_it(loaded: str) -> None:
    """A draft leaves the request submitted; its next step is to issue the plan, not to make
    one (seen in the browser: the board said 编制实施计划 with the draft on the same row)."""
    from changeflow.tasks.board import board_facts
    from changeflow.tasks.planning import make_plan as draft

    drafted = _intake("草稿 门户改版")
    draft(drafted, issue=False, backdated=True)
    row = _row(board_facts(), drafted)
    assert row["state"] == "submitted" and row["plan"]["status"] == "draft"
    assert (row["step"].step, row["step"].deployment, row["step"].waits) == (
        "issue-plan", "plan", "us",
    )  # fmt: skip
