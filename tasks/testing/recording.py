"""Recording a run: parse the JUnit files or run the command (outside any transaction),
then write the run, its test report and the state change in one transaction. A run moves a
request in development to ``in_testing``; a failing run keeps it there (``reopen`` sends it
back to development); a run that already passed with the same inputs stands.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.delivery import TestCase, TestRun
from changeflow.db.lifecycle import load_for_update, transition
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, sha256_bytes
from changeflow.db.types import utcnow
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..documents import store_issued
from ..inputs import clean_text
from .cases import (
    MAX_PLAN_BYTES,
    MAX_STORED_CASES,
    ManualCase,
    merge_rows,
    name_pattern,
    parse_rows,
    plan_rows,
    read_rows,
    requirement_of,
)
from .common import actor_name
from .junit import JUnitResult, parse_junit, parse_junit_many, read_junit_files
from .report import render_report
from .repository import git, maybe_repo, plain_sha, project_repo, release_commit, resolve_commit
from .runner import DEFAULT_TIMEOUT, CommandOutcome, run_command
from .runs import verdict_reason

TESTABLE = ("in_development", "in_testing")


def _environment(source: str, timeout: float | None, repo: Path | None) -> dict[str, str]:
    env: dict[str, str] = {}
    if source == "command":
        env["os"] = platform.platform()
        env["python"] = platform.python_version()
        if repo is not None:
            with suppress(Exception):
                env["git"] = git(repo, "--version").removeprefix("git version ").strip()
        env["host"] = socket.gethostname()
        env["worktree"] = "git worktree (clean checkout of the commit)"
        env["timeout"] = f"{timeout:g} s"
    return env


@dataclass
class TestResult:
    __test__ = False

    key: str
    seq: int
    state: str
    passed: bool
    commit: str
    source: str
    suites: int
    cases: int
    failures: int
    errors: int
    skipped: int
    duration: str
    exit_code: int | None
    timed_out: bool
    reason: str
    failed: list[dict[str, Any]]
    document: str
    sha256: str
    version: int
    unchanged: bool = False  # the newest run already passed at this commit: it stands
    requirements: list[dict[str, Any]] = field(default_factory=list)  # traceability rows
    # cases naming a requirement number the task book does not have (counted for none)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _result(run: TestRun, *, unchanged: bool = False) -> TestResult:
    from sqlalchemy.orm import object_session

    from .trace import traceability, unknown_requirement_cases

    doc = run.document
    assert doc is not None
    session = object_session(run)
    assert session is not None
    return TestResult(
        requirements=traceability(session, run.request, doc.lang, run),
        warnings=unknown_requirement_cases(session, run.request, run),
        key=run.request.key,
        seq=run.seq,
        state=run.request.state,
        passed=run.passed,
        commit=run.commit_sha,
        source=run.source,
        suites=run.suites,
        cases=run.cases,
        failures=run.failures,
        errors=run.errors,
        skipped=run.skipped,
        duration=f"{run.duration:f}",
        exit_code=run.exit_code,
        timed_out=run.timed_out,
        reason=verdict_reason(run),
        failed=list(run.failed_cases or []),
        document=str(document_path(doc)),
        sha256=doc.sha256,
        version=run.seq,
        unchanged=unchanged,
    )


def _standing_run(
    session: Session,
    req: Request,
    sha: str,
    command: str | None,
    junit: Sequence[tuple[str, bytes]],
) -> TestRun | None:
    """The newest run when it already passed for the same inputs (commit, and command or
    JUnit files) while the request is in testing: a re-run after a crash, or a second click,
    then makes no second report. A failed run is always run again (that is what one does
    after fixing the environment)."""
    newest = session.scalar(
        select(TestRun).where(TestRun.request_id == req.id).order_by(TestRun.seq.desc()).limit(1)
    )
    if newest is None or not newest.passed or req.state != "in_testing" or not sha:
        return None
    if newest.commit_sha != sha or newest.document is None:
        return None
    if junit:
        given = sorted(sha256_bytes(data) for _, data in junit)
        same = newest.source == "junit" and given == sorted(
            f.get("sha256", "") for f in newest.junit_files or []
        )
    else:
        same = newest.source == "command" and newest.command == command
    return newest if same else None


def _check_state(req: Request) -> None:
    if req.state not in TESTABLE:
        raise TransitionError(
            req.key,
            req.state,
            "in_testing",
            "tests are recorded for a request in development or in testing",
        )


@recorded_act("test")
def run_tests(
    key: str,
    *,
    junit: Sequence[tuple[str, bytes]] = (),
    command: str | None = None,
    commit: str | None = None,
    timeout: float | None = None,
    reopen: bool = False,
    again: bool = False,
    lang: str | None = None,
    actor: str | None = None,
    channel: str = "cli",
    cases: Sequence[ManualCase] = (),
    case_rows: Sequence[Any] = (),
    cases_source: str = "--cases",
) -> TestResult:
    """Test ``key`` at its release commit and record the run with its test report.

    With ``junit`` files the results of a run made elsewhere are recorded (``commit``
    names what was tested); otherwise ``command`` (or the contract's ``test_command``)
    runs in a clean worktree. ``reopen`` sends a request whose tests failed back to
    development. While the request is in testing, a run that already passed with the same
    inputs stands (``unchanged``) unless ``again`` asks for another one. The described
    cases are the project's cases file at the commit tested (``settings.test_cases``,
    default ``test-cases.yaml``) with ``case_rows`` (a given cases file's rows) laid over it
    by case id, and ``cases`` (already parsed); they are recorded with the run.
    """
    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    actor = clean_text(actor or actor_name(), 120) or "changeflow"
    target = _what_to_run(
        key, junit, command, commit, timeout, again, cases, case_rows, cases_source
    )
    if isinstance(target, TestResult):
        return target
    parsed, outcome, env = _parse_or_run(target, junit)
    return _record_run(
        key, target, parsed, outcome, env, target.cases, reopen=reopen, lang=lang, actor=actor,
        channel=channel,
    )  # fmt: skip


@dataclass
class _Target:
    """What a test run runs, where: the repository, the commit, the command (or the JUnit
    files' run), the time limit, where its JUnit files land, the test-case name pattern."""

    repo: Path | None
    sha: str
    command: str | None
    limit: float
    junit_paths: list[str]
    pattern: Any
    cases: list[ManualCase]  # the described cases (the project's file with the given rows)


def _what_to_run(
    key: str,
    junit: Sequence[tuple[str, bytes]],
    command: str | None,
    commit: str | None,
    timeout: float | None,
    again: bool,
    cases: Sequence[ManualCase],
    case_rows: Sequence[Any] = (),
    cases_source: str = "--cases",
) -> _Target | TestResult:
    """Step 1, read-only: what to run and where, refused early (before minutes of testing);
    or the run that already passed with the same inputs, which stands."""
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        _check_state(req)
        settings = dict(req.contract.settings or {}) if req.contract else {}
        pattern = name_pattern(settings)
        numbers = {r.no for r in req.requirements}
        if junit:
            repo: Path | None = maybe_repo(session, req)
            sha = ""
            if commit:
                sha = resolve_commit(repo, commit) if repo else plain_sha(commit)
            elif repo is not None:
                with suppress(InputError):
                    sha = release_commit(session, req, repo, None)
        else:
            command = (command or settings.get("test_command") or "").strip()
            if not command:
                raise InputError(
                    key,
                    "test_command",
                    "没有测试命令 no test command: 在合同设置 settings.test_command 中设置，"
                    "或填写 测试命令 Test command (CLI --command)，或给出 JUnit 结果文件 JUnit"
                    " files (CLI --junit) / set it in the contract, or give one of these",
                )
            repo = project_repo(session, req)
            sha = release_commit(session, req, repo, commit)
        given_any = bool(case_rows) or bool(cases)
        described = _described_cases(
            repo, sha, settings, case_rows, cases, cases_source, key, numbers
        )
        limit = float(timeout or settings.get("test_timeout_seconds") or DEFAULT_TIMEOUT)
        junit_paths = settings.get("junit_paths") or []
        if not isinstance(junit_paths, list):
            raise InputError("contract settings", "junit_paths", "must be a list of glob patterns")
        standing = None if again or given_any else _standing_run(session, req, sha, command, junit)
        if standing is not None:
            return _result(standing, unchanged=True)
    return _Target(repo, sha, command, limit, junit_paths, pattern, described)


def _parse_or_run(
    target: _Target, junit: Sequence[tuple[str, bytes]]
) -> tuple[JUnitResult, CommandOutcome | None, dict[str, Any]]:
    """Step 2, outside any transaction: the JUnit files parsed, or the command run in a
    clean worktree and the JUnit files it wrote parsed; the environment it ran in."""
    outcome: CommandOutcome | None = None
    if junit:
        parsed = parse_junit_many(junit)
        source = "junit"
    else:
        assert target.command is not None and target.repo is not None
        outcome = run_command(
            target.repo, target.sha, target.command, timeout=target.limit,
            junit_paths=target.junit_paths,
        )  # fmt: skip
        parsed = JUnitResult()
        for name, data in outcome.junit:
            try:
                parsed.merge(parse_junit(data, name))
            except InputError as exc:
                outcome.output += f"\n[changeflow] JUnit file ignored: {exc}"
        source = "command"
    env = parsed.environment | _environment(source, target.limit, target.repo)
    return parsed, outcome, env


def _record_run(
    key: str,
    target: _Target,
    parsed: JUnitResult,
    outcome: CommandOutcome | None,
    env: dict[str, Any],
    cases: Sequence[ManualCase],
    *,
    reopen: bool,
    lang: str,
    actor: str,
    channel: str,
) -> TestResult:
    """Step 3: the run, its test report and the state change, in one transaction."""
    repo, sha, command, pattern = target.repo, target.sha, target.command, target.pattern
    source = "command" if outcome is not None else "junit"
    with transaction() as session:
        req = load_for_update(session, key)
        _check_state(req)
        seq = (
            session.scalar(select(func.max(TestRun.seq)).where(TestRun.request_id == req.id)) or 0
        ) + 1
        failed = [
            {
                "suite": f.suite,
                "name": f.name,
                "classname": f.classname,
                "outcome": f.outcome,
                "message": f.message,
            }
            for f in parsed.failed
        ]
        ok_exit = outcome is None or (outcome.exit_code == 0 and not outcome.timed_out)
        run = TestRun(
            request=req,
            seq=seq,
            commit_sha=sha,
            repo_path=str(repo) if repo else "",
            source=source,
            command=command or "" if outcome else "",
            exit_code=outcome.exit_code if outcome else None,
            timed_out=outcome.timed_out if outcome else False,
            suites=parsed.suites,
            cases=parsed.cases,
            failures=parsed.failures,
            errors=parsed.errors,
            skipped=parsed.skipped,
            duration=parsed.duration
            if parsed.duration > 0 or outcome is None
            else outcome.seconds,  # JUnit times too small to show: the command's time
            passed=ok_exit and parsed.failures == 0 and parsed.errors == 0,
            output_excerpt=outcome.output if outcome else "",
            failed_cases=failed,
            environment=env,
            junit_files=parsed.files,
            created_by=actor,
            created_at=utcnow(),
        )
        session.add(run)
        session.flush()
        _record_cases(session, run, parsed, cases, pattern)
        data = render_report(run, lang)
        doc = store_issued(
            session,
            data,
            subject=req.key,
            kind="testreport",
            request=req,
            version=seq,
            lang=lang,
            meta={"test_run": seq, "commit": sha, "passed": run.passed},
        )
        run.document = doc
        reason = f"test run #{seq} at {sha[:10] or 'an unnamed commit'} {verdict_reason(run)}"
        event_data = {"test_run": seq, "commit": sha, "passed": run.passed}
        if req.state == "in_development":
            transition(
                session, req, "in_testing", actor=actor, reason=reason, channel=channel,
                evidence_sha256=doc.sha256, data=event_data,
            )  # fmt: skip
        if reopen and not run.passed:
            transition(
                session, req, "in_development", actor=actor, reason=reason, channel=channel,
                evidence_sha256=doc.sha256, data=event_data,
            )  # fmt: skip
        session.flush()
        return _result(run)


DEFAULT_CASES_FILE = "test-cases.yaml"


def project_case_rows(repo: Path | None, sha: str, settings: dict[str, Any]) -> list[Any]:
    """The rows of the project's cases file at ``sha`` (none when the project has none)."""
    rel = settings.get("test_cases") or DEFAULT_CASES_FILE
    if not isinstance(rel, str) or repo is None or not sha:
        return []
    from ..gitsync import run_git

    data = run_git(repo, "show", f"{sha}:{rel}", check=False)
    if not data.strip():
        return []
    if len(data) > MAX_PLAN_BYTES:
        raise InputError(rel, "size", f"more than {MAX_PLAN_BYTES} bytes")
    return plan_rows(data, rel)


def _described_cases(
    repo: Path | None,
    sha: str,
    settings: dict[str, Any],
    given_rows: Sequence[Any],
    given: Sequence[ManualCase],
    source: str,
    key: str,
    numbers: set[int],
) -> list[ManualCase]:
    """The project's cases file with the given rows and cases laid over it by case id;
    every case names a requirement of the task book."""
    base = project_case_rows(repo, sha, settings)
    rows = merge_rows(base, list(given_rows))
    where = source if given_rows else str(settings.get("test_cases") or DEFAULT_CASES_FILE)
    out = {c.case_id: c for c in (parse_rows(rows, where) if rows else [])}
    for c in given:
        out[c.case_id] = c
    for i, mc in enumerate(out.values(), start=1):
        if mc.requirement_no not in numbers:
            raise InputError(
                where,
                f"cases[{i}].requirement",
                f"{mc.case_id}: {key} has no requirement {mc.requirement_no}"
                f" (it has {', '.join(str(n) for n in sorted(numbers)) or 'none'})",
            )
    return list(out.values())


def _record_cases(
    session: Session,
    run: TestRun,
    parsed: JUnitResult,
    manual: Sequence[ManualCase],
    pattern: Any,
) -> None:
    """The run's cases, each with the requirement it checks (automated ones capped)."""
    seq = 0
    described = {m.automated: m for m in manual if m.automated}
    ran: set[str] = set()
    for c in parsed.every[:MAX_STORED_CASES]:
        seq += 1
        d = described.get(c.name) or described.get(f"{c.classname}::{c.name}")
        if d is not None:
            ran.add(d.case_id)
        session.add(
            TestCase(
                run_id=run.id,
                request_id=run.request_id,
                seq=seq,
                kind="auto",
                case_id=d.case_id if d else "",
                requirement_no=d.requirement_no
                if d
                else requirement_of(c.requirement, f"{c.classname} {c.name}", pattern),
                name=c.name,
                classname=c.classname,
                title=d.name if d else "",
                precondition=d.precondition if d else "",
                steps=d.steps if d else "",
                input_data=d.input if d else "",
                expected=d.expected if d else "",
                outcome=c.outcome,
                message=c.message,
            )
        )
    for m in manual:
        if m.automated:
            if m.case_id in ran:
                continue
            # described as automated, but the run has no such JUnit case: not run
            seq += 1
            session.add(
                TestCase(
                    run_id=run.id, request_id=run.request_id, seq=seq, kind="auto",
                    case_id=m.case_id, requirement_no=m.requirement_no, name=m.automated,
                    title=m.name, precondition=m.precondition, steps=m.steps,
                    input_data=m.input, expected=m.expected, outcome="skipped",
                    message="not in the run's JUnit results",
                )
            )  # fmt: skip
            continue
        seq += 1
        session.add(
            TestCase(
                run_id=run.id,
                request_id=run.request_id,
                seq=seq,
                kind="manual",
                case_id=m.case_id,
                requirement_no=m.requirement_no,
                name=m.name,
                steps=m.steps,
                expected=m.expected,
                actual=m.actual,
                outcome=m.outcome,
                tester=m.tester,
                tested_on=m.tested_on,
                title=m.name,
                precondition=m.precondition,
                input_data=m.input,
                defect=m.defect,
            )
        )
    session.flush()


def run_tests_from_files(
    key: str,
    junit_paths: Sequence[Path] = (),
    cases_path: Path | None = None,
    result_rows: Sequence[dict[str, Any]] = (),
    **kwargs: Any,
) -> TestResult:
    """``changeflow test KEY --junit FILE ... [--cases CASES.yaml]``: read the files
    (size-limited) first."""
    rows = (read_rows(cases_path) if cases_path else []) + list(result_rows)
    return run_tests(
        key, junit=read_junit_files(junit_paths), case_rows=rows,
        cases_source=str(cases_path or "--result"), **kwargs,
    )  # fmt: skip
