"""A training session (培训): planned with its sign-in sheet, the sheet filled in as the
attendees and the organiser do in Word (python-docx), read back through the one sign-off
reader and recorded; its time counted in the one count of service days. A doctored sheet is
refused, so is a count that does not match the register."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import docx
import pytest

from changeflow.tasks import training as tr
from tests.support.maintenance import fill_signoff, stored


def _plan(**kw) -> dict:
    args = dict(
        topic="OA 流程审批操作",
        starts_at="2026-12-02 14:00",
        ends_at="2026-12-02 16:00",
        place="甲方三楼会议室",
        trainer="李明",
        departments=["财务部", "办公室"],
        materials=["第3章 流程审批", "第5章 公文管理"],
        seats=6,
        lang="zh-CN",
    )
    return tr.plan_training(**(args | kw))


def _sign_in(src, out, people: list[tuple[str, str]], values: dict[str, str]):
    """The attendees write their names in the register, the organiser fills the table."""
    from changeflow.docs_templates.tpl_signin import SIGNOFF_FIELDS

    tmp = out.with_name("register-" + out.name)
    doc = docx.Document(str(src))
    register = next(t for t in doc.tables if t.rows[0].cells[0].text.strip() in ("序号", "No."))
    if register.rows[0].cells[1].text.strip() not in ("姓名", "Name"):  # the materials table
        register = [t for t in doc.tables if t.rows[0].cells[0].text.strip() in ("序号", "No.")][1]
    for row, (name, dept) in zip(register.rows[1:], people, strict=False):
        row.cells[1].text, row.cells[2].text, row.cells[3].text = name, dept, name
    doc.save(str(tmp))
    return fill_signoff(tmp, out, values, SIGNOFF_FIELDS)


def test_session_held_from_its_returned_sheet(contract: str, tmp_path) -> None:
    from changeflow.tasks.maintenance import contract_usage
    from changeflow.tasks.returned import approve_file

    before = contract_usage("OA-2026")
    t = _plan()
    assert t["number"].startswith("PX-2026-") and t["state"] == "planned"
    sheet = docx.Document(str(stored(t["document"])))
    text = "\n".join(c.text for tb in sheet.tables for r in tb.rows for c in r.cells)
    assert "OA 流程审批操作" in text and "第5章 公文管理" in text and "实到人数" in text
    people = [("赵强", "财务部"), ("孙丽", "财务部"), ("周杰", "办公室")]
    filled = _sign_in(
        stored(t["document"]), tmp_path / "signed.docx", people,
        {"attended": "3", "satisfaction": "4", "feedback": "希望再讲一次报表", "signer": "王芳",
         "date": "2026-12-02"},
    )  # fmt: skip
    result = approve_file(filled)  # the one path every returned document takes
    assert result.kind == "signin" and result.key == t["number"]
    held = tr.show_training(t["number"])
    assert held["state"] == "held"
    assert [a["name"] for a in held["attendees"]] == ["赵强", "孙丽", "周杰"]
    assert held["attendees"][2]["department"] == "办公室"
    assert held["satisfaction"] == 4 and held["signer"] == "王芳"
    assert held["feedback"] == "希望再讲一次报表" and held["service_minutes"] == 120
    after = contract_usage("OA-2026")
    assert after["training_days"] == Decimal("0.25")  # 120 min of an 8-hour service day
    assert after["days_used"] == before["days_used"] + Decimal("0.25")
    # and in the month it was held (the statement's 本月服务天数 reads it)
    month = after["per_month"].get("2026-12", Decimal(0)) - before["per_month"].get(
        "2026-12", Decimal(0)
    )
    assert month == Decimal("0.25")
    # the same sheet again: recorded once
    from changeflow.tasks.signoff import Refused

    with pytest.raises(Refused) as e:
        approve_file(filled)
    assert e.value.code == "decided"


def test_doctored_sheet_refused(contract: str, tmp_path) -> None:
    from changeflow.tasks.signoff import Refused

    t = _plan()
    filled = _sign_in(
        stored(t["document"]), tmp_path / "signed.docx", [("赵强", "财务部")],
        {"attended": "1", "satisfaction": "5", "signer": "王芳", "date": "2026-12-02"},
    )  # fmt: skip
    doc = docx.Document(str(filled))
    for tb in doc.tables:
        for row in tb.rows:
            if row.cells[1].text == "甲方三楼会议室":
                row.cells[1].text = "远程会议"
    doc.save(str(filled))
    with pytest.raises(Refused) as e:
        tr.signin_file(filled)
    assert e.value.code == "edited" and "远程会议" in str(e.value)
    assert tr.show_training(t["number"])["state"] == "planned"


def test_count_must_match_the_register(contract: str, tmp_path) -> None:
    from changeflow.tasks.signoff import Refused

    t = _plan()
    filled = _sign_in(
        stored(t["document"]), tmp_path / "signed.docx", [("赵强", "财务部"), ("孙丽", "")],
        {"attended": "5", "satisfaction": "5", "signer": "王芳", "date": "2026-12-02"},
    )  # fmt: skip
    with pytest.raises(Refused) as e:
        tr.signin_file(filled)
    assert "实到人数" in str(e.value) and "2 attendee" in str(e.value)


def test_recorded_by_hand_and_bad_input(contract: str) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.maintenance import contract_usage

    t = _plan(lang="en")
    held = tr.record_by_hand(
        t["number"], attendees=["赵强/财务部", "孙丽"], satisfaction=5, minutes=90
    )
    assert held["state"] == "held" and held["attended"] == 2 and held["service_minutes"] == 90
    assert contract_usage("OA-2026")["training_days"] == Decimal("0.19")  # 90/480 half-up
    with pytest.raises(InputError, match="day off"):
        _plan(starts_at="2026-12-05 14:00", ends_at="2026-12-05 15:00")  # a Saturday
    with pytest.raises(InputError, match="departments"):
        _plan(departments=[])


def test_on_the_weekly_report_and_the_statement(contract: str) -> None:
    """A short line on the week's report and the month's statement; none without training."""
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import weekly
    from tests.support.delivery import docx_text

    before = docx_text(stored(mt.sla_report_document("2026-12")["path"]))
    assert "本期培训" not in before
    t = _plan()
    tr.record_by_hand(t["number"], attendees=["赵强/财务部", "孙丽/办公室"], satisfaction=5)
    _plan(topic="公文管理", starts_at="2026-12-03 09:00", ends_at="2026-12-03 10:00")
    st = docx_text(stored(mt.sla_report_document("2026-12")["path"]))
    assert "本期培训 2 次（已举办 1 次，参训 2 人，计 0.25 个服务天）" in st
    assert f"{t['number']} OA 流程审批操作（12月2日，2 人）" in st
    assert "公文管理（12月3日，计划中）" in st
    w = weekly.make_report("2026-W49", "DEMO", lang="en", actor="李明")
    assert [x["number"] for x in w["data"]["training"]][:1] == [t["number"]]
    text = docx_text(Path(w["document"]))
    assert "Training this period: 2 session(s) (1 held, 2 attended, 0.25 service days)" in text


def test_returned_sheet_through_the_inbox(contract: str, tmp_path) -> None:
    """The sheet dropped in the inbox is classified and recorded like every signed file."""
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox

    t = _plan()
    box = get_settings().inbox
    box.mkdir(parents=True, exist_ok=True)
    _sign_in(
        stored(t["document"]), box / "签到表.docx", [("赵强", "财务部")],
        {"attended": "1", "satisfaction": "5", "signer": "王芳", "date": "2026-12-02"},
    )  # fmt: skip
    (box / "register-签到表.docx").unlink()
    process_inbox(settle_seconds=0)
    assert tr.show_training(t["number"])["state"] == "held"
    assert (box / "done" / "签到表.docx").exists()
