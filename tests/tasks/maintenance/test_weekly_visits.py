"""Weekly visits: on schedule, once a slot, not on holidays."""

from __future__ import annotations

from changeflow.tasks import maintenance as mt
from tests.support.maintenance import accept, at

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
