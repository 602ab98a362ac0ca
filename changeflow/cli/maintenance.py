"""Maintenance commands: faults and their clocks, dispatch orders, contract usage, run log,
the SLA report."""

from __future__ import annotations

from typing import Any

import typer

from changeflow.cli.common import JsonOpt, app, console, emit, table

fault_app = typer.Typer(help="Faults and their response clocks (响应时间).", no_args_is_help=True)
app.add_typer(fault_app, name="fault")

ActorOpt = typer.Option("changeflow", "--actor", help="Who does it (for the audit trail).")
AtOpt = typer.Option(None, "--at", help="When (ISO time, local if no zone); default now.")


def _due(clock: dict[str, Any]) -> str:
    """'2026-11-23 09:30 周一 *' (a star marks a provisional calendar) plus the status."""
    if clock["due"] is None:
        return f"paused ({clock['used_minutes']} of {clock['minutes']} min used)"
    mark = " *provisional" if clock["provisional"] else ""
    return f"{clock['due_local']}{mark}  [{clock['status']}]"


def _fault_lines(v: dict[str, Any]) -> None:
    console.print(
        f"{v['key']}  {v['title']}  ({v['severity']}, {v['state']})", markup=False, highlight=False
    )
    console.print(f"  response due: {_due(v['response'])}", markup=False, highlight=False)
    console.print(f"  on site due:  {_due(v['onsite'])}", markup=False, highlight=False)
    if v["response"]["provisional"] or v["onsite"]["provisional"]:
        console.print(
            "  * rests on a provisional holiday calendar (official schedule not published or"
            " not imported yet: changeflow calendar import FILE.yaml)",
            markup=False,
        )


@fault_app.command("report")
def fault_report(
    severity: str = typer.Option(..., "--severity", help="crash | non-crash"),
    title: str = typer.Option(..., "--title", help="What is wrong, in one line."),
    reported_at: str = typer.Option(None, "--reported-at", help="ISO time; default now."),
    system: str = typer.Option("", "--system", help="The system or module affected."),
    description: str = typer.Option("", "--description"),
    reporter: str = typer.Option("", "--reporter", help="Who reported it (client side)."),
    contract: str = typer.Option(
        None, "--contract", help="Contract code; default: the one in force."
    ),
    engineer: str = typer.Option(None, "--engineer", help="Our engineer on duty for it."),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a fault and print its key and both due times (first response, on site)."""
    from changeflow.tasks.maintenance import report_fault

    r = report_fault(
        severity=severity,
        title=title,
        reported_at=reported_at,
        system=system,
        description=description,
        reporter=reporter,
        contract=contract,
        engineer=engineer,
        actor=actor,
        source="changeflow fault report",
    )
    emit(r.view, as_json, lambda: _fault_lines(r.view))


def _stamp(
    what: str, key: str, at: str | None, mode: str, note: str, actor: str, as_json: bool
) -> None:
    from changeflow.tasks.maintenance import stamp

    v = stamp(key, what, at=at, mode=mode, note=note, actor=actor)
    emit(v, as_json, lambda: _fault_lines(v))


@fault_app.command("respond")
def fault_respond(
    key: str,
    at: str = AtOpt,
    mode: str = typer.Option("phone", "--mode", help="phone | online"),
    note: str = typer.Option("", "--note"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Stamp the first response (phone or online): stops the response clock."""
    _stamp("respond", key, at, mode, note, actor, as_json)


@fault_app.command("onsite")
def fault_onsite(
    key: str, at: str = AtOpt, note: str = typer.Option("", "--note"), actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Stamp the arrival on site: stops the on-site clock."""
    _stamp("onsite", key, at, "", note, actor, as_json)


@fault_app.command("resolve")
def fault_resolve(
    key: str, at: str = AtOpt, note: str = typer.Option("", "--note"), actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Stamp the resolution (remote or on site)."""
    _stamp("resolve", key, at, "", note, actor, as_json)


@fault_app.command("close")
def fault_close(
    key: str, at: str = AtOpt, note: str = typer.Option("", "--note"), actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:  # fmt: skip
    """Close a resolved fault."""
    _stamp("close", key, at, "", note, actor, as_json)


@fault_app.command("pause")
def fault_pause(
    key: str,
    at: str = AtOpt,
    reason: str = typer.Option("waiting for the client", "--reason"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Pause the clocks while waiting for the client (the fault goes on_hold)."""
    from changeflow.tasks.maintenance import pause

    v = pause(key, at=at, reason=reason, actor=actor)
    emit(v, as_json, lambda: _fault_lines(v))


@fault_app.command("resume")
def fault_resume(
    key: str,
    at: str = AtOpt,
    reason: str = typer.Option("client answered", "--reason"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Resume the clocks; the due times move by the time paused."""
    from changeflow.tasks.maintenance import resume

    v = resume(key, at=at, reason=reason, actor=actor)
    emit(v, as_json, lambda: _fault_lines(v))


@fault_app.command("show")
def fault_show(key: str, as_json: bool = JsonOpt) -> None:
    """One fault with both clocks."""
    from changeflow.tasks.maintenance import get_fault

    v = get_fault(key)
    emit(v, as_json, lambda: _fault_lines(v))


@fault_app.command("list")
def fault_list(
    open_only: bool = typer.Option(False, "--open", help="Only faults not resolved yet."),
    as_json: bool = JsonOpt,
) -> None:
    """Faults with their clocks (due times in local time; * = provisional calendar)."""
    from changeflow.tasks.maintenance import list_faults

    rows = list_faults(open_only)
    cols = ["key", "severity", "state", "title", "reported", "response due", "on site due"]
    emit(
        rows,
        as_json,
        lambda: console.print(
            table(
                "Faults",
                cols,
                (
                    [
                        r["key"],
                        r["severity"],
                        r["state"],
                        r["title"],
                        r["reported_at"][:16].replace("T", " "),
                        _due(r["response"]),
                        _due(r["onsite"]),
                    ]
                    for r in rows
                ),
            )
        ),
    )
