"""An upgrade of the OA platform: planned with its signed plan (环境检查, 步骤, 回退, 访问测试,
停机窗口 on the client's calendar), approved by the client on the returned plan through the
one sign-off reader, then recorded after; a doctored plan and a record before approval are
refused."""

from __future__ import annotations

import docx
import pytest

from changeflow.tasks import upgrades as up
from tests.support.maintenance import stored


def _plan(**kw) -> dict:
    args = dict(
        target="platform", title="OA 平台升级到 V5.2", system="OA 应用服务器 oa-app-01",
        from_version="V5.1", to_version="V5.2",
        checks=["磁盘剩余空间不少于 20GB", "数据库已完整备份"],
        steps=["停止 OA 服务", "部署 V5.2 安装包", "执行数据库升级脚本", "启动 OA 服务"],
        rollback=["停止 OA 服务", "恢复升级前的备份", "启动 V5.1"],
        tests=["从办公网登录 OA 首页", "发起并审批一张请假单"],
        window_start="2026-12-05 20:00", window_end="2026-12-05 23:00", lang="zh-CN",
    )  # fmt: skip
    return up.plan_upgrade(**(args | kw))


def _sign(src, out, values: dict[str, str], edit=None):
    from changeflow.docs_templates.labels import APPROVAL_FIELDS
    from tests.support.maintenance import fill_signoff

    fill_signoff(src, out, values, APPROVAL_FIELDS)
    if edit:
        d = docx.Document(str(out))
        edit(d)
        d.save(str(out))
    return out


def test_upgrade_planned_approved_and_recorded(contract: str, tmp_path) -> None:
    from changeflow.errors import ConflictError, InputError
    from changeflow.tasks.returned import approve_file
    from tests.support.delivery import docx_text

    p = _plan()
    assert p["number"] == "SJ-2026-0001" and p["state"] == "planned"
    text = docx_text(stored(p["document"]))
    for word in ("环境检查", "升级步骤", "回退方案", "访问测试", "停机窗口", "恢复升级前的备份"):
        assert word in text
    assert "12月5日 周末，非工作日" in text and "停机时间在甲方办公时间以外" in text
    with pytest.raises(ConflictError, match="only an approved plan"):
        up.record_upgrade(p["number"], started="2026-12-05 20:00", ended="2026-12-05 22:00",
                          results=["1=ok"])  # fmt: skip
    signed = _sign(stored(p["document"]), tmp_path / "signed.docx",
                   {"decision": "同意", "approver": "王芳", "date": "2026-12-04"})  # fmt: skip
    r = approve_file(signed)
    assert r.kind == "upgrade" and r.decision == "approve" and r.state == "approved"
    with pytest.raises(InputError, match="not N=result"):
        up.record_upgrade(p["number"], started="2026-12-05 20:00", ended="2026-12-05 22:00",
                          results=["9=ok"])  # fmt: skip
    done = up.record_upgrade(
        p["number"], started="2026-12-05 20:05", ended="2026-12-05 22:10",
        results=["1=剩余 48GB，通过", "2=通过", "3=通过", "4=通过"], notes="按计划完成。",
    )  # fmt: skip
    assert done["state"] == "done" and done["record"]
    rec = docx_text(stored(done["record"]))
    assert "王芳，2026年12月5日同意" not in rec and "王芳，2026年12月4日同意" in rec
    assert "发起并审批一张请假单" in rec and "完成" in rec
    assert all(x["ok"] for x in done["results"]) and len(done["results"]) == 4


def test_doctored_plan_refused_and_rejection_recorded(contract: str, tmp_path) -> None:
    from changeflow.tasks.signoff import Refused

    p = _plan(window_start="2026-12-07 10:00", window_end="2026-12-07 11:00", lang="en")
    text = "\n".join(c.text for t in docx.Document(str(stored(p["document"]))).tables
                     for r in t.rows for c in r.cells)  # fmt: skip
    assert "working hours: the client must plan for it" in text

    def shorten(d):
        for t in d.tables:
            for row in t.rows:
                for c in row.cells:
                    if c.text == "2026-12-07 11:00":
                        c.text = "2026-12-07 10:30"

    bad = _sign(stored(p["document"]), tmp_path / "bad.docx",
                {"decision": "approve", "approver": "Wang Fang", "date": "2026-12-04"},
                edit=shorten)  # fmt: skip
    with pytest.raises(Refused) as e:
        up.approve_upgrade_file(bad)
    assert e.value.code == "edited" and "10:30" in str(e.value)
    no = _sign(stored(p["document"]), tmp_path / "no.docx",
               {"decision": "reject", "approver": "Wang Fang", "date": "2026-12-04",
                "comment": "not in working hours"})  # fmt: skip
    assert up.approve_upgrade_file(no)["state"] == "rejected"
