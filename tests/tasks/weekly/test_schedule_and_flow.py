"""The schedule rule and the flow on a real Prefect server; sent once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.tasks.weekly.helpers import SMTP_PASSWORD, Mailbox, at, free_port, report_row

# --- the schedule rule and the flow --------------------------------------------------------


def test_scheduled_reports_once_on_the_report_day(project: dict[str, Any], smtp: Mailbox) -> None:
    from changeflow.tasks import weekly

    # Friday 2026-10-02 is National Day: nothing then, nothing on Tuesday either
    assert weekly.scheduled_reports(now=at("2026-10-02T15:00:00")) == []
    assert weekly.scheduled_reports(now=at("2026-09-29T15:00:00")) == []
    (first,) = weekly.scheduled_reports(now=at("2026-09-30T15:00:01"))
    assert (first["week"], first["version"]) == ("2026-W40", 1)
    (again,) = weekly.scheduled_reports(now=at("2026-09-30T15:05:00"))  # a retried run
    assert again["id"] == first["id"] and again["markdown"] == first["markdown"]
    weekly.send_report(first["id"])
    assert weekly.scheduled_reports(now=at("2026-09-30T16:00:00")) == []
    assert len(smtp.messages) == 1


@pytest.mark.prefect
def test_flow_publishes_mails_and_reruns_without_duplicate_mail(
    prefect_server: str, project: dict[str, Any], smtp: Mailbox
) -> None:
    from changeflow.flows.weekly import WeeklyInput, weekly_report
    from tests.support.prefect import read_artifacts

    params = WeeklyInput(week="2026-W40", client="DEMO", send=True)
    state = weekly_report(params, return_state=True)
    assert state.is_completed(), state.message
    (rep,) = state.result()["reports"]
    assert rep["version"] == 1 and rep["mail"]["status"] == "sent"
    assert len(smtp.messages) == 1
    arts = read_artifacts(state.state_details.flow_run_id)
    md = next(a for a in arts if a.type == "markdown")
    assert "2026-W40" in md.data and "示例集团有限公司" in md.data and "国庆节" in md.data
    assert any(a.type == "table" for a in arts)
    state = weekly_report(params, return_state=True)  # the same week again
    assert state.is_completed()
    (rep,) = state.result()["reports"]
    assert rep["version"] == 2 and rep["mail"]["status"] == "skipped"
    assert len(smtp.messages) == 1
    # on a day that is not a report day the scheduled run does nothing
    state = weekly_report(WeeklyInput(scheduled=True), return_state=True)
    assert state.is_completed() and state.result() == {"reports": []}


@pytest.mark.prefect
def test_flow_send_failure_is_retried_then_fails_with_report_stored(
    prefect_server: str, project: dict[str, Any], smtp: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from changeflow.flows.weekly import WeeklyInput, weekly_report
    from changeflow.settings import reset_settings
    from changeflow.tasks import weekly

    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(free_port()))
    reset_settings()
    params = WeeklyInput(
        week="2026-W40", client="DEMO", send=True, mail_retries=1, retry_delay_seconds=0
    )
    state = weekly_report(params, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "mail failed" in state.message and SMTP_PASSWORD not in state.message
    (row,) = weekly.report_rows("DEMO", "2026-W40")
    assert row["mail_state"] == "failed" and row["version"] == 1
    assert report_row(row["id"]).mail_attempts == 2  # first try + one retry
    assert Path(weekly.stored_report(row["id"])["document"]).is_file()
    assert smtp.messages == []


def test_cli_send_once(project: dict[str, Any], smtp: Mailbox, cli) -> None:
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--client", "DEMO", "--send",
                         "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["mail"]["status"] == "sent" and len(smtp.messages) == 1
    code, out, err = cli("report", "weekly", "--week", "2026-W40", "--send", "--json")
    assert code == 0 and json.loads(out)["mail"]["status"] == "skipped"
    assert json.loads(out)["version"] == 2 and len(smtp.messages) == 1
