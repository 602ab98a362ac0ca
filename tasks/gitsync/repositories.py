"""Registered repositories: where each is read from, registering one, and their commits.

A local path is read in place; a URL is mirrored under the changeflow home
(``fetch_remote``). Contracts that name a repository path get it registered on first sync.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.git import Commit, Repository
from changeflow.db.models import Contract
from changeflow.errors import InputError, NotFoundError
from changeflow.settings import get_settings

from .adapter import git_env, inspect_repository
from .linking import Linker


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


def find_repository(session: Session, ref: str) -> Repository | None:
    """A registered repository by name, location or resolved path."""
    repo = session.scalar(
        select(Repository).where((Repository.name == ref) | (Repository.location == ref))
    )
    if repo is None and not is_url(ref):
        resolved = str(Path(ref).expanduser().resolve())
        repo = session.scalar(select(Repository).where(Repository.location == resolved))
    return repo


def is_url(location: str) -> bool:
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
    remote = is_url(location)
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


def register_repository(
    location: str,
    *,
    client: str | None = None,
    contract: str | None = None,
    name: str | None = None,
    branches: Sequence[str] = (),
    link_patterns: Sequence[str] = (),
    aliases: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``changeflow repo add`` and the repo-add flow: a repository registered for a client
    or a contract, in one transaction. The contract names its client; a client given too
    must be that client."""
    from changeflow.db.models import Client, Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        client_id = contract_id = None
        if contract:
            c = s.scalar(select(Contract).where(Contract.code == contract))
            if c is None:
                raise NotFoundError(f"no contract {contract}")
            contract_id, client_id = c.id, c.client_id
        if client:
            cl = s.scalar(select(Client).where(Client.code == client))
            if cl is None:
                raise NotFoundError(f"no client {client}")
            if client_id is not None and cl.id != client_id:
                raise InputError("--client", "client", f"contract {contract} is not {client}'s")
            client_id = cl.id
        repo = add_repository(
            s, location, name=name, client_id=client_id, contract_id=contract_id,
            branches=branches, link_patterns=link_patterns, aliases=aliases,
        )  # fmt: skip
        return {
            "id": repo.id,
            "name": repo.name,
            "location": repo.location,
            "remote": repo.is_remote,
            "client": client,
            "contract": contract,
            "branches": repo.branches or ["*"],
        }


def register_contract_repos(session: Session) -> None:
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


def repository_count(session: Session, repo_id: int) -> int:
    return session.scalar(select(func.count(Commit.id)).where(Commit.repository_id == repo_id)) or 0
