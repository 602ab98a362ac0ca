"""Maintenance service: faults and their SLA clocks, dispatch orders, the contract's quota,
the daily run log and the monthly SLA report.

Every change runs in one transaction with its audit record (fault state changes through
``db.lifecycle``). Waiting for the client is modelled twice on purpose: the fault moves to
``on_hold`` (so the lifecycle and the timeline show it) and a ``FaultPause`` row keeps the
exact span, which the clocks in ``tasks/sla.py`` leave out. Times are stored in UTC and shown
in the configured zone (Asia/Shanghai).

Rooms (each imports only the ones below it):

- ``faults``: reporting a fault, stamping its clocks, pause / resume, the details entered,
  get / list, the ``sla`` section of ``changeflow status KEY``, the fault record document
- ``visits``: the weekly fixed visit (每周固定时间上门) planned as dispatch orders
- ``dispatch``: dispatch orders (派工单): create, emergency, complete, cancel, list, the
  signed document issued, the engineers' evaluation
- ``dispatch_signoff``: the client's sign-off, recorded on the order (read by ``tasks.signoff``)
- ``quota``: the contract's quota of service days and its alerts
- ``worktime``: one engineer's worked time split into service time and overtime
- ``dispatch_record``: one order's record: look-up, numbering, events, worked time, view
- ``runlog``: the daily run log (运行日志) and its reminder
- ``statement``: the monthly SLA statement for the client (Word, signed), and the
  client's confirmation of it read back (a signable kind of ``tasks.signoff``)
- ``reports``: the monthly SLA report, and the breaches of a period for other reports
- ``notices``: the duty staff, mail, and watching the clocks (``sla_watch``)
- ``fault_clocks``: the clocks of one fault and their views and labels
- ``common``: small shared helpers (times, the contract and staff named, a fault by key)

Everything importable from the old single module is importable from here.
"""

from __future__ import annotations

from .common import (
    FUTURE_SLACK,
    iso_local,
    parse_when,
    show,
)
from .dispatch import (
    DEFAULT_ORDER_MINUTES,
    DEFAULT_VISIT_MINUTES,
    cancel_dispatch,
    complete_dispatch,
    create_dispatch,
    emergency_dispatch,
    list_dispatch,
    staff_evaluation,
)
from .dispatch_record import dispatch_view, worked_minutes
from .dispatch_signoff import record_dispatch_signoff, signoff_dispatch
from .fault_clocks import (
    clock_view,
    clocks,
    fault_rule,
    fault_view,
    pauses_of,
    stops,
)
from .faults import (
    STAMPS,
    FaultReport,
    fault_record,
    get_fault,
    list_faults,
    pause,
    record_fault_details,
    report_fault,
    resume,
    stamp,
)
from .notices import deliver_notices, duty_staff, send, sla_watch
from .quota import QUOTA_LEVELS, TWO, check_quota, contract_usage
from .reports import breaches_between, report_markdown, sla_report
from .runlog import (
    add_run_log,
    list_run_log,
    missing_run_log_days,
    run_log_entries,
    run_log_reminder,
    run_log_view,
)
from .statement import (
    confirm_statement,
    list_statements,
    record_statement,
    sla_report_document,
    statement_view,
)
from .visits import plan_weekly_visits, weekly_visit_rule

__all__ = [
    "DEFAULT_ORDER_MINUTES",
    "DEFAULT_VISIT_MINUTES",
    "FUTURE_SLACK",
    "QUOTA_LEVELS",
    "STAMPS",
    "TWO",
    "FaultReport",
    "add_run_log",
    "breaches_between",
    "cancel_dispatch",
    "check_quota",
    "clock_view",
    "clocks",
    "complete_dispatch",
    "confirm_statement",
    "contract_usage",
    "create_dispatch",
    "deliver_notices",
    "dispatch_view",
    "duty_staff",
    "emergency_dispatch",
    "fault_record",
    "fault_rule",
    "fault_view",
    "get_fault",
    "iso_local",
    "list_dispatch",
    "list_faults",
    "list_run_log",
    "list_statements",
    "missing_run_log_days",
    "parse_when",
    "pause",
    "pauses_of",
    "plan_weekly_visits",
    "record_dispatch_signoff",
    "record_fault_details",
    "record_statement",
    "report_fault",
    "report_markdown",
    "resume",
    "run_log_entries",
    "run_log_reminder",
    "run_log_view",
    "send",
    "show",
    "signoff_dispatch",
    "sla_report",
    "sla_report_document",
    "sla_watch",
    "staff_evaluation",
    "stamp",
    "statement_view",
    "stops",
    "weekly_visit_rule",
    "worked_minutes",
]
