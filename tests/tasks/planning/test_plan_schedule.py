"""The plan's schedule on the client's calendar: holiday weeks, provisional years, shared
people, leave, late plans, past starts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from changeflow.errors import InputError

from .helpers import (
    D,
    counting_contract,
    doc_text,
    estimates_file,
    issued_loads,
    per_person_day,
    request_state,
    row_counts,
    take_in,
)


def test_schedule_around_the_national_day_week(submitted: str, tmp_path: Path) -> None:
    est = estimates_file(
        tmp_path,
        [
            {"requirement": 1, "phase": "analysis", "role": "analyst", "person_days": 2,
             "assignee": "李明"},
            {"requirement": 1, "phase": "development", "role": "developer", "person_days": "3",
             "assignee": "张伟"},
            {"requirement": 2, "phase": "development", "role": "developer", "person_days": 1.5,
             "assignee": "张伟"},
            {"requirement": 3, "phase": "development", "role": "developer", "person_days": 0.5,
             "assignee": "张伟"},
            {"requirement": 2, "phase": "development", "role": "analyst", "person_days": 1,
             "assignee": "李明"},
            {"phase": "testing", "role": "tester", "person_days": 1, "assignee": "张伟"},
            {"phase": "golive", "role": "engineer", "person_days": 0.5},
            {"phase": "acceptance", "role": "project_lead", "person_days": 0.5,
             "assignee": "李明"},
        ],
    )  # fmt: skip
    from changeflow.tasks.planning import plan_from_file

    r = plan_from_file(submitted, estimates_path=est, start=D("2026-09-28"))
    it = r["items"]
    # analysis Mon 09-28 + Tue 09-29
    assert (it[0]["start"], it[0]["end"]) == ("2026-09-28", "2026-09-29")
    # development from Wed 09-30; 3 pd = 09-30, (holiday 10-01..07), 10-08, 10-09
    assert (it[1]["start"], it[1]["end"]) == ("2026-09-30", "2026-10-09")
    # the same person's next item follows: 1.5 pd = Sat 10-10 (make-up workday) + half 10-12
    assert (it[2]["start"], it[2]["end"]) == ("2026-10-10", "2026-10-12")
    # half a day left on 10-12 takes the 0.5 pd item on the same day, no overlap beyond 1 pd
    assert (it[3]["start"], it[3]["end"]) == ("2026-10-12", "2026-10-12")
    # another person works in parallel in the same phase
    assert (it[4]["start"], it[4]["end"]) == ("2026-09-30", "2026-09-30")
    # testing after the development phase ends
    assert (it[5]["start"], it[5]["end"]) == ("2026-10-13", "2026-10-13")
    assert it[6]["start"] == "2026-10-14" and it[6]["assignee"] is None
    assert it[7]["start"] == "2026-10-15"
    assert r["end"] == "2026-10-15"
    assert r["calendar_days"] == (D("2026-10-15") - D("2026-09-28")).days + 1 == 18
    assert r["working_days"] == 10  # 09-28..30, 10-08..10 (Sat 10-10 worked), 10-12..15
    from changeflow.tasks.calendar import WorkingCalendar

    cal = WorkingCalendar(tz="Asia/Shanghai")
    for i in it:
        assert cal.is_working_day(D(i["start"])) and cal.is_working_day(D(i["end"]))
    for m in r["milestones"]:
        assert cal.is_working_day(D(m["day"]))
    assert [m["day"] for m in r["milestones"]] == [
        "2026-09-29", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15"
    ]  # fmt: skip
    # one person never has more than one person-day on a day
    load: dict[tuple[str, str], Decimal] = {}
    for i in it:
        if i["assignee"] and i["start"] == i["end"]:
            k = (i["assignee"], i["start"])
            load[k] = load.get(k, Decimal(0)) + Decimal(i["person_days"])
    assert max(load.values()) <= 1


def test_schedule_into_2027_is_provisional_and_says_so(submitted: str) -> None:
    from changeflow.tasks.planning import make_plan

    r = make_plan(submitted, start=D("2026-12-21"))
    assert r["provisional"] and r["provisional_years"] == [2027]
    first = next(i for i in r["items"] if i["end"] >= "2027")
    assert first["provisional"]
    assert not r["items"][0]["provisional"]  # all of it in December 2026
    text, tables, _ = doc_text(r["document"])
    flat = "\n".join("|".join(row) for t in tables for row in t)
    assert "乙方将据此更新计划并重新发送" in text and "2027" in text
    assert "changeflow" not in text  # the client's copy names no command
    assert "2026年12月21日|" in flat.replace("2026年12月21日 ", "2026年12月21日|")  # not starred
    assert "2026-12-21*" not in flat
    from changeflow.tasks.wordkit import doc_date

    assert doc_date(r["end"], "zh-CN") + "*" in flat  # the end rests on the 2027 guess
    # 2027-01-01 (New Year's Day, rule-based) is skipped
    for i in r["items"]:
        assert i["start"] != "2027-01-01" and i["end"] != "2027-01-01"


def test_imported_year_removes_the_provisional_mark(submitted: str, tmp_path: Path) -> None:
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import import_official_year, parse_official_year
    from changeflow.tasks.planning import make_plan

    official = (
        "year: 2027\nsource: test notice\nholidays:\n"
        "  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n"
        "  - {name: 春节, from: 2027-02-06, to: 2027-02-14}\n"
        "workdays:\n  - {date: 2027-01-09, name: 元旦}\n"
    )
    with transaction() as s:
        import_official_year(s, parse_official_year(official.encode(), "y.yaml"), actor="t")
    r = make_plan(submitted, start=D("2026-12-21"))
    assert not r["provisional"] and r["provisional_years"] == []
    text, tables, _ = doc_text(r["document"])
    assert "changeflow calendar import" not in text
    assert not any("*" in c for t in tables for row in t for c in row)
    days = {i["start"] for i in r["items"]} | {i["end"] for i in r["items"]}
    assert "2027-01-09" in days or any(
        i["start"] < "2027-01-09" < i["end"] for i in r["items"]
    )  # the imported Saturday make-up workday is used


# --- versions ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3])
def test_requests_planned_in_turn_never_double_book(contract: str, n: int) -> None:
    from changeflow.tasks.planning import make_plan

    keys = take_in(n)
    results = [make_plan(k, issue=True) for k in keys]
    loads = issued_loads()
    assert set(loads) == set(keys)
    per_day = per_person_day(loads)
    assert per_day and max(per_day.values()) <= 2  # nobody over one person-day, any day
    # the same people work on every plan, so without the shared calendar they would clash
    assert all({"张伟", "李明"} <= set(loads[k]) for k in keys)
    # each later plan says where its people are busy elsewhere: the earlier requests
    for i, r in enumerate(results[1:], start=1):
        held = {b["what"] for b in r["busy_elsewhere"]}
        assert held & set(keys[:i]), r["busy_elsewhere"]
        assert r["end"] > results[0]["end"]
    # a draft made before another plan was issued no longer fits: issuing it is refused
    more = take_in(2)
    make_plan(more[0])  # a draft holds nobody's days
    make_plan(more[1], issue=True)
    from changeflow.tasks.planning import issue_plan

    before = row_counts()
    with pytest.raises(InputError, match=rf"also held on .* by .*{more[1]}.*make a new draft"):
        issue_plan(more[0])
    assert row_counts() == before and request_state(more[0]) == "submitted"
    # --issue alone: a draft from the defaults that no longer fits is made again around it
    again = make_plan(more[0], issue=True)
    assert again["version"] == 2 and again["status"] == "issued"
    assert max(per_person_day(issued_loads()).values()) <= 2


def test_a_persons_leave_moves_the_work(submitted: str, cli) -> None:
    from changeflow.tasks.planning import make_plan

    first = make_plan(submitted, start=D("2026-09-07"))
    dev = [i for i in first["items"] if i["assignee"] == "张伟"]
    day_one = D(dev[0]["start"])
    assert day_one == D("2026-09-11")  # after 3.5 analysis days of 李明 (09-07 .. 09-10)
    code, out, err = cli("staff", "away", "张伟", "2026-09-11", "2026-09-15", "--reason", "年假")
    assert code == 0, err
    assert "张伟 away 2026-09-11 - 2026-09-15" in out
    second = make_plan(submitted, start=D("2026-09-07"))
    assert second["version"] == 2  # the calendar changed: a new draft
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction

    with transaction() as s:
        load = s.scalar(select(Plan).where(Plan.version == 2)).data["load"]
    days = set(load["张伟"])
    assert not days & {"2026-09-11", "2026-09-14", "2026-09-15"}
    assert min(days) == "2026-09-16"  # the work moved to the day after the leave
    assert second["end"] > first["end"]
    assert {"who": "张伟", "what": "away: 年假", "from": "2026-09-11", "to": "2026-09-15",
            "days": "3"} in second["busy_elsewhere"]  # fmt: skip
    code, out, err = cli("staff", "away", "--json")
    assert code == 0 and json.loads(out)["away"][0]["reason"] == "年假"
    code, out, err = cli("staff", "away", "王五", "2026-09-09", "2026-09-11")
    assert code == 2 and "王五" in err
    code, out, err = cli("staff", "away", "张伟", "2026-09-11", "2026-09-09")
    assert code == 2 and "before FROM" in err


def test_a_plan_that_misses_the_desired_date_says_by_how_much(contract: str) -> None:
    from changeflow.tasks.planning import make_plan

    (key,) = take_in(1, desired_date="2026-09-18")
    r = make_plan(key, start=D("2026-09-07"))
    end = D(r["end"])
    assert end > D("2026-09-18")
    late = r["late"]
    assert late["desired"] == "2026-09-18" and late["calendar_days"] == (end - D("2026-09-18")).days
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import calendar_for

    with transaction() as s:
        cal = calendar_for(s)
        assert late["working_days"] == cal.working_days_between(D("2026-09-19"), end)
    text, _, _ = doc_text(r["document"])
    assert f"晚于期望完成日期 2026年9月18日 {late['calendar_days']} 个日历日" in text
    (ok,) = take_in(1, desired_date="2027-06-30")
    assert make_plan(ok, start=D("2026-09-07"))["late"] is None


def test_past_and_too_early_starts_are_refused(submitted: str, cli, monkeypatch) -> None:
    from changeflow.tasks.planning import issue_plan, make_plan, making

    before = row_counts()
    with pytest.raises(InputError, match=r"2026-08-31 is in the past \(today is 2026-09-01\)"):
        make_plan(submitted, start=D("2026-08-31"))
    # approval lead time 2 working days (the default): 09-02 and 09-03, earliest 09-04
    with pytest.raises(
        InputError, match=r"lead time of 2 working day.*earliest start is 2026-09-04"
    ):
        make_plan(submitted, start=D("2026-09-03"))
    code, _, err = cli("plan", submitted, "--start", "2025-01-06")
    assert code == 2 and "2025-01-06 is in the past" in err
    assert row_counts() == before
    r = make_plan(submitted)  # the default start is the earliest allowed
    assert r["start"] == "2026-09-04"
    counting_contract(approval_lead_days=0)
    assert make_plan(submitted, new_version=True)["start"] == "2026-09-02"
    ok = make_plan(submitted, start=D("2026-09-04"))
    # days pass before the lead issues it: the start is now too early
    monkeypatch.setattr(making, "today_local", lambda: D("2026-09-04"))
    with pytest.raises(InputError, match="2026-09-04 is before the client can approve"):
        issue_plan(submitted)
    assert ok["status"] == "draft" and request_state(submitted) == "submitted"
    counting_contract(approval_lead_days="two")
    with pytest.raises(InputError, match="approval_lead_days"):
        make_plan(submitted)


# --- estimates learned from history ----------------------------------------------------------
