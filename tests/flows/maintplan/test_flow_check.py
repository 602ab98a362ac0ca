"""The engineer's check form on a real Prefect server: a result recorded (an abnormal one
opens its fault, named in the state message); a refused one fails with one line naming the
field, and records nothing."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES

pytestmark = pytest.mark.prefect


def test_check_form(prefect_server: str, contract: str) -> None:
    from changeflow.flows.maintplan import CheckInput, maintplan_check
    from changeflow.tasks import maintenance as mt
    from changeflow.tasks import maintplan as mp

    mp.load_plan(EXAMPLES / "maintplan.yaml")
    o = mt.create_dispatch(kind="weekly-visit", planned_start="2026-11-25 14:00", staff=["张伟"])
    entry = CheckInput(order=o["number"], check="mail-mail-queue", result="abnormal",
                       value="积压 320 封", engineer="张伟")  # fmt: skip
    state = maintplan_check(entry=entry, at="2026-11-25 15:00", return_state=True)
    assert state.is_completed(), state.message
    assert "abnormal 异常" in state.message and "fault" in state.message
    [row] = [r for r in mp.due_checks(o["number"])["checks"] if r["code"] == "mail-mail-queue"]
    assert (row["result"], row["value"]) == ("abnormal", "积压 320 封")
    bad = CheckInput(order=o["number"], check="oa-nothing", result="normal", engineer="张伟")
    state = maintplan_check(entry=bad, at="2026-11-25 15:05", return_state=True)
    assert state.is_failed() and "check" in state.message and "\n" not in state.message
    assert CheckInput(order="x", check="y", result="normal", engineer="z").result == "normal 正常"
