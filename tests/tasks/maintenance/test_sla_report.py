"""The monthly SLA report, an open fault in it and the statement, the fault record."""

from __future__ import annotations

import json

from changeflow.tasks import maintenance as mt
from tests.support.maintenance import accept, at, stored

# --- SLA report and fault record ---------------------------------------------------------


def test_monthly_sla_report(contract: str, cli) -> None:
    a = mt.report_fault(severity="crash", title="a", reported_at=at("2026-11-25 02:00"))
    mt.stamp(a.key, "respond", at=at("2026-11-25 02:20"))
    mt.stamp(a.key, "onsite", at=at("2026-11-25 09:00"))  # 7 h: breached
    mt.record_fault_details(a.key, breach_cause="夜间无人值守，工程师路途远")
    b = mt.report_fault(severity="non-crash", title="b", reported_at=at("2026-11-24 10:00"))
    mt.stamp(b.key, "respond", at=at("2026-11-24 10:50"))  # 50 service minutes
    mt.stamp(b.key, "onsite", at=at("2026-11-24 15:00"))
    mt.report_fault(severity="crash", title="october", reported_at=at("2026-10-25 02:00"))
    code, out, err = cli("sla", "report", "--month", "2026-11", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["faults"] == 2
    assert r["clocks"]["response"]["met"] == 2 and r["clocks"]["response"]["met_percent"] == 100.0
    assert r["clocks"]["response"]["average_minutes"] == 35.0
    assert r["clocks"]["response"]["worst_minutes"] == 50.0
    assert r["clocks"]["onsite"]["breached"] == 1 and r["clocks"]["onsite"]["met_percent"] == 50.0
    assert r["breaches"][0]["cause"] == "夜间无人值守，工程师路途远"
    assert r["breaches"][0]["over_minutes"] == 60.0
    code, _, err = cli("sla", "report", "--month", "2026-13")
    assert code == 2 and "month" in err


def test_open_fault_is_open_in_the_report_and_the_statement(contract, cli, tmp_path) -> None:
    import docx

    a = mt.report_fault(severity="non-crash", title="流程卡住", reported_at=at("2026-09-24 17:00"),
                        now=at("2026-09-24 17:01"))  # fmt: skip
    mt.stamp(a.key, "respond", at=at("2026-09-28 09:10"), mode="phone")
    mt.pause(a.key, at=at("2026-09-28 10:00"), reason="等待甲方提供日志",
             now=at("2026-09-28 10:00"))  # fmt: skip
    mt.resume(a.key, at=at("2026-09-29 10:00"), now=at("2026-09-29 10:00"))
    b = mt.report_fault(severity="crash", title="服务器崩溃", reported_at=at("2026-09-29 10:00"),
                        now=at("2026-09-29 10:00"))  # fmt: skip
    one = mt.sla_report("2026-09", "OA-2026", now=at("2026-09-30 10:00"))
    two = mt.sla_report("2026-09", "OA-2026", now=at("2026-10-09 10:00"))
    for r in (one, two):  # open clocks are open, not breached, and do not grow into breaches
        assert r["clocks"]["onsite"]["open"] == 2 and r["clocks"]["onsite"]["breached"] == 0
        assert r["clocks"]["response"]["met"] == 1 and r["clocks"]["response"]["open"] == 1
        assert r["breaches"] == []
    assert two["clocks"]["onsite"]["overdue"] == 2
    o = mt.create_dispatch(kind="change", planned_start="2026-09-14 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-09-14 09:00",
                         actual_end="2026-09-15 17:30")  # fmt: skip
    accept(o["number"], tmp_path)
    code, out, err = cli("sla", "report", "--month", "2026-09", "--contract", "OA-2026",
                         "--docx", "--json")  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    assert r["service_days"]["month_days"] == "2.00" and r["version"] == 1
    path = stored(r["path"])
    d = docx.Document(str(path))
    text = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert a.key in text and b.key in text and "等待甲方提供日志" in text
    assert "未结" in text and "工作日全天" in text and "对账结果（无异议/有异议）" in text
    assert "2.00" in text  # the month's service days
    assert "{{" not in text and "{%" not in text


def test_fault_record_document(contract: str, cli) -> None:
    import docx

    r = mt.report_fault(severity="crash", title="数据库损坏", reported_at=at("2026-11-25 02:00"),
                        system="OA 数据库", engineer="张伟")  # fmt: skip
    mt.stamp(r.key, "respond", at=at("2026-11-25 02:20"))
    mt.record_fault_details(
        r.key, assessment="索引页损坏，影响流程表", test_report="DBCC 检查 3 个错误",
        solution="从夜间备份恢复并重放日志", steps=["停止 OA 服务", "恢复备份", "验证 <表> & 索引"],
    )  # fmt: skip
    code, out, err = cli("fault", "record", r.key, "--json")
    assert code == 0, err
    doc = docx.Document(str(stored(json.loads(out)["path"])))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for want in (
        "数据库损坏",
        "索引页损坏",
        "DBCC",
        "从夜间备份恢复",
        "验证 <表> & 索引",
        "达标",
        "张伟",
    ):
        assert want in text, want
    assert doc.core_properties.title == f"故障处理记录 {r.key}（草稿）"  # no root cause yet
