"""The weekly report's service part (issue #31): the week's dispatch orders and faults in
四、本周服务, next week's planned orders in 下周计划, and a summary whose counts are the
tables' rows; an empty section says so in a sentence. Read back with python-docx."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import docx

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def _rows(d: docx.document.Document) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in d.tables for row in t.rows]


def test_the_weeks_service_is_in_the_report_and_the_figures_reconcile(contract: str) -> None:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import weekly

    done = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"],
                              title="数据库备份检查")  # fmt: skip
    mt.complete_dispatch(done["number"], actual_start="2026-11-24 10:00",
                         actual_end="2026-11-24 11:00")  # fmt: skip
    nxt = mt.create_dispatch(kind="weekly-visit", planned_start="2026-12-02 14:00",
                             staff=["张伟"], title="每周固定上门巡检")  # fmt: skip
    when = at("2026-11-25 09:00")
    fault = mt.report_fault(severity="non_crash", title="邮件外发延迟", reported_at=when, now=when)
    r = weekly.make_report("2026-W48", "DEMO", lang="zh-CN", actor="李明")
    d = docx.Document(r["document"])
    text = "\n".join(p.text for p in d.paragraphs)
    rows = _rows(d)
    assert "四、本周服务" in text
    [visit] = [row for row in rows if row[0] == done["number"]]
    assert visit[1:] == [
        "远程支持",
        "数据库备份检查",
        "2026年11月24日",
        "张伟",
        "已完成，待甲方验收",
    ]
    [f] = [row for row in rows if row[0] == fault.key]
    assert f[1:3] == ["邮件外发延迟", "非系统崩溃"]
    # the summary counts what the tables hold
    assert "涉及 0 个开发需求、1 次派工服务、1 个故障" in text
    assert "本周没有进行中的开发需求。" in text and "本周没有人员登记工时或提交代码。" in text
    # next week's planned order is a row of the next-week plan, not a header-only table
    [planned] = [row for row in rows if row[0] == nxt["number"]]
    assert planned[1] == "每周固定上门巡检" and planned[4] == "2026年12月2日"
    assert "下周无计划工作项" not in text
    en = weekly.make_report("2026-W48", "DEMO", lang="en", actor="李明")
    etext = "\n".join(p.text for p in docx.Document(en["document"]).paragraphs)
    assert "4. Service this week" in etext and "1 dispatch order(s) and 1 fault(s)" in etext
