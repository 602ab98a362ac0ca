"""A Chinese lead's desk in the Prefect UI (issue 33), in a real headless Chromium, from a
fresh work folder (``changeflow init`` + ``changeflow up``, the fixtures of
``test_browser.py``).

From the UI forms alone: the contract, a task book with 项目名称 left empty (the run fails
with one line naming the field in both languages), the task book again, a plan draft, and a
fault reported and responded to with times typed as text. On every run page the states,
phases, clock states and next steps read Chinese first and no raw identifier
(``in_development``, ``engineer``, ``breached`` ...) stands on a line without Chinese; the
"done by" boxes start empty (never a role word); an optional box has no "str | None" switch.
Screenshots go to the test's folder, or with ``CHANGEFLOW_UPDATE_SCREENSHOTS=1`` into
``docs/ui-desk-*.png``.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.system.test_browser import (  # noqa: F401  (fixtures: up, page, shots)
    RUN_TIMEOUT,
    Up,
    artifact,
    client_repository,
    contract_yaml,
    open_form,
    page,
    shots,
    submit,
    up,
)

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

RAW = re.compile(
    r"(?<![\w/-])(submitted|planned|approved|in_development|in_testing|analysis|development"
    r"|breached|at_risk|responded|on_site|resolved|closed|reported|engineer|decision|refused"
    r"|project lead|duty desk|tester)(?![\w/-])"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def raw_alone(text: str) -> list[str]:
    """Lines where a raw identifier stands without any Chinese beside it."""
    return [line for line in text.splitlines() if RAW.search(line) and not CJK.search(line)]


def card_text(pg: Any) -> str:
    from playwright.sync_api import expect

    # the run page's Artifacts tab shows the cards too: wait for the artifact's own page
    pg.wait_for_url(lambda url: "/runs/flow-run/" not in url)
    main = pg.get_by_role("main")
    expect(main.get_by_text(re.compile("^下一步 Next:")).first).to_be_visible()
    expect(main.get_by_text("State Message")).to_be_visible()
    # the page may draw its content again once its data is refetched (seen in CI under load:
    # the side panel read while the card itself was re-rendering): read it once it is there
    deadline = time.monotonic() + RUN_TIMEOUT
    while "下一步 Next:" not in (text := main.inner_text()):
        assert time.monotonic() < deadline, text
        time.sleep(0.25)
    return text


def submit_refused(pg: Any) -> Any:
    """Click Submit; the run is created (the server no longer refuses the form) and fails."""
    from prefect.client.orchestration import get_client

    with pg.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/create_flow_run")
    ) as created:
        pg.get_by_role("button", name="Submit").click()
    assert created.value.status == 201, created.value.text()  # not "'project' is required"
    run_id = created.value.json()["id"]
    started = time.monotonic()
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(run_id)
            if run.state is not None and run.state.is_final():
                return run
            assert time.monotonic() - started < RUN_TIMEOUT, run.state_name
            time.sleep(0.25)


def fill_task_book(pg: Any, project: str) -> None:
    box = pg.get_by_role
    if project:
        box("textbox", name="项目名称 Project").fill(project)
    box("textbox", name="委托单位 Client").fill("示例集团有限公司")
    box("textbox", name="联系人 Contact person").fill("王芳")
    box("textbox", name="提出人 Requested by").fill("王芳")
    # typed as text, as the label says (no MM/DD/YYYY picker)
    box("textbox", name=re.compile("^提出日期 Date（YYYY-MM-DD，例 ")).fill("2026-11-30")
    box("button", name="Add item").first.click()
    box("spinbutton", name="序号 No.").fill("1")
    box("textbox", name="需求描述 Requirement").fill("会议室在线预约与冲突检查")


def local(minutes_ago: int) -> str:
    return f"{datetime.now(SHANGHAI) - timedelta(minutes=minutes_ago):%Y-%m-%d %H:%M}"


def test_a_chinese_lead_reads_chinese_first_on_forms_and_run_pages(
    up: Up,  # noqa: F811
    page: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    pg = page
    box = pg.get_by_role
    repo = client_repository(tmp_path / "oa")
    with temporary_settings({PREFECT_API_URL: up.api}):
        open_form(pg, up, "contract")
        box("textbox", name="合同 YAML Contract (YAML)").fill(contract_yaml(repo.path))
        submit(pg, up, "contract")

        # the task book with 项目名称 left empty: one line naming the field, both languages
        open_form(pg, up, "intake")
        done_by = box("textbox", name=re.compile("^经办人 Taken in by"))
        expect(done_by).to_have_value("")  # not "project lead"
        fill_task_book(pg, "")
        run = submit_refused(pg)
        assert run.state.is_failed(), run.state
        msg = run.state.message or ""
        assert "项目名称 Project: 必填" in msg, msg
        assert "is a required property" not in msg and "\n" not in msg

        # the task book, whole; 经办人 left empty: our project lead of the contract
        open_form(pg, up, "intake")
        fill_task_book(pg, "OA 会议室预约 Meeting-room booking")
        run = submit(pg, up, "^intake CR-\\d{4}-\\d{4}$")
        key = run.name.split(" ")[1]
        assert run.state.message.endswith("-> 已提交 Submitted"), run.state.message
        artifact(pg, f"intake-{key.lower()}")
        text = card_text(pg)
        assert "已提交 Submitted" in text and "运行 run 编制计划 plan" in text, text
        assert not raw_alone(text), raw_alone(text)

        # a plan draft: phases and state in words, the next step Chinese first
        open_form(pg, up, "plan")
        expect(box("textbox", name=re.compile("^编制人 Planned by"))).to_have_value("")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"plan {key}")
        artifact(pg, f"plan-{key.lower()}")
        text = card_text(pg)
        for label in ("需求分析 Analysis", "设计开发 Development", "已提交 Submitted"):
            assert label in text, (label, text)
        assert not raw_alone(text), raw_alone(text)
        pg.screenshot(path=str(shots / "ui-desk-plan.png"), full_page=True)

        # a fault reported 20 minutes ago, its time typed as text; no "str | None" switch
        open_form(pg, up, "fault")
        expect(box("main").get_by_text("str | None")).to_have_count(0)
        box("button", name=re.compile("Select 故障级别 Severity")).first.click()
        box("option", name="crash 系统崩溃").click()
        box("textbox", name="故障现象 What is wrong").fill("OA 无法登录 login fails")
        box("textbox", name=re.compile("^报告人 Reported by")).fill("王芳")
        box("textbox", name=re.compile("^报告时间 Reported at")).fill(local(20))
        expect(box("textbox", name=re.compile("^服务合同 Contract"))).to_have_value("")
        expect(box("textbox", name=re.compile("^经办人 Taken by"))).to_have_value("")
        pg.screenshot(path=str(shots / "ui-desk-fault-form.png"), full_page=True)
        fault = submit(pg, up, "^fault \\S+$")
        fkey = fault.name.split(" ")[1]
        artifact(pg, f"fault-{fkey.lower()}")
        text = card_text(pg)
        assert "系统崩溃 crash" in text and "运行 run 首次响应 respond" in text, text
        assert not raw_alone(text), raw_alone(text)

        open_form(pg, up, "respond")
        box("textbox", name="编号 Key").fill(fkey)
        box("textbox", name=re.compile("^时间 At")).fill(local(5))
        run = submit(pg, up, f"respond {fkey}")
        assert "-> 已响应 Responded" in run.state.message, run.state.message
        artifact(pg, f"respond-{fkey.lower()}")
        text = card_text(pg)
        assert "已响应 Responded" in text and "首次响应 first response: 达标 met" in text, text
        assert "运行 run 到场 onsite" in text, text
        assert not raw_alone(text), raw_alone(text)
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", text), "microseconds on the page"
        pg.screenshot(path=str(shots / "ui-desk-fault-respond.png"), full_page=True)
