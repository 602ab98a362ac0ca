"""The history split over the cores gives exactly what one ``git log`` gives.

A real repository (``git fast-import`` of the benchmark's OA-shaped history: Chinese
messages, ``cr/<key>`` branches merged back, one left open, request keys, ``refs #N`` and
time logs) synced twice into two databases: once with one ``git log`` and once split into
ranges of the commit graph (the split forced on this small history); every commit, link
and time entry must be the same, and so must the incremental sync that follows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bench.bench_gitsync import _template_db, build
from changeflow.db.git import Commit, CommitLink, TimeEntry
from changeflow.db.models import Request
from changeflow.db.session import dispose_engines, transaction
from changeflow.tasks import gitsync
from changeflow.tasks.gitsync import adapter


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("history") / "oa.git"
    return path, build(2500, path)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip


def _db(folder: Path) -> str:
    folder.mkdir()
    url = _template_db(folder)  # the client and the requests the messages name
    dispose_engines()
    return url


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with transaction(url) as s:
        commits = s.execute(
            select(Commit.sha, Commit.parents, Commit.is_merge, Commit.identity,
                   Commit.person_id, Commit.author_day, Commit.files, Commit.insertions,
                   Commit.deletions, Commit.paths, Commit.reachable, Commit.message)
        ).all()  # fmt: skip
        links = s.execute(
            select(Commit.sha, Request.key, CommitLink.how)
            .join(CommitLink, CommitLink.commit_id == Commit.id)
            .join(Request, Request.id == CommitLink.request_id)
        ).all()
        times = s.execute(
            select(Commit.sha, TimeEntry.position, Request.key, TimeEntry.identity,
                   TimeEntry.day, TimeEntry.hours, TimeEntry.token)
            .join(TimeEntry, TimeEntry.commit_id == Commit.id)
            .outerjoin(Request, Request.id == TimeEntry.request_id)
        ).all()  # fmt: skip
    return {k: sorted(tuple(r) for r in v) for k, v in
            {"commits": commits, "links": links, "times": times}.items()}  # fmt: skip


def _tally(res: gitsync.SyncResult) -> tuple[Any, ...]:
    return (res.seen, res.new, res.linked, res.time_entries, res.unreachable,
            res.reachable_again, sorted(res.requests), res.branches)  # fmt: skip


def _sync(repo: Path, url: str, ways: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CHANGEFLOW_GIT_LOG_WAYS", str(ways))
    (res,) = gitsync.sync(str(repo), url=url)
    return res


def test_split_sync_equals_one_git_log_full_and_incremental(
    history: tuple[Path, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, info = history
    monkeypatch.setattr(adapter, "SPLIT_MIN_COMMITS", 10)  # split this small history too
    one, split = _db(tmp_path / "one"), _db(tmp_path / "split")
    tip = _git(repo, "rev-parse", "refs/heads/main")
    week_ago = _git(repo, "rev-parse", "refs/weekago")
    try:
        _git(repo, "update-ref", "refs/heads/main", week_ago)
        a, b = _sync(repo, one, 1, monkeypatch), _sync(repo, split, 3, monkeypatch)
    finally:
        _git(repo, "update-ref", "refs/heads/main", tip)
    assert _tally(a) == _tally(b)
    assert a.new > 500 and a.linked > 100 and a.time_entries > 50  # the history is rich
    first = _snapshot(one)
    assert first == _snapshot(split)
    # the week since: incremental in both (the split one is cut again, below the old heads)
    a, b = _sync(repo, one, 1, monkeypatch), _sync(repo, split, 2, monkeypatch)
    assert _tally(a) == _tally(b) and a.new > 0
    assert _snapshot(one) == _snapshot(split)
    total = int(_git(repo, "rev-list", "--count", "--all"))
    assert len(_snapshot(split)["commits"]) == total == info["commits"]
    # and once more: nothing new in either
    a, b = _sync(repo, one, 1, monkeypatch), _sync(repo, split, 2, monkeypatch)
    assert a.new == b.new == 0 and _snapshot(one) == _snapshot(split)


def test_ranges_are_disjoint_and_cover_the_history(
    history: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _info = history
    monkeypatch.setattr(adapter, "SPLIT_MIN_COMMITS", 10)
    heads = sorted(set(adapter.inspect_repository(repo).heads.values()))
    everything = _git(repo, "rev-list", *heads).split()
    assert len(heads) > 1  # main and a branch left open
    for ways in (2, 3, 4):
        ranges = adapter.split_ranges(repo, heads, [], ways)
        assert len(ranges) == ways
        parts = [_git(repo, "rev-list", *inc, *(f"^{x}" for x in exc)).split()
                 for inc, exc in ranges]  # fmt: skip
        assert sum(len(p) for p in parts) == len(everything)
        assert set().union(*map(set, parts)) == set(everything)
        assert min(len(p) for p in parts) > len(everything) // (3 * ways)  # roughly even
        streamed = [c.sha for block in adapter.stream_log_split(repo, heads, [], ways)
                    for c in block]  # fmt: skip
        assert sorted(streamed) == sorted(everything)


def test_a_short_range_is_one_git_log(history: tuple[Path, dict[str, Any]]) -> None:
    repo, _info = history
    head = _git(repo, "rev-parse", "refs/heads/main")
    assert adapter.split_ranges(repo, [head], [f"{head}~20"], 2) == [([head], [f"{head}~20"])]
    assert adapter.split_ranges(repo, [head], [], 1) == [([head], [])]


def test_ways_follow_the_cores_or_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANGEFLOW_GIT_LOG_WAYS", "1")
    assert adapter.log_ways() == 1
    monkeypatch.setenv("CHANGEFLOW_GIT_LOG_WAYS", "nonsense")
    assert 1 <= adapter.log_ways() <= 4


def test_a_failing_git_in_one_range_is_the_usual_error(
    history: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _info = history
    monkeypatch.setattr(adapter, "SPLIT_MIN_COMMITS", 10)
    head = _git(repo, "rev-parse", "refs/heads/main")
    with pytest.raises(gitsync_errors()):
        list(adapter.stream_log_split(repo, [head], ["0" * 40], 2))


def gitsync_errors() -> tuple[type[Exception], ...]:
    from changeflow.errors import InputError

    return (InputError,)
