"""The plan from the CLI and as a Prefect flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import D, request_state, row_counts


def test_cli_plan_calendar_and_export(submitted: str, cli, tmp_path: Path) -> None:
    code, out, err = cli("plan", submitted, "--start", "2026-11-30", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["version"] == 1 and Path(data["document"]).is_file()
    code, out, err = cli("plan", submitted, "--export-estimates", str(tmp_path / "e.yaml"))
    assert code == 0 and (tmp_path / "e.yaml").is_file()
    code, out, err = cli("plan", submitted, "--start", "2026-02-30")
    assert code == 2 and "--start" in err
    code, out, err = cli("calendar", "2026-10-01", "2026-10-11", "--json")
    assert code == 0, err
    cal = json.loads(out)
    assert cal["working_days"] == 3 and not cal["provisional"]
    day = {d["date"]: d for d in cal["days"]}
    assert day["2026-10-10"]["kind"] == "makeup_workday"
    assert day["2026-10-03"]["reason"] == "holiday: National Day"
    code, out, err = cli("calendar", "2027-02-01", "2027-02-10", "--contract", "OA-2026", "--json")
    cal = json.loads(out)
    assert code == 0 and cal["provisional"] and "changeflow calendar import" in cal["note"]
    code, out, err = cli("calendar", "import", "examples/calendar-2027.yaml")
    assert code == 2 and "example" in err
    official = tmp_path / "2027.yaml"
    official.write_text(
        Path("examples/calendar-2027.yaml").read_text("utf-8").replace(
            "example: true", "example: false"), "utf-8")  # fmt: skip
    code, out, err = cli("calendar", "import", str(official), "--json")
    assert code == 0 and json.loads(out)["year"] == 2027
    code, out, err = cli("calendar", "2027-02-01", "2027-02-28", "--json")
    cal = json.loads(out)
    assert not cal["provisional"]
    assert {d["date"]: d for d in cal["days"]}["2027-02-20"]["working"] is True


@pytest.mark.prefect
def test_plan_flow_publishes_budget(prefect_server: str, submitted: str) -> None:
    from changeflow.flows.plan import PlanInput, plan
    from tests.support.prefect import read_artifacts

    state = plan(
        request=PlanInput(key=submitted, start=D("2026-12-21"), issue=True), planned_by="李明",
        return_state=True,
    )  # fmt: skip
    assert state.is_completed(), state.message
    result = state.result()
    assert result["version"] == 1 and request_state(submitted) == "planned"
    arts = read_artifacts(state.state_details.flow_run_id)
    table = next(a for a in arts if a.type == "table")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert rows[-1]["金额 Amount"] == "20458.00" and rows[0]["人员 Who"] == "李明"
    assert table.key == f"plan-{submitted.lower()}-budget"
    markdown = next(a for a in arts if a.type == "markdown" and a.key != "board").data
    assert "贰万零肆佰伍拾捌元整" in markdown and "changeflow calendar import" in markdown


@pytest.mark.prefect
def test_plan_flow_fails_cleanly_on_bad_estimates(prefect_server: str, submitted: str) -> None:
    from changeflow.flows.plan import PlanInput, plan

    before = row_counts()
    bad = "items:\n  - {phase: analysis, role: analyst, person_days: 0.3}\n"
    state = plan(request=PlanInput(key=submitted, estimates_yaml=bad), return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert "person_days" in str(state.result(raise_on_failure=False))
    assert row_counts() == before and request_state(submitted) == "submitted"
