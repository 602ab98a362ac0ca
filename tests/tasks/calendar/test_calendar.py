"""The working calendar against the published 2025/2026 schedules, working-time arithmetic,
the provisional 2027 calendar and the precedence of imported years and contract overrides."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from changeflow.errors import InputError
from changeflow.tasks.calendar import (
    HOLIDAY,
    MAKEUP,
    WEEKEND,
    WORKDAY,
    WorkingCalendar,
    calendar_for,
    import_official_year,
    parse_official_year,
    set_contract_day,
)
from tests.support.helpers import ROOT

TZ = ZoneInfo("Asia/Shanghai")
D = date.fromisoformat


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(tz="Asia/Shanghai")


# --- published schedules (State Council notices for 2025 and 2026) -----------------------

# 2026 Spring Festival: off 02-15 (Sun) .. 02-23 (Mon); make-up workdays Sat 02-14, Sat 02-28
# 2026 National Day + Mid-Autumn: off 10-01 .. 10-07; make-up workdays Sun 09-20, Sat 10-10
# 2025 Spring Festival: off 01-28 .. 02-04; make-up workdays Sun 01-26, Sat 02-08
# 2025 National Day + Mid-Autumn: off 10-01 .. 10-08; make-up workdays Sun 09-28, Sat 10-11
OFF = [
    "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
    "2026-02-21", "2026-02-22", "2026-02-23",
    "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",
    "2025-01-28", "2025-01-31", "2025-02-03", "2025-02-04",
    "2025-10-01", "2025-10-06", "2025-10-08",
    "2026-01-01", "2026-01-02", "2025-05-05", "2026-05-05", "2026-06-19", "2026-04-06",
]  # fmt: skip
MAKEUP_DAYS = [
    "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
]  # fmt: skip


@pytest.mark.parametrize("day", OFF)
def test_published_holidays_are_days_off(cal: WorkingCalendar, day: str) -> None:
    info = cal.day_info(D(day))
    assert not info.working and info.kind == HOLIDAY and info.name
    assert not info.provisional
    assert not cal.is_working_day(D(day))


@pytest.mark.parametrize("day", MAKEUP_DAYS)
def test_published_makeup_workdays_are_worked(cal: WorkingCalendar, day: str) -> None:
    info = cal.day_info(D(day))
    assert D(day).isoweekday() >= 6
    assert info.working and info.kind == MAKEUP
    assert "make-up" in info.reason and "调休" in info.reason_zh


def test_reasons_name_the_holiday(cal: WorkingCalendar) -> None:
    assert cal.day_info(D("2026-02-17")).name_zh == "春节"
    assert cal.day_info(D("2026-10-01")).reason == "holiday: National Day"
    assert cal.day_info(D("2026-10-03")).reason_zh == "节假日：国庆节"
    assert cal.day_info(D("2026-11-28")).kind == WEEKEND  # a plain Saturday
    assert cal.day_info(D("2026-11-27")).kind == WORKDAY


def test_working_days_of_the_2026_national_day_weeks(cal: WorkingCalendar) -> None:
    # 09-14..10-11: 4 weeks = 20 weekdays, minus 6 weekday holidays (Mid-Autumn Fri 09-25,
    # National Day 10-01,02,05,06,07), plus 2 make-up days (Sun 09-20, Sat 10-10) = 16
    assert cal.working_days_between(D("2026-09-14"), D("2026-10-11")) == 16
    assert cal.day_info(D("2026-09-25")).name_zh == "中秋"
    assert cal.next_working_day(D("2026-09-30")) == D("2026-10-08")
    assert cal.previous_working_day(D("2026-10-08")) == D("2026-09-30")
    assert cal.next_working_day(D("2026-02-13")) == D("2026-02-14")  # Saturday, make-up
    assert cal.next_working_day(D("2026-02-14")) == D("2026-02-24")


def test_add_working_days(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D("2026-09-29"), 0) == D("2026-09-29")
    assert cal.add_working_days(D("2026-10-01"), 0) == D("2026-10-08")  # rolled forward
    assert cal.add_working_days(D("2026-09-29"), 2) == D("2026-10-08")
    assert cal.add_working_days(D("2026-10-08"), 2) == D("2026-10-10")  # Saturday make-up
    assert cal.add_working_days(D("2026-10-08"), -2) == D("2026-09-29")
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")


# --- working time ------------------------------------------------------------------------


def test_working_time_same_day_and_outside_hours(cal: WorkingCalendar) -> None:
    assert cal.working_time_between(at("2026-11-26 10:00"), at("2026-11-26 12:15")) == timedelta(
        hours=2, minutes=15
    )
    assert cal.working_time_between(at("2026-11-26 07:00"), at("2026-11-26 20:00")) == timedelta(
        hours=8, minutes=30
    )
    assert cal.working_time_between(at("2026-11-26 18:00"), at("2026-11-27 08:00")) == timedelta()
    assert cal.working_time_between(at("2026-11-26 12:00"), at("2026-11-26 10:00")) == -timedelta(
        hours=2
    )


def test_working_time_across_weekend_and_holiday_week(cal: WorkingCalendar) -> None:
    # Friday 16:00 -> Monday 10:00: 1.5 h + 1 h
    assert cal.working_time_between(at("2026-11-27 16:00"), at("2026-11-30 10:00")) == timedelta(
        hours=2, minutes=30
    )
    # 09-30 16:00 -> 10-09 10:00: 1.5 h + (10-08) 8.5 h + 1 h, the holiday week counts nothing
    assert cal.working_time_between(at("2026-09-30 16:00"), at("2026-10-09 10:00")) == timedelta(
        hours=11
    )
    # UTC input is converted: 08:00Z = 16:00 Shanghai
    utc = datetime(2026, 9, 30, 8, 0, tzinfo=ZoneInfo("UTC"))
    assert cal.working_time_between(utc, at("2026-09-30 17:30")) == timedelta(hours=1, minutes=30)


def test_add_working_time(cal: WorkingCalendar) -> None:
    assert cal.add_working_time(at("2026-09-30 16:00"), timedelta(hours=1)) == at(
        "2026-09-30 17:00"
    )
    assert cal.add_working_time(at("2026-09-30 16:00"), timedelta(hours=1, minutes=30)) == at(
        "2026-09-30 17:30"
    )  # exactly the end of service stays on that day
    assert cal.add_working_time(at("2026-09-30 16:00"), timedelta(hours=8)) == at(
        "2026-10-08 15:30"
    )
    # a Sunday call: the clock starts on Monday morning
    assert cal.add_working_time(at("2026-11-29 11:00"), timedelta(minutes=30)) == at(
        "2026-11-30 09:30"
    )
    # 24 working hours from Friday 15:00 before the Spring Festival: Sat 02-14 is worked
    due = cal.due(at("2026-02-13 15:00"), timedelta(hours=24))
    # 2.5 h Fri + 8.5 h Sat 02-14 + (holiday 15-23) + 8.5 h Tue 02-24 + 4.5 h Wed 02-25
    assert due.at == at("2026-02-25 13:30") and not due.provisional
    with pytest.raises(ValueError):
        cal.add_working_time(datetime(2026, 9, 30, 16, 0), timedelta(hours=1))


def test_add_and_between_are_inverse(cal: WorkingCalendar) -> None:
    start = at("2026-09-25 11:17")
    for minutes in (1, 59, 510, 511, 2000, 7777):
        end = cal.add_working_time(start, timedelta(minutes=minutes))
        assert cal.working_time_between(start, end) == timedelta(minutes=minutes)


def test_other_hours_and_breaks() -> None:
    eight = WorkingCalendar(windows=[(time(9), time(12)), (time(13), time(18))], tz="Asia/Shanghai")
    assert eight.service_day_length() == timedelta(hours=8)
    assert eight.add_working_time(at("2026-11-26 11:00"), timedelta(hours=2)) == at(
        "2026-11-26 14:00"
    )
    lunch = WorkingCalendar(breaks=[(time(12), time(12, 30))], tz="Asia/Shanghai")
    assert lunch.service_day_length() == timedelta(hours=8)


# --- the provisional year ----------------------------------------------------------------


def test_2027_is_provisional_and_never_crashes(cal: WorkingCalendar) -> None:
    spring = cal.day_info(D("2027-02-08"))  # Monday inside the rule-based Spring Festival
    assert not spring.working and spring.kind == HOLIDAY and spring.provisional
    assert "provisional" in spring.reason and "暂定" in spring.reason_zh
    assert cal.is_provisional(D("2027-03-01")) and cal.is_working_day(D("2027-03-01"))
    assert not cal.is_provisional(D("2026-12-31"))
    assert cal.day_info(D("2027-10-01")).kind == HOLIDAY
    # no make-up workday is guessed: Saturdays of 2027 stay off
    assert all(
        not cal.is_working_day(d.day)
        for d in cal.days(D("2027-01-01"), D("2027-12-31"))
        if d.day.isoweekday() == 6
    )
    due = cal.due(at("2026-12-31 16:00"), timedelta(hours=4))
    assert due.at == at("2027-01-04 11:30") and due.provisional  # 01-01 holiday, weekend
    assert not cal.due(at("2026-12-30 16:00"), timedelta(hours=1)).provisional
    assert cal.span(at("2026-12-31 09:00"), at("2027-01-05 09:00")).provisional
    assert cal.provisional_years(D("2026-12-01"), D("2027-01-10")) == [2027]
    assert cal.is_working_day(D("2150-06-01")) is True  # far away: weekends only, marked
    assert cal.is_provisional(D("2150-06-01"))


# --- database: imported years and contract overrides ---------------------------------------

OFFICIAL_2027 = """\
year: 2027
source: "test notice (made up for the test)"
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 春节, from: 2027-02-05, to: 2027-02-12}
workdays:
  - {date: 2027-02-20, name: 春节}
"""


def test_parse_official_year_reports_file_and_field(tmp_path: Path) -> None:
    ok = parse_official_year(OFFICIAL_2027.encode(), "cal.yaml")
    assert ok.year == 2027 and len(ok.holidays) == 3 + 8 and D("2027-02-20") in ok.workdays
    bad = {
        "year: 1999\nsource: x\nholidays: []\n": "year",
        "year: 2027\nholidays: [{name: a, from: 2027-01-01}]\n": "source",
        "year: 2027\nsource: x\nexample: true\nholidays: [{name: a, from: 2027-01-01}]\n": (
            "example"
        ),
        "year: 2027\nsource: x\nholidays: [{name: a, from: '2027-13-01'}]\n": "holidays[0].from",
        "year: 2027\nsource: x\nholidays: [{name: a, from: 2027-02-30}]\n": "document",
        "year: 2027\nsource: x\nholidays: [{name: a, from: 2027-01-01}]\n"
        "workdays: [{date: 2027-01-04, name: b}]\n": "workdays[0].date",
        "year: 2027\nsource: x\nholidays: [{name: a, from: 2028-05-01}]\n": "holidays[0].from",
        "year: 2027\nsource: x\nholidays: [{from: 2027-05-01}]\n": "holidays[0].name",
    }
    for text, field in bad.items():
        with pytest.raises(InputError) as err:
            parse_official_year(text.encode(), "cal.yaml")
        assert err.value.source == "cal.yaml" and err.value.field == field, text


def test_shipped_example_is_refused_as_official() -> None:
    example = ROOT / "examples" / "calendar-2027.yaml"
    data = example.read_bytes()
    with pytest.raises(InputError) as err:
        parse_official_year(data, str(example))
    assert err.value.field == "example"
    # and it is otherwise valid: with the flag removed it parses
    parsed = parse_official_year(data.replace(b"example: true", b"example: false"), "x.yaml")
    assert parsed.year == 2027


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from changeflow.db.migrate import upgrade
    from changeflow.db.models import Client, Contract
    from changeflow.db.session import dispose_engines, transaction
    from changeflow.settings import get_settings, reset_settings

    monkeypatch.setenv("CHANGEFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("CHANGEFLOW_DATABASE_URL", raising=False)
    reset_settings()
    dispose_engines()
    upgrade(get_settings().db_url)
    with transaction() as s:
        client = Client(code="ACME", name="示例公司")
        s.add(client)
        s.add(
            Contract(
                code="C-2026",
                client=client,
                title="OA 运维服务",
                start_date=D("2026-01-01"),
                end_date=D("2027-12-31"),
                annual_fee=Decimal("20000.00"),
                service_days_per_year=Decimal("50"),
                service_start=time(9),
                service_end=time(17, 30),
                settings={"service_windows": [["09:00", "12:00"], ["13:00", "18:00"]]},
            )
        )
    yield transaction
    dispose_engines()
    reset_settings()


def test_import_takes_precedence_and_removes_provisional(db) -> None:
    from changeflow.db.models import Contract

    with db() as s:
        before = calendar_for(s, None)
        assert before.is_provisional(D("2027-02-20"))
        assert not before.is_working_day(D("2027-02-20"))  # a Saturday, provisional
        import_official_year(
            s, parse_official_year(OFFICIAL_2027.encode(), "cal.yaml"), actor="test"
        )
    with db() as s:
        cal = calendar_for(s, None)
        info = cal.day_info(D("2027-02-20"))
        assert info.working and info.kind == MAKEUP and not info.provisional
        assert cal.day_info(D("2027-02-12")).kind == HOLIDAY  # listed in the import only
        assert cal.is_working_day(D("2027-04-05"))  # rule says Qingming; the import does not
        assert not cal.is_provisional(D("2027-04-05"))
        assert cal.day_info(D("2027-02-12")).source == "official-import"
        # contract overrides beat everything; contract hours come from its settings
        contract = s.query(Contract).one()
        set_contract_day(s, contract, D("2027-02-20"), "holiday", "company outing")
        set_contract_day(s, contract, D("2026-10-03"), "workday", "release weekend",
                         time(10), time(14))  # fmt: skip
    with db() as s:
        contract = s.query(Contract).one()
        ccal = calendar_for(s, contract)
        assert not ccal.is_working_day(D("2027-02-20"))
        assert "contract" in ccal.day_info(D("2027-02-20")).reason
        assert ccal.day_info(D("2026-10-03")).working
        assert ccal.service_day_length(D("2026-10-03")) == timedelta(hours=4)
        assert ccal.service_day_length() == timedelta(hours=8)
        assert ccal.add_working_time(at("2026-11-26 11:30"), timedelta(hours=1)) == at(
            "2026-11-26 13:30"
        )
        # the global calendar is not touched by the contract
        assert calendar_for(s, None).is_working_day(D("2027-02-20"))
    # re-import replaces, does not duplicate
    with db() as s:
        res = import_official_year(
            s, parse_official_year(OFFICIAL_2027.encode(), "cal.yaml"), actor="test"
        )
        assert res["replaced"] is True
    with db() as s:
        from changeflow.db.planning import CalendarOverride

        assert s.query(CalendarOverride).filter_by(contract_id=None).count() == 12
