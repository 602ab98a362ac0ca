"""The delivery flows on a real Prefect server: test -> docs -> golive -> acceptance, with
their artifacts; a failing test run and a refused go-live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.support.delivery import (
    TEST_PLAN,
    make_project,
    point_contract,
    pytest_command,
    state_of,
    to_development,
)
from tests.support.helpers import counts
from tests.support.prefect import read_artifacts

pytestmark = pytest.mark.prefect


def _arts(state) -> dict[str, str]:
    """Artifact key -> its data (links read back as markdown)."""
    return {a.key: str(a.data) for a in read_artifacts(state.state_details.flow_run_id)}


def _opens(link: str, name: str) -> None:
    """A link artifact is an http URL by document id, and the document service serves that
    id as the file named ``name``."""
    import re

    from starlette.testclient import TestClient

    from changeflow.cli.docservice import create_app

    m = re.search(r"\((http://[^)]+/documents/(\d+))\)", link)
    assert m and "file://" not in link, link
    with TestClient(create_app()) as c:
        r = c.get(f"/documents/{m.group(2)}")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    from urllib.parse import quote

    disposition = r.headers["content-disposition"]  # a Chinese name is sent RFC 5987 encoded
    assert name in disposition or quote(name) in disposition, r.headers


def test_delivery_flows_end_to_end(prefect_server, submitted, tmp_path) -> None:
    from changeflow.flows import delivery as fl
    from changeflow.settings import get_settings

    repo = make_project(tmp_path / "oa", submitted)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    folder = get_settings().inbox / fl.DELIVERY_DIR
    folder.mkdir(parents=True)
    (folder / "plan.yaml").write_text(TEST_PLAN, encoding="utf-8")

    form = fl.TestInput(key=submitted, cases_file="plan.yaml")
    state = fl.test(request=form, tested_by="张伟", return_state=True)
    assert state.is_completed()
    r = state.result()
    assert r["passed"] and r["state"] == "in_testing"
    arts = _arts(state)
    key = submitted.lower()
    assert "通过 PASSED" in arts[f"test-{key}"]
    assert "all passed" in arts[f"test-{key}-cases"]
    _opens(arts[f"test-{key}-testreport"], "测试报告-v1.docx")
    trace = json.loads(arts[f"test-{key}-trace"])
    assert [t["结果 Result"] for t in trace] == ["通过", "通过", "通过"]
    assert "M2 审批通过后考勤系统年假余额减少 通过" in trace[1]["用例 Cases"]

    from tests.support.delivery import MANUAL_SCREENSHOTS, manual_screenshots

    manual_screenshots(folder)  # the role chapters' pictures, as the hand-in page leaves them
    sparse = fl.DocsInput(key=submitted, notes_markdown="# 总体设计\n\n要点", screenshots=[])
    state = fl.docs(request=sparse, written_by="李明", return_state=True)
    assert state.is_failed()  # required sections missing, no draft asked for
    notes = (EXAMPLES / "design-notes.md").read_text(encoding="utf-8")
    form = fl.DocsInput(key=submitted, notes_markdown=notes, screenshots=list(MANUAL_SCREENSHOTS))
    state = fl.docs(request=form, written_by="李明", return_state=True)
    assert state.is_completed()
    assert [d["kind"] for d in state.result()] == ["techdoc", "manual"]
    arts = _arts(state)
    _opens(arts[f"docs-{key}-techdoc"], "技术文档-v1.docx")
    _opens(arts[f"docs-{key}-manual"], "用户手册-v1.docx")
    # the matrix to the manual's sections (the notes' 对应需求 lines; 一、范围, 二、软件综述 and
    # 三、首次使用 come before the roles)
    trace = json.loads(arts[f"docs-{key}-trace"])
    assert [t["手册章节 Manual"] for t in trace] == [
        "四、申请人、五、审批人", "四、申请人、六、管理员", "六、管理员"
    ]  # fmt: skip

    state = fl.golive(request=fl.GoLiveInput(key=submitted), released_by="张伟",
                      return_state=True)  # fmt: skip
    assert state.is_completed() and state_of(submitted) == "live"
    arts = _arts(state)
    assert f"release/{submitted}-v1" in arts[f"golive-{key}"]
    assert "Rollback" in arts[f"golive-{key}-rollback"]  # the steps in the client's words, no tag

    state = fl.acceptance(request=fl.AcceptanceInput(key=submitted), return_state=True)
    assert state.is_completed()
    kinds = [d["kind"] for d in state.result()["deliverables"]]
    assert kinds == ["testreport", "techdoc", "manual", "golive", "release"]


def test_failing_tests_and_refusals_in_flows(prefect_server, submitted, tmp_path) -> None:
    from changeflow.flows import delivery as fl

    repo = make_project(tmp_path / "oa", submitted, failing=True)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    state = fl.test(request=fl.TestInput(key=submitted), return_state=True)
    assert state.is_completed()
    r = state.result()
    assert not r["passed"] and r["state"] == "in_testing"
    arts = _arts(state)
    key = submitted.lower()
    assert "test_approver_required" in arts[f"test-{key}-cases"]
    assert "不通过 FAILED" in arts[f"test-{key}"]
    before = counts()
    state = fl.golive(request=fl.GoLiveInput(key=submitted), return_state=True)
    assert state.is_failed() and not state.is_crashed()
    state = fl.test(request=fl.TestInput(key=submitted, junit_files=["../../etc/passwd"]),
                    return_state=True)  # fmt: skip
    assert state.is_failed() and not state.is_crashed()
    assert counts() == before and state_of(submitted) == "in_testing"
    assert Path(repo.path).is_dir()
