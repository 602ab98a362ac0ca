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
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.delivery import Release, TestRun
from changeflow.db.lifecycle import load_for_update, transition
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document, sha256_bytes
from changeflow.db.types import utcnow
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from .inputs import clean_text, read_limited
from .status import section

JUNIT_MAX_BYTES = 20 * 1024 * 1024
MAX_CASES = 200_000
DEFAULT_TIMEOUT = 1800
EXCERPT_HEAD = 2_000
EXCERPT_TAIL = 10_000
REPORT_LINES = 80
JUNIT_PLACEHOLDER = "{junit}"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_SHA = re.compile(r"^[0-9a-fA-F]{4,64}$")
TESTABLE = ("in_development", "in_testing")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh-CN" else pair[1]


def actor_name() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER") or "changeflow"


# --- JUnit XML ------------------------------------------------------------------------


@dataclass
class CaseOutcome:
    suite: str
    name: str
    classname: str
    outcome: str  # passed | failure | error | skipped
    message: str = ""
    seconds: Decimal = Decimal("0")


@dataclass
class JUnitResult:
    """The counts and failed cases of one or more JUnit files."""

    suites: int = 0
    cases: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    duration: Decimal = Decimal("0")
    failed: list[CaseOutcome] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    files: list[dict[str, str]] = field(default_factory=list)

    def merge(self, other: JUnitResult) -> None:
        self.suites += other.suites
        self.cases += other.cases
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.duration += other.duration
        self.failed.extend(other.failed)
        for k, v in other.environment.items():
            self.environment.setdefault(k, v)
        self.files.extend(other.files)


def _local(el: Any) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


_ZERO = Decimal("0")
_MS = Decimal("0.001")


def _seconds(text: str | None, source: str, where: str) -> Decimal:
    if text is None or not text.strip():
        return _ZERO
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InputError(source, where, f"time '{text[:30]}' is not a number of seconds") from None
    if not value.is_finite() or value < 0:
        raise InputError(source, where, f"time '{text[:30]}' is not a number of seconds")
    return value.quantize(_MS)


def _text(value: str | None, limit: int) -> str:
    return clean_text(value or "", limit)


def parse_junit(data: bytes, source: str) -> JUnitResult:
    """Parse one JUnit XML file (pytest, Maven surefire, Jest, Go and most CI tools)."""
    if not data:
        raise InputError(source, "file", "is empty")
    if len(data) > JUNIT_MAX_BYTES:
        raise InputError(source, "file", f"is {len(data)} bytes; the limit is {JUNIT_MAX_BYTES}")
    if _DTD.search(data):
        raise InputError(source, "file", "declares a DOCTYPE/ENTITY (refused)")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or "?"
        raise InputError(source, f"line {line}", "is not well-formed XML") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InputError(source, "file", "declares a DOCTYPE/ENTITY (refused)")
    kind = _local(root)
    if kind not in ("testsuites", "testsuite"):
        raise InputError(
            source, "root", f"<{kind}> is not JUnit XML (expected <testsuites> or <testsuite>)"
        )
    result = JUnitResult()
    suites = [root] if kind == "testsuite" else []
    suites += list(root.iterdescendants("{*}testsuite"))
    with_cases = [s for s in suites if next(s.iterchildren("{*}testcase"), None) is not None]
    result.suites = len(with_cases) or len(suites)
    case_seconds = Decimal("0")
    for case in root.iter("{*}testcase"):
        result.cases += 1
        if result.cases > MAX_CASES:
            raise InputError(source, "testcase", f"more than {MAX_CASES} test cases")
        parent = case.getparent()
        suite = parent.get("name", "") if parent is not None else ""
        outcome, message = "passed", ""
        for child in case:
            name = _local(child)
            if name in ("error", "failure") and outcome != "error":
                outcome = name
                message = child.get("message") or (child.text or "").strip()
            elif name == "skipped" and outcome == "passed":
                outcome = "skipped"
                message = child.get("message") or (child.text or "").strip()
        secs = _seconds(case.get("time"), source, f"testcase {case.get('name', '')[:40]}")
        case_seconds += secs
        if outcome == "passed":
            continue
        if outcome == "skipped":
            result.skipped += 1
            continue
        if outcome == "failure":
            result.failures += 1
        else:
            result.errors += 1
        result.failed.append(
            CaseOutcome(
                suite=_text(suite, 200),
                name=_text(case.get("name"), 300),
                classname=_text(case.get("classname"), 300),
                outcome=outcome,
                message=_text(message, 2000),
                seconds=secs,
            )
        )
    if result.cases == 0:
        raise InputError(source, "testcase", "contains no test cases: nothing was tested")
    total = root.get("time")
    if total is None and kind == "testsuites":
        top = [s for s in suites if s.getparent() is root]
        times = [s.get("time") for s in top if s.get("time") is not None]
        if times:
            result.duration = sum(
                (_seconds(t, source, "testsuite time") for t in times), Decimal("0")
            )
        else:
            result.duration = case_seconds
    else:
        result.duration = _seconds(total, source, "time") if total else case_seconds
    first = suites[0] if suites else root
    for attr, label in (("hostname", "host"), ("timestamp", "timestamp")):
        if first.get(attr):
            result.environment[label] = _text(first.get(attr), 200)
    for prop in root.iter("{*}property"):
        if len(result.environment) < 20:
            name, value = prop.get("name"), prop.get("value")
            if name and value is not None:
                result.environment.setdefault(_text(name, 80), _text(value, 200))
    result.files.append({"name": Path(source).name, "sha256": sha256_bytes(data)})
    return result


def read_junit_files(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    return [(str(p), read_limited(Path(p), JUNIT_MAX_BYTES)) for p in paths]


def parse_junit_many(files: Sequence[tuple[str, bytes]]) -> JUnitResult:
    out = JUnitResult()
    for source, data in files:
        out.merge(parse_junit(data, source))
    return out


# --- the repository and the commit ------------------------------------------------------


def project_repo(session: Session, req: Request) -> Path:
    """The client project's repository: the contract's ``repo`` or one registered for it."""
    contract = req.contract
    if contract is not None and contract.repo_path:
        return Path(contract.repo_path).expanduser()
    from changeflow.db.git import Repository

    from .gitsync import local_path

    if contract is not None:
        repo = session.scalar(
            select(Repository).where(Repository.contract_id == contract.id).order_by(Repository.id)
        )
        if repo is not None:
            return local_path(repo)
    code = contract.code if contract else "(none)"
    raise InputError(
        req.key,
        "repository",
        f"contract {code} names no repository (repo: in the contract file, or"
        " 'changeflow repo add'); give the JUnit files of a run made elsewhere instead",
    )


def git(path: Path, *args: str) -> str:
    from .gitsync import run_git

    return run_git(path, *args).decode("utf-8", "replace").strip()


def resolve_commit(path: Path, ref: str, source: str = "--commit") -> str:
    """A full commit sha for ``ref`` (sha, tag or branch) in the repository."""
    ref = ref.strip()
    if not ref or ref.startswith("-") or any(c.isspace() for c in ref):
        raise InputError(source, "commit", f"'{ref[:60]}' is not a commit")
    from .gitsync import run_git

    out = run_git(path, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False)
    sha = out.decode().strip()
    if not sha:
        raise InputError(source, "commit", f"'{ref[:60]}' is not a commit of {path}")
    return sha


def release_commit(session: Session, req: Request, path: Path, given: str | None) -> str:
    """The commit to test and release: the one given, else the head of the request's
    development branch, else its newest linked commit."""
    if given:
        return resolve_commit(path, given)
    from changeflow.db.approval import Kickoff
    from changeflow.db.git import Commit, CommitLink

    kick = session.scalar(
        select(Kickoff).where(Kickoff.request_id == req.id).order_by(Kickoff.id.desc()).limit(1)
    )
    for branch in ([kick.branch] if kick and kick.branch else []) + [f"cr/{req.key}"]:
        try:
            return resolve_commit(path, f"refs/heads/{branch}")
        except InputError:
            continue
    sha = session.scalar(
        select(Commit.sha)
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .where(CommitLink.request_id == req.id, Commit.reachable.is_(True))
        .order_by(Commit.committed_at.desc(), Commit.id.desc())
        .limit(1)
    )
    if sha:
        return resolve_commit(path, sha)
    raise InputError(
        req.key,
        "commit",
        "no development branch (cr/KEY) and no linked commits (changeflow git sync) to"
        " find the release commit: give --commit SHA",
    )


# --- running the command -----------------------------------------------------------------


@dataclass
class CommandOutcome:
    command: str
    exit_code: int | None
    timed_out: bool
    seconds: Decimal
    output: str
    junit: list[tuple[str, bytes]]


def excerpt(raw: bytes) -> str:
    """The head and the tail of the output, ANSI colours and control characters removed."""
    text = raw.decode("utf-8", "replace")
    text = _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = clean_text(text.replace("\t", "    "), len(text) + 1)
    if len(text) > EXCERPT_HEAD + EXCERPT_TAIL:
        omitted = len(text) - EXCERPT_HEAD - EXCERPT_TAIL
        text = (
            text[:EXCERPT_HEAD] + f"\n… ({omitted} characters omitted) …\n" + text[-EXCERPT_TAIL:]
        )
    return text


def _child_env(junit: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CHANGEFLOW_", "PREFECT_", "GIT_DIR", "GIT_WORK_TREE"))
    }
    env["CHANGEFLOW_JUNIT"] = str(junit)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def _collect_junit(worktree: Path, junit: Path, patterns: Sequence[str]) -> list[tuple[str, bytes]]:
    found: list[Path] = [junit] if junit.is_file() else []
    for pattern in patterns:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise InputError("contract settings", "junit_paths", f"'{pattern}' must stay inside")
        for p in sorted(worktree.glob(pattern)):
            if p.is_file() and not p.is_symlink() and p not in found:
                found.append(p)
    return [(p.name, read_limited(p, JUNIT_MAX_BYTES)) for p in found]


def run_command(
    repo: Path,
    sha: str,
    command: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    junit_paths: Sequence[str] = (),
) -> CommandOutcome:
    """Run ``command`` in a fresh detached worktree at ``sha``; always remove the worktree.

    ``{junit}`` in the command (or ``$CHANGEFLOW_JUNIT``) names the file a JUnit report
    should be written to, e.g. ``python -m pytest --junitxml={junit}``.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise InputError("test command", "command", f"cannot be split into words ({exc})") from None
    if not argv:
        raise InputError("test command", "command", "is empty")
    if timeout <= 0:
        raise InputError("test command", "timeout", "must be more than 0 seconds")
    scratch = Path(tempfile.mkdtemp(prefix="changeflow-test-"))
    worktree = scratch / "worktree"
    junit = scratch / "junit.xml"
    argv = [a.replace(JUNIT_PLACEHOLDER, str(junit)) for a in argv]
    log = scratch / "output.log"
    try:
        git(repo, "worktree", "add", "--detach", "--quiet", str(worktree), sha)
        started = time.perf_counter()
        timed_out = False
        with open(log, "wb") as out:
            try:
                proc = subprocess.Popen(
                    argv,
                    cwd=worktree,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=_child_env(junit),
                    start_new_session=True,
                )
            except FileNotFoundError:
                raise InputError(
                    "test command", "command", f"program '{argv[0]}' not found"
                ) from None
            except PermissionError:
                raise InputError("test command", "command", f"'{argv[0]}' cannot be run") from None
            try:
                code: int | None = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                code = None
        seconds = Decimal(str(round(time.perf_counter() - started, 3)))
        raw = log.read_bytes() if log.stat().st_size <= 64 * 1024 * 1024 else _head_tail(log)
        output = excerpt(raw)
        if timed_out:
            output += f"\n… killed after the timeout of {timeout:g} s"
        return CommandOutcome(
            command=command,
            exit_code=code,
            timed_out=timed_out,
            seconds=seconds,
            output=output,
            junit=_collect_junit(worktree, junit, junit_paths),
        )
    finally:
        from .gitsync import run_git

        run_git(repo, "worktree", "remove", "--force", str(worktree), check=False)
        shutil.rmtree(scratch, ignore_errors=True)
        run_git(repo, "worktree", "prune", check=False)


def _head_tail(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(EXCERPT_HEAD * 4)
        f.seek(-EXCERPT_TAIL * 4, os.SEEK_END)
        tail = f.read()
    return head + b"\n...\n" + tail


# --- recording ---------------------------------------------------------------------------


def _environment_rows(run: TestRun, lang: str) -> list[dict[str, str]]:
    names = {
        "source": ("测试方式", "Source"),
        "os": ("操作系统", "Operating system"),
        "python": ("Python", "Python"),
        "git": ("Git", "Git"),
        "host": ("主机", "Host"),
        "worktree": ("工作区", "Working tree"),
        "timeout": ("超时", "Timeout"),
        "timestamp": ("JUnit 时间戳", "JUnit timestamp"),
    }
    rows = []
    for k, v in (run.environment or {}).items():
        rows.append({"name": _pick(names[k], lang) if k in names else k, "value": str(v)})
    return rows


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


def failure_summary(failed: Sequence[dict[str, Any]], limit: int = 5) -> str:
    parts = []
    for f in failed[:limit]:
        msg = (f.get("message") or "").splitlines()[0][:120] if f.get("message") else ""
        name = f.get("name") or "?"
        parts.append(f"{name}: {msg}" if msg else name)
    more = f" (+{len(failed) - limit} more)" if len(failed) > limit else ""
    return "; ".join(parts) + more


def verdict_reason(run: TestRun) -> str:
    """Why a run failed, in one line (or 'passed ...')."""
    counts = f"{run.cases} cases, {run.failures} failed, {run.errors} errors, {run.skipped} skipped"
    if run.passed:
        return f"passed: {counts}"
    if run.timed_out:
        return f"failed: the test command was killed after its timeout ({counts})"
    if run.failed_cases:
        return f"failed: {counts} — {failure_summary(run.failed_cases)}"
    if run.exit_code not in (None, 0):
        return f"failed: the test command exited with code {run.exit_code} ({counts})"
    return f"failed: {counts}"


def tests_line(run: TestRun, lang: str) -> str:
    """One line on a run for other documents (go-live record, acceptance certificate)."""
    if lang != "zh-CN":
        return f"test run #{run.seq} at {run.commit_sha[:10]}: {verdict_reason(run)}"
    verdict = "通过" if run.passed else "未通过"
    commit = run.commit_sha[:10] or "未注明"
    return (
        f"第 {run.seq} 次测试{verdict}（提交 {commit}）：{run.cases} 个用例，"
        f"{run.failures} 个失败，{run.errors} 个错误，{run.skipped} 个跳过"
    )


def report_context(run: TestRun, lang: str) -> dict[str, Any]:
    req = run.request
    tz = get_settings().tz
    contract = req.contract
    verdict = _pick(("通过", "PASSED"), lang) if run.passed else _pick(("不通过", "FAILED"), lang)
    kinds = {"failure": ("失败", "failure"), "error": ("错误", "error")}
    output_lines = [line[:200] for line in (run.output_excerpt or "").splitlines()]
    if len(output_lines) > REPORT_LINES:
        cut = len(output_lines) - REPORT_LINES
        output_lines = [
            _pick((f"……（前 {cut} 行略）", f"… ({cut} lines omitted)"), lang),
            *output_lines[-REPORT_LINES:],
        ]
    passed_cases = max(run.cases - run.failures - run.errors - run.skipped, 0)
    none = _pick(("（无）", "(none)"), lang)
    return {
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "version": run.seq,
        "seq": run.seq,
        "tested_at": run.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "tester": run.created_by,
        "verdict": verdict,
        "verdict_note": (
            _pick(("结论：全部用例通过。", "Result: every test case passed."), lang)
            if run.passed
            else _pick(("结论：测试未通过。原因：", "Result: the tests failed. Why: "), lang)
            + verdict_reason(run).removeprefix("failed: ")
        ),
        "source": _pick(("执行测试命令", "test command run by changeflow"), lang)
        if run.source == "command"
        else _pick(("导入 JUnit 结果文件", "JUnit files from a run made elsewhere"), lang),
        "command": run.command or none,
        "commit": run.commit_sha or _pick(("未注明", "not given"), lang),
        "repository": run.repo_path or none,
        "suites": run.suites,
        "cases": run.cases,
        "passed": passed_cases,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "duration": f"{run.duration:f} s",
        "exit_code": "—"
        if run.exit_code is None
        else str(run.exit_code)
        + (_pick(("（超时终止）", " (killed: timeout)"), lang) if run.timed_out else ""),
        "environment": _environment_rows(run, lang),
        "requirements": [
            {"no": r.no, "text": r.text, "acceptance": r.acceptance or "—"}
            for r in req.requirements
        ],
        "failed": [
            {
                "no": i,
                "suite": f.get("classname") or f.get("suite") or "",
                "name": f.get("name", ""),
                "kind": _pick(kinds.get(f.get("outcome", ""), ("失败", "failure")), lang),
                "message": f.get("message", ""),
            }
            for i, f in enumerate(run.failed_cases or [], start=1)
        ],
        "output": output_lines,
        "junit_files": run.junit_files or [],
    }


def render_report(run: TestRun, lang: str) -> bytes:
    from .wordkit import clean, render

    title = _pick(("测试报告", "Test Report"), lang)
    return render(
        "testreport",
        report_context(run, lang),
        lang=lang,
        title=f"{title} {run.request.key} v{run.seq}",
        subject=clean(run.request.title),
        author=run.created_by or "changeflow",
        when=run.created_at,
        custom_properties={
            "changeflow.kind": "testreport",
            "changeflow.request": run.request.key,
            "changeflow.version": str(run.seq),
            "changeflow.lang": lang,
            "changeflow.commit": run.commit_sha,
            "changeflow.passed": "true" if run.passed else "false",
        },
    )


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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _result(run: TestRun, *, unchanged: bool = False) -> TestResult:
    doc = run.document
    assert doc is not None
    return TestResult(
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
) -> TestResult:
    """Test ``key`` at its release commit and record the run with its test report.

    With ``junit`` files the results of a run made elsewhere are recorded (``commit``
    names what was tested); otherwise ``command`` (or the contract's ``test_command``)
    runs in a clean worktree. ``reopen`` sends a request whose tests failed back to
    development. While the request is in testing, a run that already passed with the same
    inputs stands (``unchanged``) unless ``again`` asks for another one.
    """
    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    actor = clean_text(actor or actor_name(), 120) or "changeflow"
    # 1. what to run, where (read-only): refuse early, before minutes of testing.
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        _check_state(req)
        settings = dict(req.contract.settings or {}) if req.contract else {}
        if junit:
            repo: Path | None = _maybe_repo(session, req)
            sha = ""
            if commit:
                sha = resolve_commit(repo, commit) if repo else _plain_sha(commit)
            elif repo is not None:
                with suppress(InputError):
                    sha = release_commit(session, req, repo, None)
        else:
            command = (command or settings.get("test_command") or "").strip()
            if not command:
                raise InputError(
                    key,
                    "test_command",
                    "no test command: set settings.test_command in the contract, pass"
                    " --command, or give --junit files",
                )
            repo = project_repo(session, req)
            sha = release_commit(session, req, repo, commit)
        limit = float(timeout or settings.get("test_timeout_seconds") or DEFAULT_TIMEOUT)
        junit_paths = settings.get("junit_paths") or []
        if not isinstance(junit_paths, list):
            raise InputError("contract settings", "junit_paths", "must be a list of glob patterns")
        standing = None if again else _standing_run(session, req, sha, command, junit)
        if standing is not None:
            return _result(standing, unchanged=True)
    # 2. parse or run (outside any transaction).
    outcome: CommandOutcome | None = None
    if junit:
        parsed = parse_junit_many(junit)
        source = "junit"
    else:
        assert command is not None and repo is not None
        outcome = run_command(repo, sha, command, timeout=limit, junit_paths=junit_paths)
        parsed = JUnitResult()
        for name, data in outcome.junit:
            try:
                parsed.merge(parse_junit(data, name))
            except InputError as exc:
                outcome.output += f"\n[changeflow] JUnit file ignored: {exc}"
        source = "command"
    env = parsed.environment | _environment(source, limit, repo)
    # 3. record: the run, its report and the state change in one transaction.
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
        data = render_report(run, lang)
        doc = put_document(
            session,
            data,
            kind="testreport",
            request=req,
            filename=f"{req.key}-testreport-v{seq}.docx",
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


def run_tests_from_files(key: str, junit_paths: Sequence[Path] = (), **kwargs: Any) -> TestResult:
    """``changeflow test KEY --junit FILE ...``: read the files (size-limited) first."""
    return run_tests(key, junit=read_junit_files(junit_paths), **kwargs)


def _plain_sha(text: str) -> str:
    text = text.strip()
    if not _SHA.match(text):
        raise InputError("--commit", "commit", f"'{text[:60]}' is not a commit sha")
    return text.lower()


def _maybe_repo(session: Session, req: Request) -> Path | None:
    """The project's repository when the contract has one (JUnit runs need none)."""
    try:
        path = project_repo(session, req)
    except InputError:
        return None
    return path if path.exists() else None


# --- queries other stages use -------------------------------------------------------------


def latest_run(session: Session, req: Request) -> TestRun | None:
    return session.scalar(
        select(TestRun).where(TestRun.request_id == req.id).order_by(TestRun.seq.desc()).limit(1)
    )


def run_summary(run: TestRun) -> dict[str, Any]:
    tz = get_settings().tz
    return {
        "seq": run.seq,
        "at": run.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "commit": run.commit_sha,
        "source": run.source,
        "passed": run.passed,
        "cases": run.cases,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "reason": verdict_reason(run),
    }


@section("delivery")
def _status_section(session: Session, request: Request) -> dict[str, Any] | None:
    runs = session.scalars(
        select(TestRun).where(TestRun.request_id == request.id).order_by(TestRun.seq)
    ).all()
    releases = session.scalars(
        select(Release).where(Release.request_id == request.id).order_by(Release.version)
    ).all()
    if not runs and not releases:
        return None
    tz = get_settings().tz
    return {
        "test_runs": [run_summary(r) for r in runs],
        "releases": [
            {
                "version": r.version,
                "tag": r.tag,
                "commit": r.commit_sha,
                "at": r.released_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                "by": r.released_by,
            }
            for r in releases
        ],
    }
