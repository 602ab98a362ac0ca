"""The inbox: one door for everything a client sends, one pass at a time (CLI and the
scheduled flow on a real Prefect server), and the lead's ``record-decision`` form."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.approval import fill, make_plan, plan_path, replace_cell
from tests.support.helpers import counts, fill_taskbook, sample_taskbook, states


def _inbox() -> Path:
    from changeflow.settings import get_settings

    p = get_settings().inbox
    p.mkdir(parents=True, exist_ok=True)
    return p


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


@pytest.fixture
def mixed_inbox(submitted: str, tmp_path: Path) -> dict[str, str]:
    """A returned approval, an edited plan, a filled task book (.docx and YAML), junk."""
    make_plan(submitted)
    box = _inbox()
    (box / "CR-批复.docx").write_bytes(fill(plan_path(submitted)))
    book = sample_taskbook() | {"project": "OA 会议室预订"}
    fill_taskbook(book, box / "任务书-会议室.docx")
    yaml_book = (Path("examples/taskbook.yaml").resolve().read_text("utf-8")).replace(
        "OA 请假审批流程改造", "OA 用车申请流程"
    )
    (box / "car.yaml").write_text(yaml_book, "utf-8")
    (box / "notes.txt").write_text("hello", "utf-8")
    (box / "~$CR-批复.docx").write_bytes(b"lock file of Word")  # skipped, not refused
    return {"key": submitted}


def test_inbox_pass_sorts_every_file(mixed_inbox: dict[str, str], cli) -> None:
    key = mixed_inbox["key"]
    box = _inbox()
    rc, out, err = cli("inbox", "--json")
    assert rc == 2 and "notes.txt" in err
    report = json.loads(out)
    by_file = {i["file"]: i for i in report["items"]}
    assert by_file["CR-批复.docx"]["outcome"] == "decision"
    assert by_file["任务书-会议室.docx"]["outcome"] == "intake"
    assert by_file["car.yaml"]["outcome"] == "intake"
    assert by_file["notes.txt"]["outcome"] == "refused"
    assert "~$CR-批复.docx" not in by_file
    assert _names(box / "done") == sorted(["CR-批复.docx", "任务书-会议室.docx", "car.yaml"])
    assert _names(box / "refused") == ["notes.txt", "notes.txt.reason.txt"]
    reason = (box / "refused" / "notes.txt.reason.txt").read_text("utf-8")
    assert "notes.txt" in reason and "neither a task book" in reason
    now = states()
    assert now[key] == "approved"
    assert sorted(now.values()).count("submitted") == 2
    assert _names(box) == ["~$CR-批复.docx"]
    rc, out, _ = cli("inbox", "--json")  # nothing left to do
    assert rc == 0 and json.loads(out)["items"] == []


def test_inbox_refuses_an_edited_plan_with_its_reason(submitted: str, cli) -> None:
    make_plan(submitted)
    box = _inbox()
    edited = fill(plan_path(submitted), edit=lambda d: replace_cell(d, "2,400.00", "240.00"))
    (box / "改过的.docx").write_bytes(edited)
    before = counts()
    assert cli("inbox")[0] == 2
    reason = (box / "refused" / "改过的.docx.reason.txt").read_text("utf-8")
    assert "refused (edited)" in reason and "'2,400.00'" in reason and "240.00" in reason
    assert counts() == before and states()[submitted] == "planned"


def test_same_file_twice_through_the_inbox_is_one_decision(submitted: str, cli) -> None:
    make_plan(submitted)
    box = _inbox()
    data = fill(plan_path(submitted))
    (box / "a.docx").write_bytes(data)
    assert cli("inbox")[0] == 0
    (box / "a.docx").write_bytes(data)  # the client sends it again
    before = counts()
    rc, out, _ = cli("inbox", "--json")
    assert rc == 0
    item = json.loads(out)["items"][0]
    assert item["outcome"] == "duplicate"
    assert counts() == before
    assert _names(box / "done") == ["a.1.docx", "a.docx"]


def test_two_inbox_passes_at_once_take_each_file_once(submitted: str) -> None:
    from changeflow.tasks.inbox import process_inbox

    make_plan(submitted)
    box = _inbox()
    data = fill(plan_path(submitted))
    for i in range(3):  # three copies of the same returned file
        (box / f"copy{i}.docx").write_bytes(data)
    reports = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        reports.append(process_inbox(settle_seconds=0))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = [i for r in reports for i in r.items]
    assert sorted(i.file for i in items) == ["copy0.docx", "copy1.docx", "copy2.docx"]
    assert sorted(i.outcome for i in items) == ["decision", "duplicate", "duplicate"]
    assert _names(box / "done") == ["copy0.docx", "copy1.docx", "copy2.docx"]


def test_file_still_being_copied_waits_for_the_next_pass(submitted: str) -> None:
    from changeflow.tasks.inbox import process_inbox

    (_inbox() / "new.yaml").write_text("client: x\n", "utf-8")
    report = process_inbox(settle_seconds=60)
    assert [(i.file, i.outcome) for i in report.items] == [("new.yaml", "waiting")]
    assert report.counts == {"done": 0, "refused": 0, "waiting": 1}
    assert _names(_inbox()) == ["new.yaml"]


# --- the flows on a real Prefect server -------------------------------------------------


@pytest.mark.prefect
def test_inbox_flow_fails_with_the_reason_after_taking_the_rest(
    prefect_server: str, mixed_inbox: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    from changeflow.flows.approval import inbox

    past = time.time() - 60  # files settled long ago
    for p in _inbox().iterdir():
        if p.is_file():
            os.utime(p, (past, past))
    state = inbox(return_state=True)
    assert state.is_failed() and not state.is_crashed()
    msg = str(state.result(raise_on_failure=False))
    assert "notes.txt" in msg and "1 file(s) not taken" in msg
    assert states()[mixed_inbox["key"]] == "approved"  # the rest was processed
    from tests.support.prefect import read_artifacts

    arts = read_artifacts(state.state_details.flow_run_id)
    table = next(a for a in arts if a.type == "table")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert {r["结果 Outcome"] for r in rows} == {
        "已登记决定 decision recorded", "任务书已入库 task book taken in", "已拒收 refused"
    }


@pytest.mark.prefect
def test_record_decision_flow_with_evidence_from_the_inbox(
    prefect_server: str, submitted: str
) -> None:
    from changeflow.db.approval import Approval
    from changeflow.db.session import transaction
    from changeflow.db.store import sha256_bytes
    from changeflow.flows.approval import DecisionInput, record_decision
    from changeflow.tasks.signoff import today_local
    from tests.support.prefect import read_artifacts

    make_plan(submitted)
    ev = _inbox() / "evidence"
    ev.mkdir()
    scan = b"%PDF-1.4\n" + "盖章".encode() + b"\n%%EOF\n"
    (ev / "盖章扫描.pdf").write_bytes(scan)
    form = DecisionInput(
        key=submitted,
        decision="approve",
        approver="王芳",
        decided_on=today_local(),
        comment="纸质件已盖章",
        evidence_file="盖章扫描.pdf",
    )
    state = record_decision(decision=form, recorded_by="李明", return_state=True)
    assert state.is_completed(), state.message
    res = state.result()
    assert res["state"] == "approved" and res["channel"] == "ui"
    assert res["evidence_sha256"] == sha256_bytes(scan)
    assert _names(ev / "done") == ["盖章扫描.pdf"] and _names(ev) == []
    with transaction() as s:
        a = s.scalar(select(Approval))
        assert a.recorded_by == "李明" and a.event.channel == "ui" and a.event.actor == "王芳"
        assert a.evidence_document.kind == "plan-evidence"
    md = next(a for a in read_artifacts(state.state_details.flow_run_id) if a.type == "markdown")
    assert "王芳" in md.data and "kickoff" in md.data
    # the inbox pass leaves the evidence folder alone
    from changeflow.tasks.inbox import process_inbox

    assert process_inbox(settle_seconds=0).items == []


@pytest.mark.prefect
def test_record_decision_flow_fails_cleanly(prefect_server: str, submitted: str) -> None:
    from changeflow.flows.approval import DecisionInput, record_decision

    make_plan(submitted)
    before = counts()
    for name in ("../secret.key", "missing.pdf"):
        form = DecisionInput(
            key=submitted,
            decision="reject",
            approver="王芳",
            decided_on="2026-12-01",
            evidence_file=name,
        )
        state = record_decision(decision=form, return_state=True)
        assert state.is_failed() and not state.is_crashed()
        assert "evidence_file" in str(state.result(raise_on_failure=False))
    assert counts() == before and states()[submitted] == "planned"


@pytest.mark.prefect
def test_kickoff_flow_after_ui_decision(
    prefect_server: str, submitted: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import git

    from changeflow.flows.approval import kickoff
    from changeflow.tasks.signoff import record_decision, today_local
    from tests.support.approval import set_repo as _set_repo
    from tests.support.smtp import Sink, free_port, start_smtp

    repo = git.Repo.init(tmp_path / "oa", initial_branch="main")
    (tmp_path / "oa" / "a.txt").write_text("x")
    repo.index.add(["a.txt"])
    repo.index.commit("init", author=git.Actor("t", "t@x"), committer=git.Actor("t", "t@x"))
    _set_repo(str(tmp_path / "oa"))
    make_plan(submitted)
    record_decision(submitted, "approve", "王芳", today_local(), "电话确认")
    from changeflow.settings import reset_settings

    handler, port = Sink(), free_port()
    ctl = start_smtp(handler, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    reset_settings()
    try:
        state = kickoff(key=submitted, started_by="李明", return_state=True)
        assert state.is_completed(), state.message
    finally:
        ctl.stop()
    assert f"cr/{submitted}" in repo.heads and len(handler.messages) == 1
    assert states()[submitted] == "in_development"


def test_a_file_left_by_a_dead_pass_is_taken_again(submitted: str, monkeypatch) -> None:
    from changeflow.tasks import inbox as approval

    make_plan(submitted)
    work = _inbox() / ".processing"
    work.mkdir()
    (work / "left.docx").write_bytes(fill(plan_path(submitted)))
    monkeypatch.setattr(approval, "STALE_CLAIM_SECONDS", -1)
    report = approval.process_inbox(settle_seconds=0)
    assert [(i.file, i.outcome) for i in report.items] == [("left.docx", "decision")]
    assert _names(work) == []


# --- the inbox never loses a file -------------------------------------------------------


def test_a_copy_still_arriving_waits_until_it_is_complete(submitted: str) -> None:
    """Half a .docx (a copy in progress over a slow share) is left for the next pass, not
    refused as truncated; once complete it is taken."""
    from changeflow.tasks.inbox import process_inbox

    make_plan(submitted)
    data = fill(plan_path(submitted))
    target = _inbox() / "回签.docx"
    target.write_bytes(data[: len(data) // 2])
    report = process_inbox(settle_seconds=0)
    assert [(i.file, i.outcome) for i in report.items] == [("回签.docx", "waiting")]
    assert _names(_inbox()) == ["回签.docx"] and _names(_inbox() / "refused") == []
    target.write_bytes(data)
    report = process_inbox(settle_seconds=0)
    assert [(i.file, i.outcome) for i in report.items] == [("回签.docx", "decision")]
    assert states()[submitted] == "approved"


def test_an_incomplete_file_left_unchanged_for_long_is_refused_with_its_reason(
    submitted: str,
) -> None:
    import os
    import time

    from changeflow.tasks.inbox import INCOMPLETE_GRACE_SECONDS, process_inbox

    make_plan(submitted)
    data = fill(plan_path(submitted))
    target = _inbox() / "cut.docx"
    target.write_bytes(data[:5000])
    old = time.time() - INCOMPLETE_GRACE_SECONDS - 60
    os.utime(target, (old, old))
    report = process_inbox(settle_seconds=0)
    [item] = report.items
    assert item.outcome == "refused" and "cut.docx" in item.detail
    assert report.counts == {"done": 0, "refused": 1, "waiting": 0}
    assert (_inbox() / "refused" / "cut.docx.reason.txt").exists()


def test_a_new_file_named_like_a_dead_pass_claim_loses_nothing(submitted: str, monkeypatch) -> None:
    """A pass died holding 'r.docx'; a new 'r.docx' arrived meanwhile. Both are taken: the
    claim returns under a free name, nothing is overwritten."""
    from changeflow.tasks import inbox as inbox_room

    make_plan(submitted)
    work = _inbox() / ".processing"
    work.mkdir()
    (work / "cabcdef012345~r.docx").write_bytes(fill(plan_path(submitted)))
    import docx

    other = docx.Document()
    other.add_paragraph("会议纪要")  # a Word file, but neither a task book nor ours: refused
    other.save(str(_inbox() / "r.docx"))
    monkeypatch.setattr(inbox_room, "STALE_CLAIM_SECONDS", -1)
    report = inbox_room.process_inbox(settle_seconds=0)
    outcomes = sorted((i.file, i.outcome) for i in report.items)
    assert outcomes == [("r.1.docx", "decision"), ("r.docx", "refused")], outcomes
    assert report.counts == {"done": 1, "refused": 1, "waiting": 0}
    assert _names(work) == [] and _names(_inbox()) == []
    assert states()[submitted] == "approved"


def test_two_claims_of_one_name_never_collide(submitted: str) -> None:
    from changeflow.tasks.inbox import _claim_name, original_name

    a, b = _claim_name("回签.docx"), _claim_name("回签.docx")
    assert a != b and original_name(Path(a)) == original_name(Path(b)) == "回签.docx"
