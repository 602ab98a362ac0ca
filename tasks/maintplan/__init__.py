"""The maintenance plan (日常维护服务计划) of a contract, one room:

- ``catalogue``: the kinds of check, their default frequency and threshold per system kind
  (when a check is due, and the rows a visit's dispatch order lists, are in
  ``tasks.maintenance.visit_checks``: the dispatch order reads them);
- ``plan``: the lead's YAML file checked and loaded (systems, checks), read back;
- ``checks``: the checks due on a visit and each result recorded against its dispatch order
  (an abnormal one opens a fault linked to the order; every result feeds the run log);
- ``documents``: the plan document the client signs at the start of the contract year
  (kind ``maintplan``, confirmed through ``tasks.signoff`` like the statements);
- ``handbook``: the maintenance handbook and emergency measures (维护文档和应急措施) with
  its revision record, and the monthly run log (运行日志) for the client.

Layers inside go one way: catalogue < plan < checks < documents < handbook.
"""

from __future__ import annotations

from ..maintenance.visit_checks import due_rows, system_name, visit_check_rows
from .catalogue import DEFAULT_CHECKS, FREQUENCIES, KINDS, SYSTEM_KINDS, THRESHOLDS, is_due
from .checks import due_checks, parse_result, record_check
from .plan import find_plan, load_plan, parse_plan, plan_view, show_plan

__all__ = [
    "DEFAULT_CHECKS",
    "FREQUENCIES",
    "KINDS",
    "SYSTEM_KINDS",
    "THRESHOLDS",
    "due_checks",
    "due_rows",
    "find_plan",
    "is_due",
    "load_plan",
    "parse_plan",
    "parse_result",
    "plan_view",
    "record_check",
    "show_plan",
    "system_name",
    "visit_check_rows",
]
