"""Development tracking from git: sync commits, link them to requests, read time logs.

Why it is shaped like this (see the Git section of the field notes):

* One streaming ``git log --numstat`` per sync, parsed in Python while git is still
  writing (a reader thread drains the pipe so git never waits for the database). Per-commit
  git calls or objects are 25x slower.
* Incremental: ``git log <current heads> --not <last synced heads>``, one process for every
  followed branch. A head that is no longer reachable (force-push, deleted branch) is
  reconciled with one ``git rev-list old --not new``: those commits are kept (with their
  links) but marked ``reachable = False`` and no longer count; they count again if a branch
  brings them back. Nothing is ever inserted twice (unique sha per repository).
* Identities: ``%aN``/``%aE`` apply ``.mailmap``; then case is folded and the repository's
  aliases and people's ``git_aliases`` map every spelling to one identity.
* Links: the request key anywhere (``CR-2026-0042``); ``refs|fixes|closes #N`` where N is
  the request number *of the year of the commit's author date* (numbers restart each year;
  use the full key across a year boundary); commits of a branch ``cr/<key>``.
* Time: ``@2h``, ``@1h30m``, ``@45m``, ``@1.5`` (hours) becomes a time entry of the author on
  the commit's day (author's own UTC offset), for the request mentioned last before the
  token (else the commit's first linked request).
* Merges carry no numstat (git's default): their lines are the branch's lines, counted once
  on the branch commits. A shallow clone's boundary commit has no real numstat: its figures
  are stored as NULL.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.git import BranchHead, Commit, CommitLink, Repository, TimeEntry
from changeflow.db.models import Contract, Person, Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConfigError, ConflictError, InputError, NotFoundError
from changeflow.settings import get_settings

DEFAULT_LINK_PATTERNS = (
    r"(?<![A-Za-z0-9])(?P<key>CR-\d{4}-\d{4})(?!\d)",
    r"(?i)\b(?:refs?|fix(?:e[sd])?|close[sd]?)[ :]+#(?P<seq>\d{1,6})\b",
)
BRANCH_KEY = re.compile(r"(?:^|/)cr/(?P<key>CR-\d{4}-\d{4})$")
# A merge *of* a cr/ branch (git's and the forges' default messages), not "main into cr/...".
MERGE_KEY = re.compile(
    r"^Merge (?:remote-tracking )?branch '(?:[^'\s]+/)?cr/(?P<key>CR-\d{4}-\d{4})'"
    r"|^Merge (?:pull|merge) request \S+ from \S*?cr/(?P<key2>CR-\d{4}-\d{4})\b"
)
TIME_TOKEN = re.compile(
    r"(?<![\w@.])@(?:(?P<h>\d{1,3}(?:\.\d{1,2})?)h(?:(?P<hm>\d{1,2})m)?"
    r"|(?P<m>\d{1,4})m|(?P<bare>\d{1,3}(?:\.\d{1,2})?))(?![\w.])"
)
MAX_HOURS_PER_TOKEN = Decimal(24)
BATCH = 2000
IN_CHUNK = 500
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SURROGATE = re.compile("[\udc80-\udcff]")
_RENAME_BRACES = re.compile(r"\{([^{}]*) => ([^{}]*)\}")
LOG_FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%ad%x1f%ct%x1f%B%x1f"


# --------------------------------------------------------------------------- git plumbing


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


def stream_log(
    path: Path, include: Iterable[str], exclude: Iterable[str]
) -> Iterator[list[RawCommit]]:
    """Yield parsed commits in blocks while one ``git log --numstat`` runs.

    git writes into a spool file that Python reads as it grows: git never waits for Python
    or the database (a pipe would stall it whenever the parser holds the CPU, which doubles
    the wall time on a busy two-core machine), and memory stays flat (blocks of ~1 MB).
    """
    revs = "\n".join([*include, *(f"^{x}" for x in exclude)]) + "\n"
    with (
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(prefix="changeflow-gitlog-") as spool,
        open(spool.name, "rb", buffering=0) as src,
    ):
        try:
            proc = subprocess.Popen(
                ["git", "-C", str(path), *log_args()],
                stdin=subprocess.PIPE,
                stdout=spool,
                stderr=err,
                env=git_env(path),
            )
        except FileNotFoundError:
            raise ConfigError("git is not installed (no 'git' on PATH)") from None
        assert proc.stdin is not None
        proc.stdin.write(revs.encode())
        proc.stdin.close()
        buf = b""
        finished = False
        try:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    if proc.poll() is None:
                        time.sleep(0.002)
                        continue
                    chunk = src.read()  # git has exited: everything is in the file
                    if not chunk:
                        break
                buf += chunk
                cut = buf.rfind(b"\x1e")
                if cut > 0:
                    done, buf = buf[:cut], buf[cut:]
                    yield list(_parse_records(done.decode("utf-8", "surrogateescape")))
            if buf:
                yield list(_parse_records(buf.decode("utf-8", "surrogateescape")))
            finished = True
        finally:
            if not finished:  # the consumer stopped early (an error): stop git too
                proc.kill()
            proc.wait()
        if proc.returncode != 0:
            err.seek(0)
            raise _git_error(path, err.read().decode("utf-8", "replace"))


# --------------------------------------------------------------------------- identities


class Identities:
    """Maps (name, email) to one identity and, when known, a person; cached per spelling."""

    def __init__(self, session: Session, aliases: dict[str, str]) -> None:
        self.by_key: dict[str, tuple[str, int | None]] = {}
        people = session.execute(
            select(Person.id, Person.name, Person.email, Person.git_aliases)
        ).all()
        name_count: dict[str, int] = {}
        for _pid, name, _email, _al in people:
            name_count[name.casefold()] = name_count.get(name.casefold(), 0) + 1
        for pid, name, email, git_aliases in people:
            ident = (email or name).strip().casefold()
            keys = [a.strip().casefold() for a in git_aliases or []]
            if email:
                keys.append(email.strip().casefold())
            if name_count[name.casefold()] == 1:
                keys.append(" ".join(name.split()).casefold())
            for k in keys:
                self.by_key.setdefault(k, (ident, pid))
        for spelling, canonical in (aliases or {}).items():
            target = canonical.strip().casefold()
            self.by_key[spelling.strip().casefold()] = self.by_key.get(target, (target, None))
        self.cache: dict[tuple[str, str], tuple[str, int | None]] = {}

    def resolve(self, name: str, email: str) -> tuple[str, int | None]:
        got = self.cache.get((name, email))
        if got is None:
            e = email.strip().casefold()
            n = " ".join(name.split()).casefold()
            got = self.by_key.get(e) or self.by_key.get(n) or (e or n, None)
            self.cache[(name, email)] = got
        return got


# --------------------------------------------------------------------------- links and time


class Linker:
    """Finds request links and time tokens in messages; requests are loaded once per sync."""

    def __init__(self, session: Session, patterns: Sequence[str]) -> None:
        self.default = not patterns
        try:
            self.patterns = [re.compile(p) for p in (patterns or DEFAULT_LINK_PATTERNS)]
        except re.error as exc:
            raise InputError(
                "repository", "link_patterns", f"bad regular expression: {exc}"
            ) from None
        for p in self.patterns:
            if not {"key", "seq"} & set(p.groupindex):
                raise InputError(
                    "repository", "link_patterns", f"{p.pattern!r} has no (?P<key>) or (?P<seq>)"
                )
        self.keys: dict[str, int] = {}
        self.seqs: dict[tuple[int, int], int] = {}
        for rid, key, year, seq in session.execute(
            select(Request.id, Request.key, Request.year, Request.seq)
        ):
            self.keys[key] = rid
            self.seqs[(year, seq)] = rid

    def find(self, message: str, dayno: int) -> list[tuple[int, int, str]]:
        """(position, request id, how) of every mention, in message order; ``dayno`` is the
        author's day (days since 1970-01-01) whose year numbers ``#N``."""
        if self.default and "CR-" not in message and "#" not in message:
            return []
        found: list[tuple[int, int, str]] = []
        for pat in self.patterns:
            for m in pat.finditer(message):
                gd = m.groupdict()
                if gd.get("key"):
                    rid = self.keys.get(gd["key"].upper())
                    how = "key"
                elif gd.get("seq"):
                    year = date.fromordinal(_EPOCH_ORDINAL + dayno).year
                    rid = self.seqs.get((year, int(gd["seq"])))
                    how = "ref"
                else:
                    continue
                if rid is not None:
                    found.append((m.start(), rid, how))
        found.sort()
        return found


def parse_time_tokens(message: str) -> list[tuple[int, Decimal, str]]:
    """(position, hours, token) for ``@2h``, ``@1h30m``, ``@45m``, ``@1.5``; others ignored."""
    out: list[tuple[int, Decimal, str]] = []
    if "@" not in message:
        return out
    for m in TIME_TOKEN.finditer(message):
        if m["h"] is not None:
            minutes = int(m["hm"] or 0)
            if minutes >= 60:
                continue
            hours = Decimal(m["h"]) + Decimal(minutes) / 60
        elif m["m"] is not None:
            hours = Decimal(int(m["m"])) / 60
        else:
            hours = Decimal(m["bare"])
        hours = hours.quantize(Decimal("0.01"))
        if 0 < hours <= MAX_HOURS_PER_TOKEN:
            out.append((m.start(), hours, m.group(0)))
    return out


# --------------------------------------------------------------------------- sync


@dataclass
class SyncResult:
    repository: str
    path: str
    branches: int = 0
    seen: int = 0
    new: int = 0
    reachable_again: int = 0
    unreachable: int = 0
    linked: int = 0
    time_entries: int = 0
    requests: list[str] = field(default_factory=list)  # keys touched by this sync
    shallow: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _chunks(items: Sequence[Any], n: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _ids_for(session: Session, repo_id: int, shas: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    shas = list(shas)
    for part in _chunks(shas):
        q = select(Commit.sha, Commit.id).where(
            Commit.repository_id == repo_id, Commit.sha.in_(part)
        )
        out.update(session.execute(q).tuples().all())
    return out


class _Bulk:
    """Driver-level ``executemany``: at 100,000 rows SQLAlchemy's per-row bind processing
    costs more than the insert itself, so values are converted here, once, for the dialect
    (SQLite: the text formats SQLAlchemy itself writes; PostgreSQL: naive UTC datetimes)."""

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        self.kind = self.conn.dialect.name if self.conn.dialect.name in _FAST else ""
        self.mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self._days: dict[int, Any] = {}

    def ts(self, t: int) -> Any:
        if self.kind == "sqlite":
            return time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(t))
        d = datetime.fromtimestamp(t, UTC)
        return d.replace(tzinfo=None) if self.kind else d

    def dt(self, d: datetime) -> Any:
        d = d.astimezone(UTC)
        if self.kind == "sqlite":
            return d.strftime("%Y-%m-%d %H:%M:%S.%f")
        return d.replace(tzinfo=None) if self.kind else d

    def day(self, n: int) -> Any:
        """Day number since 1970-01-01 -> the column value (cached: few distinct days)."""
        got = self._days.get(n)
        if got is None:
            d = date.fromordinal(_EPOCH_ORDINAL + n)
            got = self._days[n] = d.isoformat() if self.kind == "sqlite" else d
        return got

    def flag(self, b: bool) -> Any:
        return int(b) if self.kind == "sqlite" else b

    def insert(self, table: Any, cols: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.kind:
            marks = ", ".join([self.mark] * len(cols))
            sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({marks})"
            self.conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
        else:
            self.conn.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in rows])


_FAST = ("sqlite", "postgresql")
COMMIT_COLS = (
    "repository_id", "sha", "parents", "is_merge", "author_name", "author_email", "identity",
    "person_id", "authored_at", "author_tz", "author_day", "committed_at", "message", "files",
    "insertions", "deletions", "paths", "reachable", "shallow_boundary", "synced_at",
)  # fmt: skip
LINK_COLS = ("commit_id", "request_id", "how", "created_at")
TIME_COLS = (
    "commit_id", "position", "request_id", "person_id", "identity", "day", "hours", "token",
    "created_at",
)  # fmt: skip


class _Writer:
    """Buffers parsed commits and writes them in bulk with their links and time entries."""

    def __init__(
        self,
        session: Session,
        repo: Repository,
        state: RepoState,
        result: SyncResult,
        relink: bool = False,
    ) -> None:
        self.s = session
        self.relink = relink  # also re-read links, time and identities of stored commits
        self.repo = repo
        self.state = state
        self.result = result
        self.ids = Identities(session, repo.aliases)
        self.linker = Linker(session, repo.link_patterns)
        self.known = bool(
            session.scalar(select(Commit.id).where(Commit.repository_id == repo.id).limit(1))
        )
        self.now = utcnow()
        self.bulk = _Bulk(session)
        self.now_value = self.bulk.dt(self.now)
        self.table = Commit.__table__
        self.merges: list[tuple[str, str]] = []  # (key, parents) of merged cr/ branches
        self.touched: set[int] = set()
        self.parents: dict[str, str] = {}  # sha -> parents of every commit in this sync

    def write(self, batch: list[RawCommit]) -> None:
        self.result.seen += len(batch)
        parents = self.parents
        for c in batch:
            parents[c.sha] = c.parents
        if self.known:
            batch = self._drop_known(batch)
        if not batch:
            return
        self._insert(batch)

    def _scan(
        self, c: RawCommit, identity: str, pid: int | None, dayno: int, pending: dict[str, Any]
    ) -> None:
        """Links, time tokens and cr/ merges of one commit message."""
        msg = c.message
        links = self.linker.find(msg, dayno)
        times = parse_time_tokens(msg) if "@" in msg else []
        if links or times:
            pending[c.sha] = (links, times, identity, pid, date.fromordinal(_EPOCH_ORDINAL + dayno))
        if " " in c.parents and "cr/" in msg and (mk := MERGE_KEY.search(msg)):
            self.merges.append((mk["key"] or mk["key2"], c.parents))

    def _insert(self, batch: list[RawCommit]) -> None:
        bulk = self.bulk
        rows: list[tuple[Any, ...]] = []
        pending: dict[str, tuple[list[tuple[int, int, str]], list[Any], str, int | None, date]] = {}
        shallow = self.state.shallow
        resolve, scan, repo_id = self.ids.resolve, self._scan, self.repo.id
        yes, no, now = bulk.flag(True), bulk.flag(False), self.now_value
        for c in batch:
            identity, pid = resolve(c.name, c.email)
            dayno = (c.authored + c.tz_minutes * 60) // 86400
            boundary = c.sha in shallow
            is_merge = " " in c.parents
            rows.append(
                (
                    repo_id,
                    c.sha,
                    c.parents,
                    yes if is_merge else no,
                    c.name[:200],
                    c.email[:200],
                    identity[:200],
                    pid,
                    bulk.ts(c.authored),
                    c.tz_minutes,
                    bulk.day(dayno),
                    bulk.ts(c.committed),
                    c.message,
                    None if boundary else c.files,
                    None if boundary else c.insertions,
                    None if boundary else c.deletions,
                    "" if boundary else c.paths,
                    yes,
                    yes if boundary else no,
                    now,
                )
            )
            scan(c, identity, pid, dayno, pending)
        bulk.insert(self.table, COMMIT_COLS, rows)
        self.result.new += len(rows)
        if pending:
            self._write_links(pending)

    def _drop_known(self, batch: list[RawCommit]) -> list[RawCommit]:
        """Skip commits already stored; bring back unreachable ones; fix deepened stats."""
        by_sha = {c.sha: c for c in batch}
        again: list[int] = []
        relink: dict[str, Any] = {}
        ids: dict[str, int] = {}
        for part in _chunks(list(by_sha)):
            rows = self.s.execute(
                select(
                    Commit.id,
                    Commit.sha,
                    Commit.reachable,
                    Commit.shallow_boundary,
                    Commit.identity,
                    Commit.person_id,
                ).where(Commit.repository_id == self.repo.id, Commit.sha.in_(part))
            ).all()
            for cid, sha, reachable, boundary, old_identity, old_pid in rows:
                c = by_sha.pop(sha)
                if self.relink:
                    ids[sha] = cid
                    identity, pid = self.ids.resolve(c.name, c.email)
                    if (identity, pid) != (old_identity, old_pid):
                        self._reidentify(cid, identity, pid)
                    self._scan(c, identity, pid, (c.authored + c.tz_minutes * 60) // 86400, relink)
                if not reachable:
                    again.append(cid)
                if boundary and sha not in self.state.shallow:
                    self.s.execute(
                        update(Commit)
                        .where(Commit.id == cid)
                        .values(
                            files=c.files,
                            insertions=c.insertions,
                            deletions=c.deletions,
                            paths=c.paths,
                            parents=c.parents,
                            is_merge=" " in c.parents,
                            shallow_boundary=False,
                        )
                    )
        for part in _chunks(again):
            self.s.execute(update(Commit).where(Commit.id.in_(part)).values(reachable=True))
        self.result.reachable_again += len(again)
        if relink:
            self._write_links(relink, ids, dedup=True)
        return list(by_sha.values())

    def _reidentify(self, cid: int, identity: str, pid: int | None) -> None:
        """A full re-read after new aliases or people: move the commit to its new identity."""
        self.s.execute(
            update(Commit).where(Commit.id == cid).values(identity=identity[:200], person_id=pid)
        )
        self.s.execute(
            update(TimeEntry)
            .where(TimeEntry.commit_id == cid)
            .values(identity=identity[:200], person_id=pid)
        )

    def _write_links(
        self,
        pending: dict[str, tuple[list[tuple[int, int, str]], list[Any], str, int | None, date]],
        ids: dict[str, int] | None = None,
        dedup: bool = False,
    ) -> None:
        if ids is None:
            ids = _ids_for(self.s, self.repo.id, pending)
        bulk, now = self.bulk, self.now_value
        have_links: set[tuple[int, int]] = set()
        have_times: dict[tuple[int, int], tuple[int, int | None]] = {}
        if dedup:  # stored commits read again: add only what is missing
            for part in _chunks([ids[s] for s in pending]):
                have_links.update(
                    self.s.execute(
                        select(CommitLink.commit_id, CommitLink.request_id).where(
                            CommitLink.commit_id.in_(part)
                        )
                    )
                    .tuples()
                    .all()
                )
                for tid, tcid, tpos, trid in self.s.execute(
                    select(
                        TimeEntry.id, TimeEntry.commit_id, TimeEntry.position, TimeEntry.request_id
                    ).where(TimeEntry.commit_id.in_(part))
                ):
                    have_times[(tcid, tpos)] = (tid, trid)
        links: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        for sha, (found, times, identity, pid, day) in pending.items():
            cid = ids[sha]
            seen: set[int] = set()
            for _pos, rid, how in found:
                if rid not in seen:
                    seen.add(rid)
                    if (cid, rid) not in have_links:
                        links.append((cid, rid, how, now))
            for pos, hours, token in times:
                before = [rid for p, rid, _h in found if p < pos]
                rid = before[-1] if before else (found[0][1] if found else None)
                if (cid, pos) in have_times:
                    tid, trid = have_times[(cid, pos)]
                    if trid is None and rid is not None:  # its request exists now
                        self.s.execute(
                            update(TimeEntry).where(TimeEntry.id == tid).values(request_id=rid)
                        )
                        self.touched.add(rid)
                    continue
                dayv = bulk.day(day.toordinal() - _EPOCH_ORDINAL)
                entries.append(
                    (cid, pos, rid, pid, identity, dayv, format(hours, "f"), token[:40], now)
                )
        bulk.insert(CommitLink.__table__, LINK_COLS, links)
        self.result.linked += len(links)
        self.touched.update(x[1] for x in links)
        bulk.insert(TimeEntry.__table__, TIME_COLS, entries)
        self.result.time_entries += len(entries)
        self.touched.update(x[2] for x in entries if x[2])

    def link_pairs(self, pairs: Iterable[tuple[int, str]], how: str) -> None:
        """Link (request id, sha) pairs found by branch, skipping pairs already stored; time
        tokens of those commits that had no request yet get this one."""
        pairs = list(dict.fromkeys(pairs))
        if not pairs:
            return
        ids = _ids_for(self.s, self.repo.id, {sha for _rid, sha in pairs})
        wanted = {(rid, ids[sha]) for rid, sha in pairs if sha in ids}
        cids = sorted({cid for _rid, cid in wanted})
        for part in _chunks(cids):
            wanted -= set(
                self.s.execute(
                    select(CommitLink.request_id, CommitLink.commit_id).where(
                        CommitLink.commit_id.in_(part)
                    )
                )
                .tuples()
                .all()
            )
        if not wanted:
            return
        rows = [
            {"commit_id": cid, "request_id": rid, "how": how, "created_at": self.now}
            for rid, cid in sorted(wanted)
        ]
        self.s.execute(CommitLink.__table__.insert(), rows)
        self.result.linked += len(rows)
        self.touched.update(rid for rid, _cid in wanted)
        first_rid: dict[int, int] = {}
        for rid, cid in sorted(wanted):
            first_rid.setdefault(cid, rid)
        for part in _chunks(sorted(first_rid)):
            loose = self.s.execute(
                select(TimeEntry.id, TimeEntry.commit_id).where(
                    TimeEntry.commit_id.in_(part), TimeEntry.request_id.is_(None)
                )
            ).all()
            if loose:  # one executemany (ORM bulk update by primary key)
                self.s.execute(
                    update(TimeEntry),
                    [{"id": tid, "request_id": first_rid[cid]} for tid, cid in loose],
                )

    def merged_branch_pairs(self, mainline: Iterable[str]) -> list[tuple[int, str]]:
        """Commits brought in by merges of ``cr/<key>`` branches, found in Python from the
        parents of this sync's commits (no git call per merge): walk from the merged tip and
        stop at the mainline's first-parent chain or at commits synced before."""
        if not self.merges:
            return []
        parents = self.parents
        chain: set[str] = set()
        starts = [*mainline, *(ps.split(" ", 1)[0] for _k, ps in self.merges)]
        for start in starts:
            x: str | None = start
            while x is not None and x in parents and x not in chain:
                chain.add(x)
                ps = parents[x]
                x = ps.split(" ", 1)[0] if ps else None
        pairs: list[tuple[int, str]] = []
        for key, ps in self.merges:
            rid = self.linker.keys.get(key)
            if rid is None:
                continue
            stack, seen = [ps.split()[1]], set()
            while stack:
                x = stack.pop()
                if x in seen or x in chain or x not in parents:
                    continue
                seen.add(x)
                pairs.append((rid, x))
                stack.extend(parents[x].split())
        return pairs


def _rev_list(path: Path, include: Iterable[str], exclude: Iterable[str]) -> list[str]:
    revs = "\n".join([*include, *(f"^{x}" for x in exclude)]) + "\n"
    out = run_git(path, "rev-list", "--stdin", stdin=revs.encode())
    return out.decode().split()


def _existing(path: Path, shas: Iterable[str]) -> set[str]:
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


def _mark_unreachable(session: Session, repo_id: int, shas: Sequence[str]) -> int:
    n = 0
    for part in _chunks(list(shas)):
        res = session.execute(
            update(Commit)
            .where(Commit.repository_id == repo_id, Commit.sha.in_(part), Commit.reachable)
            .values(reachable=False)
        )
        n += res.rowcount or 0
    return n


def _reconcile(
    session: Session, repo: Repository, path: Path, old: dict[str, str], heads: dict[str, str]
) -> tuple[int, set[str]]:
    """Mark commits no longer reachable from any followed head; return (count, old shas usable
    as ``--not`` limits)."""
    old_shas = set(old.values())
    current = set(heads.values())
    present = (old_shas & current) | _existing(path, old_shas - current)
    lost_heads = old_shas - current
    if not lost_heads:
        return 0, present
    if lost_heads <= present:
        lost = _rev_list(path, sorted(lost_heads), sorted(set(heads.values())))
        return _mark_unreachable(session, repo.id, lost), present
    # An old head was garbage-collected: recompute reachability over the whole history.
    alive = set(_rev_list(path, sorted(set(heads.values())), [])) if heads else set()
    stored = session.scalars(
        select(Commit.sha).where(Commit.repository_id == repo.id, Commit.reachable)
    ).all()
    return _mark_unreachable(session, repo.id, [s for s in stored if s not in alive]), present


def _branch_links(
    writer: _Writer,
    path: Path,
    heads: dict[str, str],
    old: dict[str, str],
    present: set[str],
) -> None:
    """Link the commits of ``cr/<key>`` branches, and of merged ``cr/<key>`` branches."""
    linker = writer.linker
    mainline = sorted({s for n, s in heads.items() if not BRANCH_KEY.search(n)})
    pairs: list[tuple[int, str]] = []
    for name, sha in sorted(heads.items()):
        m = BRANCH_KEY.search(name)
        if not m or old.get(name) == sha:
            continue
        rid = linker.keys.get(m["key"])
        if rid is None:
            writer.result.warnings.append(f"branch {name}: no request {m['key']}")
            continue
        exclude = [*mainline]
        if old.get(name) in present:
            exclude.append(old[name])
        pairs += [(rid, x) for x in _rev_list(path, [sha], exclude)]
    pairs += writer.merged_branch_pairs(mainline)
    writer.link_pairs(pairs, "branch")


def repo_cache_dir() -> Path:
    return get_settings().home_dir / "repos"


def local_path(repo: Repository) -> Path:
    """Where the repository is read from: the path itself, or the mirror of a URL."""
    if not repo.is_remote:
        return Path(repo.location).expanduser()
    return repo_cache_dir() / f"{repo.id}-{re.sub(r'[^A-Za-z0-9._-]', '_', repo.name)}.git"


def fetch_remote(repo: Repository) -> Path:
    """Clone a URL as a bare mirror on first use, then fetch (prune) before each sync."""
    path = local_path(repo)
    env = git_env(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["git", "clone", "--mirror", "--quiet", repo.location, str(path)]
    else:
        cmd = ["git", "-C", str(path), "remote", "update", "--prune"]
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(repo.location, "url", msg[-1] if msg else "git clone/fetch failed")
    return path


def sync_repository(session: Session, repo: Repository, *, full: bool = False) -> SyncResult:
    """Bring one repository's commits, links and time entries up to date, in ``session``.

    ``full`` re-reads the whole history (still without duplicates): after changing link
    patterns or aliases, only new commits would otherwise see the change.
    """
    started = time.perf_counter()
    path = local_path(repo)
    result = SyncResult(repository=repo.name, path=str(path))
    state = inspect_repository(path)
    result.shallow = bool(state.shallow)
    heads, result.warnings = select_heads(state, repo.branches)
    result.branches = len(heads)
    old = {bh.name: bh.sha for bh in repo.heads}
    if not heads and not old:
        result.warnings.append("empty repository: no commits yet")
        result.seconds = round(time.perf_counter() - started, 3)
        repo.last_synced_at = utcnow()
        return result
    result.unreachable, present = _reconcile(session, repo, path, old, heads)
    reread = full or sorted(state.shallow) != sorted(repo.shallow_boundary or [])
    exclude = [] if reread else sorted(present)
    writer = _Writer(session, repo, state, result, relink=full)
    include = sorted(set(heads.values()))
    if include and not set(include) <= set(exclude):
        pending: list[RawCommit] = []
        for block in stream_log(path, include, exclude):
            pending.extend(block)
            if len(pending) >= BATCH:
                writer.write(pending)
                pending = []
        if pending:
            writer.write(pending)
    _branch_links(writer, path, heads, old, present)
    # Remember the heads for the next incremental run.
    current = {bh.name: bh for bh in repo.heads}
    for name, bh in current.items():
        if name not in heads:
            repo.heads.remove(bh)
    now = utcnow()
    for name, sha in heads.items():
        bh = current.get(name)
        if bh is None:
            repo.heads.append(BranchHead(name=name, sha=sha, synced_at=now))
        elif bh.sha != sha:
            bh.sha, bh.synced_at = sha, now
    repo.shallow_boundary = sorted(state.shallow)
    repo.last_synced_at = now
    if state.shallow:
        result.warnings.append(
            f"shallow clone ({len(state.shallow)} boundary commits): history before them is "
            "missing and their line counts are not known; run 'git fetch --unshallow'"
        )
    if writer.touched:
        result.requests = sorted(
            session.scalars(select(Request.key).where(Request.id.in_(writer.touched)))
        )
    result.seconds = round(time.perf_counter() - started, 3)
    return result


# --------------------------------------------------------------------------- registration


def find_repository(session: Session, ref: str) -> Repository | None:
    """A registered repository by name, location or resolved path."""
    repo = session.scalar(
        select(Repository).where((Repository.name == ref) | (Repository.location == ref))
    )
    if repo is None and not _is_url(ref):
        resolved = str(Path(ref).expanduser().resolve())
        repo = session.scalar(select(Repository).where(Repository.location == resolved))
    return repo


def _is_url(location: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", location)) or bool(
        re.match(r"^[^/\s]+@[^/\s]+:", location)
    )


def add_repository(
    session: Session,
    location: str,
    *,
    name: str | None = None,
    client_id: int | None = None,
    contract_id: int | None = None,
    branches: Sequence[str] = (),
    link_patterns: Sequence[str] = (),
    aliases: dict[str, str] | None = None,
    check: bool = True,
) -> Repository:
    """Register a repository; a local path must already be a git repository."""
    remote = _is_url(location)
    if not remote:
        p = Path(location).expanduser().resolve()
        if check:
            inspect_repository(p)
        location = str(p)
    name = name or re.sub(r"\.git$", "", location.rstrip("/").rsplit("/", 1)[-1]) or "repo"
    if session.scalar(
        select(Repository.id).where((Repository.name == name) | (Repository.location == location))
    ):
        raise InputError(location, "repository", f"already registered (name '{name}')")
    Linker(session, list(link_patterns))  # validates the patterns
    repo = Repository(
        name=name,
        location=location,
        is_remote=remote,
        client_id=client_id,
        contract_id=contract_id,
        branches=list(branches),
        link_patterns=list(link_patterns),
        aliases=dict(aliases or {}),
        shallow_boundary=[],
    )
    session.add(repo)
    session.flush()
    return repo


def _register_contract_repos(session: Session) -> None:
    """Contracts that name a repository path get it registered on first sync."""
    for c in session.scalars(select(Contract).where(Contract.repo_path.is_not(None))):
        if c.repo_path and find_repository(session, c.repo_path) is None:
            add_repository(
                session,
                c.repo_path,
                name=f"{c.code}",
                client_id=c.client_id,
                contract_id=c.id,
                check=False,
            )


def sync(ref: str | None = None, *, full: bool = False, url: str | None = None) -> list[SyncResult]:
    """Sync one repository (name, location or path; a new local path gets registered) or all.

    One transaction per repository: a failure leaves nothing of that repository's sync.
    """
    with transaction(url) as s:
        if ref is None:
            _register_contract_repos(s)
            targets = [r.id for r in s.scalars(select(Repository).order_by(Repository.id))]
        else:
            repo = find_repository(s, ref)
            if repo is None:
                if _is_url(ref):
                    raise NotFoundError(f"no repository {ref} (register it: changeflow repo add)")
                repo = add_repository(s, ref)
            targets = [repo.id]
    results: list[SyncResult] = []
    for rid in targets:
        with transaction(url) as s:
            repo = s.get(Repository, rid)
            assert repo is not None
            if repo.is_remote:
                fetch_remote(repo)
            try:
                results.append(sync_repository(s, repo, full=full))
                s.flush()
            except IntegrityError as exc:
                raise ConflictError(
                    f"{repo.location}: another sync wrote the same commits first; run it again"
                ) from exc
    return results


# --------------------------------------------------------------------------- progress


def _working_days_between(cal: Any, start: date, end: date) -> int:
    """Working days after ``start`` up to ``end``, on the contract's working calendar."""
    from datetime import timedelta

    if end <= start:
        return -cal.working_days_between(end + timedelta(days=1), start) if end < start else 0
    return cal.working_days_between(start + timedelta(days=1), end)


def _plan_of(session: Session, request_id: int) -> tuple[Decimal | None, list[tuple[str, date]]]:
    """Planned person-days and milestones of the newest plan version (planning module)."""
    try:
        from changeflow.db.planning import Milestone, Plan
    except ImportError:  # pragma: no cover - planning not installed
        return None, []
    plan = session.scalar(
        select(Plan).where(Plan.request_id == request_id).order_by(Plan.version.desc()).limit(1)
    )
    if plan is None:
        return None, []
    ms = session.execute(
        select(Milestone.phase, Milestone.day).where(Milestone.plan_id == plan.id)
    ).all()
    return plan.person_days, [(p, d) for p, d in ms]


def request_progress(
    session: Session,
    key: str,
    *,
    planned_person_days: Decimal | None = None,
    milestones: Sequence[tuple[str, date]] | None = None,
    hours_per_day: Decimal = Decimal(8),
    today: date | None = None,
) -> dict[str, Any]:
    """Commits, people, days, files, lines and logged time of one request, against its plan.

    Only commits still reachable from a followed branch count (a rebased commit is counted
    once, under its new sha). Planned days and milestones come from the newest plan unless
    given; without a plan, ``progress_pct`` is None.
    """
    req = session.scalar(select(Request).where(Request.key == key))
    if req is None:
        raise NotFoundError(f"no request {key}")
    if planned_person_days is None and milestones is None:
        planned_person_days, milestones = _plan_of(session, req.id)
    rows = session.execute(
        select(
            Person.name,
            Commit.identity,
            Commit.author_name,
            Commit.author_day,
            Commit.authored_at,
            Commit.is_merge,
            Commit.insertions,
            Commit.deletions,
            Commit.paths,
        )
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .outerjoin(Person, Person.id == Commit.person_id)
        .where(CommitLink.request_id == req.id, Commit.reachable)
    ).all()
    hours_rows = session.execute(
        select(TimeEntry.identity, TimeEntry.day, TimeEntry.hours)
        .join(Commit, Commit.id == TimeEntry.commit_id)
        .where(TimeEntry.request_id == req.id, Commit.reachable)
    ).all()
    authors: dict[str, dict[str, Any]] = {}
    files: set[str] = set()
    ins = dels = commits = merges = 0
    first: datetime | None = None
    last: datetime | None = None
    days: set[date] = set()
    spellings: dict[str, Counter[str]] = {}
    for person, ident, name, day, at, is_merge, i, d, paths in rows:
        a = authors.setdefault(
            ident, {"identity": ident, "name": name, "commits": 0, "days": set(), "hours": 0}
        )
        # shown name: the person's, else the spelling used most often
        spellings.setdefault(ident, Counter())[person or name] += 1000 if person else 1
        if is_merge:
            merges += 1
        else:
            commits += 1
            a["commits"] += 1
        a["days"].add(day)
        days.add(day)
        ins += i or 0
        dels += d or 0
        if paths:
            files.update(paths.split("\n"))
        first = at if first is None or at < first else first
        last = at if last is None or at > last else last
    for ident, counts in spellings.items():
        authors[ident]["name"] = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    logged = Decimal(0)
    for ident, day, hours in hours_rows:
        logged += hours
        a = authors.setdefault(
            ident, {"identity": ident, "name": ident, "commits": 0, "days": set(), "hours": 0}
        )
        a["hours"] = Decimal(a["hours"]) + hours
        a["days"].add(day)
    logged_days = (logged / hours_per_day).quantize(Decimal("0.01"))
    pct = None
    if planned_person_days:
        pct = (logged / hours_per_day / planned_person_days * 100).quantize(Decimal("0.1"))
    tz = get_settings().tz
    today = today or datetime.now(tz).date()
    last_day = last.astimezone(tz).date() if last else None
    slips = []
    cal = None
    for phase, due in milestones or []:
        if phase != "development":
            continue
        # Development ends with its last commit once the request moved on; while it is
        # still in development, every day past the milestone is slippage.
        end = max(today, last_day or today) if req.state == "in_development" else last_day
        if end is None:
            continue
        if cal is None:
            from .calendar import calendar_for

            cal = calendar_for(session, req.contract)
        slip = max(0, _working_days_between(cal, due, end))
        slips.append({"phase": phase, "due": due, "slip_working_days": slip})
    return {
        "key": req.key,
        "state": req.state,
        "commits": commits,
        "merges": merges,
        "authors": [
            {**a, "days": len(a["days"]), "hours": Decimal(a["hours"])}
            for a in sorted(authors.values(), key=lambda x: (-x["commits"], x["identity"]))
        ],
        "active_days": len(days),
        "files": len(files),
        "insertions": ins,
        "deletions": dels,
        "hours_logged": logged,
        "person_days_logged": logged_days,
        "planned_person_days": planned_person_days,
        "progress_pct": pct,
        "first_activity": first,
        "last_activity": last,
        "milestones": slips,
    }


def progress_for(keys: Iterable[str], url: str | None = None) -> list[dict[str, Any]]:
    with transaction(url) as s:
        return [request_progress(s, k) for k in keys]


def repository_count(session: Session, repo_id: int) -> int:
    return session.scalar(select(func.count(Commit.id)).where(Commit.repository_id == repo_id)) or 0


# --------------------------------------------------------------------------- status section


def _status_section(session: Session, request: Request) -> dict[str, Any] | None:
    """The git part of ``changeflow status KEY`` (nothing when no commit is linked yet)."""
    p = request_progress(session, request.key)
    if not p["commits"] and not p["merges"] and not p["hours_logged"]:
        return None
    people = ", ".join(f"{a['name']} ({a['commits']}c/{a['days']}d)" for a in p["authors"])
    return {
        "commits": p["commits"],
        "merges": p["merges"],
        "authors": people,
        "active_days": p["active_days"],
        "files": p["files"],
        "lines": f"+{p['insertions']} -{p['deletions']}",
        "hours_logged": p["hours_logged"],
        "person_days": f"{p['person_days_logged']} / {p['planned_person_days'] or '-'}",
        "progress_pct": p["progress_pct"],
        "first_activity": p["first_activity"],
        "last_activity": p["last_activity"],
        "slippage": ", ".join(f"{m['phase']} {m['slip_working_days']}wd" for m in p["milestones"])
        or None,
    }


try:
    from changeflow.tasks.status import section as _section

    _section("git")(_status_section)
except ImportError:  # pragma: no cover - status module not there
    pass


ACTIVE_STATES = ("approved", "in_development", "in_testing", "live")


def active_request_keys(url: str | None = None) -> list[str]:
    """Requests under development that already have a linked commit (for the sync report)."""
    with transaction(url) as s:
        q = (
            select(Request.key)
            .join(CommitLink, CommitLink.request_id == Request.id)
            .where(Request.state.in_(ACTIVE_STATES))
            .distinct()
            .order_by(Request.key)
        )
        return list(s.scalars(q))
