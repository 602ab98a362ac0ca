"""Development tracking from git: sync commits, link them to requests, read time logs.

Why it is shaped like this (see the Git section of the field notes):

* A streaming ``git log --numstat`` per sync, parsed in Python while git is still writing
  (into a spool file, so git never waits for the database). A long history is split into
  disjoint ranges of the commit graph at points of the mainline's first-parent chain, one
  ``git log`` per core at once (``stream_log_split``): git's diffing is most of a sync, so
  two processes on two cores beat one. Per-commit git calls or objects are 25x slower.
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

Rooms (no import circles: each imports only rooms listed above it):

* ``adapter``: git plumbing: ``run_git``, ``git_env``, ``inspect_repository``,
  ``select_heads``, ``log_args`` and the streaming ``git log`` parser ``stream_log``.
* ``linking``: identities of authors, link patterns (``Linker``) and time tokens.
* ``writer``: the bulk writer of commits, links and time entries (and the ``SyncResult``
  tally it keeps).
* ``repositories``: registered repositories: ``add_repository``, ``find_repository``,
  ``local_path``, ``fetch_remote``, contract repositories, ``repository_count``.
* ``syncing``: one sync: ``sync`` (the entry point) and ``sync_repository``.
* ``progress``: ``request_progress``, ``progress_for``, ``active_request_keys`` and the
  ``git`` section of ``changeflow status KEY`` (registered when this package is imported).
"""

from .adapter import (
    LOG_FORMAT,
    RawCommit,
    RepoState,
    git_env,
    inspect_repository,
    log_args,
    log_ways,
    run_git,
    select_heads,
    split_ranges,
    stream_log,
    stream_log_split,
)
from .linking import (
    BRANCH_KEY,
    DEFAULT_LINK_PATTERNS,
    MAX_HOURS_PER_TOKEN,
    MERGE_KEY,
    TIME_TOKEN,
    Identities,
    Linker,
    parse_time_tokens,
)
from .progress import ACTIVE_STATES, active_request_keys, progress_for, request_progress
from .repositories import (
    add_repository,
    fetch_remote,
    find_repository,
    local_path,
    register_repository,
    repo_cache_dir,
    repository_count,
)
from .syncing import BATCH, sync, sync_repository
from .writer import COMMIT_COLS, IN_CHUNK, LINK_COLS, TIME_COLS, SyncResult

__all__ = [
    "ACTIVE_STATES",
    "BATCH",
    "BRANCH_KEY",
    "COMMIT_COLS",
    "DEFAULT_LINK_PATTERNS",
    "IN_CHUNK",
    "LINK_COLS",
    "LOG_FORMAT",
    "MAX_HOURS_PER_TOKEN",
    "MERGE_KEY",
    "TIME_COLS",
    "TIME_TOKEN",
    "Identities",
    "Linker",
    "RawCommit",
    "RepoState",
    "SyncResult",
    "active_request_keys",
    "add_repository",
    "fetch_remote",
    "find_repository",
    "git_env",
    "inspect_repository",
    "local_path",
    "log_args",
    "log_ways",
    "parse_time_tokens",
    "progress_for",
    "register_repository",
    "repo_cache_dir",
    "repository_count",
    "request_progress",
    "run_git",
    "select_heads",
    "split_ranges",
    "stream_log",
    "stream_log_split",
    "sync",
    "sync_repository",
]
