"""The board (看板) in the Prefect UI, in a real headless Chromium: the address every step's
artifact links to (the document service's ``/board``) opens the board's newest version, with the
requests and the fault where they stand, in Chinese first. A screenshot goes to the test's
temporary folder, or with ``CHANGEFLOW_UPDATE_SCREENSHOTS=1`` to ``docs/board.png`` and
``docs/handin-run.png``."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.support.approval import approve, fill, make_plan, plan_path
from tests.support.delivery import advance

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHANGEFLOW_CHROMIUM", "/usr/bin/chromium")
UPDATE_DOCS = os.environ.get("CHANGEFLOW_UPDATE_SCREENSHOTS") == "1"

if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def _intake(project: str) -> str:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate
    from tests.support.helpers import sample_taskbook

    book = sample_taskbook()
    book["project"] = project
    return intake(validate(book, "test"), source="test").key


def _local(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in (
        "127.0.0.1",
        "localhost",
    )


def test_the_board_opens_from_its_link_in_the_ui(
    prefect_server: str, submitted: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from changeflow.flows import board, maintenance
    from changeflow.flows.common import board_url
    from changeflow.tasks.maintenance import report_fault

    waiting = _intake("门户首页改版")
    make_plan(waiting)
    building = _intake("考勤系统同步")
    make_plan(building)
    approve(building, tmp_path)
    advance(building, "in_development")
    done = _intake("报销流程优化")
    advance(done, "planned", "approved", "in_development", "in_testing", "live", "accepted")
    fault = report_fault(severity="crash", title="OA 无法登录", reporter="王芳").key
    assert maintenance.respond(key=fault, mode="phone 电话", return_state=True).is_completed()
    assert board.board(return_state=True).is_completed()

    from starlette.testclient import TestClient

    from changeflow.cli.docservice import create_app

    make_plan(submitted)
    signed = fill(plan_path(submitted), comment="同意，请于一月底前上线。")
    with TestClient(create_app()) as docs:  # the hand-in page, then the board's address
        hand = docs.post(
            "/hand-in", data={"what": "returned", "by": "李娜"},
            files={"file": ("实施计划-回签.docx", signed)},
        )  # fmt: skip
        assert hand.status_code == 200, hand.text
        run_url = re.search(r'id="run" href="([^"]+)"', hand.text).group(1)
        res = docs.get("/board", follow_redirects=False)
    assert res.status_code == 302 and board_url().endswith("/board")
    url = res.headers["location"]
    assert url.startswith(prefect_server.removesuffix("/api") + "/v2/artifacts/artifact/")
    shots = ROOT / "docs" if UPDATE_DOCS else tmp_path
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": 1500, "height": 1000}, timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(60_000)
        context.route(
            "**/*", lambda r: r.continue_() if _local(r.request.url) else r.abort()
        )  # the UI bundle calls an analytics host
        pg: Any = context.new_page()
        pg.goto(url)
        main = pg.locator("main")
        expect(main.get_by_role("heading", name="看板 Board").first).to_be_visible()
        for key in (submitted, waiting, building, fault, done):
            expect(main.get_by_text(key, exact=True).first).to_be_visible()
        expect(main.get_by_text(re.compile("已计划 Planned")).first).to_be_visible()
        expect(main.get_by_text(re.compile("已验收 Accepted")).first).to_be_visible()
        expect(main.get_by_text(re.compile("已响应 Responded")).first).to_be_visible()
        expect(main.get_by_text(re.compile("已批准 Approved")).first).to_be_visible()
        pg.screenshot(path=str(shots / "board.png"), full_page=True)
        # the hand-in's own run: named for what it recorded, its artifact on the run page
        pg.goto(run_url)
        name = f"批准 {submitted} 实施计划和费用预算 第1版"
        expect(pg.get_by_text(name).first).to_be_visible()
        pg.get_by_role("tab", name="Artifacts").click()
        pg.get_by_role("link", name=re.compile(r"hand-in-")).first.click()
        pg.wait_for_url("**/artifacts/artifact/**")
        heading = pg.get_by_role("heading", name=re.compile(f"交回 Handed in: {name}"))
        expect(heading).to_be_visible()
        expect(pg.locator("main").get_by_text("同意，请于一月底前上线。").first).to_be_visible()
        pg.screenshot(path=str(shots / "handin-run.png"), full_page=True)
        browser.close()
    assert (shots / "board.png").stat().st_size > 10_000
