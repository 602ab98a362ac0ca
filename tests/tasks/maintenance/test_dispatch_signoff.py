"""Dispatch orders and the client's sign-off table: the round trip, the inbox, refusals."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from changeflow.errors import InputError
from changeflow.tasks import maintenance as mt
from tests.support.helpers import counts
from tests.support.maintenance import at, fill_signoff, stored

# --- dispatch orders and the client's sign-off -------------------------------------------


def test_dispatch_round_trip_with_a_filled_signoff_table(contract: str, cli, tmp_path) -> None:
    import docx

    code, out, err = cli(
        "dispatch", "create", "--kind", "weekly-visit", "--planned-start", "2026-11-25 14:00",
        "--staff", "张伟", "--work", "巡检服务器\n验证备份 <A & B>", "--json",
    )  # fmt: skip
    assert code == 0, err
    order = json.loads(out)
    assert order["number"] == "PG-2026-0001" and order["state"] == "planned"
    assert order["planned_end"] == "2026-11-25T17:30:00+08:00"
    sent = stored(order["document"])
    text = "\n".join(
        c.text for t in docx.Document(str(sent)).tables for r in t.rows for c in r.cells
    )
    assert "PG-2026-0001" in text and "张伟" in text and "验证备份 <A & B>" in text
    assert "OA 系统运维" in text  # the contract by name
    # the planned version is confirmed for the plan, not accepted: no acceptance table, no
    # work as done; it says the done version is the one to sign
    assert "服务是否验收（是/否）" not in text and "实际开始时间" not in text
    assert "甲方确认人" in text
    planned = "\n".join(p.text for p in docx.Document(str(sent)).paragraphs)
    assert "本派工单为计划版本" in planned and "二、计划确认" in planned
    assert "三、服务验收" not in planned
    code, out, err = cli("dispatch", "done", "PG-2026-0001", "--start", "2026-11-25 14:05",
                         "--end", "2026-11-25 17:35", "--json")  # fmt: skip
    assert code == 0, err
    done = json.loads(out)
    # 14:05-17:30 in service hours, 5 minutes after closing is overtime
    assert done["worked_minutes"] == 205 and done["overtime_minutes"] == 5
    assert done["version"] == 2 and done["document"] != order["document"]
    text = "\n".join(
        c.text
        for t in docx.Document(str(stored(done["document"]))).tables
        for r in t.rows
        for c in r.cells
    )
    assert "2026年11月25日 14:05" in text and "205\u00a0分钟" in text and "加班 5\u00a0分钟" in text
    assert "服务是否验收（是/否）" in text and "满意度（1-5）" in text and "服务人员" in text
    # the client signs what happened: the planned version carries nothing to accept
    code, _, err = cli("dispatch", "signoff", str(sent))
    assert code == 2 and "no sign-off table" in err and "planned order" in err
    sent = stored(done["document"])
    filled = fill_signoff(
        sent, tmp_path / "returned.docx",
        {"accepted": "是", "satisfaction": "5", "feedback": "响应及时，很满意",
         "signer": "王芳", "date": "2026-11-25"},
    )  # fmt: skip
    code, out, err = cli("dispatch", "signoff", str(filled), "--json")
    assert code == 0, err
    v = json.loads(out)
    assert v["state"] == "signed" and v["accepted"] is True and v["satisfaction"] == 5
    assert v["signer"] == "王芳" and v["feedback"] == "响应及时，很满意"
    # the same file again: already signed, nothing written
    before = counts()
    code, _, err = cli("dispatch", "signoff", str(filled))
    assert code == 2 and "signed already" in err
    assert counts() == before
    ev = mt.staff_evaluation()
    assert ev[0]["staff"] == "张伟" and ev[0]["average_satisfaction"] == Decimal("5.00")
    assert ev[0]["feedback"] == ["PG-2026-0001: 响应及时，很满意"]


def test_returned_dispatch_order_through_the_inbox(contract: str, tmp_path) -> None:
    """The inbox knows every signable kind from the one table: a returned dispatch order
    dropped there is read and recorded like one given to ``dispatch signoff``."""
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox

    order = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    done = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:05",
                                actual_end="2026-11-24 11:35")  # fmt: skip
    assert done["version"] == 2
    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_signoff(stored(done["document"]), inbox / "派工单-回签.docx",
                 {"accepted": "是", "satisfaction": "4", "feedback": "处理及时",
                  "signer": "王芳", "date": "2026-11-24"})  # fmt: skip
    report = process_inbox(settle_seconds=0)
    [item] = report.items
    assert item.outcome == "decision", item.detail
    assert item.key == order["number"] and "by 王芳" in item.detail
    [v] = mt.list_dispatch()
    assert v["state"] == "signed" and v["accepted"] is True and v["satisfaction"] == 4
    assert v["version"] == 2 and v["worked_minutes"] == 90  # the signed version is the done one
    assert (inbox / "done" / "派工单-回签.docx").exists()
    u = mt.contract_usage("OA-2026", today=at("2026-11-28 10:00").date())
    assert u["days_used"] == Decimal("0.19") and u["orders_counted"] == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"accepted": "", "satisfaction": "5", "signer": "王芳", "date": "2026-11-25"}, "accepted"),
        ({"accepted": "也许", "satisfaction": "5", "signer": "王芳", "date": "2026-11-25"},
         "accepted"),
        ({"accepted": "是", "satisfaction": "6", "signer": "王芳", "date": "2026-11-25"},
         "satisfaction"),
        ({"accepted": "是", "satisfaction": "4", "signer": "", "date": "2026-11-25"}, "signer"),
        ({"accepted": "是", "satisfaction": "4", "signer": "王芳", "date": "昨天"}, "date"),
    ],
)  # fmt: skip
def test_bad_signoff_is_refused_and_nothing_written(contract, tmp_path, values, field) -> None:
    order = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    order = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:00",
                                 actual_end="2026-11-24 11:00")  # fmt: skip
    filled = fill_signoff(stored(order["document"]), tmp_path / "r.docx", values)
    before = counts()
    with pytest.raises(InputError) as err:
        mt.signoff_dispatch(filled)
    assert err.value.field == field
    assert counts() == before


def test_signoff_refuses_edited_tables_and_unsigned_files(contract, tmp_path) -> None:
    import docx

    order = mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["张伟"])
    order = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:00",
                                 actual_end="2026-11-24 11:00")  # fmt: skip
    src = stored(order["document"])
    doc = docx.Document(str(src))
    [row] = [r for r in doc.tables[0].rows if r.cells[0].text == "服务人员"]
    row.cells[1].text = "李明"  # staff changed
    doc.save(str(tmp_path / "edited.docx"))
    filled = fill_signoff(tmp_path / "edited.docx", tmp_path / "e2.docx",
                          {"accepted": "是", "satisfaction": "3", "signer": "王芳",
                           "date": "2026-11-24"})  # fmt: skip
    with pytest.raises(InputError) as err:
        mt.signoff_dispatch(filled)
    assert err.value.field == "content" and "李明" in str(err.value)
    plain = docx.Document()
    plain.add_paragraph("x")
    plain.save(str(tmp_path / "plain.docx"))
    with pytest.raises(InputError) as err:
        mt.signoff_dispatch(tmp_path / "plain.docx")
    assert err.value.field == "signature"


def test_signoff_ticks_and_not_accepted(contract, tmp_path) -> None:
    order = mt.create_dispatch(kind="change", planned_start="2026-11-24 10:00", staff=["李明"],
                               work_content="新增请假流程表单")  # fmt: skip
    order = mt.complete_dispatch(order["number"], actual_start="2026-11-24 10:00",
                                 actual_end="2026-11-24 12:00")  # fmt: skip
    filled = fill_signoff(
        stored(order["document"]), tmp_path / "r.docx",
        {"accepted": "☐是 ☑否", "satisfaction": "★★", "feedback": "表单字段不全",
         "signer": "王芳", "date": "2026年11月24日"},
    )  # fmt: skip
    v = mt.signoff_dispatch(filled)
    assert v["accepted"] is False and v["satisfaction"] == 2
    assert mt.staff_evaluation()[0]["not_accepted"] == 1


def test_emergency_dispatch_from_a_fault(contract: str) -> None:
    r = mt.report_fault(severity="crash", title="服务器崩溃", reported_at=at("2026-11-25 02:00"),
                        engineer="张伟")  # fmt: skip
    v = mt.emergency_dispatch(r.key)
    assert v["kind"] == "emergency" and v["requests"] == [r.key] and v["staff"] == ["张伟"]
    with pytest.raises(InputError):
        mt.create_dispatch(kind="party", planned_start="2026-11-24 10:00", staff=["张伟"])
    with pytest.raises(InputError):
        mt.create_dispatch(kind="remote", planned_start="2026-11-24 10:00", staff=["Nobody"])
