"""The weekly report (项目周报): real git repos synced by the git-sync code, real plans from the
plan code, the real working calendar (National Day 2026, make-up workdays), a real SMTP
server (aiosmtpd) receiving the mail, the .docx read back with python-docx."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlalchemy import func, select

from changeflow.errors import InputError
from tests.gitrepo_helpers import GitRepo

SH = ZoneInfo("Asia/Shanghai")
ZW = ("Zhang Wei", "zhang.wei@contractor.example")  # 张伟 (git alias "Zhang Wei")
LM = ("liming", "ming.li@contractor.example")  # 李明 (git aliases liming / ming.li@...)
D = date.fromisoformat


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# --- fixtures: a request in development with a plan, commits and logged time ---------------


def _move(key: str, target: str, when: str, actor: str = "李明") -> None:
    from changeflow.db.lifecycle import load_for_update, transition
    from changeflow.db.session import transaction

    with transaction() as s:
        req = load_for_update(s, key)
        transition(s, req, target, actor=actor, reason=f"to {target}", at=at(when))


def _sync(path: Path, url: str) -> None:
    from changeflow.tasks import gitsync

    gitsync.sync(str(path), url=url)


@pytest.fixture
def project(submitted: str, db: str, tmp_path: Path) -> dict[str, Any]:
    """CR in development since 2026-09-14 with plan v1 (default estimates) and a git history
    across the Mid-autumn and National Day holidays of 2026, in Chinese."""
    from changeflow.tasks.planning import make_plan

    key = submitted
    plan = make_plan(key, start=D("2026-09-14"), lang="zh-CN", actor="李明")
    _move(key, "approved", "2026-09-11T10:00:00")
    _move(key, "in_development", "2026-09-14T09:00:00")
    repo = GitRepo(tmp_path / "oa")
    c = repo.commit
    c(
        f"{key} 请假审批：增加分管领导审批节点 @6h",
        {"a.txt": "1"},
        author=ZW,
        when="2026-09-14T10:00:00+08:00",
    )
    c(
        f"{key} 需求分析：整理请假流程 @4h",
        {"b.txt": "1"},
        author=LM,
        when="2026-09-15T11:00:00+08:00",
    )
    c(f"{key} 考勤接口对接 @8h", {"a.txt": "2"}, author=ZW, when="2026-09-18T16:00:00+08:00")
    # Sunday 2026-09-20 is a make-up workday (National Day), after W38's Friday report
    c(
        f"{key} 调休日：修复审批节点排序 @7h",
        {"a.txt": "3"},
        author=ZW,
        when="2026-09-20T14:00:00+08:00",
    )
    c(f"{key} 年假余额同步 @8h", {"c.txt": "1"}, author=ZW, when="2026-09-22T10:00:00+08:00")
    c(
        f"{key} 单元测试 <script>&amp; @3h",
        {"c.txt": "2"},
        author=ZW,
        when="2026-09-28T15:30:00+08:00",
    )
    c(f"{key} 审批流程联调 @8h", {"d.txt": "1"}, author=ZW, when="2026-09-29T10:00:00+08:00")
    c(
        f"{key} 统计报表：按部门汇总 @6h",
        {"e.txt": "1"},
        author=ZW,
        when="2026-09-30T10:00:00+08:00",
    )
    c(f"{key} 假期中处理紧急问题 @2h", {"e.txt": "2"}, author=LM, when="2026-10-03T20:00:00+08:00")
    c("无关提交：更新依赖", {"f.txt": "1"}, author=ZW, when="2026-09-29T11:00:00+08:00")
    _sync(repo.path, db)
    return {"key": key, "plan": plan, "repo": repo, "url": db}


def _docx(path: str) -> tuple[str, list[list[list[str]]], Any]:
    d = docx.Document(path)
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables, d


def _build(week: str, client: str = "DEMO") -> dict[str, Any]:
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        return weekly.build_week(s, weekly.find_client(s, client), week)


# --- weeks and the report day ----------------------------------------------------------------


def test_parse_week_and_bad_input() -> None:
    from changeflow.tasks import weekly

    assert weekly.parse_week("2026-W48") == (2026, 48)
    assert weekly.week_days("2026-W40") == (D("2026-09-28"), D("2026-10-04"))
    assert weekly.week_of(D("2026-10-02")) == "2026-W40"
    for bad in ("2026-48", "2026-W54", "W48", ""):
        with pytest.raises(InputError) as e:
            weekly.parse_week(bad)
        assert e.value.field == "week"
    with pytest.raises(InputError) as e:
        weekly.parse_cron("0 15 * * 1-5", "contract OA-2026")
    assert "weekly_report_cron" in str(e.value)
    r = weekly.parse_cron("30 16 * * thu")
    assert (r.weekday, r.at.hour, r.at.minute) == (4, 16, 30)
    assert weekly.parse_cron("0 9 * * 0").weekday == 7


@pytest.mark.parametrize(
    ("week", "due"),
    [
        ("2026-W38", "2026-09-18T15:00"),  # an ordinary Friday (Sunday 09-20 is a make-up day)
        ("2026-W39", "2026-09-24T15:00"),  # Friday 09-25 Mid-autumn Festival -> Thursday
        ("2026-W40", "2026-09-30T15:00"),  # Friday 10-02 National Day -> Wednesday 09-30
        ("2026-W41", "2026-10-09T15:00"),  # Mon-Wed off, Sat 10-10 make-up: Friday as usual
        ("2026-W08", None),  # Spring Festival: no working day, no report
        ("2026-W09", "2026-02-27T15:00"),
    ],
)
def test_report_due_moves_off_holidays(contract: str, week: str, due: str | None) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        got = weekly.report_due(s, cl, week)
        assert (got.strftime("%Y-%m-%dT%H:%M") if got else None) == due
        if got is not None:
            assert got.tzinfo is not None and got.utcoffset().total_seconds() == 8 * 3600


def test_should_send_now_once_a_week_never_on_a_holiday(contract: str) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        # the daily 15:00 trigger of W40: only Wednesday 09-30 (Friday 10-02 is National Day)
        hits = [
            d
            for d in (
                "2026-09-28",
                "2026-09-29",
                "2026-09-30",
                "2026-10-01",
                "2026-10-02",
                "2026-10-03",
                "2026-10-04",
            )
            if weekly.should_send_now(s, cl, at(f"{d}T15:00:00"))
        ]
        assert hits == ["2026-09-30"]
        assert not weekly.should_send_now(s, cl, at("2026-09-30T14:59:00"))
        assert weekly.should_send_now(s, cl, at("2026-09-30T16:10:00"))  # a late trigger
        assert [c.code for c, _ in weekly.clients_due(s, at("2026-09-30T15:00:05"))] == ["DEMO"]
        # once a version of the week is sent, the week is done
        s.add(
            WeeklyReport(
                client_id=cl.id,
                week="2026-W40",
                version=1,
                period_start=D("2026-09-26"),
                period_end=D("2026-10-04"),
                lang="zh-CN",
                mail_key="k",
                mail_state="sent",
                summary={},
            )
        )
        s.flush()
        assert not weekly.should_send_now(s, cl, at("2026-09-30T15:00:00"))


def test_contract_cron_is_configurable(contract: str) -> None:
    from changeflow.db.models import Client, Contract
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "30 16 * * 4"}
    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        assert weekly.report_due(s, cl, "2026-W48") == at("2026-11-26T16:30:00")
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "every friday"}
    with transaction() as s, pytest.raises(InputError) as e:
        weekly.report_due(s, s.scalar(select(Client).where(Client.code == "DEMO")), "2026-W48")
    assert e.value.source == "contract OA-2026"


# --- the data ---------------------------------------------------------------------------------


def test_holiday_week_national_day(project: dict[str, Any]) -> None:
    """W40: report Wednesday 09-30; days off 10-01..04 listed with their reason; the holiday
    commit of 10-03 still shows on its day; the unlinked commit does not."""
    key = project["key"]
    data = _build("2026-W40")
    assert data["due_at"] == at("2026-09-30T15:00:00")
    # the period starts the day after the previous report day (Thursday 09-24, W39)
    assert data["period_start"] == D("2026-09-25")
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
    # days off of last week after its report, with nothing recorded, are not listed
    assert min(by_day) == D("2026-09-28")
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


def test_makeup_workday_after_report_goes_to_next_week(project: dict[str, Any]) -> None:
    """Sunday 2026-09-20 is a make-up workday after W38's Friday report: W39 reports it."""
    w38 = _build("2026-W38")
    assert w38["due_at"] == at("2026-09-18T15:00:00")
    sunday = next(d for d in w38["days"] if d["date"] == D("2026-09-20"))
    assert sunday["working"] and sunday["kind"] == "makeup_workday"
    w39 = _build("2026-W39")
    assert w39["period_start"] == D("2026-09-19")
    first = w39["days"][0]
    assert first["date"] == D("2026-09-20") and not first["in_week"] and first["working"]
    assert first["requests"][0]["commits"][0]["message"].endswith("修复审批节点排序 @7h")
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
    text, _tables, d = _docx(r["document"])
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
    data = _build(week)
    (req,) = data["requests"]
    late = [m for m in req["milestones"] if m["phase"] == "development"]
    assert late[0]["status"] == "late" and late[0]["slip_working_days"] > 0
    assert req["slip_working_days"] == max(
        m["slip_working_days"] for m in req["milestones"] if m["status"] != "done"
    )
    assert any(x["kind"] == "late_milestone" for x in data["risks"])
    # moving on to testing marks it done on that day
    _move(project["key"], "in_testing", f"{dev.isoformat()}T17:00:00")
    data = _build(week)
    m = next(m for m in data["requests"][0]["milestones"] if m["phase"] == "development")
    assert m["status"] == "done" and m["slip_working_days"] == 0


# --- the document -----------------------------------------------------------------------------


def test_report_document_zh_and_en(project: dict[str, Any]) -> None:
    from changeflow.tasks import weekly
    from changeflow.tasks.wordkit import read_custom_properties

    key = project["key"]
    r = weekly.make_report("2026-W40", "DEMO", lang="zh-CN", actor="李明")
    assert r["version"] == 1 and r["mail_key"] == "weekly-report/DEMO/2026-W40/v1"
    _text, tables, d = _docx(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert d.core_properties.title == "项目周报 示例集团有限公司 2026-W40"
    assert "示例集团有限公司" in flat and "2026-09-30 15:00" in flat
    assert "2026-10-02 周五|否|节假日：国庆节" in flat
    assert f"{key} 审批流程联调 @8h（张伟）" in flat
    assert "<script>&amp;" in flat  # user text stays text
    assert "开发中" in flat and "张伟" in flat
    assert len(d.inline_shapes) == 1  # the burn-up chart
    props = read_custom_properties(d)
    assert props["changeflow.week"] == "2026-W40" and props["changeflow.version"] == "1"
    en = weekly.make_report("2026-W40", "DEMO", lang="en", actor="Li Ming")
    assert en["version"] == 2
    _text, tables, d = _docx(en["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "holiday: National Day" in flat and "In development" in flat
    assert "Weekly Project Report" in d.core_properties.title


def test_rerun_makes_a_new_version(project: dict[str, Any]) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    a = weekly.make_report("2026-W40", "DEMO")
    b = weekly.make_report("2026-W40", "DEMO")
    assert (a["version"], b["version"]) == (1, 2)
    assert a["document"] != b["document"] and a["mail_key"] != b["mail_key"]
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(WeeklyReport)) == 2
        kinds = s.scalars(select(Document.kind).where(Document.kind == weekly.KIND)).all()
        assert len(kinds) == 2


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_report_weekly(project: dict[str, Any], cli) -> None:
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--client", "DEMO", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["week"] == "2026-W40" and data["version"] == 1 and data["mail"] is None
    assert data["due_at"].startswith("2026-09-30T15:00:00+08:00")
    assert [d["date"] for d in data["days_off"]][:2] == ["2026-10-01", "2026-10-02"]
    assert data["requests"][0]["key"] == project["key"]
    assert Path(data["document"]).is_file()
    code, out, err = cli("report", "weekly", "--week", "2026-W60", "--json")
    assert code == 2 and "week" in err and out == ""
    code, out, err = cli("report", "weekly", "--client", "NOPE")
    assert code != 0 and "NOPE" in err
