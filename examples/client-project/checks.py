"""Checks of the leave workflow (the client project's own tests).

A check's name ends with the task book's requirement it checks (``_req1``), so the test
report can give a result per requirement."""
from oa.leave import flow, sync


def check_long_leave_needs_vp_req1():
    assert flow.approvers(4) == ["dept_manager", "vice_president"]


def check_short_leave_dept_only_req1():
    assert flow.approvers(2) == ["dept_manager"]


def check_balance_sync_req2():
    assert sync.remaining(10, 4) == 6


def check_leave_report_by_dept_and_month_req3():
    from pathlib import Path

    sql = Path(__file__).with_name("report").joinpath("leave_stats.sql").read_text()
    assert "GROUP BY dept, month" in sql
