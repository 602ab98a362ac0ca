"""The client's service request form handed in on the hand-in page and through the inbox
flow (the session's Prefect server): each makes its service request and a hand-in run named
for it, like a returned document."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.flows.test_flow_board import newest_run_named
from tests.support.prefect import read_artifacts
from tests.support.serviceform import ACCOUNT, LEAVE_APPROVAL, fill_form

pytestmark = pytest.mark.prefect


def _blank(cli, tmp_path: Path) -> Path:
    code, out, err = cli("service", "form", "--out", str(tmp_path), "--json")
    assert code == 0, err
    return Path(json.loads(out)["path"])


def test_form_on_the_hand_in_page_and_in_the_inbox_flow(
    prefect_server: str, contract: str, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from changeflow.cli.docservice import create_app
    from changeflow.flows.approval import inbox

    blank = _blank(cli, tmp_path)
    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    with TestClient(create_app()) as page:
        res = page.post("/hand-in", data={"what": "returned", "by": "王芳"},
                        files={"file": ("权限申请.docx", fill_form(blank, ACCOUNT))})  # fmt: skip
    assert res.status_code == 200, res.text
    assert "service request form taken in as FW-2026-0001" in res.text
    assert 'id="run" href="http' in res.text
    run = newest_run_named("受理服务请求 FW-2026-0001 为李娜开通报销审批权限")
    assert run.state.is_completed()
    text = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    assert "交回页面 hand-in page（权限申请.docx）" in text and "已受理" in text

    folder = tmp_path / "inbox"
    folder.mkdir()
    f = folder / "考勤.docx"
    f.write_bytes(fill_form(blank, LEAVE_APPROVAL))
    old = time.time() - 60
    os.utime(f, (old, old))
    state = inbox(folder=str(folder), return_state=True)
    assert state.is_completed(), state.message
    run = newest_run_named("受理服务请求 FW-2026-0002 修正 11 月考勤记录")
    assert run.parent_task_run_id is not None  # a subflow of the inbox pass
    text = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    assert "收件箱 inbox" in text and "赵强" in text
