"""The returned-document corpus (tests/support/hostile/returned.py) through every door that reads a
returned file: ``approve``, ``accept``, ``dispatch signoff``, ``sla confirm`` and the inbox.

Refused: exit code 2, one line naming the file, the field and the change, the request (or
order) still waiting, nothing written. Recorded: the decision the file shows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import all_counts
from tests.support.hostile.returned import (
    ACCEPTANCE,
    CASES,
    DISPATCH,
    PLAN,
    STATEMENT,
    Returned,
)


def _id(c: Returned) -> str:
    return f"{c.kind}:{c.klass}"


def _plan_file(key: str, case: Returned) -> bytes:
    from tests.support.approval import fill, make_plan

    return case.edit(fill(make_plan(key), **(case.signoff or {})))


def _dispatch_file(case: Returned, tmp_path: Path) -> tuple[str, bytes]:
    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import fill_signoff, stored

    order = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    done = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:05",
                                actual_end="2026-11-24 11:35")  # fmt: skip
    values = {"accepted": "是", "satisfaction": "4", "feedback": "及时", "signer": "王芳",
              "date": "2026-11-24", **(case.signoff or {})}  # fmt: skip
    # the client signs the version issued when the work was done (it has the actual times)
    out = fill_signoff(stored(done["document"]), tmp_path / "filled.docx", values)
    return order["number"], case.edit(out.read_bytes())


def _refused(code: int, err: str, path: Path, case: Returned) -> None:
    line = err.strip()
    assert code == 2 and "\n" not in line, (code, err)
    assert path.name in line and case.field in line, line
    assert case.words.lower() in line.lower(), line
    assert "Traceback" not in line


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in PLAN])
def test_returned_plan(case: Returned, submitted: str, cli, tmp_path: Path) -> None:
    from tests.support.helpers import states

    path = tmp_path / "回签.docx"
    path.write_bytes(_plan_file(submitted, case))
    before = all_counts()
    code, out, err = cli("approve", str(path), "--json")
    if case.expect == "refused":
        _refused(code, err, path, case)
        assert all_counts() == before
        assert states()[submitted] == "planned"
    else:
        assert code == 0, err
        assert json.loads(out)["decision"] == case.value


@pytest.fixture
def live(submitted: str, tmp_path: Path) -> str:
    from tests.support.delivery import go_live

    return go_live(submitted, tmp_path)


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in ACCEPTANCE])
def test_returned_certificate(case: Returned, live: str, cli, tmp_path: Path) -> None:
    from changeflow.tasks.acceptance import issue_certificate
    from tests.support.delivery import fill_certificate, state_of

    cert = issue_certificate(live, actor="李明")
    path = tmp_path / "验收单-回签.docx"
    path.write_bytes(case.edit(fill_certificate(Path(cert.document), **(case.signoff or {}))))
    before = all_counts()
    code, out, err = cli("accept", str(path), "--json")
    if case.expect == "refused":
        _refused(code, err, path, case)
        assert all_counts() == before and state_of(live) == "live"
    else:
        assert code == 0, err
        assert json.loads(out)["decision"] == case.value
        want = "accepted" if case.value == "approve" else "in_development"
        assert state_of(live) == want


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in DISPATCH])
def test_returned_dispatch_order(case: Returned, contract: str, cli, tmp_path: Path) -> None:
    number, data = _dispatch_file(case, tmp_path)
    path = tmp_path / "派工单-回签.docx"
    path.write_bytes(data)
    before = all_counts()
    code, out, err = cli("dispatch", "signoff", str(path), "--json")
    if case.expect == "refused":
        _refused(code, err, path, case)
        assert all_counts() == before
    else:
        assert code == 0, err
        v = json.loads(out)
        assert v["number"] == number and v["state"] == "signed"
        assert v["accepted"] is case.value


def _statement_file(case: Returned, tmp_path: Path) -> tuple[str, bytes]:
    """September 2026's statement with a breached clock (and its cause) and the month's
    service days, its confirmation table filled in as the client does."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from changeflow.tasks import maintenance as mt
    from tests.support.maintenance import fill_signoff, fill_statement, stored

    sh = ZoneInfo("Asia/Shanghai")

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=sh)

    f = mt.report_fault(severity="crash", title="服务器崩溃", reported_at=at("2026-09-23 02:00"),
                        now=at("2026-09-23 02:00"))  # fmt: skip
    mt.stamp(f.key, "respond", at=at("2026-09-23 02:20"))
    mt.stamp(f.key, "onsite", at=at("2026-09-23 09:00"))  # 7 h: breached
    mt.record_fault_details(f.key, breach_cause="夜间无人值守，工程师路途远")
    o = mt.create_dispatch(kind="change", planned_start="2026-09-14 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-09-14 09:00",
                         actual_end="2026-09-15 17:30")  # fmt: skip
    fill_signoff(
        stored(mt.list_dispatch()[0]["document"]),
        tmp_path / "o.docx",
        {"accepted": "是", "satisfaction": "5", "signer": "王芳", "date": "2026-09-15"},
    )
    mt.signoff_dispatch(tmp_path / "o.docx")
    r = mt.sla_report_document("2026-09", "OA-2026", now=at("2026-10-09 10:00"))
    from changeflow.tasks.signoff import today_local

    values = {"result": "无异议", "remarks": "", "signer": "王芳",
              "date": today_local().isoformat(), **(case.signoff or {})}  # fmt: skip
    out = fill_statement(stored(r["path"]), tmp_path / "filled-statement.docx", values)
    return r["subject"], case.edit(out.read_bytes())


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in STATEMENT])
def test_returned_sla_statement(case: Returned, contract: str, cli, tmp_path: Path) -> None:
    subject, data = _statement_file(case, tmp_path)
    path = tmp_path / "对账单-回签.docx"
    path.write_bytes(data)
    before = all_counts()
    code, out, err = cli("sla", "confirm", str(path), "--json")
    if case.expect == "refused":
        _refused(code, err, path, case)
        assert all_counts() == before
    else:
        assert code == 0, err
        v = json.loads(out)
        assert v["subject"] == subject and v["agreed"] is case.value
        assert v["state"] == ("agreed" if case.value else "disputed")


def test_the_plan_corpus_through_the_inbox(submitted: str, tmp_path: Path) -> None:
    """Every refused class ends in refused/ with its reason and the request stays planned;
    then a genuine filling in another layout is recorded. Every file ends in one place."""
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox
    from tests.support.helpers import states

    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    refused = [c for c in PLAN if c.expect == "refused"]
    for i, case in enumerate(refused):
        (inbox / f"r{i:02d}.docx").write_bytes(_plan_file(submitted, case))
    # every case made a new plan version: only files of the newest could be decided, so
    # re-make each from the newest version for the content classes to be judged on content
    for i, case in enumerate(refused):
        from tests.support.approval import fill, plan_path

        (inbox / f"r{i:02d}.docx").write_bytes(
            case.edit(fill(plan_path(submitted), **(case.signoff or {})))
        )
    before = all_counts()
    report = process_inbox(settle_seconds=0)
    assert report.counts == {"done": 0, "refused": len(refused), "waiting": 0}
    for i, case in enumerate(refused):
        [item] = [x for x in report.items if x.file == f"r{i:02d}.docx"]
        assert case.field in item.detail and case.words.lower() in item.detail.lower(), (
            case.klass,
            item.detail,
        )
        reason = Path(item.moved_to + ".reason.txt").read_text("utf-8")
        assert item.detail in reason
    assert all_counts() == before and states()[submitted] == "planned"
    genuine = next(c for c in PLAN if c.klass.startswith("Wingdings boxes after"))
    from tests.support.approval import fill, plan_path

    (inbox / "genuine.docx").write_bytes(
        genuine.edit(fill(plan_path(submitted), **genuine.signoff))
    )
    report = process_inbox(settle_seconds=0)
    assert [(i.file, i.outcome) for i in report.items] == [("genuine.docx", "decision")]
    assert states()[submitted] == "approved"
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []


def test_corpus_covers_every_class_of_the_issue() -> None:
    klasses = {c.klass for c in CASES}
    assert len(CASES) >= 35
    assert {c.kind for c in CASES} == {"plan", "acceptance", "dispatch", "sla-report"}
    for needed in ("amount drawn with symbol characters",
                   "amount in the fallback branch of alternate content",
                   "totals hidden, a new table carrying the sign-off labels",
                   "a new table with a discounted price", "exclusion clause deleted",
                   "box after the word (同意☑ 不同意☐)", "two sign-off tables, 不同意 then 同意",
                   "two decision rows", "不 drawn as a symbol character",
                   "decision in a text box (shape and VML copy)"):  # fmt: skip
        assert needed in klasses, needed


GENUINE_RESAVED = [
    c
    for c in PLAN
    if c.klass
    in (
        "box after the word (同意☑ 不同意☐)",
        "Wingdings boxes after the word",
        "decision in a text box (shape and VML copy)",
        "不 drawn as a symbol character",
    )
]


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c)) for c in GENUINE_RESAVED])
def test_genuine_filling_resaved_by_libreoffice(
    case: Returned, submitted: str, cli, tmp_path: Path
) -> None:
    """A client on LibreOffice: the same filling, opened and saved again, reads the same."""
    from tests.support.approval import libreoffice_resave

    path = tmp_path / "回签.docx"
    path.write_bytes(libreoffice_resave(_plan_file(submitted, case), tmp_path))
    code, out, err = cli("approve", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["decision"] == case.value
