"""The week's and the month's watch of the client's systems on the weekly report and the
monthly statement (issue #37): each watched system's probe availability, the checks done on
visits and the backups verified, read back from the real .docx; no section at all when there
is nothing to say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import docx
from sqlalchemy import create_engine, text

from tests.support.maintenance import stored

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
UTC = dt.UTC
WATCH_ZH = "系统监测、巡检与备份"


def _paragraphs(path: Path | str) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def _watched_month(tmp_path: Path, monkeypatch) -> None:
    """Nov 18: the OA database's probe fails 10:00-10:15 (a fault opens), then answers; three
    checks on that day's visit, one abnormal; two backups and a restore test verified."""
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import maintplan as mp
    from changeflow.tasks import probes
    from changeflow.tasks.maintplan.plan import load_plan

    load_plan(EXAMPLES / "maintplan.yaml")
    oa_db = f"sqlite:///{tmp_path / 'oa.db'}"
    monkeypatch.setenv("CF_P_OADB", oa_db)
    probes.add_target(name="oa-db", kind="db", secret="env:CF_P_OADB", contract="OA-2026",
                      params={"query": "SELECT count(*) FROM users", "recover_after": 1})
    t = dt.datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    for i in range(5):
        if i == 3:  # the table is back at 10:15
            with create_engine(oa_db).begin() as c:
                c.execute(text("CREATE TABLE users (id INTEGER)"))
        probes.probe_round(now=t, notify=False)
        t += dt.timedelta(minutes=5)
    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-18 14:00", staff=["张伟"])
    for code, res, value in (("oa-disk", "正常", "62%"), ("backup-backup", "正常", "成功"),
                             ("db-db-health", "异常", "连接数 480/500")):  # fmt: skip
        mp.record_check(o["number"], code, result=res, value=value, engineer="张伟",
                        at="2026-11-18 14:30")  # fmt: skip
    for day in ("2026-11-17 01:00", "2026-11-18 01:00"):
        probes.record("backup", what="OA 数据库全量备份", at=day, verified=True,
                      verified_by="张伟", contract="OA-2026")  # fmt: skip
    probes.record("restore-test", what="OA 数据库恢复演练", at="2026-11-19 10:00",
                  verified_by="张伟", restore_minutes=42, contract="OA-2026")  # fmt: skip


def test_nothing_watched_means_no_section(contract: str) -> None:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import weekly
    from changeflow.tasks.systemwatch import watch_lines, watch_summary

    assert watch_summary("OA-2026", dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == {}
    assert watch_lines({}, "zh-CN") == []
    r = mt.sla_report_document("2026-11", now=dt.datetime(2026, 12, 2, 2, tzinfo=UTC))
    assert not any("本月系统监测" in p for p in _paragraphs(stored(r["path"])))
    w = weekly.make_report("2026-W47", "DEMO", lang="zh-CN", actor="李明",
                           now=dt.datetime(2026, 11, 23, 2, tzinfo=UTC))  # fmt: skip
    assert WATCH_ZH not in _paragraphs(w["document"])


def test_summary_rows_then_weekly_and_statement_show_them(
    any_db_url: str, contract: str, tmp_path: Path, monkeypatch
) -> None:
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import weekly
    from changeflow.tasks.systemwatch import watch_summary

    _watched_month(tmp_path, monkeypatch)
    s = watch_summary("OA-2026", dt.date(2026, 11, 1), dt.date(2026, 11, 30),
                      now=dt.datetime(2026, 12, 2, 2, tzinfo=UTC))  # fmt: skip
    assert s["systems"] == [{"name": ("OA 数据库", "OA database"),
                             "availability": Decimal("99.97"), "down_minutes": 15,
                             "faults": 1, "probes": 1}]  # fmt: skip
    assert s["checks"] == {"done": 3, "abnormal": 1}
    assert s["backups"] == {"verified": 2, "restore_tests": 1, "last_restore": {
        "day": dt.date(2026, 11, 19), "by": "张伟", "minutes": 42}}  # fmt: skip

    # the month's run log (运行日志) for the client: the remote watch as a table of its own
    from changeflow.tasks.maintplan.handbook import runlog_document

    rl = runlog_document("2026-11", "OA-2026", lang="zh-CN",
                         now=dt.datetime(2026, 12, 2, 2, tzinfo=UTC))  # fmt: skip
    d = docx.Document(str(stored(rl["path"])))
    assert "四、远程探测" in [p.text for p in d.paragraphs]
    header = " ".join(p.text for p in d.sections[0].header.paragraphs)
    assert "乙方：示例软件技术有限公司" in header  # both parties, as on every document
    (probes,) = [t for t in d.tables if t.rows[0].cells[0].text == "系统"
                 and t.rows[0].cells[1].text == "探测内容"]  # fmt: skip
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in probes.rows[1:]}
    want = ["数据库", "数据库连接与查询", "99.97%", "15\u00a0分钟", "1", "0"]  # 15 min: one token
    assert rows["数据库连接与查询"] == want
    assert rows["恢复测试时效"][2:] == ["100.00%", "0", "0", "0"]  # the backup watches too

    r = mt.sla_report_document("2026-11", now=dt.datetime(2026, 12, 2, 2, tzinfo=UTC))
    ps = _paragraphs(stored(r["path"]))
    at = ps.index("本月系统监测、巡检与备份")
    assert ps[at + 1:at + 4] == [
        "远程探测可用率：OA 数据库 99.97%（中断约 15\u00a0分钟，故障 1 次）。",
        "上门检查：完成 3 项，其中异常 1 项。",
        "备份核验：本期核验备份 2 次，恢复测试 1 次；最近一次恢复测试 2026年11月19日，张伟 核验，"
        "恢复用时 42\u00a0分钟。",
    ], ps[at:at + 4]  # fmt: skip

    w = weekly.make_report("2026-W47", "DEMO", lang="zh-CN", actor="李明",
                           now=dt.datetime(2026, 11, 23, 2, tzinfo=UTC))  # fmt: skip
    ps = _paragraphs(w["document"])
    at = ps.index(WATCH_ZH)
    assert ps[at + 1].startswith("远程探测可用率：OA 数据库 ")
    assert "中断约 15\u00a0分钟" in ps[at + 1]
    assert ps[at + 2] == "上门检查：完成 3 项，其中异常 1 项。"
    en = weekly.make_report("2026-W47", "DEMO", lang="en", actor="Li Ming",
                            now=dt.datetime(2026, 11, 23, 2, tzinfo=UTC))  # fmt: skip
    ps = _paragraphs(en["document"])
    assert "Checks on visits: 3 done, 1 abnormal." in ps
