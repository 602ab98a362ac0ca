"""Weeks and the report day: parsing a week, the day moved off holidays, sent once a week,
the contract's schedule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from changeflow.errors import InputError
from tests.tasks.weekly.helpers import D, at

# --- weeks and the report day ----------------------------------------------------------------


def test_parse_week_and_bad_input() -> None:
    from changeflow.tasks import weekly

    assert weekly.parse_week("2026-W48") == (2026, 48)
    assert weekly.week_days("2026-W40") == (D("2026-09-28"), D("2026-10-04"))
    assert weekly.week_of(D("2026-10-02")) == "2026-W40"
    for bad in ("2026-48", "2026-W54", "W48", ""):
        with pytest.raises(InputError) as e:
            weekly.parse_week(bad)
        assert e.value.field == "week"
    with pytest.raises(InputError) as e:
        weekly.parse_cron("0 15 * * 1-5", "contract OA-2026")
    assert "weekly_report_cron" in str(e.value)
    r = weekly.parse_cron("30 16 * * thu")
    assert (r.weekday, r.at.hour, r.at.minute) == (4, 16, 30)
    assert weekly.parse_cron("0 9 * * 0").weekday == 7


@pytest.mark.parametrize(
    ("week", "due"),
    [
        ("2026-W38", "2026-09-18T15:00"),  # an ordinary Friday (Sunday 09-20 is a make-up day)
        ("2026-W39", "2026-09-24T15:00"),  # Friday 09-25 Mid-autumn Festival -> Thursday
        ("2026-W40", "2026-09-30T15:00"),  # Friday 10-02 National Day -> Wednesday 09-30
        ("2026-W41", "2026-10-09T15:00"),  # Mon-Wed off, Sat 10-10 make-up: Friday as usual
        ("2026-W08", None),  # Spring Festival: no working day, no report
        ("2026-W09", "2026-02-27T15:00"),
    ],
)
def test_report_due_moves_off_holidays(contract: str, week: str, due: str | None) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        got = weekly.report_due(s, cl, week)
        assert (got.strftime("%Y-%m-%dT%H:%M") if got else None) == due
        if got is not None:
            assert got.tzinfo is not None and got.utcoffset().total_seconds() == 8 * 3600


def test_should_send_now_once_a_week_never_on_a_holiday(contract: str) -> None:
    from changeflow.db.models import Client
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport
    from changeflow.tasks import weekly

    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        # the daily 15:00 trigger of W40: only Wednesday 09-30 (Friday 10-02 is National Day)
        hits = [
            d
            for d in (
                "2026-09-28",
                "2026-09-29",
                "2026-09-30",
                "2026-10-01",
                "2026-10-02",
                "2026-10-03",
                "2026-10-04",
            )
            if weekly.should_send_now(s, cl, at(f"{d}T15:00:00"))
        ]
        assert hits == ["2026-09-30"]
        assert not weekly.should_send_now(s, cl, at("2026-09-30T14:59:00"))
        assert weekly.should_send_now(s, cl, at("2026-09-30T16:10:00"))  # a late trigger
        assert [c.code for c, _ in weekly.clients_due(s, at("2026-09-30T15:00:05"))] == ["DEMO"]
        # once a version of the week is sent, the week is done
        s.add(
            WeeklyReport(
                client_id=cl.id,
                week="2026-W40",
                version=1,
                period_start=D("2026-09-26"),
                period_end=D("2026-10-04"),
                lang="zh-CN",
                mail_key="k",
                mail_state="sent",
                summary={},
            )
        )
        s.flush()
        assert not weekly.should_send_now(s, cl, at("2026-09-30T15:00:00"))


def test_contract_cron_is_configurable(contract: str) -> None:
    from changeflow.db.models import Client, Contract
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly

    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "30 16 * * 4"}
    with transaction() as s:
        cl = s.scalar(select(Client).where(Client.code == "DEMO"))
        assert weekly.report_due(s, cl, "2026-W48") == at("2026-11-26T16:30:00")
    with transaction() as s:
        k = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        k.settings = {**k.settings, "weekly_report_cron": "every friday"}
    with transaction() as s, pytest.raises(InputError) as e:
        weekly.report_due(s, s.scalar(select(Client).where(Client.code == "DEMO")), "2026-W48")
    assert e.value.source == "contract OA-2026"
