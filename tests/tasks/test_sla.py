"""The SLA policy and its clocks: the contract's examples, holidays, make-up workdays,
provisional years, pauses, status and the bulk due-time function."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeflow.errors import InputError
from changeflow.tasks import sla
from changeflow.tasks.calendar import DayOverride, WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
POLICY = sla.load_policy(
    {
        "crash": {
            "response_minutes": 30,
            "response_clock": "always",
            "onsite_minutes": 360,
            "onsite_clock": "always",
        },
        "non_crash": {
            "response_minutes": 60,
            "response_clock": "service",
            "onsite_minutes": 1440,
            "onsite_clock": "working-days",
        },
        "warn_at": 0.8,
    }
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(tz=SH)


def dues(severity: str, reported: str, cal: WorkingCalendar) -> tuple[datetime, datetime, bool]:
    rule = POLICY.rule(severity)
    r = sla.due_at(at(reported), rule.response.duration, rule.response.clock, cal)
    o = sla.due_at(at(reported), rule.onsite.duration, rule.onsite.clock, cal)
    return r.at, o.at, r.provisional or o.provisional


# --- the contract's examples -----------------------------------------------------------


def test_non_crash_friday_evening_is_due_monday_0930(cal: WorkingCalendar) -> None:
    response, onsite, prov = dues("non_crash", "2026-11-20 17:00", cal)  # a Friday
    assert response == at("2026-11-23 09:30")  # 30 min on Friday, 30 on Monday
    # 24 hours around the clock on working days: 7 h on Friday, 17 h on Monday
    assert onsite == at("2026-11-23 17:00")
    assert not prov


def test_crash_at_two_in_the_night(cal: WorkingCalendar) -> None:
    response, onsite, _ = dues("crash", "2026-11-25 02:00", cal)
    assert response == at("2026-11-25 02:30")
    assert onsite == at("2026-11-25 08:00")


def test_defaults_equal_the_contract_example() -> None:
    assert sla.load_policy(None) == POLICY
    assert sla.load_policy({}).as_dict() == POLICY.as_dict()


# --- holidays and make-up workdays (chinesecalendar) -----------------------------------


def test_national_day_2026_holidays_are_skipped(cal: WorkingCalendar) -> None:
    # 2026-09-30 is a Wednesday; 10-01..10-07 are the National Day holidays
    response, onsite, _ = dues("non_crash", "2026-09-30 17:00", cal)
    assert response == at("2026-10-08 09:30")
    assert onsite == at("2026-10-08 17:00")  # 7 h on 09-30, the holidays skipped, 17 h


# --- the three calendar kinds on the 2026 calendar (issue 18) ------------------------------


def test_thursday_before_mid_autumn_non_crash(cal: WorkingCalendar) -> None:
    # 2026-09-24 is a Thursday; 09-25..09-27 are the Mid-Autumn days off
    response, onsite, prov = dues("non_crash", "2026-09-24 17:00", cal)
    assert response == at("2026-09-28 09:30")  # 30 min Thursday, 30 min Monday
    assert onsite == at("2026-09-28 17:00")  # 7 h Thursday, 17 h Monday: not the holiday
    assert onsite >= response and not prov


def test_thursday_before_mid_autumn_crash_runs_around_the_clock(cal: WorkingCalendar) -> None:
    response, onsite, _ = dues("crash", "2026-09-24 17:00", cal)
    assert response == at("2026-09-24 17:30")
    assert onsite == at("2026-09-24 23:00")


def test_make_up_saturday_counts_for_both_calendar_kinds(cal: WorkingCalendar) -> None:
    # 2026-10-10 is a Saturday worked in exchange for National Day (调休)
    response, onsite, _ = dues("non_crash", "2026-10-09 17:00", cal)
    assert response == at("2026-10-10 09:30")
    assert onsite == at("2026-10-10 17:00")
    # a plain Saturday is skipped: 2026-10-17
    response, onsite, _ = dues("non_crash", "2026-10-16 17:00", cal)
    assert response == at("2026-10-19 09:30")
    assert onsite == at("2026-10-19 17:00")


def test_make_up_sunday_before_mid_autumn(cal: WorkingCalendar) -> None:
    response, onsite, _ = dues("non_crash", "2026-09-19 12:00", cal)  # Saturday, day off
    assert response == at("2026-09-20 10:00")  # the make-up Sunday opens at 09:00
    assert onsite == at("2026-09-21 00:00")  # Sunday 00:00 + 24 h


def test_fault_paused_over_national_day(cal: WorkingCalendar) -> None:
    rule = POLICY.rule("non_crash")
    pauses = [sla.Pause(at("2026-09-30 11:00"), at("2026-10-08 10:00"))]
    onsite = sla.clock_state(
        "onsite", at("2026-09-30 10:00"), rule.onsite, POLICY.warn_at, cal,
        pauses=pauses, now=at("2026-10-08 12:00"),
    )  # fmt: skip
    # 1 h used before the pause; the pause's working-day time (13 h + 10 h) is added:
    # 23 h left after 10-08 10:00 -> 14 h on 10-08, 9 h on 10-09
    assert onsite.due == at("2026-10-09 09:00")
    assert onsite.used == timedelta(hours=3)
    assert onsite.status == sla.RUNNING
    response = sla.clock_state(
        "response", at("2026-09-30 10:00"), rule.response, POLICY.warn_at, cal,
        pauses=pauses, now=at("2026-10-08 12:00"),
    )  # fmt: skip
    # 1 h of service time used up by 11:00, the pause began at the due time: breach stands
    assert response.status == sla.BREACHED


def test_onsite_is_never_due_before_the_response() -> None:
    cal = WorkingCalendar(tz=SH)
    wall = sla.load_policy({"non_crash": {"onsite_clock": "always"}})  # a contract's reading
    rule = wall.rule("non_crash")
    start, now = at("2026-09-24 17:00"), at("2026-09-24 18:00")
    response = sla.clock_state("response", start, rule.response, wall.warn_at, cal, now=now)
    raw = sla.due_at(start, rule.onsite.duration, rule.onsite.clock, cal).at
    assert raw == at("2026-09-25 17:00") < response.due  # what the wall clock alone says
    onsite = sla.clock_state(
        "onsite", start, rule.onsite, wall.warn_at, cal, now=now, not_before=response.due
    )
    assert onsite.due == response.due == at("2026-09-28 09:30")


def test_client_requested_onsite_time_is_the_deadline(cal: WorkingCalendar) -> None:
    rule = POLICY.rule("non_crash")
    start = at("2026-09-24 17:00")
    asked = at("2026-09-29 14:00")  # 根据甲方要求: Tuesday afternoon
    state = sla.clock_state(
        "onsite", start, rule.onsite, POLICY.warn_at, cal,
        now=at("2026-09-29 13:00"), fixed_due=asked,
    )  # fmt: skip
    assert state.due == asked and state.status == sla.AT_RISK
    met = sla.clock_state(
        "onsite", start, rule.onsite, POLICY.warn_at, cal,
        now=at("2026-09-30 09:00"), stopped_at=at("2026-09-29 13:50"), fixed_due=asked,
    )  # fmt: skip
    assert met.status == sla.MET


@pytest.mark.parametrize("word", ["working-days", "working_days", "Working-Days"])
def test_working_days_clock_words(word: str) -> None:
    p = sla.load_policy({"crash": {"onsite_clock": word}})
    assert p.crash.onsite.clock == sla.WORKING_DAYS


def test_working_days_bulk_equals_single(cal: WorkingCalendar) -> None:
    starts = [at("2026-09-24 17:00"), at("2026-10-09 17:00"), at("2026-10-03 11:00")]
    bulk = sla.due_times(starts, timedelta(hours=24), sla.WORKING_DAYS, cal)
    assert [d.at for d in bulk] == [
        at("2026-09-28 17:00"), at("2026-10-10 17:00"), at("2026-10-09 00:00")
    ]  # fmt: skip


def test_non_crash_reported_on_a_holiday_starts_at_the_next_opening(cal: WorkingCalendar) -> None:
    response, _, _ = dues("non_crash", "2026-10-03 11:00", cal)
    assert response == at("2026-10-08 10:00")


def test_spring_festival_2026_with_make_up_saturdays(cal: WorkingCalendar) -> None:
    # Saturday 2026-02-14 is a make-up workday before the holiday (02-15..02-23)
    assert dues("non_crash", "2026-02-13 17:00", cal)[0] == at("2026-02-14 09:30")
    # late on the make-up Saturday: 15 minutes then, the rest after the holiday
    assert dues("non_crash", "2026-02-14 17:15", cal)[0] == at("2026-02-24 09:45")
    # Saturday 2026-02-28 is a make-up workday too
    assert dues("non_crash", "2026-02-27 17:10", cal)[0] == at("2026-02-28 09:40")
    # an ordinary Saturday is not
    assert dues("non_crash", "2026-03-06 17:10", cal)[0] == at("2026-03-09 09:40")


def test_due_in_a_year_not_yet_published_is_provisional(cal: WorkingCalendar) -> None:
    response, _, prov = dues("non_crash", "2026-12-31 17:00", cal)
    assert response == at("2027-01-04 09:30")  # 2027-01-01 by rule, then the weekend
    assert prov
    assert not dues("non_crash", "2026-12-30 09:00", cal)[2]
    assert not dues("crash", "2027-02-06 02:00", cal)[2]  # around the clock: no calendar


def test_contract_override_counts(cal: WorkingCalendar) -> None:
    own = WorkingCalendar(tz=SH, contract={at("2026-11-23").date(): DayOverride("holiday", "x")})
    assert dues("non_crash", "2026-11-20 17:00", own)[0] == at("2026-11-24 09:30")


def test_service_windows_with_a_lunch_break() -> None:
    c = WorkingCalendar(tz=SH, start=time(9), end=time(17, 30), breaks=[(time(12), time(13))])
    rule = POLICY.rule("non_crash").response
    assert sla.due_at(at("2026-11-24 11:30"), rule.duration, rule.clock, c).at == at(
        "2026-11-24 13:30"
    )


# --- pauses ------------------------------------------------------------------------------


def test_pause_moves_the_due_time_by_the_time_paused(cal: WorkingCalendar) -> None:
    rule = POLICY.rule("crash")
    start = at("2026-11-25 02:00")
    pauses = [sla.Pause(at("2026-11-25 02:10"), at("2026-11-25 02:40"))]
    r = sla.paused_due(start, rule.response.duration, "always", cal, pauses)
    o = sla.paused_due(start, rule.onsite.duration, "always", cal, pauses)
    assert r is not None and r.at == at("2026-11-25 03:00")
    assert o is not None and o.at == at("2026-11-25 08:30")


def test_service_clock_pause_counts_service_time_only(cal: WorkingCalendar) -> None:
    start = at("2026-11-20 17:00")  # Friday
    pauses = [sla.Pause(at("2026-11-20 17:10"), at("2026-11-23 10:00"))]
    due = sla.paused_due(start, timedelta(minutes=60), "service", cal, pauses)
    # 10 min before the pause; after 10:00 Monday 50 more
    assert due is not None and due.at == at("2026-11-23 10:50")
    used = sla.elapsed(start, at("2026-11-23 10:50"), "service", cal, pauses)
    assert used == timedelta(minutes=60)


def test_open_pause_has_no_due_time_and_late_pause_keeps_the_breach(cal: WorkingCalendar) -> None:
    start = at("2026-11-25 02:00")
    open_ = [sla.Pause(at("2026-11-25 02:10"), None)]
    assert sla.paused_due(start, timedelta(minutes=30), "always", cal, open_) is None
    late = [sla.Pause(at("2026-11-25 02:35"), at("2026-11-25 04:00"))]
    due = sla.paused_due(start, timedelta(minutes=30), "always", cal, late)
    assert due is not None and due.at == at("2026-11-25 02:30")
    state = sla.clock_state(
        "response",
        start,
        POLICY.rule("crash").response,
        POLICY.warn_at,
        cal,
        pauses=open_,
        now=at("2026-11-25 05:00"),
    )
    assert state.status == sla.PAUSED and state.used == timedelta(minutes=10)


def test_pause_after_the_clock_stopped_does_not_count(cal: WorkingCalendar) -> None:
    start = at("2026-11-25 02:00")
    pauses = [sla.Pause(at("2026-11-25 03:00"), at("2026-11-25 04:00"))]
    due = sla.paused_due(
        start, timedelta(minutes=30), "always", cal, pauses, stopped_at=at("2026-11-25 02:20")
    )
    assert due is not None and due.at == at("2026-11-25 02:30")


# --- status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "stopped", "status"),
    [
        ("2026-11-25 02:23", None, sla.RUNNING),
        ("2026-11-25 02:24", None, sla.AT_RISK),  # 80 % of 30 minutes
        ("2026-11-25 02:30", None, sla.BREACHED),
        ("2026-11-25 05:00", "2026-11-25 02:29", sla.MET),
        ("2026-11-25 05:00", "2026-11-25 02:31", sla.BREACHED),
    ],
)
def test_clock_status(cal: WorkingCalendar, now: str, stopped: str | None, status: str) -> None:
    state = sla.clock_state(
        "response",
        at("2026-11-25 02:00"),
        POLICY.rule("crash").response,
        POLICY.warn_at,
        cal,
        stopped_at=at(stopped) if stopped else None,
        now=at(now),
    )
    assert state.status == status
    assert state.due == at("2026-11-25 02:30")
    assert state.warn_due == at("2026-11-25 02:24")


# --- the policy itself -------------------------------------------------------------------


def test_partial_policy_keeps_the_other_defaults() -> None:
    p = sla.load_policy({"crash": {"response_minutes": 15}, "warn_at": "0.9"})
    assert p.crash.response == sla.ClockRule(15, "always")
    assert p.crash.onsite == sla.ClockRule(360, "always")
    assert p.non_crash.response == sla.ClockRule(60, "service")
    assert p.warn_at == Decimal("0.9")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"crash": {"response_minutes": 0}}, "sla.crash.response_minutes"),
        ({"crash": {"response_minutes": "30"}}, "sla.crash.response_minutes"),
        ({"non_crash": {"onsite_clock": "weekdays"}}, "sla.non_crash.onsite_clock"),
        ({"non_crash": {"onsite_hours": 4}}, "sla.non_crash.onsite_hours"),
        ({"warn_at": 1.5}, "sla.warn_at"),
        ({"warn_at": "soon"}, "sla.warn_at"),
        ({"critical": {}}, "sla.critical"),
        ({"crash": [1]}, "sla.crash"),
    ],
)
def test_bad_policy_names_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        sla.load_policy(raw, "contract OA-X")
    assert err.value.field == field and err.value.source == "contract OA-X"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("crash", "crash"),
        ("non-crash", "non_crash"),
        ("系统崩溃", "crash"),
        ("非崩溃", "non_crash"),
    ],
)
def test_severity_words(text: str, want: str) -> None:
    assert sla.parse_severity(text) == want


# --- bulk equals one by one --------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    starts=st.lists(instants, min_size=1, max_size=40),
    minutes=st.integers(min_value=1, max_value=3000),
)
def test_bulk_due_times_equal_the_calendar(starts: list[datetime], minutes: int) -> None:
    cal = WorkingCalendar(
        tz=SH,
        breaks=[(time(12), time(13))],
        contract={datetime(2026, 11, 23).date(): DayOverride("holiday", "x")},
    )
    d = timedelta(minutes=minutes)
    assert sla.due_times(starts, d, "service", cal) == [cal.due(s, d) for s in starts]
    assert sla.due_times(starts, d, "always", cal) == [sla.Due(s + d, False) for s in starts]


def test_bulk_handles_boundaries(cal: WorkingCalendar) -> None:
    starts = [at("2026-11-20 17:30"), at("2026-11-20 09:00"), at("2026-11-21 03:00")]
    for minutes in (1, 30, 510, 511, 1020):
        d = timedelta(minutes=minutes)
        assert sla.due_times(starts, d, "service", cal) == [cal.due(s, d) for s in starts]
    # a result exactly at the end of the day stays on that day
    assert sla.due_times([at("2026-11-20 17:00")], timedelta(minutes=30), "service", cal)[
        0
    ].at == at("2026-11-20 17:30")
