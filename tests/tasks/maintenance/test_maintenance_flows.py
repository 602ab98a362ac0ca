"""The maintenance flows on a real Prefect server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changeflow.tasks import maintenance as mt
from tests.support.helpers import counts
from tests.support.maintenance import SH

# --- the flows on a real Prefect server --------------------------------------------------


@pytest.mark.prefect
def test_fault_flow_from_the_form(prefect_server: str, contract: str) -> None:
    from changeflow.flows.maintenance import FaultInput, fault
    from tests.support.prefect import read_artifacts

    form = FaultInput(severity="non-crash", title="邮件服务器异常", system="mail",
                      reported_at="2026-11-20 17:00")  # fmt: skip
    state = fault(report=form, taken_by="李明", return_state=True)
    assert state.is_completed()
    v = state.result()
    assert v["response"]["due"] == "2026-11-23T09:30:00+08:00"
    info = mt.get_fault(v["key"])
    assert info["state"] == "reported"
    arts = read_artifacts(state.state_details.flow_run_id)
    assert any("2026-11-23 09:30" in (a.data or "") for a in arts if a.type == "markdown")
    before = counts()
    bad = FaultInput(severity="crash", title="x", contract="NOPE")
    state = fault(report=bad, return_state=True)
    assert state.is_failed() and not state.is_crashed()
    assert counts() == before


@pytest.mark.prefect
def test_sla_watch_and_report_flows(prefect_server: str, contract: str, smtp) -> None:
    from changeflow.db.types import utcnow
    from changeflow.flows.maintenance import sla_report, sla_watch

    now = utcnow()
    r = mt.report_fault(
        severity="crash", title="服务器崩溃", reported_at=now - timedelta(minutes=25)
    )
    state = sla_watch(return_state=True)
    assert state.is_completed()
    assert [(n["key"], n["level"]) for n in state.result()["sent"]] == [(r.key, "warning")]
    assert sla_watch(return_state=True).result()["sent"] == []
    assert len(smtp) == 1
    month = now.astimezone(SH).strftime("%Y-%m")
    state = sla_report(month=month, return_state=True)
    assert state.is_completed() and state.result()["faults"] == 1
