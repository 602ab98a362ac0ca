"""Plans: estimates, costs, the schedule around holiday weeks, versions, the document."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest
import yaml
from sqlalchemy import func, select

from changeflow.errors import InputError, TransitionError

D = date.fromisoformat
TODAY = date(2026, 9, 1)  # a Tuesday: the fixed starts below lie ahead of it


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans are made "on" TODAY, so starts chosen around holiday weeks are in the future."""
    from changeflow.tasks.planning import making

    monkeypatch.setattr(making, "today_local", lambda: TODAY)


def _doc_text(path: str | Path) -> tuple[str, list[list[list[str]]], docx.document.Document]:
    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables, d


def _estimates(tmp_path: Path, items: list[dict], name: str = "est.yaml", **top) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**top, "items": items}, allow_unicode=True), "utf-8")
    return path


def _counts() -> dict[str, int]:
    from changeflow.db.models import Document, RequestEvent
    from changeflow.db.planning import Plan, WorkItem
    from changeflow.db.session import transaction

    with transaction() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Plan, WorkItem, Document, RequestEvent)
        }


def _state(key: str) -> str:
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return s.scalar(select(Request.state).where(Request.key == key))


# --- the default plan and its document ----------------------------------------------------


def test_default_plan_costs_and_document(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-11-30"), lang="zh-CN", actor="lead", issue=True)
    # sample task book: priorities high, medium, low; built-in defaults; OA-2026 day rates
    # analyst 1200: 2 + 1 + 0.5 = 3.5 pd = 4200; developer 1000: 5 + 3 + 1.5 = 9500;
    # tester 800: 2 + 1.5 + 0.5 = 3200; engineer 900: 1 = 900; project lead 1500: 1 = 1500
    assert r["version"] == 1 and r["state"] == "planned"
    assert r["per_role"]["analyst"] == {"person_days": "3.5", "amount": "4200.00"}
    assert r["person_days"] == "19"
    assert r["subtotal"] == "19300.00" and r["tax"] == "1158.00" and r["total"] == "20458.00"
    assert r["total_capital"] == "贰万零肆佰伍拾捌元整"
    assert not r["provisional"]  # 2026-11-30 .. December stays in 2026
    assert sum(Decimal(i["amount"]) for i in r["items"]) == Decimal(r["subtotal"])

    text, tables, d = _doc_text(r["document"])
    assert "实施计划和费用预算" in text or d.core_properties.title.startswith("实施计划和费用预算")
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "¥20,458.00" in flat and "人民币贰万零肆佰伍拾捌元整" in flat
    assert "¥19,300.00" in flat and "¥1,158.00" in flat and "6%" in flat
    items = next(t for t in tables if t[0][0] == "序号" and "金额（元）" in t[0])
    assert len(items) == 1 + 11  # header + one row per work item
    assert items[1][6] == "2" and items[1][7] == "2"  # covered by the year's service
    assert items[1][8] == "1,200.00" and items[1][9] == "2,400.00"
    assert "*" not in flat  # nothing provisional
    # the approval table: labels on the left, empty cells on the right
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    approval, seal = tables[-2], tables[-1]
    assert [row[0] for row in approval] == [v[0] for v in APPROVAL_FIELDS.values()]
    assert all(row[1] == "" for row in approval)
    # then the seal block both parties sign and stamp (签章)
    assert seal[0] == ["签章", "甲方（委托单位）", "乙方（承建单位）"]
    assert [row[0] for row in seal[1:]] == ["单位名称", "签字", "盖章", "日期"]
    assert seal[1][1:] == ["示例集团有限公司", "示例软件技术有限公司"]  # both parties named
    # real properties, A4, stored with its sha256
    from changeflow.wordparts import read_custom_properties

    props = read_custom_properties(d)
    assert props["changeflow.kind"] == "plan" and props["changeflow.plan_version"] == "1"
    assert d.core_properties.author == "李明"  # the contract's project lead on our side
    assert round(d.sections[0].page_width.mm) == 210
    import hashlib

    assert hashlib.sha256(Path(r["document"]).read_bytes()).hexdigest() == r["sha256"]


def test_english_document(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-11-30"), lang="en", issue=True)
    _, tables, d = _doc_text(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "Implementation Plan and Cost Budget" in d.core_properties.title
    assert [row[0] for row in tables[-2]] == [
        "Decision (approve/reject)", "Approver", "Date", "Comment"
    ]  # fmt: skip
    assert tables[-1][0] == ["Sign-off", "Client (Party A)", "Contractor (Party B)"]
    assert "¥20,458.00" in flat and "贰万零肆佰伍拾捌元整" in flat
    assert "System live" in flat and "系统上线" not in flat  # whole-request items in English


def test_user_text_is_escaped_not_executed(contract: str, tmp_path: Path) -> None:
    from changeflow.tasks.intake import intake_file
    from changeflow.tasks.planning import make_plan

    book = {
        "project": "A < B && C {{ 7*7 }}",
        "client": "DEMO",
        "contact": "王芳",
        "requested_by": "王芳",
        "date": "2026-11-20",
        "kind": "dev",
        "priority": "medium",
        "requirements": [{"no": 1, "text": "x </w:t> {% raw %} y", "priority": "low"}],
    }
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(book, allow_unicode=True), "utf-8")
    key = intake_file(path).key
    r = make_plan(key, start=D("2026-11-30"))
    text, tables, _ = _doc_text(r["document"])
    flat = text + "\n".join("|".join(row) for t in tables for row in t)
    assert "A < B && C {{ 7*7 }}" in flat and "x </w:t> {% raw %} y" in flat


# --- the schedule ------------------------------------------------------------------------


def test_schedule_around_the_national_day_week(submitted: str, tmp_path: Path) -> None:
    est = _estimates(
        tmp_path,
        [
            {"requirement": 1, "phase": "analysis", "role": "analyst", "person_days": 2,
             "assignee": "李明"},
            {"requirement": 1, "phase": "development", "role": "developer", "person_days": "3",
             "assignee": "张伟"},
            {"requirement": 2, "phase": "development", "role": "developer", "person_days": 1.5,
             "assignee": "张伟"},
            {"requirement": 3, "phase": "development", "role": "developer", "person_days": 0.5,
             "assignee": "张伟"},
            {"requirement": 2, "phase": "development", "role": "analyst", "person_days": 1,
             "assignee": "李明"},
            {"phase": "testing", "role": "tester", "person_days": 1, "assignee": "张伟"},
            {"phase": "golive", "role": "engineer", "person_days": 0.5},
            {"phase": "acceptance", "role": "project_lead", "person_days": 0.5,
             "assignee": "李明"},
        ],
    )  # fmt: skip
    from changeflow.tasks.planning import plan_from_file

    r = plan_from_file(submitted, estimates_path=est, start=D("2026-09-28"))
    it = r["items"]
    # analysis Mon 09-28 + Tue 09-29
    assert (it[0]["start"], it[0]["end"]) == ("2026-09-28", "2026-09-29")
    # development from Wed 09-30; 3 pd = 09-30, (holiday 10-01..07), 10-08, 10-09
    assert (it[1]["start"], it[1]["end"]) == ("2026-09-30", "2026-10-09")
    # the same person's next item follows: 1.5 pd = Sat 10-10 (make-up workday) + half 10-12
    assert (it[2]["start"], it[2]["end"]) == ("2026-10-10", "2026-10-12")
    # half a day left on 10-12 takes the 0.5 pd item on the same day, no overlap beyond 1 pd
    assert (it[3]["start"], it[3]["end"]) == ("2026-10-12", "2026-10-12")
    # another person works in parallel in the same phase
    assert (it[4]["start"], it[4]["end"]) == ("2026-09-30", "2026-09-30")
    # testing after the development phase ends
    assert (it[5]["start"], it[5]["end"]) == ("2026-10-13", "2026-10-13")
    assert it[6]["start"] == "2026-10-14" and it[6]["assignee"] is None
    assert it[7]["start"] == "2026-10-15"
    assert r["end"] == "2026-10-15"
    assert r["calendar_days"] == (D("2026-10-15") - D("2026-09-28")).days + 1 == 18
    assert r["working_days"] == 10  # 09-28..30, 10-08..10 (Sat 10-10 worked), 10-12..15
    from changeflow.tasks.calendar import WorkingCalendar

    cal = WorkingCalendar(tz="Asia/Shanghai")
    for i in it:
        assert cal.is_working_day(D(i["start"])) and cal.is_working_day(D(i["end"]))
    for m in r["milestones"]:
        assert cal.is_working_day(D(m["day"]))
    assert [m["day"] for m in r["milestones"]] == [
        "2026-09-29", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15"
    ]  # fmt: skip
    # one person never has more than one person-day on a day
    load: dict[tuple[str, str], Decimal] = {}
    for i in it:
        if i["assignee"] and i["start"] == i["end"]:
            k = (i["assignee"], i["start"])
            load[k] = load.get(k, Decimal(0)) + Decimal(i["person_days"])
    assert max(load.values()) <= 1


def test_schedule_into_2027_is_provisional_and_says_so(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-12-21"))
    assert r["provisional"] and r["provisional_years"] == [2027]
    first = next(i for i in r["items"] if i["end"] >= "2027")
    assert first["provisional"]
    assert not r["items"][0]["provisional"]  # all of it in December 2026
    text, tables, _ = _doc_text(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "乙方将据此更新计划并重新发送" in text and "2027" in text
    assert "changeflow" not in text  # the client's copy names no command
    assert "2026年12月21日|" in flat.replace("2026年12月21日 ", "2026年12月21日|")  # not starred
    assert "2026-12-21*" not in flat
    from changeflow.tasks.wordkit import doc_date

    assert doc_date(r["end"], "zh-CN") + "*" in flat  # the end rests on the 2027 guess
    # 2027-01-01 (New Year's Day, rule-based) is skipped
    for i in r["items"]:
        assert i["start"] != "2027-01-01" and i["end"] != "2027-01-01"


def test_imported_year_removes_the_provisional_mark(submitted: str, tmp_path: Path) -> None:
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import import_official_year, parse_official_year
    from changeflow.tasks.planning import make_plan

    official = (
        "year: 2027\nsource: test notice\nholidays:\n"
        "  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n"
        "  - {name: 春节, from: 2027-02-06, to: 2027-02-14}\n"
        "workdays:\n  - {date: 2027-01-09, name: 元旦}\n"
    )
    with transaction() as s:
        import_official_year(s, parse_official_year(official.encode(), "y.yaml"), actor="t")
    r = make_plan(submitted, start=D("2026-12-21"))
    assert not r["provisional"] and r["provisional_years"] == []
    text, tables, _ = _doc_text(r["document"])
    assert "changeflow calendar import" not in text
    assert not any("*" in c for t in tables for row in t for c in row)
    days = {i["start"] for i in r["items"]} | {i["end"] for i in r["items"]}
    assert "2027-01-09" in days or any(
        i["start"] < "2027-01-09" < i["end"] for i in r["items"]
    )  # the imported Saturday make-up workday is used


# --- versions ----------------------------------------------------------------------------


def test_versions_and_state_moves(submitted: str) -> None:
    from changeflow.db.lifecycle import transition
    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import get_plan, is_latest, latest_plan, make_plan

    one = make_plan(submitted, start=D("2026-11-30"), issue=True)
    sha_one = Path(one["document"]).read_bytes()
    two = make_plan(submitted, start=D("2026-12-07"), lang="en", issue=True)
    assert (one["version"], two["version"]) == (1, 2)
    assert Path(one["document"]).read_bytes() == sha_one  # older versions stay as written
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        newest = latest_plan(s, req)
        assert newest is not None and newest.version == 2
        old = get_plan(s, req, 1)
        assert old.start_date == D("2026-11-30") and not is_latest(s, old)
        assert is_latest(s, newest)
        assert req.state == "planned"
        transition(s, req, "rejected", actor="client", reason="too expensive")
    three = make_plan(submitted, start=D("2026-12-07"), issue=True)
    assert three["version"] == 3 and _state(submitted) == "planned"
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        events = [(e.from_state, e.to_state) for e in req.events]
        assert ("rejected", "planned") in events and ("planned", "planned") in events
        ev = req.events[-1]
        assert ev.data["plan_version"] == 3 and ev.evidence_sha256 == three["sha256"]
        transition(s, req, "approved", actor="client")
        transition(s, req, "in_development", actor="lead")
    before = _counts()
    with pytest.raises(TransitionError):
        make_plan(submitted)
    assert _counts() == before


# --- estimates files ---------------------------------------------------------------------


def test_export_edit_import_roundtrip(submitted: str, tmp_path: Path) -> None:
    from changeflow.tasks.planning import export_estimates, make_plan, plan_from_file

    out = tmp_path / "est.yaml"
    done = export_estimates(submitted, out)
    assert "defaults" in done["based_on"] and done["items"] == 11
    doc = yaml.safe_load(out.read_text("utf-8"))
    assert doc["request"] == submitted and doc["items"][0]["person_days"] == "2"
    make_plan(submitted, start=D("2026-11-30"))
    done = export_estimates(submitted, out)
    assert done["based_on"] == "plan v1"
    doc = yaml.safe_load(out.read_text("utf-8"))
    doc["items"][0]["person_days"] = "4.5"  # analyst +2.5 pd at 1200 = +3000.00
    doc["items"][0]["assignee"] = None
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    r = plan_from_file(submitted, estimates_path=out, start=D("2026-11-30"))
    assert r["version"] == 2 and r["subtotal"] == "22300.00"
    assert r["tax"] == "1338.00" and r["total"] == "23638.00"
    assert r["total_capital"] == "贰万叁仟陆佰叁拾捌元整"
    assert r["items"][0]["assignee"] is None and r["estimates"] == "est.yaml"


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        ({"phase": "design", "role": "developer", "person_days": 1}, "items[0].phase", "one of"),
        ({"phase": "analysis", "role": "manager", "person_days": 1}, "items[0].role", "day rate"),
        ({"phase": "analysis", "role": "analyst", "person_days": 0.3}, "items[0].person_days",
         "0.5"),
        ({"phase": "analysis", "role": "analyst", "person_days": 0}, "items[0].person_days",
         "more than 0"),
        ({"phase": "analysis", "role": "analyst", "person_days": "abc"}, "items[0].person_days",
         "not a number"),
        ({"phase": "analysis", "role": "analyst", "person_days": 1, "requirement": 9},
         "items[0].requirement", "not a requirement"),
        ({"phase": "analysis", "role": "analyst", "person_days": 1, "assignee": "王五"},
         "items[0].assignee", "staff"),
        ({"phase": "analysis", "role": "analyst", "person_days": 1, "cost": 5},
         "items[0].cost", "unknown"),
    ],
)  # fmt: skip
def test_bad_estimates_name_file_field_and_write_nothing(
    submitted: str, tmp_path: Path, item: dict, field: str, words: str
) -> None:
    from changeflow.tasks.planning import plan_from_file

    good = {"phase": "development", "role": "developer", "person_days": 1}
    path = _estimates(tmp_path, [item, good])
    before = _counts()
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.source == str(path) and err.value.field == field
    assert words in err.value.problem
    assert _counts() == before and _state(submitted) == "submitted"


def test_estimates_for_another_request_or_empty(submitted: str, tmp_path: Path) -> None:
    from changeflow.tasks.planning import plan_from_file

    path = _estimates(tmp_path, [{"phase": "analysis", "role": "analyst", "person_days": 1}],
                      request="CR-2026-0999")  # fmt: skip
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.field == "request"
    path = _estimates(tmp_path, [], name="empty.yaml")
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.field == "items"


def test_contract_estimation_defaults_are_used(submitted: str) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import make_plan

    with transaction() as s:
        c = s.scalar(select(Contract))
        c.estimation_defaults = {
            "high": {"developer": "2"},
            "medium": {"developer": "1"},
            "low": {"developer": "0.5"},
        }
    r = make_plan(submitted, start=D("2026-11-30"))
    dev = [i for i in r["items"] if i["role"] == "developer"]
    assert [i["person_days"] for i in dev] == ["2", "1", "0.5"]
    # the built-in go-live and acceptance items remain
    assert {i["phase"] for i in r["items"]} == {"development", "golive", "acceptance"}


# --- CLI ---------------------------------------------------------------------------------


def test_cli_plan_calendar_and_export(submitted: str, cli, tmp_path: Path) -> None:
    code, out, err = cli("plan", submitted, "--start", "2026-11-30", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["version"] == 1 and Path(data["document"]).is_file()
    code, out, err = cli("plan", submitted, "--export-estimates", str(tmp_path / "e.yaml"))
    assert code == 0 and (tmp_path / "e.yaml").is_file()
    code, out, err = cli("plan", submitted, "--start", "2026-02-30")
    assert code == 2 and "--start" in err
    code, out, err = cli("calendar", "2026-10-01", "2026-10-11", "--json")
    assert code == 0, err
    cal = json.loads(out)
    assert cal["working_days"] == 3 and not cal["provisional"]
    day = {d["date"]: d for d in cal["days"]}
    assert day["2026-10-10"]["kind"] == "makeup_workday"
    assert day["2026-10-03"]["reason"] == "holiday: National Day"
    code, out, err = cli("calendar", "2027-02-01", "2027-02-10", "--contract", "OA-2026", "--json")
    cal = json.loads(out)
    assert code == 0 and cal["provisional"] and "changeflow calendar import" in cal["note"]
    code, out, err = cli("calendar", "import", "examples/calendar-2027.yaml")
    assert code == 2 and "example" in err
    official = tmp_path / "2027.yaml"
    official.write_text(
        Path("examples/calendar-2027.yaml").read_text("utf-8").replace(
            "example: true", "example: false"), "utf-8")  # fmt: skip
    code, out, err = cli("calendar", "import", str(official), "--json")
    assert code == 0 and json.loads(out)["year"] == 2027
    code, out, err = cli("calendar", "2027-02-01", "2027-02-28", "--json")
    cal = json.loads(out)
    assert not cal["provisional"]
    assert {d["date"]: d for d in cal["days"]}["2027-02-20"]["working"] is True


def test_plan_document_bytes_open_from_store(submitted: str) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.tasks.planning import make_plan

    make_plan(submitted, start=D("2026-11-30"), issue=True)
    with transaction() as s:
        doc = s.scalar(select(Document).where(Document.kind == "plan"))
        assert doc.version == 1 and doc.lang == "zh-CN" and doc.meta["total"] == "20458.00"
        data = document_path(doc).read_bytes()
    assert docx.Document(io.BytesIO(data)).tables


# --- the Prefect flow (real server) ---------------------------------------------------------


@pytest.mark.prefect
def test_plan_flow_publishes_budget(prefect_server: str, submitted: str) -> None:
    from changeflow.flows.plan import PlanInput, plan
    from tests.support.prefect import read_artifacts

    state = plan(
        request=PlanInput(key=submitted, start=D("2026-12-21"), issue=True), planned_by="李明",
        return_state=True,
    )  # fmt: skip
    assert state.is_completed(), state.message
    result = state.result()
    assert result["version"] == 1 and _state(submitted) == "planned"
    arts = read_artifacts(state.state_details.flow_run_id)
    table = next(a for a in arts if a.type == "table")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert rows[-1]["金额 Amount"] == "20458.00" and rows[0]["人员 Who"] == "李明"
    assert table.key == f"plan-{submitted.lower()}-budget"
    markdown = next(a for a in arts if a.type == "markdown").data
    assert "贰万零肆佰伍拾捌元整" in markdown and "changeflow calendar import" in markdown


@pytest.mark.prefect
def test_plan_flow_fails_cleanly_on_bad_estimates(prefect_server: str, submitted: str) -> None:
    from changeflow.flows.plan import PlanInput, plan

    before = _counts()
    bad = "items:\n  - {phase: analysis, role: analyst, person_days: 0.3}\n"
    state = plan(request=PlanInput(key=submitted, estimates_yaml=bad), return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "person_days" in str(state.result(raise_on_failure=False))
    assert _counts() == before and _state(submitted) == "submitted"


def test_same_inputs_keep_the_plan_unless_a_new_version_is_asked(submitted: str) -> None:
    """A run retried after a crash must not send the client a second, identical version."""
    from changeflow.tasks.planning import make_plan
    from tests.support.helpers import counts

    first = make_plan(submitted, start=date(2026, 12, 1))
    before = counts()
    again = make_plan(submitted, start=date(2026, 12, 1))
    assert again["version"] == first["version"] == 1 and again["unchanged"] is True
    assert again["sha256"] == first["sha256"] and counts() == before
    other_start = make_plan(submitted, start=date(2026, 12, 2))
    assert other_start["version"] == 2 and "unchanged" not in other_start
    forced = make_plan(submitted, start=date(2026, 12, 2), new_version=True)
    assert forced["version"] == 3


# --- one staff calendar across requests (issue 22) -----------------------------------------


def _take_in(n: int, **over) -> list[str]:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    base = sample_taskbook() | over
    return [
        intake(TaskBook.model_validate(base | {"project": f"共享人员 {i}"}), source="test").key
        for i in range(n)
    ]


def _loads() -> dict[str, dict[str, dict[str, int]]]:
    """key -> person -> day -> half-days, of the newest issued plan of every request."""
    from changeflow.db.models import Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    out: dict[str, dict[str, dict[str, int]]] = {}
    with transaction() as s:
        for plan in s.scalars(select(Plan).where(Plan.status == "issued").order_by(Plan.id)):
            out[s.get(Request, plan.request_id).key] = plan.data["load"]
    return out


def _per_person_day(loads: dict[str, dict[str, dict[str, int]]]) -> dict[tuple[str, str], int]:
    total: dict[tuple[str, str], int] = {}
    for per_person in loads.values():
        for who, days in per_person.items():
            for day, h in days.items():
                total[(who, day)] = total.get((who, day), 0) + h
    return total


@pytest.mark.parametrize("n", [2, 3])
def test_requests_planned_in_turn_never_double_book(contract: str, n: int) -> None:
    from changeflow.tasks.planning import make_plan

    keys = _take_in(n)
    results = [make_plan(k, issue=True) for k in keys]
    loads = _loads()
    assert set(loads) == set(keys)
    per_day = _per_person_day(loads)
    assert per_day and max(per_day.values()) <= 2  # nobody over one person-day, any day
    # the same people work on every plan, so without the shared calendar they would clash
    assert all({"张伟", "李明"} <= set(loads[k]) for k in keys)
    # each later plan says where its people are busy elsewhere: the earlier requests
    for i, r in enumerate(results[1:], start=1):
        held = {b["what"] for b in r["busy_elsewhere"]}
        assert held & set(keys[:i]), r["busy_elsewhere"]
        assert r["end"] > results[0]["end"]
    # a draft made before another plan was issued no longer fits: issuing it is refused
    more = _take_in(2)
    make_plan(more[0])  # a draft holds nobody's days
    make_plan(more[1], issue=True)
    from changeflow.tasks.planning import issue_plan

    before = _counts()
    with pytest.raises(InputError, match=rf"also held on .* by .*{more[1]}.*make a new draft"):
        issue_plan(more[0])
    assert _counts() == before and _state(more[0]) == "submitted"
    # --issue alone: a draft from the defaults that no longer fits is made again around it
    again = make_plan(more[0], issue=True)
    assert again["version"] == 2 and again["status"] == "issued"
    assert max(_per_person_day(_loads()).values()) <= 2


def test_a_persons_leave_moves_the_work(submitted: str, cli) -> None:
    from changeflow.tasks.planning import make_plan

    first = make_plan(submitted, start=D("2026-09-07"))
    dev = [i for i in first["items"] if i["assignee"] == "张伟"]
    day_one = D(dev[0]["start"])
    assert day_one == D("2026-09-11")  # after 3.5 analysis days of 李明 (09-07 .. 09-10)
    code, out, err = cli("staff", "away", "张伟", "2026-09-11", "2026-09-15", "--reason", "年假")
    assert code == 0, err
    assert "张伟 away 2026-09-11 - 2026-09-15" in out
    second = make_plan(submitted, start=D("2026-09-07"))
    assert second["version"] == 2  # the calendar changed: a new draft
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    with transaction() as s:
        load = s.scalar(select(Plan).where(Plan.version == 2)).data["load"]
    days = set(load["张伟"])
    assert not days & {"2026-09-11", "2026-09-14", "2026-09-15"}
    assert min(days) == "2026-09-16"  # the work moved to the day after the leave
    assert second["end"] > first["end"]
    assert {"who": "张伟", "what": "away: 年假", "from": "2026-09-11", "to": "2026-09-15",
            "days": "3"} in second["busy_elsewhere"]  # fmt: skip
    code, out, err = cli("staff", "away", "--json")
    assert code == 0 and json.loads(out)["away"][0]["reason"] == "年假"
    code, out, err = cli("staff", "away", "王五", "2026-09-09", "2026-09-11")
    assert code == 2 and "王五" in err
    code, out, err = cli("staff", "away", "张伟", "2026-09-11", "2026-09-09")
    assert code == 2 and "before FROM" in err


def test_a_plan_that_misses_the_desired_date_says_by_how_much(contract: str) -> None:
    from changeflow.tasks.planning import make_plan

    (key,) = _take_in(1, desired_date="2026-09-18")
    r = make_plan(key, start=D("2026-09-07"))
    end = D(r["end"])
    assert end > D("2026-09-18")
    late = r["late"]
    assert late["desired"] == "2026-09-18" and late["calendar_days"] == (end - D("2026-09-18")).days
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import calendar_for

    with transaction() as s:
        cal = calendar_for(s)
        assert late["working_days"] == cal.working_days_between(D("2026-09-19"), end)
    text, _, _ = _doc_text(r["document"])
    assert f"晚于期望完成日期 2026年9月18日 {late['calendar_days']} 个日历日" in text
    (ok,) = _take_in(1, desired_date="2027-06-30")
    assert make_plan(ok, start=D("2026-09-07"))["late"] is None


def _counting_contract(**planning) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = dict(k.settings or {}) | {"planning": planning}


def test_service_days_and_fee_add_up_against_the_contract(contract: str) -> None:
    from changeflow.tasks.planning import make_plan, planned_service_days
    from changeflow.tasks.signoff import record_decision, today_local

    _counting_contract(development_counts=True, extra_day_rates={"developer": "1100.00"})
    one, two = _take_in(2)
    first = make_plan(one, issue=True)
    sd = first["service_days"]
    # 24 service days a year, nothing used yet: the fee covers all 19 person-days
    assert (sd["quota"], sd["before"], sd["uses"], sd["after"]) == ("24", "24", "19", "5")
    # the budget shows the work's value; nothing beyond the year's days is billed
    assert (sd["covered"], sd["billed"], first["total"]) == ("19", "0", "20458.00")
    assert (sd["value"], sd["billed_amount"], sd["billed_total"]) == ("19300.00", "0.00", "0.00")
    record_decision(one, "approve", "王芳", today_local(), channel="cli")
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        used = planned_service_days(s, k)
    assert used == {"days": Decimal("19"), "counts": True, "requests": {one: Decimal("19")}}

    second = make_plan(two, issue=True)
    sd = second["service_days"]
    assert (sd["other_plans"], sd["before"], sd["uses"], sd["after"]) == ("19", "5", "19", "-14")
    assert (sd["covered"], sd["billed"]) == ("5", "14")
    items = second["items"]
    assert sum(Decimal(i["covered_days"]) for i in items) == 5
    # the covered days go to the work done first (analysis), the rest is billed
    assert [i["covered_days"] for i in items[:3]] == ["2", "1", "0.5"]
    billed = Decimal(0)
    for i in items:
        pd = Decimal(i["person_days"]) - Decimal(i["covered_days"])
        # the item's amount is its value at the contract's rate; beyond the year's days the
        # developer's days are billed at the extra rate
        value = Decimal(i["person_days"]) * Decimal(i["day_rate"])
        assert Decimal(i["amount"]) == value.quantize(Decimal("0.01"))
        rate = Decimal("1100.00") if i["role"] == "developer" else Decimal(i["day_rate"])
        billed += (pd * rate).quantize(Decimal("0.01"))
    assert billed == Decimal(sd["billed_amount"])
    assert Decimal(sd["billed_total"]) == billed + (billed * Decimal("0.06")).quantize(
        Decimal("0.01")
    )
    assert Decimal(second["subtotal"]) == Decimal(sd["value"]) == Decimal("19300.00")
    _, tables, _ = _doc_text(second["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "年度服务覆盖 5 人日，超出 14 人日另行计费；年度剩余 5 天 → -14 天" in flat  # cover
    assert "年度服务覆盖（人日）|5" in flat and "超出年度服务天数（人日）|14" in flat
    assert "其他已批准开发已用/已安排|19" in flat


def test_development_outside_the_service_days_is_all_billed(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    _counting_contract(development_counts=False)
    r = make_plan(submitted, start=D("2026-11-30"))
    sd = r["service_days"]
    assert sd["counts"] is False and sd["uses"] == "0" and sd["covered"] == "0"
    assert sd["billed"] == "19" and r["total"] == "20458.00"
    _, tables, _ = _doc_text(r["document"])
    assert "按合同约定，项目开发不占用年度服务天数，全部按人日单价计费" in "\n".join(
        "|".join(row) for t in tables for row in t
    )


def test_a_draft_cannot_be_approved_or_sent(submitted: str, cli) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.returned import approve_document
    from changeflow.tasks.signoff import Refused, record_decision, today_local

    r = make_plan(submitted, start=D("2026-11-30"))
    assert r["status"] == "draft" and _state(submitted) == "submitted"
    code, out, _ = cli("status", submitted, "--json")
    assert code == 0 and "draft" in json.dumps(json.loads(out), ensure_ascii=False)
    _, tables, d = _doc_text(r["document"])
    for section in d.sections:  # 草稿 on every page
        assert section.header.paragraphs[0].text.startswith("草稿——")
        assert section.first_page_header.paragraphs[0].text.startswith("草稿——")
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    labels = {v[0] for v in APPROVAL_FIELDS.values()}
    assert not any(row[0] in labels for t in tables for row in t)  # no sign-off table
    with transaction() as s:
        kinds = [doc.kind for doc in s.scalars(select(Document).where(Document.kind.like("plan%")))]
    assert kinds == ["plan-draft"]  # nothing signed, nothing to send
    before = _counts()
    with pytest.raises(Refused, match=r"is a draft.*--issue") as e:
        record_decision(submitted, "approve", "王芳", today_local(), channel="cli")
    assert e.value.code == "draft"
    with pytest.raises(Refused):
        approve_document(Path(r["document"]).read_bytes(), "returned.docx")
    assert _counts() == before and _state(submitted) == "submitted"
    # the lead issues it: signed, the version the client approves
    code, out, err = cli("plan", submitted, "--issue", "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["status"] == "issued" and issued["version"] == 1
    assert _state(submitted) == "planned"
    from changeflow.tasks.signoff.reading import read_returned

    assert read_returned(Path(issued["document"]).read_bytes(), "sent.docx").kind == "plan"
    _, _, d = _doc_text(issued["document"])
    assert (
        not d.sections[0].header.paragraphs or "草稿" not in d.sections[0].header.paragraphs[0].text
    )
    code, out, err = cli("plan", submitted, "--issue", "--json")  # again: it stands
    assert code == 0 and json.loads(out)["unchanged"] is True


def test_past_and_too_early_starts_are_refused(submitted: str, cli, monkeypatch) -> None:
    from changeflow.tasks.planning import issue_plan, make_plan, making

    before = _counts()
    with pytest.raises(InputError, match=r"2026-08-31 is in the past \(today is 2026-09-01\)"):
        make_plan(submitted, start=D("2026-08-31"))
    # approval lead time 2 working days (the default): 09-02 and 09-03, earliest 09-04
    with pytest.raises(
        InputError, match=r"lead time of 2 working day.*earliest start is 2026-09-04"
    ):
        make_plan(submitted, start=D("2026-09-03"))
    code, _, err = cli("plan", submitted, "--start", "2025-01-06")
    assert code == 2 and "2025-01-06 is in the past" in err
    assert _counts() == before
    r = make_plan(submitted)  # the default start is the earliest allowed
    assert r["start"] == "2026-09-04"
    _counting_contract(approval_lead_days=0)
    assert make_plan(submitted, new_version=True)["start"] == "2026-09-02"
    ok = make_plan(submitted, start=D("2026-09-04"))
    # days pass before the lead issues it: the start is now too early
    monkeypatch.setattr(making, "today_local", lambda: D("2026-09-04"))
    with pytest.raises(InputError, match="2026-09-04 is before the client can approve"):
        issue_plan(submitted)
    assert ok["status"] == "draft" and _state(submitted) == "submitted"
    _counting_contract(approval_lead_days="two")
    with pytest.raises(InputError, match="approval_lead_days"):
        make_plan(submitted)


# --- estimates learned from history ----------------------------------------------------------


def _book(key: str, ratio: Decimal) -> None:
    """Book ``ratio`` x the planned person-days of each person as time on ``key``."""
    from changeflow.db.git import TimeEntry
    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.servicedays import approved_plan

    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        plan = approved_plan(s, req)
        per_person: dict[int, Decimal] = {}
        for it in plan.items:
            per_person[it.assignee_id] = per_person.get(it.assignee_id, Decimal(0)) + it.person_days
        for pid, pd in per_person.items():
            s.add(TimeEntry(request_id=req.id, person_id=pid, identity=str(pid),
                            day=plan.start_date, hours=pd * ratio * 8, token="@test"))  # fmt: skip


def test_suggestions_from_history_reproduce_a_known_ratio(contract: str) -> None:
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.signoff import record_decision, today_local
    from tests.support.delivery import advance

    past = _take_in(3)
    for key in past:  # all planned from the defaults, then done
        make_plan(key, issue=True)
        record_decision(key, "approve", "王芳", today_local(), channel="cli")
    for key in past:
        advance(key, "in_development", "in_testing", "live", "accepted")
        _book(key, Decimal("1.5"))  # every piece of work took 1.5 x its plan
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import booked_service_days, planned_service_days

    with transaction() as s:  # what contract usage counts: planned and booked
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        booked = booked_service_days(s, k)
        planned = planned_service_days(s, k)
    assert booked["days"] == Decimal("85.50")  # 3 x 19 planned x 1.5
    assert planned["days"] == 57 and set(planned["requests"]) == set(past)
    (new,) = _take_in(1)
    r = make_plan(new)
    assert r["estimates"] == "history" and r["status"] == "draft"
    notes = {(n["requirement"], n["role"]): n for n in r["suggestions"]}
    assert len(notes) == 9  # three requirements x analyst, developer, tester
    for n in notes.values():
        assert n["ratio"] == {"low": "1.50", "median": "1.50", "high": "1.50"}
        assert n["based_on"] == [f"{k} #{n['requirement']}" for k in past]
        expected = Decimal(n["default"]) * Decimal("1.5")
        assert abs(Decimal(n["person_days"]) - expected) <= Decimal("0.25")
    assert notes[(1, "developer")]["person_days"] == "7.5"  # 5 planned, 7.5 taken
    items = {(i["requirement"], i["role"]): i for i in r["items"]}
    assert items[(1, "developer")]["person_days"] == "7.5"  # the draft carries it
    assert items[(None, "engineer")]["person_days"] == "1"  # whole-request items: defaults
    # the suggestion stays in the draft for the lead: the document shows only the numbers
    text, tables, _ = _doc_text(r["document"])
    assert "1.50" not in text and past[0] not in "\n".join(
        "|".join(row) for t in tables for row in t
    )


def test_suggest_prefers_similar_words_and_keeps_defaults_without_history() -> None:
    from changeflow.tasks.planning.history import Past, suggest, words

    def p(key: str, text: str, planned: str, actual: str) -> Past:
        return Past(key, 1, text, "developer", Decimal(planned), Decimal(actual),
                    words=words(text))  # fmt: skip

    history = [
        p("A", "与财务系统集成，同步报销凭证", "3", "9"),
        p("B", "财务系统集成：付款状态回写", "3", "8"),
        p("C", "报销单必须上传发票附件", "5", "1"),
    ]
    got = suggest("与财务系统集成，推送报销单", "", ["developer", "tester"], history)
    assert set(got) == {"developer"}  # no tester history: the defaults stand for it
    dev = got["developer"]
    assert dev.based_on[:2] == ["A #1", "B #1"] and "C #1" not in dev.based_on
    assert dev.person_days in (Decimal("8.5"), Decimal("8.0"), Decimal("9.0"))
    assert suggest("完全无关的需求", "", ["developer"], history) == {}


def test_the_lead_edits_the_draft_and_issues_what_was_reviewed(
    submitted: str, cli, tmp_path
) -> None:
    code, out, err = cli("plan", submitted, "--start", "2026-09-07", "--json")
    assert code == 0 and json.loads(out)["status"] == "draft", err
    est = tmp_path / "est.yaml"
    assert cli("plan", submitted, "--export-estimates", str(est))[0] == 0
    doc = yaml.safe_load(est.read_text("utf-8"))
    doc["items"][3]["person_days"] = "8"  # the lead: 5 developer-days are not enough
    est.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    code, out, err = cli("plan", submitted, "--estimates", str(est), "--start", "2026-09-07")
    assert code == 0, err
    assert "DRAFT" in out and "--issue" in out
    code, out, err = cli("plan", submitted, "--issue", "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["version"] == 2 and issued["status"] == "issued"
    assert issued["items"][3]["person_days"] == "8" and issued["person_days"] == "22"
    assert issued["estimates"] == "est.yaml" and _state(submitted) == "planned"


def test_the_form_table_of_estimates_is_read_like_the_file(submitted: str) -> None:
    from changeflow.flows.plan import EstimateRow, PlanInput, form_estimates
    from changeflow.tasks.planning import make_plan

    rows = [
        EstimateRow(requirement=1, phase="analysis", role="analyst", person_days="1.5",
                    assignee="李明"),
        EstimateRow(requirement=1, phase="development", role="developer", person_days="6",
                    assignee="张伟", title="发票附件校验"),
        EstimateRow(phase="acceptance", role="project_lead", person_days="0.5"),
    ]  # fmt: skip
    form = PlanInput(key=submitted, estimates_table=rows)
    data, source = form_estimates(form)
    r = make_plan(submitted, estimates=data, estimates_source=source, start=D("2026-09-07"))
    got = [(i["requirement"], i["role"], i["person_days"], i["assignee"]) for i in r["items"]]
    assert got == [(1, "analyst", "1.5", "李明"), (1, "developer", "6", "张伟"),
                   (None, "project_lead", "0.5", None)]  # fmt: skip
    assert r["items"][1]["title"] == "发票附件校验" and r["estimates"] == "Prefect form: table"
    with pytest.raises(InputError, match="not both"):
        form_estimates(PlanInput(key=submitted, estimates_table=rows, estimates_yaml="items: []"))
    bad = PlanInput(key=submitted, estimates_table=[EstimateRow(phase="testing", role="qa",
                    person_days="1")])  # fmt: skip
    data, source = form_estimates(bad)
    with pytest.raises(InputError, match=r"items\[0\].role.*no day rate for 'qa'"):
        make_plan(submitted, estimates=data, estimates_source=source)


def test_contract_usage_counts_approved_plans_and_booked_time(submitted: str, tmp_path) -> None:
    """``contract usage`` beside the dispatch orders' service days: the approved plans'
    person-days (planned) and the time booked on the requests (actual)."""
    from changeflow.tasks.maintenance import contract_usage
    from changeflow.tasks.planning import make_plan
    from tests.support.approval import approve

    before = contract_usage("OA-2026")["development"]
    assert before["planned_days"] == 0 and before["per_request"] == {}
    plan = make_plan(submitted, issue=True)
    approve(submitted, tmp_path)
    dev = contract_usage("OA-2026")["development"]
    assert dev["planned_days"] == Decimal(str(plan["person_days"])) > 0
    assert dev["per_request"][submitted]["planned"] == dev["planned_days"]
    assert dev["booked_days"] == 0  # nothing synced from git yet
