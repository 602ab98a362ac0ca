"""Every command that records an act takes the time it really happened (``--at``): a past
time is recorded as given, with the time it was recorded beside it in the audit record; a
time in the future, before the previous step or outside the contract is refused with one
line naming ``--at``, and nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import EXAMPLES
from tests.support.delivery import make_project, manual_cases, point_contract, pytest_command

SH = ZoneInfo("Asia/Shanghai")
FUTURE = "2099-01-04 10:00"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def newest_event(key: str) -> dict:
    """The newest audit record of ``key``: when it happened, when it was recorded, by whom."""
    from sqlalchemy import select

    from changeflow.db.models import Request, RequestEvent
    from changeflow.db.session import transaction

    with transaction() as s:
        e = s.scalars(
            select(RequestEvent).join(Request).where(Request.key == key)
            .order_by(RequestEvent.id.desc())
        ).first()  # fmt: skip
        assert e is not None
        return {"to": e.to_state, "at": e.at, "recorded_at": e.recorded_at, "actor": e.actor,
                "events": len(s.scalars(select(RequestEvent.id).join(Request)
                                        .where(Request.key == key)).all())}  # fmt: skip


def recorded_as_given(key: str, to: str, given: str) -> None:
    from changeflow.db.types import wall_utcnow

    e = newest_event(key)
    assert e["to"] == to
    assert e["at"] == local(given)  # when it happened, as given
    assert abs(wall_utcnow() - e["recorded_at"]) < timedelta(minutes=5)  # when recorded


def refused(result: tuple[int, str, str], *words: str) -> None:
    code, _out, err = result
    assert code == 2, result
    line = err.strip().splitlines()[-1]
    assert "--at" in line, line
    for w in words:
        assert w in line, line


def take_in(at: str = "2026-11-20 10:00") -> str:
    from changeflow.tasks.intake import intake_file

    return intake_file(EXAMPLES / "taskbook.yaml", actor="李明", at=at).key


def planned(key: str, at: str = "2026-11-20 15:00") -> None:
    from changeflow.tasks.planning import make_plan

    make_plan(key, issue=True, actor="李明", at=at)


def approved(key: str, at: str = "2026-11-23 17:00") -> None:
    from changeflow.tasks.signoff import record_decision

    record_decision(key, "approve", "王芳", "2026-11-23", actor="李明", at=at)


def developing(key: str, tmp_path: Path) -> None:
    from changeflow.tasks.kickoff import kickoff

    repo = make_project(tmp_path / "oa", key)
    point_contract(repo.path, test_command=pytest_command())
    planned(key)
    approved(key)
    kickoff(key, actor="李明", at="2026-11-24 09:00")


def reach_tested(key: str, tmp_path: Path) -> None:
    from changeflow.tasks.testing import run_tests

    developing(key, tmp_path)
    cases = manual_cases()  # every requirement tested (the certificate needs it)
    assert run_tests(key, actor="张伟", cases=cases, at="2026-11-25 10:00").passed


def live(key: str, tmp_path: Path) -> None:
    from changeflow.tasks.golive import golive

    reach_tested(key, tmp_path)
    golive(key, actor="张伟", at="2026-11-25 19:30")


def test_intake_at(cli, contract) -> None:
    path = str(EXAMPLES / "taskbook.yaml")
    refused(cli("intake", path, "--at", FUTURE), "in the future")
    refused(cli("intake", path, "--at", "2026-06-30 10:00"), "outside")  # before the contract
    refused(cli("intake", path, "--at", "next tuesday"), "not a time")
    code, out, err = cli("intake", path, "--at", "2026-11-20 10:00", "--actor", "李明", "--json")
    assert code == 0, err
    key = __import__("json").loads(out)["key"]
    recorded_as_given(key, "submitted", "2026-11-20 10:00")
    assert newest_event(key)["events"] == 1  # the refusals wrote nothing


def test_plan_at(cli, contract) -> None:
    key = take_in()
    refused(cli("plan", key, "--issue", "--at", FUTURE), "in the future")
    refused(cli("plan", key, "--issue", "--at", "2026-11-20 09:00"), "previous step", key)
    assert newest_event(key)["to"] == "submitted"
    code, _, err = cli("plan", key, "--issue", "--at", "2026-11-20 15:00")
    assert code == 0, err
    recorded_as_given(key, "planned", "2026-11-20 15:00")
    from tests.support.approval import plan_path
    from tests.support.delivery import docx_text

    assert "2026年11月20日" in docx_text(plan_path(key))  # the plan is dated when issued


def test_decision_at_keeps_the_signing_date_and_the_time_recorded(cli, contract) -> None:
    key = take_in()
    planned(key)
    args = ("decision", key, "--approve", "--approver", "王芳", "--date", "2026-11-23")
    refused(cli(*args, "--at", FUTURE), "in the future")
    refused(cli(*args, "--at", "2026-11-20 14:00"), "previous step")
    code, _, err = cli(*args, "--at", "2026-11-23 17:00")
    assert code == 0, err
    recorded_as_given(key, "approved", "2026-11-23 17:00")
    from sqlalchemy import select

    from changeflow.db.approval import Approval
    from changeflow.db.session import transaction
    from changeflow.db.types import wall_utcnow

    with transaction() as s:
        a = s.scalars(select(Approval)).one()
        assert str(a.decided_on) == "2026-11-23"  # the date the client signed
        assert abs(wall_utcnow() - a.recorded_at) < timedelta(minutes=5)  # when we recorded it


def test_kickoff_at(cli, contract, tmp_path) -> None:
    key = take_in()
    repo = make_project(tmp_path / "oa", key)
    point_contract(repo.path)
    planned(key)
    approved(key)
    refused(cli("kickoff", key, "--at", FUTURE), "in the future")
    refused(cli("kickoff", key, "--at", "2026-11-23 16:00"), "previous step")
    code, _, err = cli("kickoff", key, "--at", "2026-11-24 09:00")
    assert code in (0, 1), err  # 1: started, but no mail server for the team's mail
    recorded_as_given(key, "in_development", "2026-11-24 09:00")


def test_test_at(cli, contract, tmp_path) -> None:
    key = take_in()
    developing(key, tmp_path)
    refused(cli("test", key, "--at", FUTURE), "in the future")
    refused(cli("test", key, "--at", "2026-11-24 08:00"), "previous step")
    code, _, err = cli("test", key, "--at", "2026-11-25 10:00")
    assert code == 0, err
    recorded_as_given(key, "in_testing", "2026-11-25 10:00")


def test_docs_at(cli, contract, tmp_path) -> None:
    from changeflow.cli.demo.sample import design_notes
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from tests.support.delivery import manual_screenshots

    key = take_in()
    reach_tested(key, tmp_path)
    notes = tmp_path / "notes.md"
    notes.write_text(design_notes(), encoding="utf-8")
    shots = [a for p in manual_screenshots(tmp_path / "shots") for a in ("--screenshot", str(p))]
    refused(cli("docs", key, "--notes", str(notes), *shots, "--at", FUTURE), "in the future")
    refused(cli("docs", key, "--notes", str(notes), *shots, "--at", "2026-11-25 09:00"),
            "previous step")
    code, _, err = cli("docs", key, "--notes", str(notes), *shots, "--at", "2026-11-25 15:00")
    assert code == 0, err
    from sqlalchemy import select

    with transaction() as s:
        made = s.scalars(select(Document).where(Document.kind.in_(["techdoc", "manual"]))).all()
        assert made and all(d.created_at == local("2026-11-25 15:00") for d in made)


def test_golive_at(cli, contract, tmp_path) -> None:
    key = take_in()
    reach_tested(key, tmp_path)
    refused(cli("golive", key, "--at", FUTURE), "in the future")
    refused(cli("golive", key, "--at", "2026-11-25 09:59"), "previous step")
    code, _, err = cli("golive", key, "--at", "2026-11-25 19:30")
    assert code == 0, err
    recorded_as_given(key, "live", "2026-11-25 19:30")


def test_acceptance_at(cli, contract, tmp_path) -> None:
    from tests.support.delivery import docx_text

    key = take_in()
    live(key, tmp_path)
    refused(cli("acceptance", key, "--at", FUTURE), "in the future")
    refused(cli("acceptance", key, "--at", "2026-11-25 12:00"), "previous step")
    code, out, err = cli("acceptance", key, "--at", "2026-11-26 10:00", "--json")
    assert code == 0, err
    doc = __import__("json").loads(out)["document"]
    assert "2026年11月26日" in docx_text(Path(doc))  # issued that day


def dispatch_event(number: str) -> dict:
    from sqlalchemy import select

    from changeflow.db.maintenance import DispatchEvent, DispatchOrder
    from changeflow.db.session import transaction

    with transaction() as s:
        e = s.scalars(
            select(DispatchEvent).join(DispatchOrder).where(DispatchOrder.number == number)
            .order_by(DispatchEvent.id.desc())
        ).first()  # fmt: skip
        return {"to": e.to_state, "at": e.at, "recorded_at": e.recorded_at}


def test_dispatch_create_and_done_at(cli, contract) -> None:
    import json

    from changeflow.db.types import wall_utcnow

    base = ("dispatch", "create", "--kind", "weekly-visit", "--planned-start",
            "2026-11-25 14:00", "--planned-end", "2026-11-25 16:00", "--staff", "张伟")  # fmt: skip
    refused(cli(*base, "--at", FUTURE), "in the future")
    refused(cli(*base, "--at", "2026-06-20 10:00"), "outside")
    code, out, err = cli(*base, "--at", "2026-11-24 17:00", "--json")
    assert code == 0, err
    number = json.loads(out)["number"]
    e = dispatch_event(number)
    assert e["at"] == local("2026-11-24 17:00")
    assert abs(wall_utcnow() - e["recorded_at"]) < timedelta(minutes=5)
    done = ("dispatch", "done", number, "--start", "2026-11-25 14:00", "--end", "2026-11-25 16:00")
    refused(cli(*done, "--at", FUTURE), "in the future")
    code, _, err = cli(*done, "--at", "2026-11-25 16:05")
    assert code == 0, err
    assert dispatch_event(number)["at"] == local("2026-11-25 16:05")


def test_runlog_at(cli, contract) -> None:
    from sqlalchemy import select

    from changeflow.db.maintenance import RunLogEntry
    from changeflow.db.session import transaction
    from changeflow.db.types import wall_utcnow

    args = ("runlog", "add", "--author", "张伟", "--day", "2026-11-20", "--check", "服务器巡检")
    refused(cli(*args, "--at", FUTURE), "in the future")
    refused(cli(*args, "--at", "2026-06-20 17:00"), "outside")
    code, _, err = cli(*args, "--at", "2026-11-20 17:20")
    assert code == 0, err
    with transaction() as s:
        e = s.scalars(select(RunLogEntry)).one()
        assert e.created_at == local("2026-11-20 17:20")
        assert abs(wall_utcnow() - e.recorded_at) < timedelta(minutes=5)


def test_weekly_report_at_for_its_friday(cli, contract) -> None:
    from sqlalchemy import select

    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from tests.support.delivery import docx_text

    take_in("2026-11-17 10:00")
    args = ("report", "weekly", "--week", "2026-W47", "--client", "DEMO")
    refused(cli(*args, "--at", FUTURE), "in the future")
    refused(cli(*args, "--at", "2026-11-13 15:00"), "week 2026-W47")
    code, _, err = cli(*args, "--at", "2026-11-20 15:00")
    assert code == 0, err
    from changeflow.db.models import Document
    from changeflow.db.store import document_path

    with transaction() as s:
        rep = s.scalars(select(WeeklyReport)).one()
        assert rep.created_at == local("2026-11-20 15:00")
        text = docx_text(document_path(s.get(Document, rep.document_id)))
    assert "2026年11月20日 15:00" in text  # dated the Friday it reports


def test_statement_at_after_its_month(cli, contract) -> None:
    import json

    from tests.support.delivery import docx_text

    args = ("sla", "report", "--month", "2026-11", "--docx")
    refused(cli(*args, "--at", FUTURE), "in the future")
    refused(cli(*args, "--at", "2026-11-28 10:00"), "the end of 2026-11")
    code, out, err = cli(*args, "--at", "2026-12-01 10:00", "--json")
    assert code == 0, err
    from changeflow.settings import get_settings

    text = docx_text(get_settings().store_dir / json.loads(out)["path"])
    assert "2026年12月1日 10:00" in text


@pytest.mark.parametrize("value", ["2026-11-20", "2026-11-20 17:00", "2026-11-20T17:00+08:00"])
def test_the_forms_of_a_time(contract, value) -> None:
    from changeflow.tasks.acttime import check_act_time

    assert check_act_time(value, "--at", source="t").date().isoformat() == "2026-11-20"
