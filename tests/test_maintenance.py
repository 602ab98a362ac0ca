"""Maintenance service end to end: faults and their clocks through the CLI and the domain
functions, on a real SQLite database (and PostgreSQL where configured)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from changeflow.tasks import maintenance as mt

from changeflow.errors import InputError, TransitionError
from tests.helpers import counts

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
    assert "CR-2026-0001" in out
    assert "2026-11-23 09:30" in out and "2026-11-21 17:00" in out
    code, out, err = cli(
        "fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "服务器崩溃", "--json",
    )  # fmt: skip
    assert code == 0, err
    v = json.loads(out)
    assert v["key"] == "CR-2026-0002" and v["severity"] == "crash"
    assert v["response"]["due"] == "2026-11-25T02:30:00+08:00"
    assert v["onsite"]["due"] == "2026-11-25T08:00:00+08:00"
    assert v["response"]["provisional"] is False


def test_cli_stamps_the_clocks(contract: str, cli) -> None:
    cli("fault", "report", "--severity", "crash", "--reported-at", "2026-11-25 02:00",
        "--title", "数据库损坏")  # fmt: skip
    key = "CR-2026-0001"
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
    key = "CR-2026-0001"
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
    assert not r.onsite_provisional
    code, out, _ = cli("fault", "show", r.key)
    assert code == 0 and "*provisional" in out and "calendar import" in out


def test_contract_sla_policy_is_copied_onto_the_fault(contract: str) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from sqlalchemy import select

    first = mt.report_fault(severity="crash", title="a", reported_at=at("2026-11-25 02:00"))
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == contract))
        k.sla_policy = {"crash": {"response_minutes": 15}}
    second = mt.report_fault(severity="crash", title="b", reported_at=at("2026-11-25 02:00"))
    assert second.response_due == at("2026-11-25 02:15")
    assert mt.get_fault(first.key)["response"]["due"] == "2026-11-25T02:30:00+08:00"


# --- watching the clocks: mails through a real SMTP server -------------------------------


@pytest.fixture
def smtp(cf_home, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server (aiosmtpd) on a free local port; yields the received messages."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    from changeflow.settings import reset_settings
    from tests.prefect_fixtures import free_port

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
