"""The weekly report (项目周报): what each client's project lead gets every Friday afternoon.

Why it is shaped like this:

* **One client, one ISO week** (Asia/Shanghai). The report covers the days after the
  previous week's report day up to this week's Sunday, so a make-up workday after last
  Friday's report (e.g. Sun 2026-09-20) is reported the following week instead of never.
  Data is what the database holds when the report is made.
* **The report day** comes from the contract's ``settings.weekly_report_cron`` (default
  ``0 15 * * 5``: Friday 15:00). When that day is not a working day (National Day
  2026-10-02), the week's last working day before it at the same hour; if there is none
  before it, the first after it in the same week; a week without any working day has no
  report (``report_due`` returns None). So never on a holiday, never twice a week.
* **Fast**: every figure is one SQL aggregate per kind of fact (commits of the period,
  hours grouped by their exact text, events, documents, latest plans), never a loop over a
  request's or a repository's commits in Python. Hours are stored as exact text: summing
  ``(hours, count)`` groups keeps them exact without floats.
* **Progress** is logged time against the newest plan: planned person-days spread evenly
  over each work item's working days give the planned burn-up; done person-days are
  hours / the contract's hours per service day. A milestone is done when the request first
  reaches the state that ends its phase (development -> in_testing, testing -> live,
  go-live -> live, acceptance -> accepted); analysis has no state of its own and is never
  judged late. Slippage is counted in working days of the contract's calendar.

Rooms (a package in the style of Prefect's ``cli/deploy/``; this file only re-exports):

* ``week`` - weeks and the report-day rule (parse_week, ReportRule, report_due,
  should_send_now, clients_due ...);
* ``facts`` - the data: ``build_week`` and one query function per fact (a package);
* ``document`` - the burn-up chart, the template context, the Word report, the markdown view;
* ``making`` - making, recording and listing report versions (``make_report``,
  ``scheduled_reports``, ``stored_report``, ``report_rows``, ``mail_key``);
* ``sending`` - mailing a stored version at most once per key (``mail_body``, ``send_report``).
"""

from __future__ import annotations

from .document import (
    CHART_MARKER,
    CJK_FAMILIES,
    CJK_FILE_HINTS,
    KIND,
    STATE_LABELS,
    TITLE,
    WEEKDAYS,
    chart_png,
    cjk_font,
    render_report,
    report_context,
    report_markdown,
)
from .facts import ACTIVE_STATES, MAX_CHART_DAYS, MAX_COMMITS_PER_CELL, PHASE_DONE, build_week
from .making import mail_key, make_report, report_rows, scheduled_reports, stored_report
from .sending import mail_body, send_report
from .week import (
    DEFAULT_CRON,
    DOW_NAMES,
    WEEK_RE,
    ReportRule,
    already_sent,
    clients_due,
    current_week,
    due_at,
    due_day,
    parse_cron,
    parse_week,
    report_due,
    rule_for,
    shift_week,
    should_send_now,
    week_days,
    week_label,
    week_of,
)

__all__ = [
    "ACTIVE_STATES",
    "CHART_MARKER",
    "CJK_FAMILIES",
    "CJK_FILE_HINTS",
    "DEFAULT_CRON",
    "DOW_NAMES",
    "KIND",
    "MAX_CHART_DAYS",
    "MAX_COMMITS_PER_CELL",
    "PHASE_DONE",
    "STATE_LABELS",
    "TITLE",
    "WEEKDAYS",
    "WEEK_RE",
    "ReportRule",
    "already_sent",
    "build_week",
    "chart_png",
    "cjk_font",
    "clients_due",
    "current_week",
    "due_at",
    "due_day",
    "mail_body",
    "mail_key",
    "make_report",
    "parse_cron",
    "parse_week",
    "render_report",
    "report_context",
    "report_due",
    "report_markdown",
    "report_rows",
    "rule_for",
    "scheduled_reports",
    "send_report",
    "shift_week",
    "should_send_now",
    "stored_report",
    "week_days",
    "week_label",
    "week_of",
]
