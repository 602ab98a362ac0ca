"""The week's data: holidays and make-up workdays, an empty week, a late milestone, the
maintenance half (SLA breaches, run log), PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.support.helpers import ROOT
from tests.tasks.weekly.helpers import (
    D,
    at,
    build_week,
    build_week_at,
    make_project,
    move_request,
    read_docx,
)

# --- the data ---------------------------------------------------------------------------------


def test_holiday_week_national_day(project: dict[str, Any]) -> None:
    """W40: report Wednesday 09-30; days off 10-01..04 listed with their reason; the holiday
    commit of 10-03 still shows on its day; the unlinked commit does not."""
    key = project["key"]
    data = build_week("2026-W40")
    assert data["due_at"] == at("2026-09-30T15:00:00")
    # the period is the ISO week, whatever the report day
    assert (data["period_start"], data["period_end"]) == (D("2026-09-28"), D("2026-10-04"))
    assert data["working_days"] == 3
    off = {d["date"]: d["reason_zh"] for d in data["days_off"]}
    assert set(off) == {D("2026-10-01"), D("2026-10-02"), D("2026-10-03"), D("2026-10-04")}
    assert "国庆节" in off[D("2026-10-02")]
    by_day = {d["date"]: d for d in data["days"]}
    (row,) = by_day[D("2026-09-29")]["requests"]
    assert row["key"] == key
    assert [c["message"] for c in row["commits"]] == [f"{key} 审批流程联调 @8h"]
    assert row["commits"][0]["author"] == "张伟"
    assert row["hours"] == Decimal(8)
    assert by_day[D("2026-10-03")]["requests"][0]["hours"] == Decimal(2)
    assert min(by_day) == D("2026-09-28") and max(by_day) == D("2026-10-04")
    assert data["totals"]["commits"] == 4
    assert data["totals"]["hours"] == Decimal(19)
    assert data["totals"]["person_days"] == Decimal("2.38")
    (req,) = data["requests"]
    assert req["state"] == "in_development"
    assert req["planned_person_days"] == Decimal(project["plan"]["person_days"])
    # everything logged up to the period end: 6+4+8+7+8+3+8+6+2 = 52 h = 6.5 person-days
    assert req["done_person_days"] == Decimal("6.50")
    assert req["planned_to_date"] > req["done_person_days"]
    names = {p["name"]: p for p in data["people"]}
    assert set(names) == {"张伟", "李明"}
    assert names["张伟"]["days"] == 3 and names["李明"]["hours"] == Decimal(2)
    assert data["chart"] and len(data["chart"]["planned"]) == len(data["chart"]["days"])


def test_makeup_workday_after_report_stays_in_its_week(project: dict[str, Any]) -> None:
    """Sunday 2026-09-20 is a make-up workday after W38's Friday report: the Friday version
    shows it still to come; a version made after the week reports it; W39 never does."""
    friday = build_week_at("2026-W38", "2026-09-18T15:00:00")
    assert friday["due_at"] == at("2026-09-18T15:00:00")
    sunday = next(d for d in friday["days"] if d["date"] == D("2026-09-20"))
    assert sunday["working"] and sunday["kind"] == "makeup_workday"
    assert sunday["future"]
    assert friday["as_of"] == D("2026-09-18") and friday["days_to_come"] == 2
    later = build_week_at("2026-W38", "2026-09-21T09:00:00")
    sunday = next(d for d in later["days"] if d["date"] == D("2026-09-20"))
    assert not sunday["future"]
    assert sunday["requests"][0]["commits"][0]["message"].endswith("修复审批节点排序 @7h")
    assert later["as_of"] == D("2026-09-20") and later["days_to_come"] == 0
    # the same span in every version: the same commits and hours
    assert later["totals"] == friday["totals"]
    w39 = build_week("2026-W39")
    assert w39["period_start"] == D("2026-09-21")
    assert all(d["date"] >= D("2026-09-21") for d in w39["days"])
    assert w39["working_days"] == 4  # Friday 09-25 Mid-autumn Festival
    assert [d["date"] for d in w39["days_off"]] == [
        D("2026-09-25"),
        D("2026-09-26"),
        D("2026-09-27"),
    ]


def test_empty_week(contract: str) -> None:
    from changeflow.tasks import weekly

    r = weekly.make_report("2026-W48", "DEMO", lang="zh-CN", actor="李明")
    data = r["data"]
    assert data["empty"] and data["requests"] == [] and data["totals"]["commits"] == 0
    assert data["chart"] is None
    text, _tables, d = read_docx(r["document"])
    assert "本统计期间没有代码提交" in text
    assert "暂无" in text and "下周无计划工作项" in text
    assert not d.inline_shapes


def test_late_milestone_is_a_risk(project: dict[str, Any]) -> None:
    """Still in development after the development milestone: late by working days."""
    from changeflow.db.planning import Milestone, Plan
    from changeflow.db.session import transaction

    with transaction() as s:
        dev = s.scalar(select(Milestone.day).join(Plan).where(Milestone.phase == "development"))
    week = f"{dev.isocalendar()[0]}-W{dev.isocalendar()[1] + 2:02d}"
    data = build_week(week)
    (req,) = data["requests"]
    late = [m for m in req["milestones"] if m["phase"] == "development"]
    assert late[0]["status"] == "late" and late[0]["slip_working_days"] > 0
    ms_slip = max(m["slip_working_days"] for m in req["milestones"] if m["status"] != "done")
    assert req["milestone_slip_working_days"] == ms_slip
    # the delay column and the risk line read the same numbers
    assert req["slip_working_days"] == max(ms_slip, req["behind_working_days"])
    behind = [x for x in data["risks"] if x["kind"] == "behind_plan"]
    assert behind and behind[0]["behind_working_days"] == req["behind_working_days"] > 0
    assert any(x["kind"] == "late_milestone" for x in data["risks"])
    # moving on to testing marks it done on that day
    move_request(project["key"], "in_testing", f"{dev.isoformat()}T17:00:00")
    data = build_week(week)
    m = next(m for m in data["requests"][0]["milestones"] if m["phase"] == "development")
    assert m["status"] == "done" and m["slip_working_days"] == 0


def test_sla_breach_and_run_log_from_maintenance(project: dict[str, Any]) -> None:
    """A crash fault nobody answered within 30 minutes is a risk of its week; the working
    days show whether the daily run log (运行日志) was written."""
    from changeflow.tasks import maintenance, weekly

    f = maintenance.report_fault(
        severity="crash", title="邮件服务器异常", reported_at=at("2026-09-29T10:00:00"),
        contract="OA-2026", actor="值班", now=at("2026-09-29T10:00:00"),
    )  # fmt: skip
    maintenance.add_run_log(day="2026-09-28", author="张伟", checks=["服务器巡检"],
                            contract="OA-2026")  # fmt: skip
    data = build_week("2026-W40")
    (risk,) = [x for x in data["risks"] if x["kind"] == "sla_breach" and x["clock"] == "response"]
    assert risk["key"] == f.key and risk["due"] == at("2026-09-29T10:30:00")
    logs = {d["date"]: d["run_log"] for d in data["days"]}
    assert logs[D("2026-09-28")] is True and logs[D("2026-09-29")] is False
    assert logs[D("2026-10-02")] is None  # a holiday needs no run log
    r = weekly.make_report("2026-W40", "DEMO")
    _text, tables, _d = read_docx(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "2026年9月28日 周一|是|工作日|已填写" in flat
    assert "2026年9月29日 周二|是|工作日|未填写" in flat
    assert f"{f.key}（邮件服务器异常）：首次响应时限 2026年9月29日 10:30 已超时" in _text
    assert f.key not in [q["key"] for q in data["requests"]]


def test_week_data_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The same aggregates on PostgreSQL (exact hours, the holiday week, the document)."""
    from changeflow.db.migrate import upgrade
    from changeflow.tasks import weekly
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.signoff.keys import ensure_secret

    root = ROOT / "examples"
    upgrade(pg_url)
    ensure_secret()
    load_contract_file(root / "contract.yaml")
    key = intake_file(root / "taskbook.yaml").key
    make_project(key, pg_url, tmp_path)
    data = build_week("2026-W40")
    assert data["totals"]["hours"] == Decimal(19) and data["totals"]["commits"] == 4
    assert data["requests"][0]["done_person_days"] == Decimal("6.50")
    assert data["days_off"][0]["date"] == D("2026-10-01")
    r = weekly.make_report("2026-W40", "DEMO")
    assert r["version"] == 1 and Path(r["document"]).is_file()
