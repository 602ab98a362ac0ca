"""The bulk writer: parsed commits into the database with their links and time entries.

``SyncWriter`` buffers what ``stream_log`` yields and writes it with driver-level
``executemany`` (``_Bulk``); it also tallies the ``SyncResult`` of the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, CommitLink, Repository, TimeEntry
from changeflow.db.types import utcnow

from .adapter import RawCommit, RepoState
from .linking import EPOCH_ORDINAL, MERGE_KEY, Identities, Linker, parse_time_tokens

IN_CHUNK = 500


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


def in_chunks(items: Sequence[Any], n: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _ids_for(session: Session, repo_id: int, shas: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    shas = list(shas)
    for part in in_chunks(shas):
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
            d = date.fromordinal(EPOCH_ORDINAL + n)
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


class SyncWriter:
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
            pending[c.sha] = (links, times, identity, pid, date.fromordinal(EPOCH_ORDINAL + dayno))
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
        for part in in_chunks(list(by_sha)):
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
        for part in in_chunks(again):
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
            for part in in_chunks([ids[s] for s in pending]):
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
                dayv = bulk.day(day.toordinal() - EPOCH_ORDINAL)
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
        for part in in_chunks(cids):
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
        for part in in_chunks(sorted(first_rid)):
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
