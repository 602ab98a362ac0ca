"""The client project's repository and the commit to test and release."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Request
from changeflow.errors import InputError

_SHA = re.compile(r"^[0-9a-fA-F]{4,64}$")


def project_repo(session: Session, req: Request) -> Path:
    """The client project's repository: the contract's ``repo`` or one registered for it."""
    contract = req.contract
    if contract is not None and contract.repo_path:
        return Path(contract.repo_path).expanduser()
    from changeflow.db.git import Repository

    from ..gitsync import local_path

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
    from ..gitsync import run_git

    return run_git(path, *args).decode("utf-8", "replace").strip()


def resolve_commit(path: Path, ref: str, source: str = "--commit") -> str:
    """A full commit sha for ``ref`` (sha, tag or branch) in the repository."""
    ref = ref.strip()
    if not ref or ref.startswith("-") or any(c.isspace() for c in ref):
        raise InputError(source, "commit", f"'{ref[:60]}' is not a commit")
    from ..gitsync import run_git

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


def plain_sha(text: str) -> str:
    text = text.strip()
    if not _SHA.match(text):
        raise InputError("--commit", "commit", f"'{text[:60]}' is not a commit sha")
    return text.lower()


def maybe_repo(session: Session, req: Request) -> Path | None:
    """The project's repository when the contract has one (JUnit runs need none)."""
    try:
        path = project_repo(session, req)
    except InputError:
        return None
    return path if path.exists() else None
