"""The monthly SLA statement signed like the other documents: issued by ``sla report
--docx``, filled in by the client, handed in through the inbox (or ``sla confirm``),
recorded with its audit; stale, tampered, early or repeated ones refused."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from changeflow.errors import InputError
from changeflow.tasks import maintenance as mt
from tests.support.helpers import ROOT, all_counts
from tests.support.maintenance import fill_signoff, fill_statement, stored

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def today() -> str:
    from changeflow.tasks.signoff import today_local

    return today_local().isoformat()


def september(tmp_path: Path) -> None:
    """A breached crash fault, a met non-crash one over Mid-Autumn, one accepted order."""
    a = mt.report_fault(severity="crash", title="服务器崩溃", reported_at=at("2026-09-23 02:00"),
                        now=at("2026-09-23 02:00"))  # fmt: skip
    mt.stamp(a.key, "respond", at=at("2026-09-23 02:20"))
    mt.stamp(a.key, "onsite", at=at("2026-09-23 09:00"))
    mt.record_fault_details(a.key, breach_cause="夜间无人值守，工程师路途远")
    b = mt.report_fault(severity="non-crash", title="流程卡住", reported_at=at("2026-09-24 17:00"),
                        now=at("2026-09-24 17:00"))  # fmt: skip
    mt.stamp(b.key, "respond", at=at("2026-09-28 09:10"))
    mt.stamp(b.key, "onsite", at=at("2026-09-28 14:00"))
    o = mt.create_dispatch(kind="change", planned_start="2026-09-14 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-09-14 09:00",
                         actual_end="2026-09-15 17:30")  # fmt: skip
    fill_signoff(
        stored(mt.list_dispatch()[0]["document"]),
        tmp_path / "o.docx",
        {"accepted": "是", "satisfaction": "5", "signer": "王芳", "date": "2026-09-15"},
    )
    mt.signoff_dispatch(tmp_path / "o.docx")


def test_issue_fill_hand_in_through_the_inbox(contract: str, cli, tmp_path: Path) -> None:
    import docx

    from changeflow.db.maintenance import SlaStatement
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox

    september(tmp_path)
    # October's work is not in September's statement (the year as it stood at its end)
    o = mt.create_dispatch(kind="change", planned_start="2026-10-12 09:00", staff=["张伟"])
    v = mt.complete_dispatch(o["number"], actual_start="2026-10-12 09:00",
                             actual_end="2026-10-12 17:30")  # fmt: skip
    fill_signoff(
        stored(v["document"]),
        tmp_path / "oct.docx",
        {"accepted": "是", "satisfaction": "5", "signer": "王芳", "date": "2026-10-12"},
    )
    mt.signoff_dispatch(tmp_path / "oct.docx")
    code, out, err = cli("sla", "report", "--month", "2026-09", "--docx", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["subject"] == "OA-2026/2026-09" and r["version"] == 1 and r["state"] == "issued"
    sent = stored(r["path"])
    text = "\n".join(c.text for t in docx.Document(str(sent)).tables for w in t.rows
                     for c in w.cells)  # fmt: skip
    assert "对账结果（无异议/有异议）" in text and "夜间无人值守，工程师路途远" in text
    assert "2.00 / 22.00 / 24" in text  # used / left / total at September's end
    rows = [[c.text for c in w.cells] for t in docx.Document(str(sent)).tables for w in t.rows]
    assert ["PG-2026-0001", "变更工作", "9月14日", "张伟", "2.00", "无", "是"] in rows
    assert not any("PG-2026-0002" in c for r in rows for c in r)
    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    fill_statement(sent, inbox / "9月对账单-已确认.docx",
                   {"result": "无异议", "remarks": "核对无误", "signer": "王芳",
                    "date": today()})  # fmt: skip
    report = process_inbox(settle_seconds=0)
    [item] = report.items
    assert item.outcome == "decision", item.detail
    assert item.key == "OA-2026/2026-09" and "by 王芳" in item.detail and "agreed" in item.detail
    assert (inbox / "done" / "9月对账单-已确认.docx").exists()
    code, out, err = cli("sla", "statements", "--json")
    assert code == 0, err
    [v] = json.loads(out)
    assert v["state"] == "agreed" and v["agreed"] is True and v["signer"] == "王芳"
    assert v["remarks"] == "核对无误" and v["signed_on"] == today()
    assert (
        stored(v["signed_document"]).read_bytes()
        == (inbox / "done" / "9月对账单-已确认.docx").read_bytes()
    )
    with transaction() as s:
        st = s.query(SlaStatement).one()
        assert [(e.from_state, e.to_state) for e in st.events] == [
            (None, "issued"), ("issued", "agreed")]  # fmt: skip
        assert st.events[1].evidence_sha256 == st.evidence_sha256
        assert st.events[1].data["signer"] == "王芳"
    # the same file again: a duplicate, nothing new written
    (inbox / "again.docx").write_bytes((inbox / "done" / "9月对账单-已确认.docx").read_bytes())
    before = all_counts()
    [item] = process_inbox(settle_seconds=0).items
    assert item.outcome == "duplicate", item.detail
    assert {k: v for k, v in all_counts().items() if k != "files"} == {
        k: v for k, v in before.items() if k != "files"}  # fmt: skip
    # another filling of the same confirmed statement: refused, the first one stands
    other = fill_statement(sent, tmp_path / "other.docx",
                           {"result": "有异议", "remarks": "再核对", "signer": "李娜",
                            "date": today()})  # fmt: skip
    code, _, err = cli("sla", "confirm", str(other))
    assert code == 2 and "already agreed to by 王芳" in err


def test_disputed_stale_and_early_statements(contract: str, cli, tmp_path: Path, monkeypatch):
    september(tmp_path)
    one = mt.sla_report_document("2026-09", now=at("2026-10-09 10:00"))
    two = mt.sla_report_document("2026-09", now=at("2026-10-10 10:00"))  # issued again
    assert (one["version"], two["version"]) == (1, 2)
    old = fill_statement(stored(one["path"]), tmp_path / "v1.docx",
                         {"result": "无异议", "signer": "王芳", "date": today()})  # fmt: skip
    before = all_counts()
    code, _, err = cli("sla", "confirm", str(old))
    assert code == 2 and "v2 has been sent since" in err and "v1.docx" in err
    early = fill_statement(
        stored(two["path"]),
        tmp_path / "early.docx",
        {"result": "无异议", "signer": "王芳", "date": "2026-09-30"},
    )
    code, _, err = cli("sla", "confirm", str(early))
    assert code == 2 and "date" in err and "before the statement v2 was issued" in err
    ticked = fill_statement(
        stored(two["path"]),
        tmp_path / "both.docx",
        {"result": "☑无异议 ☑有异议", "signer": "王芳", "date": today()},
    )
    code, _, err = cli("sla", "confirm", str(ticked))
    assert code == 2 and "result" in err and "more than one" in err
    assert all_counts() == before
    disputed = fill_statement(
        stored(two["path"]), tmp_path / "disputed.docx",
        {"result": "无异议☐ 有异议☑", "remarks": "09-23 故障到场超时系甲方机房门禁原因",
         "signer": "王芳", "date": today()},
    )  # fmt: skip
    from changeflow.settings import reset_settings
    from tests.support.smtp import Sink, free_port, start_smtp

    sink, port = Sink(), free_port()
    ctl = start_smtp(sink, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    reset_settings()
    try:
        code, out, err = cli("sla", "confirm", str(disputed), "--json")
    finally:
        ctl.stop()
    assert code == 0, err
    v = json.loads(out)
    assert v["state"] == "disputed" and v["agreed"] is False and "门禁" in v["remarks"]
    # our lead is told of the dispute, with the client's remarks
    [(_, to, raw)] = sink.messages
    assert "li.ming@contractor.example" in to
    import email
    import email.policy

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "statement disputed" in str(msg["Subject"]) and "门禁" in msg.get_content()
    # a dispatch order is not a statement (and the other way round)
    with pytest.raises(InputError) as e:
        mt.signoff_dispatch(disputed)
    assert e.value.field == "kind"
    with pytest.raises(InputError) as e:
        mt.confirm_statement(tmp_path / "o.docx")
    assert e.value.field == "kind"


def test_statement_resaved_by_libreoffice_is_recorded(contract: str, tmp_path: Path) -> None:
    """A client on LibreOffice: the filled statement saved again reads the same."""
    from tests.support.approval import SOFFICE, libreoffice_resave

    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    september(tmp_path)
    r = mt.sla_report_document("2026-09", now=at("2026-10-09 10:00"))
    filled = fill_statement(
        stored(r["path"]),
        tmp_path / "f.docx",
        {"result": "无异议", "signer": "王芳", "date": today()},
    )
    path = tmp_path / "resaved.docx"
    path.write_bytes(libreoffice_resave(filled.read_bytes(), tmp_path))
    v = mt.confirm_statement(path)
    assert v["state"] == "agreed"


def test_september_october_simulation(cf_home, monkeypatch, tmp_path: Path) -> None:
    """examples/sla_simulation.py, the issue's simulated September-October 2026, shows what
    the client checks counted right."""
    import importlib.util
    from decimal import Decimal

    for name in ("CHANGEFLOW_SMTP_HOST", "CHANGEFLOW_SMTP_PORT", "CHANGEFLOW_SMTP_SECURITY"):
        # what the simulation sets is undone after (a delenv of an unset name is not undone)
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    path = ROOT / "examples" / "sla_simulation.py"
    spec = importlib.util.spec_from_file_location("sla_simulation", path)
    assert spec and spec.loader
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    out = sim.simulate(tmp_path / "home")
    faults = {f["title"][:6]: f for f in out["faults"]}
    thursday = faults["流程审批卡住"]
    assert thursday["response"] == ("2026-09-28T09:30", "met")
    assert thursday["onsite"] == ("2026-09-28T17:00", "met")  # not the holiday 09-25
    assert faults["表单报错（甲"]["onsite"][0] == "2026-09-29T10:00"  # the client's time
    assert faults["考勤同步失败"]["onsite"] == ("2026-10-08T15:00", "met")  # National Day
    assert out["week_breaches"] == [(faults["数据库连接池"]["key"], "onsite")]
    u = out["usage"]
    assert u["per_month"] == {"2026-09": Decimal("8.56"), "2026-10": Decimal("12.00")}
    assert [r["number"] for r in u["not_accepted"]] == ["PG-2026-0003"]
    assert out["quota_alerts"] == [(80, "20.56")]
    assert [c[0] for c in out["cycle_alerts"]] == ["2026-09", "2026-10"]
    assert len(out["mail_subjects"]) == 3
    assert all(o == "decision" for _, o, _ in out["inbox"])
    assert out["visits"]["moved"][0]["to"].isoformat() == "2026-10-08"
    assert out["visits_again"]["created"] == []
    s = out["statement"]
    assert s["clocks"]["onsite"]["met"] == 4 and s["clocks"]["onsite"]["open"] == 1
    assert [x["state"] for x in out["statements"]] == ["agreed"]
