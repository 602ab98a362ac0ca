"""Issue 33's "done when", in a real headless Chromium: from a fresh work folder
(``changeflow init``, ``changeflow up``, the fixtures of ``test_browser.py``), a request from
task book to acceptance and a fault through its steps, from the Prefect UI's forms and the
hand-in page alone.

After EVERY step the test looks where a Chinese lead looks:

- the form it filled: no raw identifier (``in_development``, ``engineer``, ``breached`` ...)
  stands on a line without Chinese, and no box starts with a role word;
- the run's page and its card: the same; the card names the next step;
- the board (看板, opened from the document service's ``/board`` as every card links it):
  the request's (or fault's) row shows its state and its next step in Chinese;
- after a hand-in: the hand-in page links its run, the run is in the run list named for what it
  recorded, and its card reads Chinese first.

One ``up`` and one browser for all of it. With ``CHANGEFLOW_UPDATE_SCREENSHOTS=1`` the fault's
run page goes to ``docs/fault-run.png``.
"""

from __future__ import annotations

import io
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.system.test_browser import (  # noqa: F401  (fixtures: up, page, shots)
    Up,
    artifact,
    client_repository,
    contract_yaml,
    download,
    hand_in,
    open_form,
    page,
    shots,
    submit,
    up,
)
from tests.system.test_browser_desk import card_text, fill_task_book, local, raw_alone

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

ROLE_WORDS = {"engineer", "project lead", "tester", "duty desk", "乙方"}


def form(pg: Any, up: Up, deployment: str) -> None:  # noqa: F811
    """Open the step's form; it reads Chinese first and no box starts with a role word."""
    from playwright.sync_api import expect

    open_form(pg, up, deployment)
    main = pg.get_by_role("main")
    expect(main.get_by_role("button", name="Submit")).to_be_visible()
    text = main.inner_text()
    assert not raw_alone(text), (deployment, raw_alone(text))
    values = main.locator("input, textarea").evaluate_all("els => els.map(e => e.value)")
    assert not ROLE_WORDS & {str(v).strip() for v in values}, (deployment, values)


def run_page(pg: Any, step: str) -> str:
    """The run's own page (``submit`` left the browser there): no raw identifier alone."""
    text = pg.get_by_role("main").inner_text()
    assert not raw_alone(text), (step, raw_alone(text))
    return text


def card(pg: Any, key: str) -> str:
    """The run's markdown card ``key``: Chinese first, the next step named."""
    artifact(pg, key)
    text = card_text(pg)
    assert not raw_alone(text), (key, raw_alone(text))
    return text


def board(pg: Any, up: Up, key: str, state: str, step: str) -> str:  # noqa: F811
    """The board's newest version: ``key``'s row shows its state and next step in Chinese."""
    from playwright.sync_api import expect

    from changeflow.bilingual import BOARD_NEXT, REQUEST_STATES

    pg.goto(f"{up.docs}/board")
    pg.wait_for_url(re.compile(r"/v2/artifacts/artifact/"))
    main = pg.get_by_role("main")
    expect(main.get_by_role("heading", name="看板 Board").first).to_be_visible()
    row = main.get_by_role("row").filter(has=pg.get_by_role("cell", name=key, exact=True)).first
    expect(row).to_contain_text(REQUEST_STATES[state][0])
    if step != "done":  # a finished one is listed under 最近完成 Recently done (no next step)
        expect(row).to_contain_text(BOARD_NEXT[step][0])
    text = main.inner_text()
    assert not raw_alone(text), (key, state, raw_alone(text))
    return row.inner_text()


def handed_in(pg: Any, up: Up, name: str, data: bytes, result: str, run: str) -> str:  # noqa: F811
    """Hand ``data`` in on the hand-in page; the run it made is in the run list as ``run``
    (a regex) and its card reads Chinese first. Returns the run's name."""
    from playwright.sync_api import expect
    from prefect.client.orchestration import get_client

    hand_in(pg, up, name, data, result, None)
    body = pg.locator("body").inner_text()
    assert not raw_alone(body), raw_alone(body)
    link = pg.locator("#run")
    expect(link).to_be_visible()
    run_id = link.get_attribute("href").rsplit("/", 1)[-1]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
    assert flow_run.state.is_completed(), flow_run.state
    assert re.fullmatch(run, flow_run.name), flow_run.name
    assert not raw_alone(flow_run.state.message or ""), flow_run.state.message
    pg.goto(f"{up.ui}/v2/runs")  # the run list tells the story
    listed = pg.get_by_role("main").get_by_text(flow_run.name, exact=True)
    expect(listed.filter(visible=True).first).to_be_visible()  # (a hidden copy is drawn too)
    pg.goto(f"{up.ui}/v2/runs/flow-run/{run_id}")
    crumbs = pg.get_by_role("navigation", name="breadcrumb")
    expect(crumbs.get_by_text(flow_run.name, exact=True)).to_be_visible()
    run_page(pg, "hand-in")
    key = flow_run.name.split(" ")[1]
    card(pg, f"hand-in-{key.lower()}")
    return flow_run.name


def test_a_chinese_lead_follows_a_request_and_a_fault_on_the_board(
    up: Up,  # noqa: F811
    page: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    import docx
    from playwright.sync_api import expect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.wordparts import read_custom_properties
    from tests.support.approval import fill
    from tests.support.delivery import fill_certificate

    # a shared, loaded machine: a page may stay "Loading" for more than expect's 5 s
    expect.set_options(timeout=30_000)
    started = time.monotonic()
    pg = page
    box = pg.get_by_role
    repo = client_repository(tmp_path / "oa")
    with temporary_settings({PREFECT_API_URL: up.api}):
        form(pg, up, "contract")
        box("textbox", name="合同 YAML Contract (YAML)").fill(contract_yaml(repo.path))
        submit(pg, up, "contract")
        run_page(pg, "contract")

        # the task book, its date typed as text
        form(pg, up, "intake")
        fill_task_book(pg, "OA 会议室预约 Meeting-room booking")
        run = submit(pg, up, "^intake CR-\\d{4}-\\d{4}$")
        key = run.name.split(" ")[1]
        k = key.lower()
        run_page(pg, "intake")
        card(pg, f"intake-{k}")
        board(pg, up, key, "submitted", "plan")

        # a plan draft, then issued and sent to the client
        form(pg, up, "plan")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"plan {key}")
        run_page(pg, "plan draft")
        text = card(pg, f"plan-{k}")
        assert "需求分析 Analysis" in text and "设计开发 Development" in text, text
        board(pg, up, key, "submitted", "issue-plan")  # a draft: the state stays

        form(pg, up, "plan")
        box("textbox", name="请求编号 Request key").fill(key)
        for title in ("签发 Issue", "发送给甲方 Send"):
            tick = box("main").get_by_role("checkbox", name=re.compile(title))
            if not tick.count():
                tick = box("main").get_by_role("switch", name=re.compile(title))
            tick.first.click()
        sent = len(up.smtp.messages)
        submit(pg, up, f"plan {key}")
        assert len(up.smtp.messages) > sent, "the plan was not mailed to the client"
        run_page(pg, "plan issued")
        card(pg, f"plan-{k}")
        plan = download(pg, re.compile(rf"^{key} plan v1\.docx$"), up.docs)
        row = board(pg, up, key, "planned", "approve-plan")
        assert "甲方" in row, row  # waits for the client

        # the client signs the plan in Word; the lead hands it in
        props = read_custom_properties(docx.Document(io.BytesIO(plan)))
        assert props["changeflow.kind"] == "plan" and props.get("changeflow.mac"), props
        handed_in(pg, up, f"{key}-plan-signed.docx", fill(plan), f"{key} 现为 now 已批准 Approved",
                  rf"批准 {key} 实施计划和费用预算 第1版")  # fmt: skip
        board(pg, up, key, "approved", "kickoff")

        form(pg, up, "kickoff")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"kickoff {key}")
        run_page(pg, "kickoff")
        card(pg, f"kickoff-{k}")
        board(pg, up, key, "in_development", "develop")

        # the team commits on the branch; the sync sees it
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        repo.checkout(f"cr/{key}")
        repo.commit(f"{key} 新增：会议室预约页面与冲突检查 @3h",
                    {"oa/rooms.py": "def free(a, b):\n    return a[1] <= b[0] or b[1] <= a[0]\n",
                     "tests/test_rooms.py": "from oa.rooms import free\n\n\n"
                     "def test_req1_booking_conflict():\n    assert not free((9, 11), (10, 12))\n"
                     "    assert free((9, 10), (10, 11))\n"},
                    author=("Zhang Wei", "zhang.wei@contractor.example"), when=now)  # fmt: skip
        form(pg, up, "sync")
        submit(pg, up, "^sync \\d\\d-\\d\\d \\d\\d:\\d\\d$")
        run_page(pg, "sync")
        card(pg, "git-sync")
        board(pg, up, key, "in_development", "develop")

        form(pg, up, "test")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"test {key}")
        run_page(pg, "test")
        text = card(pg, f"test-{k}")
        assert "通过 PASSED" in text, text
        board(pg, up, key, "in_testing", "golive")

        form(pg, up, "golive")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"golive {key}")
        run_page(pg, "golive")
        card(pg, f"golive-{k}")
        board(pg, up, key, "live", "issue-acceptance")

        form(pg, up, "acceptance")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"acceptance {key}")
        run_page(pg, "acceptance")
        card(pg, f"acceptance-{k}")
        cert = download(pg, re.compile(rf"^{key} acceptance v1\.docx$"), up.docs)
        board(pg, up, key, "live", "accept")
        handed_in(pg, up, f"{key}-acceptance-signed.docx", fill_certificate(cert),
                  f"{key} 现为 now 已验收 Accepted", rf"已验收 {key} .+")  # fmt: skip
        board(pg, up, key, "accepted", "done")

        # a fault, reported 20 minutes ago, through its steps
        form(pg, up, "fault")
        box("button", name=re.compile("Select 故障级别 Severity")).first.click()
        box("option", name="crash 系统崩溃").click()
        box("textbox", name="故障现象 What is wrong").fill("OA 无法登录 login fails")
        box("textbox", name=re.compile("^报告人 Reported by")).fill("王芳")
        box("textbox", name=re.compile("^报告时间 Reported at")).fill(local(20))
        fault = submit(pg, up, "^fault GZ-\\d{4}-\\d{4}$")
        fkey = fault.name.split(" ")[1]
        run_page(pg, "fault")
        card(pg, f"fault-{fkey.lower()}")  # its card, the run's name and state message beside it
        pg.screenshot(path=str(shots / "fault-run.png"), full_page=True)
        board(pg, up, fkey, "reported", "respond")
        for step, state, then in (("respond", "responded", "onsite"),
                                  ("onsite", "on_site", "resolve"),
                                  ("resolve", "resolved", "close"),
                                  ("close", "closed", "done")):  # fmt: skip
            form(pg, up, step)
            box("textbox", name="编号 Key").fill(fkey)
            submit(pg, up, f"{step} {fkey}")
            run_page(pg, step)
            text = card(pg, f"{step}-{fkey.lower()}")
            expect(box("heading", name=re.compile(rf"^{fkey} · "))).to_be_visible()
            board(pg, up, fkey, state, then)
        assert "首次响应 first response: 达标 met" in text, text
    print(f"\nthe lead's desk: {time.monotonic() - started:.0f} s in the browser")
