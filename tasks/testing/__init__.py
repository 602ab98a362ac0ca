"""The testing stage: run the client project's tests at the release commit, or take JUnit
XML files the team ran elsewhere; record the run and issue the test report (测试报告).

Why it is shaped like this:

* The tests run in a clean ``git worktree`` at the commit being released (never in the
  developer's checkout, whose uncommitted files would make the result meaningless), with a
  timeout that kills the whole process group, and with our own settings removed from the
  environment (the client project must not see our database URL).
* JUnit XML comes from outside: it is parsed with entity resolution, DTD loading and the
  network off, ``huge_tree`` off, a size limit, and any DOCTYPE/ENTITY refused outright.
  Counts come from the test cases themselves, not from the (sometimes wrong) attributes.
* Running takes minutes, so it happens outside the database transaction; the record, the
  report and the state change are then written in one transaction.
* A run moves a request in development to ``in_testing``; a failing run keeps it there and
  says which cases failed (``reopen`` sends it back to development).

Rooms:

* ``common``: ``actor_name``;
* ``junit``: JUnit XML parsing (``JUNIT_MAX_BYTES`` is read there);
* ``repository``: the client project's repository and the release commit;
* ``runner``: running the test command at a commit in a clean worktree;
* ``runs``: recorded runs as other stages read them (verdict, one line, summary);
* ``cases``: test cases traced to requirements (JUnit property or name convention) and
  manual cases from a test-plan YAML file;
* ``trace``: the traceability matrix (requirement -> cases -> result -> commits -> manual
  sections), and the warnings for cases naming an unknown requirement;
* ``report``: the test report document (GB/T 8567 outline);
* ``recording``: recording a run with its report and the state change (``run_tests``);
* ``status_section``: test runs and releases in ``changeflow status KEY`` (listed in
  ``tasks.status``).
"""

from __future__ import annotations

from .cases import DEFAULT_PATTERN, ManualCase, name_pattern, parse_plan, read_plan
from .common import actor_name
from .junit import (
    JUNIT_MAX_BYTES,
    MAX_CASES,
    CaseOutcome,
    JUnitResult,
    parse_junit,
    parse_junit_many,
    read_junit_files,
)
from .recording import TESTABLE, TestResult, run_tests, run_tests_from_files
from .report import REPORT_LINES, render_report, report_context
from .repository import git, project_repo, release_commit, resolve_commit
from .runner import (
    DEFAULT_TIMEOUT,
    EXCERPT_HEAD,
    EXCERPT_TAIL,
    JUNIT_PLACEHOLDER,
    CommandOutcome,
    excerpt,
    run_command,
)
from .runs import failure_summary, latest_run, run_summary, tests_line, verdict_reason
from .trace import (
    manual_sections,
    matrix_lines,
    requirement_result,
    traceability,
    unknown_requirement_cases,
    untested,
)

__all__ = [
    "DEFAULT_PATTERN",
    "DEFAULT_TIMEOUT",
    "EXCERPT_HEAD",
    "EXCERPT_TAIL",
    "JUNIT_MAX_BYTES",
    "JUNIT_PLACEHOLDER",
    "MAX_CASES",
    "REPORT_LINES",
    "TESTABLE",
    "CaseOutcome",
    "CommandOutcome",
    "JUnitResult",
    "ManualCase",
    "TestResult",
    "actor_name",
    "excerpt",
    "failure_summary",
    "git",
    "latest_run",
    "manual_sections",
    "matrix_lines",
    "name_pattern",
    "parse_junit",
    "parse_junit_many",
    "parse_plan",
    "project_repo",
    "read_junit_files",
    "read_plan",
    "release_commit",
    "render_report",
    "report_context",
    "requirement_result",
    "resolve_commit",
    "run_command",
    "run_summary",
    "run_tests",
    "run_tests_from_files",
    "tests_line",
    "traceability",
    "unknown_requirement_cases",
    "untested",
    "verdict_reason",
]
