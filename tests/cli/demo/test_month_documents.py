"""The demo replays November 2026 of the sample contract: its documents, read back from the
.docx files (and the database and the git repository where a document points there), agree
with each other on every date, number and name, and none is dated the day the demo ran.

Dates are read by the labels of the documents' key-value tables; a date may be written
'2026年11月3日' or '2026-11-03' (with an optional 'HH:MM')."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.demo.conftest import Doc

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

DATE = re.compile(
    r"(\d{4})(?:年|-|\.|/)(\d{1,2})(?:月|-|\.|/)(\d{1,2})日?(?:\s*(?:周.|星期.)?\s*(\d{1,2}):(\d{2}))?"
)


# the labels that say when a document was made or what it reports
ISSUED = ("编制日期", "报告时间", "签发日期", "统计截至", "测试期间", "上线时间", "报告版本")


def when(text: str) -> datetime:
    """The first date (and time) in ``text``; 00:00 without a time."""
    m = DATE.search(text)
    assert m, f"no date in {text!r}"
    y, mo, d, h, mi = m.groups()
    return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0))


def span(text: str) -> tuple[datetime, datetime]:
    """A period '2026年11月2日至11月8日' (or '2026-11-02 — 2026-11-08'): its first and last day."""
    first = when(text)
    ends = re.findall(r"(?:(\d{4})(?:年|-))?(\d{1,2})(?:月|-)(\d{1,2})日?", text)
    y, mo, d = ends[-1]
    return first, datetime(int(y or first.year), int(mo), int(d))


def dates(text: str) -> list[datetime]:
    return [
        datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0))
        for y, mo, d, h, mi in DATE.findall(text)
    ]


def one(docs: dict[str, Doc], *parts: str) -> Doc:
    found = [d for n, d in docs.items() if all(p in n for p in parts)]
    assert len(found) == 1, (parts, sorted(docs))
    return found[0]


def git_commits(repo: Path, branch: str) -> list[tuple[datetime, str, str]]:
    import subprocess

    out = subprocess.run(
        ["git", "log", branch, "--not", "main", "--format=%ad\t%an\t%s",
         "--date=format:%Y-%m-%d %H:%M"],
        cwd=repo, capture_output=True, text=True, check=True,
        env={"TZ": "Asia/Shanghai", "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1"},
    ).stdout  # fmt: skip
    rows = [line.split("\t") for line in out.strip().splitlines()]
    return sorted((datetime.strptime(d, "%Y-%m-%d %H:%M"), a, s) for d, a, s in rows)


def test_the_lifecycle_in_order_across_documents(month) -> None:
    """task book < plan < approval < development commits < test < go-live < acceptance,
    each read from its own document, and the audit trail says the same."""
    docs, key = month["docs"], month["keys"]["main"]
    book = when(one(docs, "项目任务书").value("提出日期"))
    plan = one(docs, key, "实施计划和费用预算-v1")
    issued = when(plan.value("编制日期"))
    returned = one(docs, key, "实施计划-回签")
    signed = when(returned.value("日期"))
    commits = git_commits(month["out"] / "repo", f"cr/{key}")
    test = when(one(docs, key, "测试报告").value("测试期间"))
    golive_doc = one(docs, key, "上线记录")
    live = when(golive_doc.value("上线时间"))
    cert = one(docs, key, "验收单-v1")
    cert_issued = when(cert.value("签发日期"))
    accepted = when(one(docs, key, "验收单-回签").value("日期"))
    assert book < issued <= signed < commits[0][0]
    assert commits[-1][0] < test < live < datetime.combine(cert_issued.date(), live.time())
    assert live < cert_issued.replace(hour=23) and cert_issued <= accepted
    # the plan's schedule holds the development: commits on its planned days
    start, end = span(plan.value("计划周期"))
    assert start.date() <= commits[0][0].date() and commits[-1][0].date() <= end.date()
    assert test.date() <= end.date() and live.date() <= end.date()
    # the audit trail: the same order, the same times, recorded later (today)
    trail = month["db"]["events"]
    assert [t[0] for t in trail] == ["submitted", "planned", "approved", "in_development",
                                     "in_testing", "live", "accepted"]  # fmt: skip
    at = {t[0]: t[1] for t in trail}
    assert at["submitted"].date() == book.date()
    assert at["planned"].date() == issued.date()
    assert at["approved"].date() == signed.date()
    # the report gives the testing period by its day(s); the audit record has the hour
    assert at["in_testing"].date() == test.date() and at["live"] == live
    assert at["accepted"].date() == accepted.date()
    assert all(t[2] is not None and t[2].date() > date(2026, 11, 30) for t in trail)


def test_the_manual_is_written_before_the_test_report_that_cites_it(month) -> None:
    """The demo writes the user manual the test day's morning: the test report's 手册章节
    column names the manual's role chapters, the manual is dated no later than the test, the
    technical document (after the test) shows the same chapters and the test's results."""
    docs, key = month["docs"], month["keys"]["main"]
    report = one(docs, key, "测试报告")
    manual = one(docs, key, "用户手册")
    techdoc = one(docs, key, "技术文档")
    assert "测试时手册尚未编写" not in report.text
    head = next(r for r in report.rows if "手册章节" in r)
    col = head.index("手册章节")
    cited = [r[col] for r in report.rows if len(r) == len(head) and r[0].isdigit()]
    assert len(cited) == 3 and all(cited), cited
    for cell in cited:
        for chapter in cell.split("、")[1::2]:  # 四、申请人、五、审批人 -> 申请人, 审批人
            assert chapter in manual.text, chapter
    assert when(manual.value("编制日期")) <= when(report.value("测试期间"))
    trace = [r for r in techdoc.rows if len(r) >= 5 and r[0].isdigit()]
    assert [r[-1] for r in trace][-3:] == cited
    assert when(report.value("测试期间")) <= when(techdoc.value("编制日期"))


def test_commits_by_the_contracts_people_on_working_days(month) -> None:
    from changeflow.cli.demo.days import is_working_day

    key = month["keys"]["main"]
    commits = git_commits(month["out"] / "repo", f"cr/{key}")
    assert {a for _, a, _ in commits} <= {"Zhang Wei", "Li Ming"}
    assert all(is_working_day(d.date()) and 9 <= d.hour < 18 for d, _, _ in commits)
    golive = one(month["docs"], key, "上线记录")
    listed = [r for r in golive.rows if len(r) >= 4 and r[0].isdigit() and DATE.search(r[1])]
    assert len(listed) == len(commits)  # every commit of the branch, no more
    assert sorted(when(r[1]) for r in listed) == [d for d, _, _ in commits]
    techdoc = one(month["docs"], key, "技术文档")
    rows = [r for r in techdoc.rows if len(r) >= 3 and any(m in r[-1] for _, _, m in [])]
    del rows  # the technical document lists the same commits by their subjects
    shown = techdoc.text.replace("\u00a0", " ")  # a number keeps its unit in a table cell
    for _, _, subject in commits:
        assert subject.split(" ", 1)[-1].rsplit(" @", 1)[0] in shown, subject


def test_faults_are_reviewed_by_a_later_visit_signed_after_it(month) -> None:
    docs = month["docs"]
    faults = {}
    for name, d in docs.items():
        if "故障处理记录" in name:
            faults[d.value("请求编号")] = (when(d.value("报告时间")), when(d.value("关闭时间")))
    # the crash, the OA database's outage found by the probe, the disk found on a visit, the
    # mail delay
    assert len(faults) == 4
    severities = {d.value("故障级别") for n, d in docs.items() if "故障处理记录" in n}
    assert severities == {"系统崩溃", "非系统崩溃"}
    reviewed = set()
    signed_orders = [d for n, d in docs.items() if "派工单-甲方回签" in n]
    assert len(signed_orders) == 4  # every Wednesday of November
    for d in signed_orders:
        start = when(d.value("实际开始时间"))
        assert start.weekday() == 2 and (start.hour, start.minute) == (14, 0)  # Wednesday 14:00
        assert when(d.value("日期")) >= datetime.combine(start.date(), datetime.min.time())
        for key in re.findall(r"GZ-\d{4}-\d{4}", d.value("关联请求")):
            reported, closed = faults[key]
            end = when(d.value("实际结束时间"))
            if start <= reported <= end:
                continue  # found by a check on this visit (the next visit reviews it)
            assert reported < start and closed < start
            reviewed.add(key)
    assert reviewed == set(faults)
    # the non-crash ran across a weekend: reported on a Friday, closed on the Monday
    mail = [n for n in faults if "外发邮件延迟" in one(docs, n, "故障处理记录").text]
    other = faults[mail[0]]
    assert other[0].weekday() == 4 and other[1].weekday() == 0


def test_weekly_reports_each_friday_for_its_week(month) -> None:
    from changeflow.cli.demo.days import working_days

    reports = sorted((n, d) for n, d in month["docs"].items() if "项目周报" in n)
    fridays = [d for d in working_days(date(2026, 11, 1), date(2026, 11, 30)) if d.weekday() == 4]
    assert len(reports) == len(fridays)
    for (_name, d), friday in zip(reports, fridays, strict=True):
        first, last = span(d.value("统计期间"))
        assert first.date().weekday() == 0 and (last - first).days == 6
        assert first.date() <= friday <= last.date()
        friday_15 = datetime.combine(friday, datetime.min.time()).replace(hour=15)
        assert when(d.value("报告时间")) == friday_15
        # nothing in it happened after the report: a dated row after its Friday is a day
        # still to come
        for r in d.rows:
            if DATE.match(r[0]) and when(r[0]).date() > friday:
                assert any("未到" in c for c in r), r
    # the run log was kept on every working day and each report says so up to its Friday
    days = working_days(date(2026, 11, 1), date(2026, 11, 30))
    assert month["db"]["runlog"] == days
    for _, d in reports:
        kept = [r for r in d.rows if len(r) >= 4 and r[-1] in ("✓", "已填写")]
        assert len(kept) == 5


def test_statement_after_its_month_and_its_figures_match(month) -> None:
    docs = month["docs"]
    st = one(docs, "月度服务对账单")
    assert re.fullmatch(r"2026(-|年)11月?", st.value("统计月份"))
    assert when(st.value("统计截至")) >= datetime(2026, 12, 1)
    faults = [n for n in docs if "故障处理记录" in n]
    assert int(st.value("本月故障数")) == len(faults)
    orders = [d for n, d in docs.items() if re.search(r"派工单-v2", n)]
    days = sum(Decimal(re.search(r"([\d.]+)\s*(?:个\s*)?服务天", d.value("计入服务时间")).group(1))
               for d in orders)  # fmt: skip
    assert days == Decimal("1.00")  # four visits of two hours
    # the month's service days: the orders', the service requests' worked outside a visit
    # (45 + 90 minutes; the one worked on a visit is counted by its order) and the training
    # held (120 minutes): tests/cli/demo/test_maintenance_half.py
    assert Decimal(st.value("本月服务天数")) > days
    assert month["db"]["orders"] == len(orders) == 4


def test_hours_and_counts_agree(month) -> None:
    docs, key = month["docs"], month["keys"]["main"]
    weekly = [d for n, d in docs.items() if "项目周报" in n]
    found = [re.search(r"登记工时 ([\d.]+) 小时", d.text) for d in weekly]
    logged = sum(Decimal(m.group(1)) for m in found if m)  # a week without work says so
    assert logged == month["db"]["hours"] > 0
    test = one(docs, key, "测试报告")
    cases = int(test.value("用例总数"))
    for d in (one(docs, key, "上线记录"), one(docs, key, "验收单-v1")):
        assert f"{cases} 个用例" in d.value("测试结论")
    plan, returned = one(docs, key, "实施计划和费用预算-v1"), one(docs, key, "实施计划-回签")
    assert plan.value("预算总额") == returned.value("预算总额")
    assert plan.value("计划周期") == returned.value("计划周期")


def test_no_document_is_dated_the_day_the_demo_ran(month) -> None:
    from changeflow.db.types import wall_utcnow

    today = wall_utcnow().date()
    for name, d in month["docs"].items():
        if "项目任务书" in name:
            continue  # the client's file: its properties are the template's
        assert d.created is not None and d.created.date() < today, name
        assert d.created.date() <= date(2026, 12, 1), name
        for label in ISSUED:
            for v in d.values(label):
                assert all(x.date() < today for x in dates(v)), (name, label, v)
