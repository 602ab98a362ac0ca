"""Client approval commands: approve, decision, inbox, kickoff, and secret rotation."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from changeflow.cli.common import JsonOpt, console, emit, table
from changeflow.errors import InputError

secret_app = typer.Typer(help="The installation's signing secret.", no_args_is_help=True)


def _decision_line(d: dict) -> str:
    verb = "approved" if d["decision"] == "approve" else "not approved (rejected)"
    head = "already recorded: " if d.get("duplicate") else ""
    line = (
        f"{head}{d['key']} {d['kind']} v{d['version']} {verb} by {d['approver']} on"
        f" {d['decided_on']}; state {d['state']}"
    )
    if d.get("comment"):
        line += f"\n  comment: {d['comment']}"
    if d.get("evidence"):
        line += f"\n  evidence archived: {d['evidence']} (sha256 {d['evidence_sha256'][:12]})"
    return line


def approve(
    file: Path = typer.Argument(..., help="The returned plan (.docx) with its approval table."),
    key: str = typer.Option(None, "--key", help="Refuse unless the file is for this request."),
    actor: str = typer.Option("changeflow", help="Who records it (for the audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Record the decision a client wrote into the document we sent (同意/不同意)."""
    from changeflow.tasks.returned import approve_file

    result = approve_file(file, actor=actor, expect_key=key).as_dict()
    emit(result, as_json, lambda: console.print(_decision_line(result), markup=False))


def decision(
    key: str = typer.Argument(..., help="Request key, e.g. CR-2026-0001."),
    approve: bool = typer.Option(False, "--approve", help="The client approved (同意)."),
    reject: bool = typer.Option(False, "--reject", help="The client did not approve (不同意)."),
    approver: str = typer.Option(..., "--approver", help="Who decided (the client's name)."),
    date: str = typer.Option(..., "--date", help="Date of the decision, YYYY-MM-DD."),
    comment: str = typer.Option("", "--comment", help="The client's comments."),
    evidence: Path = typer.Option(
        None, "--evidence", help="Scan (.pdf/.png/.jpg/.tif) or saved mail (.eml/.msg)."
    ),
    actor: str = typer.Option("changeflow", help="Who records it (for the audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Record a decision given by phone, mail or on paper, with its evidence file."""
    from changeflow.tasks.inputs import read_limited
    from changeflow.tasks.signoff import record_decision

    if approve == reject:
        raise InputError(
            "changeflow decision", "decision", "give exactly one of --approve/--reject"
        )
    data = read_limited(evidence) if evidence else None
    result = record_decision(
        key,
        "approve" if approve else "reject",
        approver,
        date,
        comment,
        data,
        evidence.name if evidence else None,
        actor=actor,
        channel="cli",
    ).as_dict()
    emit(result, as_json, lambda: console.print(_decision_line(result), markup=False))


def inbox(
    folder: Path = typer.Option(None, "--folder", help="Inbox folder (default: settings)."),
    as_json: bool = JsonOpt,
) -> None:
    """One pass over the inbox: task books to intake, returned documents to approval."""
    from changeflow.tasks.inbox import process_inbox

    report = process_inbox(folder, settle_seconds=0)
    data = report.as_dict()
    emit(
        data,
        as_json,
        lambda: console.print(
            table(
                f"Inbox {report.folder}: {report.summary()}",
                ["file", "outcome", "key", "detail"],
                ([i.file, i.outcome, i.key, i.detail] for i in report.items),
            )
            if report.items
            else "inbox empty"
        ),
    )
    if report.refused or report.retry:
        bad = report.refused + report.retry
        print(
            f"error: {len(bad)} file(s) not taken: "
            + "; ".join(f"{i.file}: {i.detail}" for i in bad),
            file=sys.stderr,
        )
        raise typer.Exit(2 if report.refused else 5)


def kickoff(
    key: str = typer.Argument(..., help="Request key of an approved plan."),
    actor: str = typer.Option("changeflow", help="Who starts it (for the audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Start development: branch cr/<key>, freeze the schedule, mail the team."""
    from changeflow.tasks.kickoff import kickoff as run_kickoff

    result = run_kickoff(key, actor=actor)
    emit(
        result,
        as_json,
        lambda: console.print(
            f"{key}: branch {result['branch']} in {result['repo']}, planned"
            f" {result['planned_start']} - {result['planned_end']}, state {result['state']};"
            f" mail: {result['mail']['status']}"
            + (
                f"\nteam not mailed: {result['mail']['error']}"
                if result["mail"]["status"] == "not-set-up"
                else ""
            ),
            markup=False,
        ),
    )
    if result["mail"]["status"] not in ("sent", "already-sent", "not-set-up"):
        print(f"error: team mail not sent: {result['mail'].get('error')}", file=sys.stderr)
        raise typer.Exit(1)


@secret_app.command("rotate")
def secret_rotate(as_json: bool = JsonOpt) -> None:
    """Sign with a new key from now on; documents signed with older keys still verify."""
    from changeflow.tasks.signoff.keys import load_keys, rotate

    kid = rotate()
    data = {"signing_key": kid, "keys": [k for k, _ in load_keys()]}
    emit(
        data,
        as_json,
        lambda: console.print(f"now signing with {kid}; verifying with {', '.join(data['keys'])}"),
    )


def register(app: typer.Typer) -> None:
    """Add ``secret``, ``approve``, ``decision``, ``inbox`` and ``kickoff`` to ``app``."""
    app.add_typer(secret_app, name="secret")
    app.command()(approve)
    app.command()(decision)
    app.command()(inbox)
    app.command()(kickoff)
