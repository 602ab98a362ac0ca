"""Git plumbing: plain git calls, a repository's refs, and the one streaming ``git log``.

Nothing here knows the database: ``inspect_repository`` reads the refs (and the shallow
boundary), ``select_heads`` picks the followed branches, ``stream_log`` runs ``git log
--numstat`` and yields parsed ``RawCommit`` blocks while git is still writing.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from changeflow.errors import ConfigError, InputError

_SURROGATE = re.compile("[\udc80-\udcff]")
_RENAME_BRACES = re.compile(r"\{([^{}]*) => ([^{}]*)\}")
LOG_FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%ad%x1f%ct%x1f%B%x1f"


def git_env(path: Path) -> dict[str, str]:
    """Plain, non-interactive git that never looks above ``path`` for a repository."""
    env = dict(os.environ)
    env.update(
        LC_ALL="C",
        LANG="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_PAGER="cat",
        GIT_CEILING_DIRECTORIES=str(path.parent),
    )
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def _git_error(path: Path, stderr: str) -> InputError | ConfigError:
    low = stderr.lower()
    if "dubious ownership" in low:
        return ConfigError(
            f"{path}: the repository belongs to another user; allow it with "
            f"'git config --global --add safe.directory {path}'"
        )
    if "not a git repository" in low:
        return InputError(str(path), "repository", "not a git repository")
    line = stderr.strip().splitlines()[-1] if stderr.strip() else "git failed"
    return InputError(str(path), "git", line)


def run_git(path: Path, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
    """A small git call (refs, rev-list); the big log goes through ``stream_log``."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), *args],
            input=stdin,
            capture_output=True,
            env=git_env(path),
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed (no 'git' on PATH)") from None
    if check and proc.returncode != 0:
        raise _git_error(path, proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


@dataclass
class RepoState:
    """What a sync needs to know about a repository before reading its history."""

    path: Path
    heads: dict[str, str]  # short branch name -> sha
    head_sha: str | None
    detached: bool
    shallow: frozenset[str]
    bare: bool


def inspect_repository(path: Path) -> RepoState:
    """Check the path is a usable repository and read its refs (three quick git calls)."""
    if not path.exists():
        raise InputError(str(path), "path", "does not exist")
    if not path.is_dir():
        raise InputError(str(path), "path", "is not a folder")
    out = run_git(path, "rev-parse", "--is-bare-repository", "--is-shallow-repository", "--git-dir")
    lines = out.decode("utf-8", "replace").splitlines()
    bare, shallow_flag, git_dir = lines[0] == "true", lines[1] == "true", lines[2]
    refs = run_git(
        path,
        "for-each-ref",
        "--format=%(objectname)%09%(objecttype)%09%(symref)%09%(refname)",
        "refs/heads",
        "refs/remotes",
    ).decode("utf-8", "replace")
    heads: dict[str, str] = {}
    for line in refs.splitlines():
        sha, kind, symref, ref = line.split("\t", 3)
        if symref or kind != "commit":
            continue  # origin/HEAD and refs to tags/trees are not branches
        name = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ref[13:]
        heads[name] = sha
    gd = Path(git_dir) if Path(git_dir).is_absolute() else path / git_dir
    head_sha, detached = _read_head(path, gd)
    shallow: frozenset[str] = frozenset()
    if shallow_flag:
        shallow_file = gd / "shallow"
        if shallow_file.exists():
            shallow = frozenset(shallow_file.read_text().split())
    return RepoState(path, heads, head_sha, detached, shallow, bare)


def _read_head(path: Path, git_dir: Path) -> tuple[str | None, bool]:
    """(sha of a detached HEAD, detached?) from the HEAD file: two git calls fewer per sync."""
    try:
        text = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    if text.startswith("ref:") and text != "ref: refs/heads/.invalid":
        return None, False
    if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", text):
        return text, True
    # reftable or an unusual layout: ask git
    head = run_git(path, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    sha = head.decode().strip() or None
    detached = sha is not None and not run_git(path, "symbolic-ref", "-q", "HEAD", check=False)
    return sha, detached


def select_heads(state: RepoState, patterns: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The branches to follow (fnmatch patterns; none = all) and warnings for the user."""
    warnings: list[str] = []
    if patterns:
        heads = {
            n: s for n, s in state.heads.items() if any(fnmatch.fnmatchcase(n, p) for p in patterns)
        }
        if not heads and state.heads:
            raise InputError(
                str(state.path),
                "branches",
                f"no branch matches {', '.join(patterns)} "
                f"(branches: {', '.join(sorted(state.heads)[:10])})",
            )
    else:
        heads = dict(state.heads)
    if state.detached:
        if heads:
            warnings.append(
                f"detached HEAD at {state.head_sha[:10] if state.head_sha else '?'}: "
                "following the branches only"
            )
        elif state.head_sha:
            heads = {"HEAD": state.head_sha}
            warnings.append("detached HEAD and no branches: following HEAD")
    return heads, warnings


@dataclass(slots=True)
class RawCommit:
    sha: str
    parents: str
    name: str
    email: str
    authored: int
    tz_minutes: int
    committed: int
    message: str
    files: int
    insertions: int
    deletions: int
    paths: str  # newline-separated


def _decode_message(msg: str) -> str:
    """A message that was not UTF-8: try GB18030 (GBK superset), else replacement chars."""
    raw = msg.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def _fix_text(text: str) -> str:
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _new_path(path: str) -> str:
    if " => " not in path:
        return path
    if "{" in path:
        return _RENAME_BRACES.sub(r"\2", path).replace("//", "/")
    return path.split(" => ", 1)[1]


def _parse_records(text: str) -> Iterator[RawCommit]:
    has_bad = _SURROGATE.search(text) is not None
    for rec in text.split("\x1e"):
        if not rec:
            continue
        parts = rec.split("\x1f", 7)
        if len(parts) != 8:
            continue
        sha, parents, name, email, adate, ct, msg, rest = parts
        ts, _, tz = adate.partition(" ")
        tz_minutes = 0
        if len(tz) == 5:
            tz_minutes = (int(tz[1:3]) * 60 + int(tz[3:5])) * (-1 if tz[0] == "-" else 1)
        if has_bad:
            if _SURROGATE.search(msg):
                msg = _decode_message(msg)
            name, email = _fix_text(name), _fix_text(email)
        files = ins = dels = 0
        paths: list[str] = []
        for line in rest.split("\n"):
            if not line:
                continue
            a, d, p = line.split("\t", 2)
            files += 1
            if a != "-":
                ins += int(a)
                dels += int(d)
            paths.append(_new_path(p))
        if has_bad and paths:
            paths = [_fix_text(p) for p in paths]
        joined = "\n".join(paths)
        yield RawCommit(
            sha,
            parents,
            name,
            email,
            int(ts),
            tz_minutes,
            int(ct),
            msg.strip(),
            files,
            ins,
            dels,
            joined,
        )


def log_args() -> list[str]:
    """The one ``git log`` of a sync (also what the benchmark times as our command)."""
    return [
        "-c",
        "core.quotepath=off",
        "-c",
        "log.showSignature=false",
        "log",
        "--numstat",
        "--no-color",
        "--no-ext-diff",
        "--date=raw",
        f"--format={LOG_FORMAT}",
        "--stdin",
    ]


class _Spool:
    """One ``git log --numstat`` writing into a spool file that Python reads as it grows:
    git never waits for Python or the database (a pipe would stall it whenever the parser
    holds the CPU, which doubles the wall time on a busy two-core machine), and memory stays
    flat (blocks of ~1 MB)."""

    def __init__(self, path: Path, revs: str) -> None:
        self.path = path
        # all three are closed in close(), which _drain always calls
        self.err = tempfile.TemporaryFile()  # noqa: SIM115
        self.spool = tempfile.NamedTemporaryFile(prefix="changeflow-gitlog-")  # noqa: SIM115
        self.src = open(self.spool.name, "rb", buffering=0)  # noqa: SIM115
        self.buf = b""
        self.done = False
        try:
            self.proc = subprocess.Popen(
                ["git", "-C", str(path), *log_args()],
                stdin=subprocess.PIPE,
                stdout=self.spool,
                stderr=self.err,
                env=git_env(path),
            )
        except FileNotFoundError:
            self.close()
            raise ConfigError("git is not installed (no 'git' on PATH)") from None
        assert self.proc.stdin is not None
        self.proc.stdin.write(revs.encode())
        self.proc.stdin.close()

    def poll(self) -> list[RawCommit] | None:
        """The commits written since the last call (None: nothing new yet); ``done`` once
        git has exited and everything it wrote was parsed."""
        chunk = self.src.read(1 << 20)
        if not chunk:
            if self.proc.poll() is None:
                return None
            chunk = self.src.read()  # git has exited: everything is in the file
            if not chunk:
                self.done = True
                self._check()
                rest, self.buf = self.buf, b""
                return list(_parse_records(rest.decode("utf-8", "surrogateescape")))
        self.buf += chunk
        cut = self.buf.rfind(b"\x1e")
        if cut <= 0:
            return []
        ready, self.buf = self.buf[:cut], self.buf[cut:]
        return list(_parse_records(ready.decode("utf-8", "surrogateescape")))

    def _check(self) -> None:
        if self.proc.wait() != 0:
            self.err.seek(0)
            raise _git_error(self.path, self.err.read().decode("utf-8", "replace"))

    def close(self) -> None:
        """Stop git if it still runs (the consumer stopped early: an error) and clean up."""
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.wait()
        for f in ("src", "spool", "err"):
            if hasattr(self, f):
                getattr(self, f).close()


def _revs(include: Iterable[str], exclude: Iterable[str]) -> str:
    return "\n".join([*include, *(f"^{x}" for x in exclude)]) + "\n"


def _drain(spools: list[_Spool]) -> Iterator[list[RawCommit]]:
    """Parsed blocks from each spool as they come (round robin), until every git is done."""
    try:
        while True:
            busy = [sp for sp in spools if not sp.done]
            if not busy:
                return
            idle = True
            for sp in busy:
                block = sp.poll()
                if block is None:
                    continue
                idle = False
                if block:
                    yield block
            if idle:
                time.sleep(0.002)
    finally:
        for sp in spools:
            sp.close()


def stream_log(
    path: Path, include: Iterable[str], exclude: Iterable[str]
) -> Iterator[list[RawCommit]]:
    """Yield parsed commits in blocks while one ``git log --numstat`` runs."""
    yield from _drain([_Spool(path, _revs(include, exclude))])


# A history split over the cores: below this many first-parent commits one git is as fast.
SPLIT_MIN_COMMITS = 4000


def log_ways() -> int:
    """How many ``git log`` processes a big history is split over: one per core, at most 4
    (``CHANGEFLOW_GIT_LOG_WAYS`` overrides it; 1 turns the split off)."""
    raw = os.environ.get("CHANGEFLOW_GIT_LOG_WAYS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return min(int(raw), 16)
    return max(1, min(os.cpu_count() or 1, 4))


def split_ranges(
    path: Path, include: Sequence[str], exclude: Sequence[str], ways: int
) -> list[tuple[list[str], list[str]]]:
    """Disjoint ranges of the commit graph that together are ``include ^exclude``.

    Cut points ``c1 .. c(n-1)`` are taken evenly along one head's first-parent chain (within
    the range), newest first; each is an ancestor of the one before it, so the ranges
    ``include ^exclude ^c1``, ``c1 ^exclude ^c2``, ..., ``c(n-1) ^exclude`` hold every commit
    of the range exactly once (a commit is below a cut or it is not). One cheap
    ``rev-list --first-parent`` (no diffs) finds them; a short range is not split.
    """
    whole = [(list(include), list(exclude))]
    if ways < 2 or not include:
        return whole
    head = include[0] if len(include) == 1 else _mainline(path, include)
    chain = run_git(path, "rev-list", "--first-parent", "--stdin",
                    stdin=_revs([head], exclude).encode()).decode().split()  # fmt: skip
    if len(chain) < SPLIT_MIN_COMMITS:
        return whole
    cuts = [chain[len(chain) * k // ways] for k in range(1, ways)]
    ranges = [(list(include), [*exclude, cuts[0]])]
    for newer, older in itertools.pairwise(cuts):
        ranges.append(([newer], [*exclude, older]))
    ranges.append(([cuts[-1]], list(exclude)))
    return ranges


def _mainline(path: Path, include: Sequence[str]) -> str:
    """The head whose first-parent chain is cut: the newest commit among the heads (the
    mainline a team merges into moves last), ties broken by sha for a stable choice."""
    out = run_git(path, "rev-list", "--no-walk", "--timestamp", "--stdin",
                  stdin=("\n".join(include) + "\n").encode())  # fmt: skip
    return max((int(t), sha) for t, sha in (ln.split() for ln in out.decode().splitlines()))[1]


def stream_log_split(
    path: Path, include: Sequence[str], exclude: Sequence[str], ways: int | None = None
) -> Iterator[list[RawCommit]]:
    """``stream_log`` over disjoint ranges of the history, one ``git log`` per core at once.

    The same commits as one ``git log`` (each exactly once; no merge has a numstat in
    either), in another order: the writer does not depend on the order. git's own diffing
    is most of a sync's time, so two processes on two cores finish well before one.
    """
    ranges = split_ranges(path, include, exclude, log_ways() if ways is None else ways)
    spools: list[_Spool] = []
    try:
        for inc, exc in ranges:
            spools.append(_Spool(path, _revs(inc, exc)))
    except BaseException:
        for sp in spools:
            sp.close()
        raise
    yield from _drain(spools)


def rev_list(path: Path, include: Iterable[str], exclude: Iterable[str]) -> list[str]:
    revs = "\n".join([*include, *(f"^{x}" for x in exclude)]) + "\n"
    out = run_git(path, "rev-list", "--stdin", stdin=revs.encode())
    return out.decode().split()


def existing_shas(path: Path, shas: Iterable[str]) -> set[str]:
    """Which of these commits still exist in the object database (one cat-file call)."""
    shas = list(shas)
    if not shas:
        return set()
    out = run_git(
        path,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="\n".join(shas).encode(),
    ).decode()
    return {ln.split()[0] for ln in out.splitlines() if ln.endswith(" commit")}
