"""Checks of the leave workflow (the client project's own tests)."""
from oa.leave import flow, sync


def check_long_leave_needs_vp():
    assert flow.approvers(4) == ["dept_manager", "vice_president"]


def check_short_leave_dept_only():
    assert flow.approvers(2) == ["dept_manager"]


def check_balance_sync():
    assert sync.remaining(10, 4) == 6
