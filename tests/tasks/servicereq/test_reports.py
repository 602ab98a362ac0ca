"""Service requests on the monthly statement (月度服务对账单): the month's requests in their
own section, in both languages, read back with python-docx."""

from __future__ import annotations

from docx import Document

from changeflow.tasks import servicereq as sv
from tests.support.maintenance import stored


def _rows(path) -> list[list[str]]:
    return [[c.text for c in r.cells] for t in Document(path).tables for r in t.rows]


def test_the_statement_lists_the_months_service_requests(contract) -> None:
    from changeflow.tasks.maintenance import sla_report_document

    a = sv.new_service(
        category="data",
        title="考勤数据修正",
        requester="赵强",
        engineer="张伟",
        received_at="2026-11-18 09:00",
    )["key"]
    sv.record_work(a, start="2026-11-18 10:00", end="2026-11-18 11:30")
    sv.finish_service(a, resolution="已修正", at="2026-11-18 12:00")
    sv.confirm_service(a, by="赵强", at="2026-11-18 15:00")
    b = sv.new_service(
        category="howto", title="如何撤回预订", urgent=True, received_at="2026-11-25 09:00"
    )["key"]
    sv.new_service(category="other", title="十月的事项", received_at="2026-10-12 09:00")
    r = sla_report_document("2026-11", at="2026-12-02 10:00")
    rows = _rows(stored(r["path"]))
    assert ["本月服务天数", "0.19"] in rows  # 90 min of 8 h: the month's days count them too
    assert ["编号", "类别", "事项", "申请人", "状态", "服务时间（分钟）"] in rows
    mine = [r for r in rows if r[0].startswith("FW-")]
    assert mine[1:] == [
        [a, "数据维护", "考勤数据修正", "赵强", "已确认", "90"],
        [b, "使用咨询", "如何撤回预订（紧急）", "-", "已受理", "0"],
    ]
    # October's request is still open, so November's statement lists it too (oldest first)
    assert [r[2] for r in mine] == ["十月的事项", "考勤数据修正", "如何撤回预订（紧急）"]
    en = sla_report_document("2026-11", lang="en", at="2026-12-02 10:00")
    rows = _rows(stored(en["path"]))
    assert [a, "data fix", "考勤数据修正", "赵强", "confirmed", "90"] in rows


def test_the_weekly_report_lists_the_weeks_service_requests(contract) -> None:
    from changeflow.tasks import weekly

    empty = weekly.make_report("2026-W48", "DEMO", lang="zh-CN", actor="李明")
    assert "本周服务请求" not in "\n".join(p.text for p in Document(empty["document"]).paragraphs)
    key = sv.new_service(
        category="account",
        title="开通报销审批权限",
        requester="李娜",
        engineer="张伟",
        received_at="2026-11-24 09:00",
    )["key"]
    sv.record_work(key, minutes=45, start="2026-11-24 10:00")
    sv.new_service(category="data", title="上周的事项", received_at="2026-11-10 09:00")
    for lang, head, row in (
        ("zh-CN", "本周服务请求", [key, "账号权限", "开通报销审批权限", "李娜", "处理中", "45"]),
        (
            "en",
            "Service requests this week",
            [key, "account/permission", "开通报销审批权限", "李娜", "in progress", "45"],
        ),
    ):
        r = weekly.make_report("2026-W48", "DEMO", lang=lang, actor="李明")
        d = Document(r["document"])
        assert head in "\n".join(p.text for p in d.paragraphs)
        rows = _rows(r["document"])
        assert row in rows
        assert [x[2] for x in rows if x[0].startswith("FW-")] == ["上周的事项", "开通报销审批权限"]
