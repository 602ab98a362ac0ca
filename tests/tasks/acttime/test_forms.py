"""The forms of the Prefect UI take the time an act happened in one text field, titled in
both languages with its format and an example; a bad time fails the run (not a crash) with
one line naming the field by that title, and nothing is recorded."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES

pytestmark = [pytest.mark.prefect]


def test_every_recording_form_has_the_time_field() -> None:
    import inspect

    from changeflow.flows import approval, delivery, intake, maintenance, plan, steps, weekly
    from changeflow.flows.common import AT_FIELD, AT_LABEL

    assert AT_LABEL in AT_FIELD["title"] and "2026-11-20 17:00" in AT_FIELD["title"]
    models = [plan.PlanInput, approval.DecisionInput, delivery.TestInput, delivery.DocsInput,
              delivery.GoLiveInput, delivery.AcceptanceInput, weekly.WeeklyInput]  # fmt: skip
    for m in models:
        assert m.model_fields["at"].title == AT_FIELD["title"], m
    flows = [intake.intake, approval.kickoff, steps.dispatch_create, steps.dispatch_done,
             steps.run_log_add, maintenance.sla_report]  # fmt: skip
    for f in flows:
        assert "at" in inspect.signature(f.fn).parameters, f.name


def test_a_future_time_fails_the_run_naming_the_field(prefect_server, contract) -> None:
    from changeflow.flows.common import AT_LABEL
    from changeflow.flows.intake import intake
    from changeflow.tasks.taskbook import read_taskbook
    from tests.support.helpers import counts

    book, _ = read_taskbook(EXAMPLES / "taskbook.yaml")
    before = counts()
    state = intake(taskbook=book, taken_in_by="李明", at="2099-01-04 10:00", return_state=True)
    assert state.is_failed()
    assert AT_LABEL in state.message and "in the future" in state.message
    assert counts() == before
    done = intake(taskbook=book, taken_in_by="李明", at="2026-11-20 10:00")
    from changeflow.tasks.status import request_status

    first = request_status(done["key"])["timeline"][0]
    assert first["at"].startswith("2026-11-20")
