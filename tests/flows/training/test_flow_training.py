"""Training, the OA manual and upgrades as flows on a real Prefect server: a session planned
from its bilingual form and recorded by hand, an upgrade plan from its form, the manual merge
with nothing new; a bad field fails the run with one line, never a crash."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.prefect
SH = ZoneInfo("Asia/Shanghai")


def test_training_and_upgrade_flows(prefect_server: str, contract: str) -> None:
    from changeflow.flows import training as ft
    from changeflow.tasks.training import show_training

    plan = ft.TrainingPlan(
        topic="OA 流程审批操作", departments=["财务部"], place="三楼会议室", trainer="李明",
        starts_at=datetime(2026, 12, 2, 14, 0, tzinfo=SH),
        ends_at=datetime(2026, 12, 2, 16, 0, tzinfo=SH), materials=["第3章 流程审批"],
    )  # fmt: skip
    state = ft.training_plan(session=plan, return_state=True)
    assert state.is_completed(), state.message
    assert "PX-2026-0001" in state.message and "\n" not in state.message
    state = ft.training_record(number="PX-2026-0001", attendees=["赵强/财务部"],
                               satisfaction=4, return_state=True)  # fmt: skip
    assert state.is_completed() and "1 人 attended, 120 分钟" in state.message
    assert show_training("PX-2026-0001")["state"] == "held"
    bad = ft.training_plan(session=plan.model_copy(update={"ends_at": plan.starts_at}),
                           return_state=True)  # fmt: skip
    assert bad.is_failed() and not bad.is_crashed() and "ends_at" in bad.message
    up = ft.UpgradePlan(
        target="server", title="数据库服务器补丁", checks=["备份完成"], steps=["安装补丁"],
        rollback=["卸载补丁"], tests=["登录 OA"],
        window_start=datetime(2026, 12, 5, 20, 0, tzinfo=SH),
        window_end=datetime(2026, 12, 5, 21, 0, tzinfo=SH),
    )  # fmt: skip
    state = ft.upgrade_plan(upgrade=up, return_state=True)
    assert state.is_completed() and "SJ-2026-0001" in state.message
    state = ft.oa_manual_merge(contract="OA-2026", return_state=True)
    assert state.is_completed() and "nothing new" in state.message
