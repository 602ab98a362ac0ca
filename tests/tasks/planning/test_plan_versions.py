"""Plan versions and state moves, the estimates file and form, drafts and issuing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from changeflow.errors import InputError, TransitionError

from .helpers import D, doc_text, estimates_file, request_state, row_counts


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
    assert three["version"] == 3 and request_state(submitted) == "planned"
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        events = [(e.from_state, e.to_state) for e in req.events]
        assert ("rejected", "planned") in events and ("planned", "planned") in events
        ev = req.events[-1]
        assert ev.data["plan_version"] == 3 and ev.evidence_sha256 == three["sha256"]
        transition(s, req, "approved", actor="client")
        transition(s, req, "in_development", actor="lead")
    before = row_counts()
    with pytest.raises(TransitionError):
        make_plan(submitted)
    assert row_counts() == before


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
    path = estimates_file(tmp_path, [item, good])
    before = row_counts()
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.source == str(path) and err.value.field == field
    assert words in err.value.problem
    assert row_counts() == before and request_state(submitted) == "submitted"


def test_estimates_for_another_request_or_empty(submitted: str, tmp_path: Path) -> None:
    from changeflow.tasks.planning import plan_from_file

    path = estimates_file(tmp_path, [{"phase": "analysis", "role": "analyst", "person_days": 1}],
                      request="CR-2026-0999")  # fmt: skip
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.field == "request"
    path = estimates_file(tmp_path, [], name="empty.yaml")
    with pytest.raises(InputError) as err:
        plan_from_file(submitted, estimates_path=path)
    assert err.value.field == "items"


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


def test_a_draft_cannot_be_approved_or_sent(submitted: str, cli) -> None:
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.tasks.planning import make_plan
    from changeflow.tasks.returned import approve_document
    from changeflow.tasks.signoff import Refused, record_decision, today_local

    r = make_plan(submitted, start=D("2026-11-30"))
    assert r["status"] == "draft" and request_state(submitted) == "submitted"
    code, out, _ = cli("status", submitted, "--json")
    assert code == 0 and "draft" in json.dumps(json.loads(out), ensure_ascii=False)
    _, tables, d = doc_text(r["document"])
    for section in d.sections:  # 草稿 on every page
        assert section.header.paragraphs[0].text.startswith("草稿——")
        assert section.first_page_header.paragraphs[0].text.startswith("草稿——")
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    labels = {v[0] for v in APPROVAL_FIELDS.values()}
    assert not any(row[0] in labels for t in tables for row in t)  # no sign-off table
    with transaction() as s:
        kinds = [doc.kind for doc in s.scalars(select(Document).where(Document.kind.like("plan%")))]
    assert kinds == ["plan-draft"]  # nothing signed, nothing to send
    before = row_counts()
    with pytest.raises(Refused, match=r"is a draft.*--issue") as e:
        record_decision(submitted, "approve", "王芳", today_local(), channel="cli")
    assert e.value.code == "draft"
    with pytest.raises(Refused):
        approve_document(Path(r["document"]).read_bytes(), "returned.docx")
    assert row_counts() == before and request_state(submitted) == "submitted"
    # the lead issues it: signed, the version the client approves
    code, out, err = cli("plan", submitted, "--issue", "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["status"] == "issued" and issued["version"] == 1
    assert request_state(submitted) == "planned"
    from changeflow.tasks.signoff.reading import read_returned

    assert read_returned(Path(issued["document"]).read_bytes(), "sent.docx").kind == "plan"
    _, _, d = doc_text(issued["document"])
    assert (
        not d.sections[0].header.paragraphs or "草稿" not in d.sections[0].header.paragraphs[0].text
    )
    code, out, err = cli("plan", submitted, "--issue", "--json")  # again: it stands
    assert code == 0 and json.loads(out)["unchanged"] is True


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
    assert issued["estimates"] == "est.yaml" and request_state(submitted) == "planned"


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
