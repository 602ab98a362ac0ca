"""The annual fee's schedule, invoices and payments (支票 with its number, 现金, 转账), what is
due and overdue, the reminder to our lead; the year's settlement rendered, handed in through
the inbox signed, and a doctored one refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from changeflow.errors import InputError
from tests.support.maintenance import fill_signoff, stored
from tests.tasks.servicedays.test_one_year import _order, smtp  # noqa: F401


def test_schedule_invoices_payments_due_and_overdue(contract: str, cli, smtp) -> None:  # noqa: F811
    from datetime import date

    from changeflow.tasks import settlement as st

    s = st.fee_standing("OA-2026", today=date(2026, 12, 6))
    # no schedule: once a year, the whole fee due on the first day (overdue, nothing paid)
    assert [(i["due"], i["status"]) for i in s["schedule"]] == [(date(2026, 7, 1), "overdue")]
    with pytest.raises(InputError, match="not the annual fee"):
        st.set_schedule("OA-2026", st.parse_instalments(["2026-07-15=10000"], "t"))
    code, _, err = cli("fee", "schedule", "2026-07-15=10000", "2027-01-15=10000.00",
                       "--contract", "OA-2026")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("fee", "invoice", "FP-2026-001", "--date", "2026-07-10",
                       "--amount", "10000", "--contract", "OA-2026")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("fee", "invoice", "FP-2026-001", "--date", "2026-07-10",
                       "--amount", "10000", "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "already recorded" in err
    code, _, err = cli("fee", "pay", "10000", "--date", "2026-07-20", "--method", "支票",
                       "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "cheque_no" in err  # a cheque needs its number
    code, _, err = cli("fee", "pay", "10000", "--date", "2026-07-20", "--method", "支票",
                       "--cheque-no", "12345678", "--invoice", "FP-2026-001",
                       "--contract", "OA-2026")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("fee", "pay", "0.1", "--date", "2026-07-21", "--method", "bitcoin",
                       "--contract", "OA-2026")  # fmt: skip
    assert code == 2 and "method" in err
    code, out, err = cli("fee", "show", "OA-2026", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert (r["paid"], r["outstanding"], r["overdue"]) == ("10000.00", "10000.00", "0.00")
    assert [i["status"] for i in r["schedule"]] == ["paid", "due"]
    assert r["payments"][0]["cheque_no"] == "12345678" and r["payments"][0]["method"] == "cheque"
    late = st.fee_standing("OA-2026", today=date(2027, 2, 1))
    assert late["overdue"] == Decimal("10000.00") and late["schedule"][1]["status"] == "overdue"
    # the reminder: once, before the due date, to our project lead
    out = st.remind_payments("OA-2026", days_before=60)
    assert [x["seq"] for x in out["sent"]] == [2] and out["failed"] == []
    assert len(smtp) == 1 and smtp[0][1] == ["li.ming@contractor.example"]
    assert b"2027-01-15" in smtp[0][2]
    assert st.remind_payments("OA-2026", days_before=60)["sent"] == []


def test_settlement_rendered_signed_and_doctored(contract: str, cli, tmp_path: Path) -> None:
    from changeflow.docs_templates.tpl_slareport import CONFIRM_FIELDS
    from changeflow.settings import get_settings
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import settlement as st
    from changeflow.tasks.inbox import process_inbox
    from changeflow.tasks.signoff import today_local

    _order("2026-11-26 20:00", "2026-11-27 10:00", tmp_path)
    f = mt.report_fault(severity="crash", title="服务器崩溃", reported_at="2026-11-26 20:00")
    mt.stamp(f.key, "respond", at="2026-11-26 20:10")
    mt.stamp(f.key, "onsite", at="2026-11-27 03:00")  # 7 h: missed the 6 h
    st.set_schedule("OA-2026", st.parse_instalments(["2026-07-15=20000"], "t"))
    st.issue_invoice("OA-2026", "FP-2026-001", "2026-07-10", "20000")
    st.record_payment("OA-2026", "2026-07-20", "20000", "转账")
    code, out, err = cli("settlement", "make", "OA-2026", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["subject"] == "OA-2026/year" and r["version"] == 1
    assert r["days"]["days_used"] == str(mt.contract_usage("OA-2026")["days_used"])
    assert r["faults"]["crash"] == {"faults": 1, "response_met": 1, "response_missed": 0,
                                    "onsite_met": 0, "onsite_missed": 1, "open": 0}  # fmt: skip
    sent = stored(r["path"])
    cells = [c.text for t in docx.Document(str(sent)).tables for row in t.rows for c in row.cells]
    assert "¥20,000.00" in cells and "2027年6月1日" in cells  # fee and renewal date
    paras = [p.text for p in docx.Document(str(sent)).paragraphs]
    assert any("共购买服务天数 24 天" in p for p in paras)  # 年度服务总结
    # a doctored copy: the fee changed before signing; refused, nothing recorded
    doctored = tmp_path / "doctored.docx"
    d = docx.Document(str(sent))
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:
                if c.text == "¥20,000.00":
                    c.text = "¥2,000.00"
    d.save(str(doctored))
    fill_signoff(doctored, doctored, {"result": "无异议", "signer": "王芳",
                                      "date": str(today_local())}, CONFIRM_FIELDS)  # fmt: skip
    code, _, err = cli("settlement", "confirm", str(doctored))
    assert code == 2 and "content" in err.lower(), err
    assert st.list_settlements("OA-2026")[0]["state"] == "issued"
    # the signed one, handed in through the inbox
    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_signoff(sent, inbox / "年度结算单-已确认.docx",
                 {"result": "无异议", "remarks": "核对无误", "signer": "王芳",
                  "date": str(today_local())}, CONFIRM_FIELDS)  # fmt: skip
    [item] = process_inbox(settle_seconds=0).items
    assert item.outcome == "decision", item.detail
    [v] = st.list_settlements("OA-2026")
    assert (v["state"], v["signer"], v["remarks"]) == ("agreed", "王芳", "核对无误")
    assert (
        stored(v["signed_document"]).read_bytes()
        == (inbox / "done" / "年度结算单-已确认.docx").read_bytes()
    )
