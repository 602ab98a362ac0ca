"""Running the test command in a fresh detached ``git worktree`` at the commit (never in the
developer's checkout), with a timeout that kills the whole process group and our own settings
removed from the environment; the worktree is always removed again.

The scratch folder goes on a RAM file system (``/dev/shm``) when there is one with room to
spare (``SCRATCH_MIN_FREE``): writing a checkout of thousands of files to a journalled disk
costs the kernel ~0.5 ms a file on a busy machine, ten times the RAM's. ``TMPDIR`` set by
the operator wins (the temporary folder they chose), as does ``CHANGEFLOW_SCRATCH_DIR``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from changeflow.errors import InputError

from ..inputs import clean_text, read_limited
from .junit import JUNIT_MAX_BYTES
from .repository import git

DEFAULT_TIMEOUT = 1800
EXCERPT_HEAD = 2_000
EXCERPT_TAIL = 10_000
JUNIT_PLACEHOLDER = "{junit}"
RAM_DIR = Path("/dev/shm")
SCRATCH_MIN_FREE = 4 * 1024**3  # a test run that writes more than this should use a disk
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


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


def scratch_root() -> str | None:
    """Where the scratch folder goes: ``CHANGEFLOW_SCRATCH_DIR``, else the operator's
    ``TMPDIR``, else a RAM file system with ``SCRATCH_MIN_FREE`` free, else the system's
    temporary folder (None)."""
    chosen = os.environ.get("CHANGEFLOW_SCRATCH_DIR") or os.environ.get("TMPDIR")
    if chosen:
        return chosen
    try:
        st = os.statvfs(RAM_DIR)
    except OSError:
        return None
    if st.f_bavail * st.f_frsize >= SCRATCH_MIN_FREE and os.access(RAM_DIR, os.W_OK | os.X_OK):
        return str(RAM_DIR)
    return None


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
    scratch = Path(tempfile.mkdtemp(prefix="changeflow-test-", dir=scratch_root()))
    worktree = scratch / "worktree"
    junit = scratch / "junit.xml"
    argv = [a.replace(JUNIT_PLACEHOLDER, str(junit)) for a in argv]
    log = scratch / "output.log"
    try:
        # checkout.workers: the files are written by one worker per core (git >= 2.32)
        git(repo, "-c", "checkout.workers=0", "worktree", "add", "--detach", "--quiet",
            str(worktree), sha)  # fmt: skip
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
        _remove_worktree(repo, worktree, scratch)


def _remove_worktree(repo: Path, worktree: Path, scratch: Path) -> None:
    """Delete the scratch folder, then ``git worktree prune`` forgets the worktree whose
    folder is gone: one git call instead of ``worktree remove --force`` (which reads the
    worktree's index and status again before deleting) plus the prune. A folder that would
    not go (a file the command made read-only) falls back to ``worktree remove --force``."""
    from ..gitsync import run_git

    shutil.rmtree(scratch, ignore_errors=True)
    if worktree.exists():
        run_git(repo, "worktree", "remove", "--force", str(worktree), check=False)
        shutil.rmtree(scratch, ignore_errors=True)
    run_git(repo, "worktree", "prune", check=False)


def _head_tail(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(EXCERPT_HEAD * 4)
        f.seek(-EXCERPT_TAIL * 4, os.SEEK_END)
        tail = f.read()
    return head + b"\n...\n" + tail
