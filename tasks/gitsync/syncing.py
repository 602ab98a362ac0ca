"""One sync: bring a repository's commits, links and time entries up to date.

``sync`` is the entry point (one transaction per repository); ``sync_repository`` reads
the history incrementally, reconciles heads that went away and links ``cr/<key>`` branches.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.git import BranchHead, Commit, Repository
from changeflow.db.models import Request
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import ConflictError, NotFoundError

from .adapter import (
    RawCommit,
    existing_shas,
    inspect_repository,
    rev_list,
    select_heads,
    stream_log_split,
)
from .linking import BRANCH_KEY
from .repositories import (
    add_repository,
    fetch_remote,
    find_repository,
    is_url,
    local_path,
    register_contract_repos,
)
from .writer import SyncResult, SyncWriter, in_chunks

BATCH = 2000


def _mark_unreachable(session: Session, repo_id: int, shas: Sequence[str]) -> int:
    n = 0
    for part in in_chunks(list(shas)):
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
    present = (old_shas & current) | existing_shas(path, old_shas - current)
    lost_heads = old_shas - current
    if not lost_heads:
        return 0, present
    if lost_heads <= present:
        lost = rev_list(path, sorted(lost_heads), sorted(set(heads.values())))
        return _mark_unreachable(session, repo.id, lost), present
    # An old head was garbage-collected: recompute reachability over the whole history.
    alive = set(rev_list(path, sorted(set(heads.values())), [])) if heads else set()
    stored = session.scalars(
        select(Commit.sha).where(Commit.repository_id == repo.id, Commit.reachable)
    ).all()
    return _mark_unreachable(session, repo.id, [s for s in stored if s not in alive]), present


def _branch_links(
    writer: SyncWriter,
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
        pairs += [(rid, x) for x in rev_list(path, [sha], exclude)]
    pairs += writer.merged_branch_pairs(mainline)
    writer.link_pairs(pairs, "branch")


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
    writer = SyncWriter(session, repo, state, result, relink=full)
    include = sorted(set(heads.values()))
    if include and not set(include) <= set(exclude):
        pending: list[RawCommit] = []
        for block in stream_log_split(path, include, exclude):
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


def sync(ref: str | None = None, *, full: bool = False, url: str | None = None) -> list[SyncResult]:
    """Sync one repository (name, location or path; a new local path gets registered) or all.

    One transaction per repository: a failure leaves nothing of that repository's sync.
    """
    with transaction(url) as s:
        if ref is None:
            register_contract_repos(s)
            targets = [r.id for r in s.scalars(select(Repository).order_by(Repository.id))]
        else:
            repo = find_repository(s, ref)
            if repo is None:
                if is_url(ref):
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
