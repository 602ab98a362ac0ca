"""Git commands: register a client repository, sync commits, show a request's progress."""

from __future__ import annotations

from typing import Any

import typer

from changeflow.cli.common import JsonOpt, console, emit, table
from changeflow.errors import InputError

repo_app = typer.Typer(help="Client project repositories followed by the git sync.")


def _aliases(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        spelling, sep, canonical = item.partition("=")
        if not sep or not spelling.strip() or not canonical.strip():
            raise InputError("--alias", "alias", f"'{item}' is not SPELLING=IDENTITY")
        out[spelling.strip()] = canonical.strip()
    return out


@repo_app.command("add")
def repo_add(
    location: str = typer.Argument(..., help="Local clone path, or a URL to mirror."),
    client: str = typer.Option(None, help="Client code."),
    contract: str = typer.Option(None, help="Contract code (sets the client too)."),
    name: str = typer.Option(None, help="Short name; default: the folder name."),
    branch: list[str] = typer.Option(
        [], "--branch", help="Branches to follow (fnmatch, repeatable); default: all."
    ),
    pattern: list[str] = typer.Option(
        [], "--pattern", help="Link regex with (?P<key>...) or (?P<seq>...); repeatable."
    ),
    alias: list[str] = typer.Option(
        [], "--alias", help="SPELLING=IDENTITY (name or email -> identity); repeatable."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Register a repository for a client or contract (a local path must be a git repo)."""
    from changeflow.tasks.gitsync import register_repository

    data = register_repository(
        location, client=client, contract=contract, name=name, branches=branch,
        link_patterns=pattern, aliases=_aliases(alias),
    )  # fmt: skip
    emit(data, as_json, lambda: console.print(f"registered {data['name']}: {data['location']}"))


@repo_app.command("list")
def repo_list(as_json: bool = JsonOpt) -> None:
    """Registered repositories with their commit counts and last sync."""
    from sqlalchemy import select

    from changeflow.db.git import Repository
    from changeflow.db.session import transaction
    from changeflow.tasks.gitsync import repository_count

    with transaction() as s:
        rows = [
            {
                "name": r.name,
                "location": r.location,
                "branches": r.branches or ["*"],
                "commits": repository_count(s, r.id),
                "last_synced_at": r.last_synced_at,
            }
            for r in s.scalars(select(Repository).order_by(Repository.name))
        ]
    cols = ["name", "location", "branches", "commits", "last_synced_at"]
    emit(
        rows,
        as_json,
        lambda: console.print(table("Repositories", cols, ([r[c] for c in cols] for r in rows))),
    )


def sync_cmd(
    repo: str = typer.Option(
        None, "--repo", help="Repository name, URL or path (a new path is registered)."
    ),
    full: bool = typer.Option(False, "--full", help="Re-read the whole history."),
    as_json: bool = JsonOpt,
) -> None:
    """Read new commits of every registered repository (or one): links, time, progress."""
    from changeflow.tasks.gitsync import sync

    results = [r.to_dict() for r in sync(repo, full=full)]
    keys = ("seen", "new", "linked", "time_entries", "unreachable", "seconds")
    totals: dict[str, Any] = {k: sum(r[k] for r in results) for k in keys}
    totals["seconds"] = round(totals["seconds"], 3)
    data = {"repositories": results, "totals": totals}

    def render() -> None:
        if not results:
            console.print("no repositories: changeflow repo add PATH --client CODE")
            return
        cols = ["repository", "branches", "seen", "new", "linked", "time_entries", "seconds"]
        console.print(table("Git sync", cols, ([r[c] for c in cols] for r in results)))
        for r in results:
            for w in r["warnings"]:
                console.print(f"[yellow]{r['repository']}:[/] {w}", highlight=False)

    emit(data, as_json, render)


def progress_cmd(
    key: str = typer.Argument(..., help="Request key, e.g. CR-2026-0001."),
    as_json: bool = JsonOpt,
) -> None:
    """A request's development progress from git: commits, people, days, lines, time."""
    from changeflow.tasks.gitsync import progress_for

    (p,) = progress_for([key])

    def render() -> None:
        head = {k: v for k, v in p.items() if k not in {"authors", "milestones"}}
        console.print(table(f"Progress {key}", ["", ""], head.items()))
        cols = ["identity", "name", "commits", "days", "hours"]
        console.print(table("Authors", cols, ([a[c] for c in cols] for a in p["authors"])))

    emit(p, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``repo``, ``sync`` and ``progress`` to ``app``."""
    app.add_typer(repo_app, name="repo")
    app.command("sync")(sync_cmd)
    app.command("progress")(progress_cmd)
