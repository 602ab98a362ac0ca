"""An acceptance recorded from the returned certificate merges the request's manual chapters
into the client's OA manual as its next version, in the same flow of work: the revision
record names the request; a second merge of the same request makes no second version; a
merge that fails leaves the acceptance standing, tells the lead in one line and writes no
half version."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.delivery import fill_certificate, go_live, state_of

NOTES = (
    "# 总体设计\n\n略。\n\n# 操作说明\n\n## 引言\n\n本手册说明 OA 的使用。\n\n"
    "## 运行环境\n\n浏览器：Chrome 或 Edge。\n\n"
    "## 申请人\n\n提交请假单：填写天数后提交。\n\n![请假单](申请.png)\n\n"
    "## 分管领导\n\n超过 3 天的请假由分管领导审批。\n\n![待办](审批.png)\n"
    "\n## 首次使用\n\n用 OA 账号登录，首次登录修改密码。\n"
    "\n## 出错与恢复\n\n提交失败时刷新页面后重新提交；仍不成功请报告信息中心。\n"
    "\n## 常见问题\n\n问：忘记密码？答：联系信息中心。\n"
    "\n## 快速参考\n\n请假：我的申请 → 请假 → 提交。\n"
)


def _versions() -> int:
    from changeflow.db.session import transaction
    from changeflow.db.training import OaManualVersion

    with transaction() as s:
        return s.scalar(select(func.count()).select_from(OaManualVersion)) or 0


def _certificate_in_inbox(key: str, inbox: Path) -> Path:
    from changeflow.tasks.acceptance import issue_certificate
    from changeflow.tasks.delivery_docs import check_screenshot, make_docs
    from tests.support.delivery import png

    shots = [check_screenshot(png(), n) for n in ("申请.png", "审批.png")]  # each role's screen
    made = make_docs(key, notes=NOTES, kinds=("manual",), lang="zh-CN", screenshots=shots)
    assert made[0].kind == "manual"
    cert = issue_certificate(key, actor="李明")
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{key}-验收单-签字.docx"
    path.write_bytes(fill_certificate(Path(cert.document)))
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    return go_live(submitted, tmp_path)


def test_acceptance_from_the_inbox_merges_the_manual_once(live: str, tmp_path: Path) -> None:
    from changeflow.tasks import oamanual
    from changeflow.tasks.board import hand_in_fact
    from changeflow.tasks.inbox import process_inbox

    inbox = tmp_path / "inbox"
    _certificate_in_inbox(live, inbox)
    report = process_inbox(inbox, settle_seconds=0)
    [item] = report.items
    assert item.outcome == "decision" and state_of(live) == "accepted"
    assert f"OA manual v1 merges {live}" in item.detail
    history = oamanual.manual_history("OA-2026")
    assert [h["requests"] for h in history] == [[live]]
    assert history[0]["changed"] == ["申请人", "分管领导"]
    # the revision record names the request, in the stored document
    from tests.support.delivery import docx_text
    from tests.support.maintenance import stored

    text = docx_text(stored(oamanual.current_oa_manual("OA-2026").path))
    assert live in text and "超过 3 天的请假由分管领导审批。" in text
    # the hand-in run says where the chapters went
    fact = hand_in_fact(live, "decision", lang="zh-CN")
    assert fact.manual == "已并入第 1 版" and "已并入第 1 版" in fact.markdown("zh-CN")
    # idempotent: the demo's explicit merge, the contract-wide merge, a second acceptance
    again = oamanual.merge_request(live)
    assert again["new"] is False and again["version"] == 1
    assert oamanual.merge_accepted("OA-2026")["new"] is False
    assert _versions() == 1


def test_a_failed_merge_leaves_the_acceptance_and_no_half_version(
    live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.tasks import oamanual
    from changeflow.tasks.inbox import process_inbox
    from changeflow.tasks.oamanual import versions

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(versions, "render_version", broken)
    inbox = tmp_path / "inbox"
    _certificate_in_inbox(live, inbox)
    [item] = process_inbox(inbox, settle_seconds=0).items
    assert item.outcome == "decision" and state_of(live) == "accepted"  # it stands
    assert "OA manual merge failed: disk full (retry: changeflow manual merge)" in item.detail
    assert _versions() == 0  # nothing half-written
    with transaction() as s:
        assert s.scalar(select(Document.id).where(Document.kind == "oa-manual")) is None
    monkeypatch.undo()
    first = oamanual.merge_request(live, actor="李明")
    assert first["new"] and first["version"] == 1 and _versions() == 1
