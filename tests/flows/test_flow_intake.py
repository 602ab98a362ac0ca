"""The ``intake`` flow on a real Prefect server: completes, publishes, fails cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from changeflow.db.models import Request
from changeflow.db.session import transaction
from tests.support.helpers import counts, sample_taskbook
from tests.support.prefect import read_artifacts

pytestmark = pytest.mark.prefect


def test_intake_flow_creates_request_and_artifact(prefect_server: str, contract: str) -> None:
    from changeflow.flows.intake import intake
    from changeflow.tasks.taskbook import TaskBook

    book = TaskBook.model_validate(sample_taskbook())
    state = intake(taskbook=book, taken_in_by="李明", return_state=True)
    assert state.is_completed()
    result = state.result()
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == result["key"]))
        assert req.state == "submitted" and req.events[0].channel == "ui"
        assert req.events[0].actor == "李明"
    arts = read_artifacts(state.state_details.flow_run_id)
    md = [a for a in arts if a.type == "markdown"]
    assert md and result["key"] in md[0].data and "请假" in md[0].data


def test_intake_flow_fails_not_crashes_on_unknown_client(
    prefect_server: str, contract: str
) -> None:
    from changeflow.flows.intake import intake
    from changeflow.tasks.taskbook import TaskBook

    data = sample_taskbook()
    data["client"] = "不存在的公司"
    before = counts()
    state = intake(taskbook=TaskBook.model_validate(data), return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "unknown client" in state.message or "unknown client" in str(
        state.result(raise_on_failure=False)
    )
    assert counts() == before


def test_intake_flow_refuses_bad_parameters(prefect_server: str, contract: str) -> None:
    from changeflow.flows.intake import intake

    data = sample_taskbook()
    data["date"] = "2026-02-30"
    before = counts()
    state = intake(taskbook=data, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert counts() == before
