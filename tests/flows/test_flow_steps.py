"""The steps that once needed a shell, as flows on a real Prefect server: a fault moved on
through respond, pause, resume, on site, resolve and close; the contract from YAML text;
refusals as one bilingual line and an artifact, never a traceback."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import EXAMPLES
from tests.support.helpers import all_counts
from tests.support.prefect import read_artifacts

pytestmark = pytest.mark.prefect


def _run_name(state) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as c:
        return c.read_flow_run(state.state_details.flow_run_id).name


def _markdown(state) -> str:
    arts = read_artifacts(state.state_details.flow_run_id)
    return "\n".join(a.data for a in arts if a.type == "markdown")


def test_a_fault_through_its_steps_from_the_forms(prefect_server: str, contract: str) -> None:
    from changeflow.flows import maintenance
    from changeflow.tasks.maintenance import get_fault, report_fault

    key = report_fault(severity="crash", title="OA 无法登录", reporter="王芳").key
    for step, kwargs, state_after in (
        (maintenance.respond, {"mode": "phone 电话"}, "responded"),
        (maintenance.pause, {}, "on_hold"),
        (maintenance.resume, {}, "responded"),
        (maintenance.onsite, {}, "on_site"),
        (maintenance.resolve, {"note": "重启服务"}, "resolved"),
        (maintenance.close, {}, "closed"),
    ):
        state = step(key=key, return_state=True, **kwargs)
        assert state.is_completed(), state.message
        assert "\n" not in state.message and key in state.message
        assert _run_name(state) == f"{step.name} {key}"
        assert _markdown(state).rstrip().splitlines()[-1].startswith("下一步 Next:")
        assert get_fault(key)["state"] == state_after
    assert get_fault(key)["response_mode"] == "phone"


def test_a_refused_step_fails_with_one_line_and_records_nothing(
    prefect_server: str, contract: str
) -> None:
    from changeflow.flows import maintenance, steps

    before = all_counts()
    state = maintenance.respond(key="FT-2099-9999", return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert state.message.startswith("失败 Failed:") and "\n" not in state.message
    assert "Traceback" not in state.message
    text = _markdown(state)
    assert "FT-2099-9999" in text and "下一步 Next:" in text
    assert "运行 run **首次响应 respond**" in text
    bad = steps.contract(yaml_text="contracts: [{code: 1", return_state=True)
    assert bad.is_failed() and "\n" not in bad.message and "contract.yaml" in bad.message
    assert all_counts() == before


def test_the_contract_from_yaml_text(prefect_server: str, db: str) -> None:
    from changeflow.flows import steps

    text = (EXAMPLES / "contract.yaml").read_text(encoding="utf-8")
    state = steps.contract(yaml_text=text, return_state=True)
    assert state.is_completed(), state.message
    assert "OA-2026" in state.message and "\n" not in state.message
    assert "下一步 Next:" in _markdown(state)


def test_a_plan_cannot_start_in_the_past() -> None:
    from pydantic import ValidationError

    from changeflow.flows.plan import PlanInput

    with pytest.raises(ValidationError, match="is in the past"):
        PlanInput(key="CR-2026-0001", start=date(2025, 1, 6))
    assert PlanInput(key="CR-2026-0001").start is None


def test_intake_names_its_run_by_the_new_key(prefect_server: str, contract: str) -> None:
    from changeflow.flows.intake import intake
    from changeflow.tasks.taskbook import TaskBook
    from tests.support.helpers import sample_taskbook

    state = intake(taskbook=TaskBook.model_validate(sample_taskbook()), return_state=True)
    key = state.result()["key"]
    assert _run_name(state) == f"intake {key}"
    assert state.message.startswith(f"{key} 已录入 taken in:") and "\n" not in state.message
    assert _markdown(state).rstrip().splitlines()[-1].startswith("下一步 Next:")


def test_manual_weekly_runs_do_not_send_by_default() -> None:
    from changeflow.flows.weekly import WeeklyInput

    assert WeeklyInput().send is False
