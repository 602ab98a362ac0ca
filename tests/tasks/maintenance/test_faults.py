"""Faults and their clocks through the CLI and the domain functions: reported, stamped,
paused and resumed, on the client's working calendar; on a real SQLite database (and
PostgreSQL where configured)."""

from __future__ import annotations

import json

import pytest

from changeflow.errors import InputError, TransitionError
from changeflow.tasks import maintenance as mt
from tests.support.helpers import counts
from tests.support.maintenance import at

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
