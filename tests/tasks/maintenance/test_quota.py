"""The contract's quota: service days from worked service time, accepted orders, the
usage the CLI shows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from changeflow.errors import InputError
from changeflow.tasks import maintenance as mt
from tests.support.helpers import counts
from tests.support.maintenance import accept, at, stored

# --- the contract's quota ----------------------------------------------------------------


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
    assert any("2670\u00a0分钟，合 5.56\u00a0个服务天（另有加班 150\u00a0分钟）" in r for r in rows)
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
