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

    r = make_plan(submitted, start=D("2026-11-30"), lang="zh-CN", actor="lead")
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
    assert items[1][6] == "2" and items[1][7] == "1,200.00" and items[1][8] == "2,400.00"
    assert "*" not in flat  # nothing provisional
    # the approval table: labels on the left, empty cells on the right
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    approval = tables[-1]
    assert [row[0] for row in approval] == [v[0] for v in APPROVAL_FIELDS.values()]
    assert all(row[1] == "" for row in approval)
    # real properties, A4, stored with its sha256
    from changeflow.tasks.wordkit import read_custom_properties

    props = read_custom_properties(d)
    assert props["changeflow.kind"] == "plan" and props["changeflow.plan_version"] == "1"
    assert d.core_properties.author == "changeflow"
    assert round(d.sections[0].page_width.mm) == 210
    import hashlib

    assert hashlib.sha256(Path(r["document"]).read_bytes()).hexdigest() == r["sha256"]


def test_english_document(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-11-30"), lang="en")
    _, tables, d = _doc_text(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "Implementation Plan and Cost Budget" in d.core_properties.title
    assert [row[0] for row in tables[-1]] == [
        "Decision (approve/reject)", "Approver", "Date", "Comment"
    ]  # fmt: skip
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
    assert "changeflow calendar import" in text and "2027" in text
    assert "2026-12-21|" in flat.replace("2026-12-21 ", "2026-12-21|")  # not starred
    assert "2026-12-21*" not in flat
    assert r["end"] + "*" in flat  # the end rests on the 2027 guess
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

    one = make_plan(submitted, start=D("2026-11-30"))
    sha_one = Path(one["document"]).read_bytes()
    two = make_plan(submitted, start=D("2026-12-07"), lang="en")
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
    three = make_plan(submitted, start=D("2026-12-07"))
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

    make_plan(submitted, start=D("2026-11-30"))
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
        request=PlanInput(key=submitted, start=D("2026-12-21")), planned_by="李明",
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
