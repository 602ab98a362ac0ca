"""Operations commands: ``changeflow backup``, ``restore`` and ``doctor``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow import faults
from changeflow.cli.common import JsonOpt, console, emit, err_console, table

faults.install()  # crash tests only: a no-op unless CHANGEFLOW_FAULT_INJECT is set


def backup(
    out: Path = typer.Option(None, "--out", help="Folder for backups (default <home>/backups)."),
    keep: int = typer.Option(None, "--keep", min=1, help="Keep only the N newest backups there."),
    include_secret: bool = typer.Option(
        False, "--include-secret", help="Also copy the signing secret (mode 600). Off by default."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Back up the database and the document store, with a manifest of sha256 sums."""
    from changeflow.tasks.backup import backup as run_backup

    result = run_backup(out, include_secret=include_secret, keep=keep)
    data = result.summary()

    def render() -> None:
        console.print(table("changeflow backup", ["", ""], data.items()))
        for problem in data["problems"]:
            err_console.print(f"[yellow]warning:[/] {problem}", highlight=False)
        if not include_secret:
            console.print("The signing secret is not in the backup: keep a copy of it safely.")

    emit(data, as_json, render)


def restore(
    backup_dir: Path = typer.Argument(..., metavar="BACKUP", help="A backup folder."),
    into: Path = typer.Option(
        None, "--into", help="An empty home folder (database, documents, secret inside it)."
    ),
    database_url: str = typer.Option(
        None, "--database-url", help="An empty database to restore into (e.g. PostgreSQL)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Restore a verified backup into an empty database and document store (never over data)."""
    from changeflow.tasks.backup import restore as run_restore
    from changeflow.tasks.doctor import Place

    if into is not None:
        place = Place.home(into, database_url)
    elif database_url is not None:
        cur = Place.current()
        place = Place(database_url, cur.store_dir, cur.secret_path)
    else:
        place = Place.current()
    result = run_restore(backup_dir, place)
    data = result.summary()

    def render() -> None:
        console.print(table("changeflow restore", ["", ""], data.items()))
        console.print("Check it with: changeflow doctor")

    emit(data, as_json, render)


def doctor(as_json: bool = JsonOpt) -> None:
    """Check records against files and the audit trail; exit non-zero listing what is wrong."""
    from changeflow.tasks.doctor import DoctorFailed, diagnose

    report = diagnose()
    report.checks.append(check_deployments())
    data = report.as_dict()

    def render() -> None:
        rows = [
            (c.name, "ok" if c.ok else f"{c.count} problem(s)", c.detail) for c in report.checks
        ]
        console.print(table(f"changeflow doctor: {report.place}", ["check", "result", ""], rows))
        for c in report.checks:
            for p in c.problems:
                console.print(f"  {c.name}: {p}", markup=False, highlight=False)
            if c.count > len(c.problems):
                console.print(f"  {c.name}: … and {c.count - len(c.problems)} more")

    emit(data, as_json, render)
    if not report.ok:
        raise DoctorFailed(f"doctor found {report.problem_count} problem(s)")


def check_deployments() -> Any:
    """The Prefect side: our deployments on the server ``up`` uses, paused or not (a paused
    deployment's schedule makes no runs: the inbox and sla-watch stop unseen). No server
    answering is reported, not counted: ``up`` may simply not be running."""
    from changeflow.cli.serving import deployment_health, server_address
    from changeflow.tasks.doctor import Check

    c = Check("deployments")
    try:
        health = deployment_health()
    except Exception as exc:  # a server that answers health but not the API (auth, version)
        c.detail = f"could not read the deployments at {server_address()}: {exc}"[:300]
        return c
    if health is None:
        c.detail = f"no Prefect server at {server_address()} (not checked)"
        return c
    problem = health.problem()
    if problem:
        c.problem(problem)
    else:
        c.detail = f"{health.total} at {health.ui_url}, none paused"
        if health.unserved:
            c.detail += f"; {len(health.unserved)} not served right now (no changeflow up)"
    return c


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore`` and ``doctor`` to ``app``."""
    app.command()(backup)
    app.command()(restore)
    app.command()(doctor)
