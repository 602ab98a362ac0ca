"""Overtime over midnight counted exactly (against an independent minute-by-minute count),
and the two on-site rules as the contract says them (one place: ``sla.onsite_deadline``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from changeflow.tasks import sla
from changeflow.tasks.calendar import DayOverride, WorkingCalendar
from changeflow.tasks.maintenance.worktime import split_work

SH = ZoneInfo("Asia/Shanghai")
EIGHT = Decimal(8)
# 2026-10-01..07 National Day (days off), 2026-10-10 a make-up workday (a Saturday)
CAL = WorkingCalendar(
    tz=SH,
    official={
        **{date(2026, 10, d): DayOverride("holiday", "国庆节") for d in range(1, 8)},
        date(2026, 10, 10): DayOverride("workday", "调休"),
    },
    official_years=[2026],
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def by_minute(a: datetime, b: datetime, cal: WorkingCalendar, cap: int) -> tuple[int, int]:
    """The independent count: walk every minute; inside the day's service windows of a
    working day it is service time (at most ``cap`` a date), otherwise overtime."""
    inside: dict[date, int] = {}
    worked: dict[date, int] = {}
    t = a
    while t < b:
        d = t.date()
        since = (t - datetime(d.year, d.month, d.day, tzinfo=SH)) // timedelta(microseconds=1)
        wins = cal.day_windows(d)[0]
        worked[d] = worked.get(d, 0) + 1
        if any(lo <= since < hi for lo, hi in wins):
            inside[d] = inside.get(d, 0) + 1
        t += timedelta(minutes=1)
    service = sum(min(v, cap) for v in inside.values())
    return service, sum(worked.values()) - sum(inside.values())


def test_the_issues_two_nights() -> None:
    thu = split_work(at("2026-11-26 22:00"), at("2026-11-27 03:00"), CAL, EIGHT)
    assert (thu.service_minutes, thu.overtime_minutes) == (0, 300)
    long = split_work(at("2026-11-26 20:00"), at("2026-11-27 10:00"), CAL, EIGHT)
    assert (long.service_minutes, long.overtime_minutes) == (60, 780)
    same_day = split_work(at("2026-11-27 01:00"), at("2026-11-27 07:00"), CAL, EIGHT)
    assert (same_day.service_minutes, same_day.overtime_minutes) == (0, 360)


def test_a_night_into_a_holiday_and_out_of_one() -> None:
    # Wednesday 30 September 16:00 -> Thursday 1 October 02:00: one service hour and a half,
    # the rest overtime (the holiday has no service hours)
    into = split_work(at("2026-09-30 16:00"), at("2026-10-01 02:00"), CAL, EIGHT)
    assert (into.service_minutes, into.overtime_minutes) == (90, 510)
    # Wednesday 7 October (a holiday) 20:00 -> Thursday 8 October 10:00 (a working day)
    out = split_work(at("2026-10-07 20:00"), at("2026-10-08 10:00"), CAL, EIGHT)
    assert (out.service_minutes, out.overtime_minutes) == (60, 780)


def test_a_working_week_is_read_as_working_days() -> None:
    # a full day is one service day (8 h) whatever the window's length (8.5 h): no overtime
    week = split_work(at("2026-11-23 09:00"), at("2026-11-27 17:30"), CAL, EIGHT)
    assert (week.service_minutes, week.overtime_minutes, week.days) == (5 * 480, 0, 5)
    # started after closing on the first day: that evening is overtime up to midnight
    late = split_work(at("2026-11-23 22:00"), at("2026-11-25 12:00"), CAL, EIGHT)
    assert (late.service_minutes, late.overtime_minutes) == (480 + 180, 120)


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=60 * 24 * 20),
    length=st.integers(min_value=1, max_value=60 * 24),
)
def test_service_and_overtime_equal_a_minute_by_minute_count(start: int, length: int) -> None:
    a = at("2026-09-28 00:00") + timedelta(minutes=start)  # over National Day and 调休
    b = a + timedelta(minutes=length)
    sp = split_work(a, b, CAL, EIGHT)
    assert (sp.service_minutes, sp.overtime_minutes) == by_minute(a, b, CAL, 480)


POLICY = sla.load_policy(None)


def _onsite(severity: str, reported: str, asked: str | None) -> datetime:
    rule = POLICY.rule(severity)
    start = at(reported)
    response = sla.clock_state("response", start, rule.response, POLICY.warn_at, CAL, now=start)
    state = sla.clock_state(
        "onsite", start, rule.onsite, POLICY.warn_at, CAL, now=start,
        not_before=response.due,
        fixed_due=sla.asked_onsite(severity, at(asked) if asked else None),
    )  # fmt: skip
    return state.due


def test_a_client_time_before_the_response_deadline_is_not_the_deadline() -> None:
    # non-crash at Friday 17:00: first response due Monday 09:30; the client asks for
    # Friday 17:10 on site: the on-site deadline cannot precede the response one
    assert _onsite("non_crash", "2026-11-27 17:00", "2026-11-27 17:10") == at("2026-11-30 09:30")
    # a later time the client asks for is the deadline (根据甲方要求)
    assert _onsite("non_crash", "2026-11-27 17:00", "2026-12-01 14:00") == at("2026-12-01 14:00")


def test_a_crash_does_not_take_a_later_client_time() -> None:
    # 系统崩溃: 6小时内到现场 whatever the client names
    assert _onsite("crash", "2026-11-26 22:00", "2026-11-28 10:00") == at("2026-11-27 04:00")
    assert sla.asked_onsite("crash", at("2026-11-28 10:00")) is None


def test_the_stored_due_follows_the_same_rule(contract: str) -> None:
    from changeflow.tasks import maintenance as mt

    crash = mt.report_fault(severity="crash", title="崩溃", reported_at=at("2026-11-26 22:00"),
                            onsite_by=at("2026-11-28 10:00"))  # fmt: skip
    assert crash.view["onsite"]["due"].startswith("2026-11-27T04:00")
    early = mt.report_fault(severity="non-crash", title="慢", reported_at=at("2026-11-27 17:00"),
                            onsite_by=at("2026-11-27 17:10"))  # fmt: skip
    assert early.view["onsite"]["due"].startswith("2026-11-30T09:30")
