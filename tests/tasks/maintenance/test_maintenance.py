"""Maintenance service end to end: faults and their clocks through the CLI and the domain
functions, on a real SQLite database (and PostgreSQL where configured)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from changeflow.errors import InputError, TransitionError
from changeflow.tasks import maintenance as mt
from tests.support.helpers import counts
from tests.support.maintenance import fill_signoff, stored

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# --- faults through the CLI --------------------------------------------------------------


def test_cli_report_prints_key_and_both_due_times(contract: str, cli) -> None:
    code, out, err = cli(
        "fault", "report", "--severity", "non-crash", "--reported-at", "2026-11-20T17:00",
        "--title", "邮件服务器异常", "--system", "mail",
    )  # fmt: skip
    assert code == 0, err
    assert "GZ-2026-0001" in out  # faults have keys of their own
    assert "2026-11-23 09:30" in out and "2026-11-23 17:00" in out
    code, out, err = cli(
        "fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "服务器崩溃", "--json",
    )  # fmt: skip
    assert code == 0, err
    v = json.loads(out)
    assert v["key"] == "GZ-2026-0002" and v["severity"] == "crash"
    assert v["response"]["due"] == "2026-11-25T02:30:00+08:00"
    assert v["onsite"]["due"] == "2026-11-25T08:00:00+08:00"
    assert v["response"]["provisional"] is False


def test_cli_stamps_the_clocks(contract: str, cli) -> None:
    cli("fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "数据库损坏")  # fmt: skip
    key = "GZ-2026-0001"
    code, out, err = cli("fault", "respond", key, "--at", "2026-11-25 02:20", "--json")
    assert code == 0, err
    v = json.loads(out)
    assert v["state"] == "responded" and v["response"]["status"] == "met"
    code, out, _ = cli("fault", "onsite", key, "--at", "2026-11-25 08:10", "--json")
    v = json.loads(out)
    assert v["state"] == "on_site" and v["onsite"]["status"] == "breached"
    code, out, _ = cli("fault", "resolve", key, "--at", "2026-11-25 10:00", "--json")
    assert json.loads(out)["state"] == "resolved"
    code, out, _ = cli("fault", "list", "--open", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("fault", "list", "--json")
    assert [f["key"] for f in json.loads(out)] == [key]
    code, out, _ = cli("status", key, "--json")
    assert code == 0 and json.loads(out)["sla"]["severity"] == "crash"
    states = [e["to"] for e in json.loads(out)["timeline"]]
    assert states == ["reported", "responded", "on_site", "resolved"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--severity", "huge", "--title", "x"], "severity"),
        (["--severity", "crash", "--title", "  "], "title"),
        (["--severity", "crash", "--title", "x", "--reported-at", "yesterday"], "reported_at"),
        (["--severity", "crash", "--title", "x", "--reported-at", "2099-01-01T00:00"],
         "reported_at"),
        (["--severity", "crash", "--title", "x", "--reported-at", "2025-01-01T00:00"],
         "contract"),
        (["--severity", "crash", "--title", "x", "--contract", "NOPE"], "contract"),
        (["--severity", "crash", "--title", "x", "--engineer", "Nobody"], "engineer"),
    ],
)  # fmt: skip
def test_cli_bad_report_exit_2_writes_nothing(contract: str, cli, args: list[str], field: str):
    before = counts()
    code, _out, err = cli("fault", "report", "--reported-at", "2026-11-20T10:00", *args)
    assert code == 2, err
    assert field in err
    assert counts() == before


def test_stamp_order_and_states_are_checked(contract: str) -> None:
    r = mt.report_fault(severity="crash", title="t", reported_at=at("2026-11-25 02:00"))
    with pytest.raises(InputError, match="before the report"):
        mt.stamp(r.key, "respond", at=at("2026-11-25 01:00"))
    mt.stamp(r.key, "respond", at=at("2026-11-25 02:10"))
    with pytest.raises(InputError, match="before responded_at"):
        mt.stamp(r.key, "onsite", at=at("2026-11-25 02:05"))
    with pytest.raises(TransitionError):
        mt.stamp(r.key, "respond", at=at("2026-11-25 02:15"))  # already responded
    with pytest.raises(TransitionError):
        mt.stamp(r.key, "close", at=at("2026-11-25 02:15"))  # not resolved yet


def test_onsite_without_a_call_counts_as_the_response(contract: str) -> None:
    r = mt.report_fault(severity="non-crash", title="t", reported_at=at("2026-11-24 10:00"))
    v = mt.stamp(r.key, "onsite", at=at("2026-11-24 10:50"))
    assert v["response"]["status"] == "met" and v["response_mode"] == "onsite"
    assert v["onsite"]["status"] == "met"


def test_remote_resolution_stops_the_onsite_clock(contract: str) -> None:
    r = mt.report_fault(severity="non-crash", title="t", reported_at=at("2026-11-24 10:00"))
    mt.stamp(r.key, "respond", at=at("2026-11-24 10:20"), mode="online")
    v = mt.stamp(r.key, "resolve", at=at("2026-11-24 15:00"))
    assert v["onsite"]["status"] == "met" and v["onsite_at"] is None


# --- pause and resume --------------------------------------------------------------------


def test_pause_and_resume_through_the_cli(contract: str, cli) -> None:
    cli("fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "邮件服务器异常")  # fmt: skip
    key = "GZ-2026-0001"
    code, out, err = cli("fault", "pause", key, "--at", "2026-11-25 02:10", "--json")
    assert code == 0, err
    v = json.loads(out)
    assert v["state"] == "on_hold" and v["paused"]
    assert v["response"]["due"] is None and v["response"]["status"] == "paused"
    code, _, err = cli("fault", "respond", key, "--at", "2026-11-25 02:20")
    assert code == 4 and "resume it first" in err
    code, out, err = cli("fault", "resume", key, "--at", "2026-11-25 02:40", "--json")
    assert code == 0, err
    v = json.loads(out)
    assert v["state"] == "reported" and not v["paused"]
    assert v["response"]["due"] == "2026-11-25T03:00:00+08:00"
    assert v["onsite"]["due"] == "2026-11-25T08:30:00+08:00"
    code, _, err = cli("fault", "resume", key)
    assert code == 4  # not paused any more
    from changeflow.tasks.status import request_status

    info = request_status(key)
    assert [e["to"] for e in info["timeline"]] == ["reported", "on_hold", "reported"]


def test_provisional_due_times_are_marked(contract: str, cli) -> None:
    # reported in the last hour of 2026: the response is due in 2027, not published yet
    r = mt.report_fault(
        severity="non-crash",
        title="年末故障",
        reported_at=at("2026-12-31 17:00"),
        now=at("2026-12-31 17:01"),
    )
    assert r.response_due == at("2027-01-04 09:30") and r.response_provisional
    # the on-site clock skips 2027's days off, which are a guess until published
    assert r.onsite_due >= r.response_due and r.onsite_provisional
    code, out, _ = cli("fault", "show", r.key)
    assert code == 0 and "*provisional" in out and "calendar import" in out


def test_contract_sla_policy_is_copied_onto_the_fault(contract: str) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    first = mt.report_fault(severity="crash", title="a", reported_at=at("2026-11-25 02:00"))
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        k.sla_policy = {"crash": {"response_minutes": 15}}
    second = mt.report_fault(severity="crash", title="b", reported_at=at("2026-11-25 02:00"))
    assert second.response_due == at("2026-11-25 02:15")
    assert mt.get_fault(first.key)["response"]["due"] == "2026-11-25T02:30:00+08:00"


def test_thursday_before_mid_autumn_fault_and_a_client_requested_time(contract: str, cli) -> None:
    r = mt.report_fault(
        severity="non-crash", title="流程卡住", reported_at=at("2026-09-24 17:00"),
        now=at("2026-09-24 17:01"),
    )  # fmt: skip
    assert r.response_due == at("2026-09-28 09:30")
    assert r.onsite_due == at("2026-09-28 17:00")  # not the holiday 09-25
    code, out, err = cli(
        "fault", "report", "--severity", "non-crash", "--reported-at", "2026-09-24 17:00",
        "--title", "表单报错", "--onsite-by", "2026-09-29 14:00", "--json",
    )  # fmt: skip
    assert code == 0, err
    v = json.loads(out)
    assert v["onsite"]["due"] == "2026-09-29T14:00:00+08:00"
    assert v["onsite_requested"] == "2026-09-29T14:00:00+08:00"
    mt.stamp(v["key"], "respond", at=at("2026-09-28 09:10"), mode="phone")
    mt.stamp(v["key"], "onsite", at=at("2026-09-29 13:40"))
    assert mt.get_fault(v["key"])["onsite"]["status"] == "met"
    code, _, err = cli(
        "fault", "report", "--severity", "non-crash", "--reported-at", "2026-09-24 17:00",
        "--title", "x", "--onsite-by", "2026-09-24 16:00",
    )  # fmt: skip
    assert code == 2 and "onsite_by" in err


# --- watching the clocks: mails through a real SMTP server -------------------------------


@pytest.fixture
def smtp(cf_home, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server (aiosmtpd) on a free local port; yields the received messages."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    from changeflow.settings import reset_settings
    from tests.support.prefect import free_port

    received: list[email.message.EmailMessage] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            msg["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
            received.append(msg)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANGEFLOW_SMTP_SECURITY", "none")
    reset_settings()
    yield received
    controller.stop()


def test_watch_warns_then_breaches_once_each(contract: str, smtp) -> None:
    r = mt.report_fault(
        severity="crash", title="服务器崩溃", reported_at=at("2026-11-25 02:00"),
        now=at("2026-11-25 02:01"),
    )  # fmt: skip
    assert mt.sla_watch(now=at("2026-11-25 02:10"))["created"] == []
    assert smtp == []
    dry = mt.sla_watch(now=at("2026-11-25 02:25"), dry_run=True)
    assert dry["created"] == [{"key": r.key, "clock": "response", "level": "warning"}]
    assert smtp == []  # nothing sent, nothing recorded: the real run below still warns
    out = mt.sla_watch(now=at("2026-11-25 02:25"))  # 83 % of 30 minutes
    assert out["created"] == [{"key": r.key, "clock": "response", "level": "warning"}]
    assert len(smtp) == 1
    msg = smtp[0]
    assert "预警" in msg["Subject"] and r.key in msg["Subject"]
    assert "zhang.wei@contractor.example" in msg["X-Rcpt"]  # the engineer on duty
    assert "li.ming@contractor.example" in msg["X-Rcpt"]  # our project lead
    assert "2026-11-25 02:30" in msg.get_content()
    # the next run (5 minutes later, still before the breach) sends nothing again
    assert mt.sla_watch(now=at("2026-11-25 02:29"))["sent"] == []
    assert len(smtp) == 1
    out = mt.sla_watch(now=at("2026-11-25 02:31"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("response", "breach")]
    assert len(smtp) == 2 and "超时" in smtp[1]["Subject"]
    for minute in ("02:36", "02:41"):
        assert mt.sla_watch(now=at(f"2026-11-25 {minute}"))["sent"] == []
    assert len(smtp) == 2
    # responding stops the response clock; the on-site clock warns at 80 % of 6 hours
    mt.stamp(r.key, "respond", at=at("2026-11-25 02:45"), now=at("2026-11-25 02:46"))
    out = mt.sla_watch(now=at("2026-11-25 06:48"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("onsite", "warning")]
    mt.stamp(r.key, "onsite", at=at("2026-11-25 07:30"), now=at("2026-11-25 07:31"))
    assert mt.sla_watch(now=at("2026-11-25 09:00"))["sent"] == []
    assert len(smtp) == 3


def test_watch_skips_paused_clocks_and_retries_a_failed_mail(contract: str, smtp, monkeypatch):
    from changeflow.settings import reset_settings

    r = mt.report_fault(
        severity="crash", title="邮件服务器异常", reported_at=at("2026-11-25 02:00"),
        now=at("2026-11-25 02:01"),
    )  # fmt: skip
    mt.pause(r.key, at=at("2026-11-25 02:05"), now=at("2026-11-25 02:06"))
    assert mt.sla_watch(now=at("2026-11-25 05:00"))["created"] == []
    mt.resume(r.key, at=at("2026-11-25 05:00"), now=at("2026-11-25 05:00"))
    # 5 min used before the pause: warning at 24 min used -> 05:19, breach at 05:25
    good_port = os.environ["CHANGEFLOW_SMTP_PORT"]
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", "1")  # nobody listens there
    reset_settings()
    out = mt.sla_watch(now=at("2026-11-25 05:20"))
    assert out["created"] and out["failed"] and not out["sent"]
    assert smtp == []
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", good_port)
    reset_settings()
    out = mt.sla_watch(now=at("2026-11-25 05:21"))
    assert [(n["clock"], n["level"]) for n in out["sent"]] == [("response", "warning")]
    assert len(smtp) == 1


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
    assert "2026年11月25日 14:05" in text and "205 分钟" in text and "加班 5 分钟" in text
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


# --- the contract's quota ----------------------------------------------------------------


def accept(number: str, folder, *, accepted: bool = True, on: str | None = None) -> dict:
    """The client signs the order's latest version (as returned through ``dispatch signoff``)."""
    [v] = [o for o in mt.list_dispatch() if o["number"] == number]
    day = on or (v["actual_end"] or v["planned_end"])[:10]
    filled = fill_signoff(
        stored(v["document"]), folder / f"{number}-signed.docx",
        {"accepted": "是" if accepted else "否", "satisfaction": "4", "signer": "王芳",
         "date": day},
    )  # fmt: skip
    return mt.signoff_dispatch(filled)


def test_service_days_from_worked_service_time(contract: str, tmp_path) -> None:
    # Monday 2026-09-14 09:00 .. Friday 09-18 17:30, one engineer: 5 days of the contract's 8 h
    one = mt.create_dispatch(kind="change", planned_start="2026-09-14 09:00", staff=["张伟"])
    v = mt.complete_dispatch(one["number"], actual_start="2026-09-14 09:00",
                             actual_end="2026-09-18 17:30")  # fmt: skip
    assert v["worked_minutes"] == 5 * 480 and v["overtime_minutes"] == 0
    # not counted before the client accepts it; listed as awaiting acceptance
    u = mt.contract_usage("OA-2026", today=at("2026-09-30 10:00").date())
    assert u["days_used"] == Decimal("0.00")
    assert [r["number"] for r in u["awaiting_acceptance"]] == [one["number"]]
    accept(one["number"], tmp_path)
    u = mt.contract_usage("OA-2026", today=at("2026-09-30 10:00").date())
    assert u["days_used"] == Decimal("5.00")
    # two engineers, Monday 10-12 .. Friday 10-16: 10 days
    two = mt.create_dispatch(kind="change", planned_start="2026-10-12 09:00",
                             staff=["张伟", "李明"])  # fmt: skip
    v = mt.complete_dispatch(two["number"], actual_start="2026-10-12 09:00",
                             actual_end="2026-10-16 17:30")  # fmt: skip
    assert [w["service_minutes"] for w in v["work"]] == [2400, 2400]
    accept(two["number"], tmp_path)
    # a long day: 08:00-19:00 is 8 h of service (the day's cap) and 2.5 h overtime apart
    late = mt.create_dispatch(kind="remote", planned_start="2026-10-19 08:00", staff=["张伟"])
    v = mt.complete_dispatch(late["number"], actual_start="2026-10-19 08:00",
                             actual_end="2026-10-19 19:00")  # fmt: skip
    assert v["worked_minutes"] == 480 and v["overtime_minutes"] == 150
    accept(late["number"], tmp_path)
    # a week that holds the National Day days off: only the working days count
    hol = mt.create_dispatch(kind="change", planned_start="2026-09-30 09:00", staff=["张伟"])
    v = mt.complete_dispatch(hol["number"], actual_start="2026-09-30 09:00",
                             actual_end="2026-10-09 17:30")  # fmt: skip
    assert v["worked_minutes"] == 3 * 480  # 09-30, 10-08, 10-09
    # refused by the client: listed apart, not counted
    accept(hol["number"], tmp_path, accepted=False)
    u = mt.contract_usage("OA-2026", today=at("2026-10-31 10:00").date())
    assert u["days_used"] == Decimal("16.00") and u["overtime_hours"] == Decimal("2.50")
    assert [r["number"] for r in u["not_accepted"]] == [hol["number"]]
    assert u["per_month"] == {"2026-09": Decimal("5.00"), "2026-10": Decimal("11.00")}
    # the monthly allowance: 24 days / 12 months = 2 a month; both months are over it
    assert u["allowance_per_cycle"] == Decimal("2.00")
    rows = {c["cycle"]: c for c in u["cycles"]}
    assert rows["2026-09"]["over"] and rows["2026-10"]["used"] == Decimal("11.00")
    # 16 days in 123 days (07-01 .. 10-31): the 8 left last 61 more days at that rate
    assert u["forecast_exhausted_on"] == at("2026-12-31 00:00").date()


def test_each_engineer_own_span_on_one_order(contract: str, cli, tmp_path) -> None:
    """``dispatch done --span``: each engineer's own start and end on one order, split per
    engineer into service time (service hours on working days) and overtime; the done
    version shows each engineer's row; the client signs it and it counts."""
    import docx

    o = mt.create_dispatch(kind="change", planned_start="2026-09-14 09:00",
                           staff=["张伟", "李明"])  # fmt: skip
    num = o["number"]
    code, out, err = cli(
        "dispatch", "done", num, "--span", "张伟=2026-09-14 09:00..2026-09-18 17:30",
        "--span", "李明=2026-09-16 13:00..2026-09-16 20:00", "--json",
    )  # fmt: skip
    assert code == 0, err
    v = json.loads(out)
    by = {w["engineer"]: w for w in v["work"]}
    assert (by["张伟"]["service_minutes"], by["张伟"]["overtime_minutes"]) == (2400, 0)
    assert (by["李明"]["service_minutes"], by["李明"]["overtime_minutes"]) == (270, 150)
    assert by["李明"]["start"] == "2026-09-16T13:00:00+08:00"
    assert v["actual_start"] == "2026-09-14T09:00:00+08:00"
    assert v["actual_end"] == "2026-09-18T17:30:00+08:00"
    assert v["worked_minutes"] == 2670 and v["overtime_minutes"] == 150 and v["version"] == 2
    d = docx.Document(str(stored(v["document"])))
    rows = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    assert ["张伟", "2026年9月14日 09:00", "2026年9月18日 17:30", "2400", "5.00", "0"] in rows
    assert ["李明", "2026年9月16日 13:00", "2026年9月16日 20:00", "270", "0.56", "150"] in rows
    assert any("2670 分钟，合 5.56 个服务天（另有加班 150 分钟）" in r for r in rows)
    # one engineer's minutes entered instead (no one-day cap), the other's span
    code, out, err = cli("dispatch", "done", num, "--span", "张伟=2026-09-14 09:00..2026-09-18"
                         " 17:30", "--span", "李明=960+120", "--json")  # fmt: skip
    assert code == 0, err
    v = json.loads(out)
    by = {w["engineer"]: w for w in v["work"]}
    assert (by["李明"]["service_minutes"], by["李明"]["overtime_minutes"]) == (960, 120)
    assert by["李明"]["entered"] and by["李明"]["start"] is None and v["version"] == 3
    rows = [[c.text for c in r.cells] for t in docx.Document(str(stored(v["document"]))).tables
            for r in t.rows]  # fmt: skip
    assert ["李明", "按填报分钟", "-", "960", "2.00", "120"] in rows
    before = counts()
    for args, words in [
        (["--span", "王强=2026-09-14 09:00..2026-09-14 17:30"], "no one"),
        (["--span", "张伟=600", "--span", "张伟=60"], "given twice"),
        (["--span", "张伟=2026-09-14 17:00..2026-09-14 09:00"], "not after it starts"),
        (["--span", "张伟=a lot"], "NAME=START..END"),
        (["--span", "张伟=600", "--start", "2026-09-14 09:00", "--end", "2026-09-14 17:00"],
         "not both"),
    ]:  # fmt: skip
        code, _, err = cli("dispatch", "done", num, *args)
        assert code == 2 and "span" in err and (words in err or "not on" in err), err
    assert counts() == before
    accept(num, tmp_path, on="2026-09-18")
    u = mt.contract_usage("OA-2026", today=at("2026-09-30 10:00").date())
    assert u["days_used"] == Decimal("7.00")  # 2400 + 960 minutes of 8-hour days
    assert u["overtime_hours"] == Decimal("2.00")


def test_minutes_entered_without_a_one_day_cap_and_alerts_once(contract, smtp, tmp_path):
    o = mt.create_dispatch(kind="change", planned_start="2026-11-02 09:00", staff=["张伟"])
    v = mt.complete_dispatch(o["number"], worked_minutes=int(19.5 * 480))  # 19.5 days
    assert v["worked_minutes"] == 9360 and v["work"][0]["entered"]
    assert smtp == []  # not accepted yet: no alert
    accept(o["number"], tmp_path, on="2026-11-20")
    year = [m for m in smtp if "quota]" in m["Subject"]]
    assert len(year) == 1 and "80%" in year[0]["Subject"]  # 81.3 %: crossed, once
    # November alone is over its allowance (2 days a month): told once too
    [cycle] = [m for m in smtp if "cycle allowance" in m["Subject"]]
    assert "2026-11" in cycle["Subject"] and "19.50" in cycle["Subject"]
    assert mt.check_quota("OA-2026")["alerts_sent"] == []
    o = mt.create_dispatch(kind="change", planned_start="2026-11-09 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-11-09 09:00",
                         actual_end="2026-11-13 17:30")  # fmt: skip
    accept(o["number"], tmp_path)
    u = mt.contract_usage("OA-2026")
    assert u["days_used"] == Decimal("24.50") and u["days_left"] == Decimal("-0.50")
    assert u["alert_level"] == 100 and u["forecast_exhausted_on"] == "exhausted"
    year = [m for m in smtp if "quota]" in m["Subject"]]
    assert [m["Subject"].count("100%") for m in year] == [0, 1]  # 100 % once, 80 % not again
    assert len([m for m in smtp if "cycle allowance" in m["Subject"]]) == 1  # November once
    assert mt.check_quota("OA-2026")["alerts_sent"] == []


def test_weekly_service_cycle_allowance(contract: str) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        s.scalar(select(Contract).where(Contract.code == contract)).service_cycle = "week"
    u = mt.contract_usage("OA-2026", today=at("2026-11-25 10:00").date())
    # 2026-07-01 .. 2027-06-30 touches 53 ISO weeks: 24 / 53
    assert u["allowance_per_cycle"] == Decimal("0.45")
    assert [c["cycle"] for c in u["cycles"]] == ["2026-W48"]


def test_signoff_before_the_work_and_orders_on_days_off(contract: str, tmp_path) -> None:
    o = mt.create_dispatch(kind="remote", planned_start="2026-11-24 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-11-24 09:00",
                         actual_end="2026-11-24 12:00")  # fmt: skip
    before = counts()
    with pytest.raises(InputError) as err:
        accept(o["number"], tmp_path, on="2026-11-23")
    assert err.value.field == "date" and "before the work was done" in str(err.value)
    assert counts() == before
    with pytest.raises(InputError) as err:
        mt.create_dispatch(kind="remote", planned_start="2026-10-03 10:00", staff=["张伟"])
    assert err.value.field == "planned_start" and "--on-day-off" in str(err.value)
    v = mt.create_dispatch(
        kind="remote",
        planned_start="2026-10-03 10:00",
        staff=["张伟"],
        on_day_off=True,
        service_mode="remote",
        skills=["Linux", "PostgreSQL"],
    )
    assert v["on_day_off"] and v["skills"] == ["Linux", "PostgreSQL"] and v["version"] == 1
    import docx

    text = "\n".join(
        c.text for t in docx.Document(str(stored(v["document"]))).tables
        for r in t.rows for c in r.cells
    )  # fmt: skip
    assert "是：非工作日服务" in text and "Linux、PostgreSQL" in text and "远程服务" in text
    done = mt.complete_dispatch(v["number"], actual_start="2026-10-03 10:00",
                                actual_end="2026-10-03 12:00")  # fmt: skip
    assert done["worked_minutes"] == 0 and done["overtime_minutes"] == 120  # all overtime
    assert done["version"] == 2  # versions per order, not across orders
    again = mt.complete_dispatch(v["number"], actual_start="2026-10-03 10:00",
                                 actual_end="2026-10-03 11:00")  # corrected: v3  # fmt: skip
    assert again["version"] == 3 and again["overtime_minutes"] == 60 and len(again["work"]) == 1


def test_worked_minutes_override_and_cancelled_orders(contract: str, tmp_path) -> None:
    o = mt.create_dispatch(kind="remote", planned_start="2026-11-24 09:00", staff=["张伟"])
    mt.complete_dispatch(o["number"], actual_start="2026-11-24 09:00",
                         actual_end="2026-11-24 17:00", worked_minutes=120)  # fmt: skip
    accept(o["number"], tmp_path)
    c = mt.create_dispatch(kind="remote", planned_start="2026-11-25 09:00", staff=["张伟"])
    mt.cancel_dispatch(c["number"], reason="client postponed")
    u = mt.contract_usage("OA-2026")
    assert u["hours_used"] == Decimal("2.00") and u["days_used"] == Decimal("0.25")


# --- run log -----------------------------------------------------------------------------


def test_run_log_and_reminder_once(contract: str, smtp, cli) -> None:
    code, out, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "张伟",
                         "--check", "服务器巡检", "--check", "邮件队列", "--backups-verified",
                         "--json")  # fmt: skip
    assert code == 0, err and json.loads(out)["backups_verified"] is True
    code, _, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "张伟")
    assert code == 2 and "already" in err
    # Friday 2026-11-27 after 17:30: Tue-Fri have no entry (Mon has one)
    out = mt.run_log_reminder(now=at("2026-11-27 18:00"), lookback_days=4)
    assert [d.isoformat() for d in out["sent"][0]["days"]] == [
        "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]  # fmt: skip
    assert len(smtp) == 1 and "2026-11-24" in smtp[0].get_content()
    assert mt.run_log_reminder(now=at("2026-11-27 18:05"), lookback_days=4)["sent"] == []
    assert len(smtp) == 1
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-29", "--json")
    info = json.loads(out)
    assert [e["day"] for e in info["entries"]] == ["2026-11-23"]
    assert info["missing"] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]


def test_run_log_one_entry_per_engineer_and_day_by_our_staff(contract: str, cli) -> None:
    mt.add_run_log(day="2026-11-23", author="张伟", checks=["服务器巡检"])
    # a second engineer on the same day stands beside the first (neither refused nor lost)
    mt.add_run_log(day="2026-11-23", author="li ming", backups_verified=True,
                   backup_note="异地备份已校验 sha256")  # fmt: skip
    code, _, err = cli("runlog", "add", "--day", "2026-11-23", "--author", "王芳")
    assert code == 2 and "author" in err and "not one of our staff" in err  # a client contact
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-23", "--json")
    entries = json.loads(out)["entries"]
    assert [(e["author"], e["backup_note"]) for e in entries] == [
        ("张伟", ""), ("李明", "异地备份已校验 sha256")
    ]  # fmt: skip
    code, out, _ = cli("runlog", "list", "--from", "2026-11-23", "--to", "2026-11-23")
    assert code == 0 and "sha256" in out and "backup" in out  # the note is shown (wrapped)
    replaced = mt.add_run_log(day="2026-11-23", author="张伟", checks=["邮件队列"], replace=True)
    assert replaced["checks"] == ["邮件队列"]


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


# --- weekly visits -----------------------------------------------------------------------


def test_weekly_visits_on_schedule_once_and_not_on_holidays(contract: str) -> None:
    # the sample contract visits on Wednesdays at 14:00
    out = mt.plan_weekly_visits(now=at("2026-11-30 08:30"), days_ahead=7)  # a Monday
    assert [o["planned_start"] for o in out["created"]] == ["2026-12-02T14:00:00+08:00"]
    assert out["created"][0]["kind"] == "weekly-visit"
    assert out["created"][0]["planned_end"] == "2026-12-02T17:30:00+08:00"
    again = mt.plan_weekly_visits(now=at("2026-11-30 09:00"), days_ahead=7)
    assert again["created"] == [] and len(again["existing"]) == 1
    # National Day week: Wednesday 2026-09-30 is a workday, Wednesday 2026-10-07 is not:
    # that visit moves to Thursday 10-08 and the order says so
    out = mt.plan_weekly_visits(now=at("2026-09-28 08:30"), days_ahead=10)
    assert [o["planned_start"] for o in out["created"]] == [
        "2026-09-30T14:00:00+08:00", "2026-10-08T14:00:00+08:00"
    ]  # fmt: skip
    assert [(str(x["day"]), str(x["to"])) for x in out["moved"]] == [("2026-10-07", "2026-10-08")]
    assert out["skipped"] == [] and "顺延至 2026-10-08" in out["created"][1]["work_content"]
    assert not out["created"][1]["on_day_off"]


def test_weekly_visit_never_twice_for_a_slot(contract: str, tmp_path) -> None:
    out = mt.plan_weekly_visits(now=at("2026-10-05 08:30"), days_ahead=3)  # slot 10-07
    [o] = out["created"]
    mt.complete_dispatch(o["number"], actual_start="2026-10-08 14:00",
                         actual_end="2026-10-08 17:30", now=at("2026-10-08 18:00"))  # fmt: skip
    accept(o["number"], tmp_path)
    # run again on the moved day before the visit time, and the next morning
    for now in ("2026-10-06 09:00", "2026-10-07 10:00"):
        again = mt.plan_weekly_visits(now=at(now), days_ahead=3)
        assert again["created"] == [] and [str(x["day"]) for x in again["existing"]] == [
            "2026-10-07"
        ]
    assert [v["number"] for v in mt.list_dispatch()] == [o["number"]]


# --- the flows on a real Prefect server --------------------------------------------------


@pytest.mark.prefect
def test_fault_flow_from_the_form(prefect_server: str, contract: str) -> None:
    from changeflow.flows.maintenance import FaultInput, fault
    from tests.support.prefect import read_artifacts

    form = FaultInput(severity="non-crash", title="邮件服务器异常", system="mail",
                      reported_at="2026-11-20 17:00")  # fmt: skip
    state = fault(report=form, taken_by="李明", return_state=True)
    assert state.is_completed()
    v = state.result()
    assert v["response"]["due"] == "2026-11-23T09:30:00+08:00"
    info = mt.get_fault(v["key"])
    assert info["state"] == "reported"
    arts = read_artifacts(state.state_details.flow_run_id)
    assert any("2026-11-23 09:30" in (a.data or "") for a in arts if a.type == "markdown")
    before = counts()
    bad = FaultInput(severity="crash", title="x", contract="NOPE")
    state = fault(report=bad, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert counts() == before


@pytest.mark.prefect
def test_sla_watch_and_report_flows(prefect_server: str, contract: str, smtp) -> None:
    from changeflow.db.types import utcnow
    from changeflow.flows.maintenance import sla_report, sla_watch

    now = utcnow()
    r = mt.report_fault(
        severity="crash", title="服务器崩溃", reported_at=now - timedelta(minutes=25)
    )
    state = sla_watch(return_state=True)
    assert state.is_completed()
    assert [(n["key"], n["level"]) for n in state.result()["sent"]] == [(r.key, "warning")]
    assert sla_watch(return_state=True).result()["sent"] == []
    assert len(smtp) == 1
    month = now.astimezone(SH).strftime("%Y-%m")
    state = sla_report(month=month, return_state=True)
    assert state.is_completed() and state.result()["faults"] == 1


def test_cli_usage_list_evaluation_and_details(contract: str, cli, cf_home) -> None:
    o = mt.create_dispatch(kind="remote", planned_start="2026-11-24 09:00", staff=["张伟"])
    code, out, err = cli("dispatch", "done", o["number"], "--start", "2026-11-24 09:00",
                         "--end", "2026-11-24 13:00")  # fmt: skip
    assert code == 0, err
    code, out, err = cli("contract", "usage", "OA-2026", "--json")
    assert code == 0, err
    u = json.loads(out)
    assert u["days_used"] == "0.00" and u["awaiting_acceptance"][0]["days"] == "0.50"
    accept(o["number"], cf_home)
    code, out, err = cli("contract", "usage", "OA-2026", "--json")
    u = json.loads(out)
    assert u["days_used"] == "0.50" and u["days_left"] == "23.50"
    assert u["per_month"] == {"2026-11": "0.50"} and u["annual_fee"] == "20000.00"
    code, out, err = cli("contract", "usage", "OA-2026")
    assert code == 0 and "Service cycle (month)" in out and "2026-11" in out
    code, out, _ = cli("dispatch", "list", "--json")
    assert [r["number"] for r in json.loads(out)] == [o["number"]]
    code, out, _ = cli("dispatch", "evaluation", "--json")
    assert json.loads(out)[0]["orders"] == 1
    code, _, err = cli("dispatch", "done", o["number"], "--start", "2026-11-24 13:00",
                       "--end", "2026-11-24 09:00")  # fmt: skip
    assert code == 2 and "actual_end" in err
    code, _, err = cli("contract", "usage", "NOPE")
    assert code == 2
    cli("fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "t")  # fmt: skip
    code, out, err = cli("fault", "details", "GZ-2026-0001", "--assessment", "磁盘满",
                         "--step", "清理日志", "--step", "扩容", "--cause", "夜间",
                         "--json")  # fmt: skip
    assert code == 0, err
    code, _, err = cli("fault", "respond", "GZ-2099-0001")
    assert code == 3


def test_breaches_between_follow_the_clock_rules(contract: str) -> None:
    from changeflow.db.session import transaction

    a = mt.report_fault(severity="non-crash", title="a", reported_at=at("2026-11-24 10:00"))
    mt.stamp(a.key, "respond", at=at("2026-11-24 10:30"))
    mt.stamp(a.key, "resolve", at=at("2026-11-24 12:00"))  # remotely: on-site clock met
    b = mt.report_fault(severity="crash", title="b", reported_at=at("2026-11-25 02:00"))
    mt.stamp(b.key, "onsite", at=at("2026-11-25 09:00"))  # response by the visit: late too
    with transaction() as s:
        got = mt.breaches_between(s, at("2026-11-23 00:00"), at("2026-11-30 00:00"))
    assert [(x["key"], x["clock"]) for x in got] == [(b.key, "response"), (b.key, "onsite")]
