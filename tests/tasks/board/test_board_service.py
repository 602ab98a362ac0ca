"""The board's maintenance rows: open service requests (服务请求) with their state, next step,
who they wait for and the response clock, gone once the requester confirms; and the client's
OA manual as it stands, linked from the contract's lines once the first version is merged."""

from __future__ import annotations

import json

from tests.support.delivery import advance


def _service(cli, *args: str) -> dict:
    code, out, err = cli("service", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _board() -> tuple[dict, str]:
    from changeflow.tasks.board import board_facts, board_markdown

    return board_facts(), board_markdown(docs_url="http://127.0.0.1:4210")


def test_open_service_requests_on_the_board_until_confirmed(contract: str, cli) -> None:
    v = _service(cli, "new", "--category", "数据维护", "--title", "考勤数据修正",
                 "--requester", "赵强", "--department", "信息中心")  # fmt: skip
    key = v["key"]
    facts, text = _board()
    (row,) = [r for r in facts["services"] if r["key"] == key]
    assert row["state"] == "received" and row["step"].waits == "us"
    assert "## 未完结的服务请求 Open service requests（1）" in text
    line = next(ln for ln in text.splitlines() if key in ln)
    assert "数据维护" in line and "已受理" in line and "指派工程师" in line
    assert "信息中心 赵强" in line and "乙方" in line

    _service(cli, "assign", key, "--engineer", "张伟")
    _service(cli, "work", key, "--minutes", "30")
    _service(cli, "done", key, "--resolution", "已修正")
    facts, text = _board()
    (row,) = [r for r in facts["services"] if r["key"] == key]
    assert row["step"].step == "confirm-service" and row["step"].waits == "client"
    line = next(ln for ln in text.splitlines() if key in ln)
    assert "申请人确认" in line and "甲方" in line

    _service(cli, "confirm", key, "--by", "赵强")
    facts, text = _board()
    assert facts["services"] == [] and key not in text
    assert "## 未完结的服务请求 Open service requests（0）" in text


def test_the_current_oa_manual_is_linked_from_the_board(contract: str) -> None:
    from changeflow.tasks import oamanual
    from changeflow.tasks.delivery_docs import make_docs
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    facts, text = _board()
    assert facts["contracts"][0]["oa_manual"] is None and "使用手册（现行版）" not in text
    key = intake(TaskBook.model_validate(sample_taskbook()), source="test").key
    advance(key, "planned", "approved")
    notes = (
        "# 总体设计\n\n略。\n\n# 操作说明\n\n## 引言\n\n本手册说明请假。\n\n"
        "## 运行环境\n\n浏览器：Chrome 或 Edge。\n\n## 申请人\n\n提交请假单。\n\n"
        "## 常见问题\n\n问：忘记密码？答：联系信息中心。\n"
    )
    make_docs(key, notes=notes, kinds=("manual",), lang="zh-CN",
                     draft=True)  # sparse notes: the chapters are what counts here
    advance(key, "in_development", "in_testing", "live", "accepted")
    merged = oamanual.merge_accepted("OA-2026", lang="zh-CN")
    assert merged["version"] == 1
    facts, text = _board()
    m = facts["contracts"][0]["oa_manual"]
    assert m is not None and m["version"] == 1
    line = next(ln for ln in text.splitlines() if "使用手册（现行版）" in ln)
    assert f"(http://127.0.0.1:4210/documents/{m['id']})" in line
