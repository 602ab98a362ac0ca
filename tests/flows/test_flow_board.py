"""The board and the hand-ins on a real Prefect server: the artifact keyed ``board`` (its
latest version) follows every step and hand-in; a document handed in on the hand-in page
runs as a flow run named for what it recorded, with the decision, who signed, the client's
comment and the next step; every step's artifact ends with the board's link."""

from __future__ import annotations

import pytest

from tests.support.approval import fill, make_plan, plan_path
from tests.support.delivery import advance
from tests.support.prefect import read_artifacts

pytestmark = pytest.mark.prefect


def latest_board_id():
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactCollectionFilter,
        ArtifactCollectionFilterKey,
    )

    with get_client(sync_client=True) as c:
        (art,) = c.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(
                key=ArtifactCollectionFilterKey(any_=["board"])
            )
        )
    return art.latest_id


def latest_board() -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactCollectionFilter,
        ArtifactCollectionFilterKey,
    )

    with get_client(sync_client=True) as c:
        (art,) = c.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(
                key=ArtifactCollectionFilterKey(any_=["board"])
            )
        )
    return art.data


def newest_run_named(name: str):
    """The newest flow run of that name (the Prefect server is the session's: an earlier test
    may have recorded the same hand-in of its own CR-2026-0001)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as c:
        runs = c.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=1,
        )
    assert runs, f"no run named {name}"
    return runs[0]


def _row(board: str, key: str) -> str:
    return next(line for line in board.splitlines() if f"**{key}**" in line)


@pytest.fixture
def page(prefect_server: str, submitted: str, monkeypatch: pytest.MonkeyPatch):
    from starlette.testclient import TestClient

    from changeflow.cli.docservice import create_app

    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING", raising=False)
    with TestClient(create_app()) as c:
        yield c


def test_the_board_follows_steps_and_hand_ins(page, submitted: str) -> None:
    from changeflow.flows import board, maintenance
    from changeflow.flows.common import board_url
    from changeflow.tasks.maintenance import report_fault

    key = submitted
    state = board.board(return_state=True)
    assert state.is_completed() and "1 个需求 requests" in state.message
    row = _row(latest_board(), key)
    assert "已提交 Submitted" in row and "乙方" in row and "**plan**" in row

    make_plan(key)
    data = fill(plan_path(key), comment="同意，请按期完成。")
    res = page.post(
        "/hand-in", data={"what": "returned", "by": "李娜"}, files={"file": ("回签.docx", data)}
    )
    assert res.status_code == 200, res.text
    assert 'id="run" href="http' in res.text and board_url() in res.text

    name = f"批准 {key} 实施计划和费用预算 第1版"
    run = newest_run_named(name)
    assert run.state.is_completed() and "已批准 Approved" in run.state.message
    text = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    for part in ("决定 Decision: **批准 approved**", "签署人 Signed by: 王芳",
                 "同意，请按期完成。", "已批准 Approved", "开工", "**kickoff**",
                 "途径 Channel: 交回页面 hand-in page（回签.docx）"):  # fmt: skip
        assert part in text, part
    assert (
        text.rstrip()
        .splitlines()[-1]
        .startswith(f"看板 Board: [打开看板 open the board]({board_url()})")
    )
    row = _row(latest_board(), key)
    assert "已批准 Approved" in row and "**kickoff**" in row

    # a fault's step: the board shows it where it stands, the step's artifact links the board
    fault = report_fault(severity="crash", title="OA 无法登录", reporter="王芳").key
    state = maintenance.respond(key=fault, return_state=True, mode="phone 电话")
    assert state.is_completed(), state.message
    arts = read_artifacts(state.state_details.flow_run_id)
    last = "\n".join(a.data for a in arts if a.type == "markdown").rstrip().splitlines()
    assert last[-1].startswith("看板 Board: [") and "/v2/artifacts/key/board" in last[-1]
    assert any(line.startswith("下一步 Next:") for line in last)
    row = _row(latest_board(), fault)
    assert "已响应 Responded" in row and "首次响应 first response: 达标 met" in row

    # accepted: the board says so (not the certificate it last issued)
    advance(key, "in_development", "in_testing", "live", "accepted")
    board.board()
    assert "已验收 Accepted" in _row(latest_board(), key)
    assert "最近完成 Recently done" in latest_board()
    # the board's stable address opens its newest version in the UI
    res = page.get("/board", follow_redirects=False)
    assert res.status_code == 302
    assert res.headers["location"].endswith(f"/v2/artifacts/artifact/{latest_board_id()}")


def test_an_acceptance_hand_in_run_says_accepted(prefect_server: str, submitted: str) -> None:
    """The hand-in run for an acceptance certificate the client signed is named 已验收 and
    shows the request accepted (its last word is not "certificate issued")."""
    from datetime import date

    from changeflow.db.approval import Approval
    from changeflow.db.lifecycle import load_for_update, transition
    from changeflow.db.session import transaction
    from changeflow.flows import board

    advance(submitted, "planned", "approved", "in_development", "in_testing", "live")
    with transaction() as s:  # what the acceptance recorder writes: the decision and the state
        req = load_for_update(s, submitted)
        ev = transition(s, req, "accepted", actor="test", reason="accepted")
        s.add(Approval(request_id=req.id, subject_kind="acceptance", subject_version=1,
                       decision="approve", approver="王芳", decided_on=date(2026, 12, 1),
                       comment="验收通过", channel="document", event=ev))  # fmt: skip
    state = board.hand_in(key=submitted, recorded="decision", channel="inbox", return_state=True)
    assert state.is_completed()
    name = f"已验收 {submitted} 验收单 第1版"
    run = newest_run_named(name)
    text = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    assert "已验收 Accepted" in text and "验收通过" in text and "certificate issued" not in text
    assert "下一步 Next: 无（已完成） nothing (done)" in text
    assert "已验收 Accepted" in _row(latest_board(), submitted)


def test_a_signed_plan_in_the_inbox_runs_as_its_hand_in(
    prefect_server: str, submitted: str, tmp_path
) -> None:
    """The inbox pass records the file and makes its hand-in run (a subflow) named for it."""
    import os
    import time

    from changeflow.flows.approval import inbox

    make_plan(submitted)
    folder = tmp_path / "inbox"
    folder.mkdir()
    f = folder / "plan-signed.docx"
    f.write_bytes(fill(plan_path(submitted), decision="不同意", comment="预算过高，请调整。"))
    old = time.time() - 60  # arrived a minute ago: settled
    os.utime(f, (old, old))
    state = inbox(folder=str(folder), return_state=True)
    assert state.is_completed(), state.message
    run = newest_run_named(f"不批准 {submitted} 实施计划和费用预算 第1版")
    assert run.parent_task_run_id is not None  # a subflow of the inbox pass
    text = "\n".join(a.data for a in read_artifacts(run.id) if a.type == "markdown")
    assert "预算过高，请调整。" in text and "途径 Channel: 收件箱 inbox" in text
    assert "**plan**" in text  # the next step: revise the plan (we)
    row = _row(latest_board(), submitted)
    assert "未通过 Rejected" in row and "按甲方意见修改计划" in row
