"""``changeflow fault``: a fault and its response clocks (响应时间), reported, stamped
(respond, on site, resolve, close, pause, resume), shown, listed and its record."""

from __future__ import annotations

from typing import Any

import typer

from changeflow.cli.common import ActorOpt, ContractOpt, JsonOpt, console, emit, emit_table
from changeflow.cli.common import WhenOpt as AtOpt

fault_app = typer.Typer(help="Faults and their response clocks (响应时间).", no_args_is_help=True)


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
    contract: str = ContractOpt,
    engineer: str = typer.Option(None, "--engineer", help="Our engineer on duty for it."),
    onsite_by: str = typer.Option(
        None, "--onsite-by", help="On-site time the client asked for (根据甲方要求): the deadline."
    ),
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
        onsite_by=onsite_by,
        actor=actor,
        source="changeflow fault report",
    )
    def render() -> None:
        _fault_lines(r.view)
        if r.overdue:
            from changeflow.tasks.maintenance.notices import overdue_line

            console.print("  " + overdue_line(r.overdue, r.notice), markup=False)

    emit(r.view | {"overdue": list(r.overdue)}, as_json, render)


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


# The stamps without a mode, one command each: (command, what it does).
STAMPS = (
    ("onsite", "Stamp the arrival on site: stops the on-site clock."),
    ("resolve", "Stamp the resolution (remote or on site)."),
    ("close", "Close a resolved fault."),
)
# Pausing and resuming the clocks: (command, default reason, what it does).
PAUSES = (
    ("pause", "waiting for the client",
     "Pause the clocks while waiting for the client (the fault goes on_hold)."),
    ("resume", "client answered", "Resume the clocks; the due times move by the time paused."),
)  # fmt: skip


def _stamp_command(what: str, doc: str) -> None:
    def command(
        key: str,
        at: str = AtOpt,
        note: str = typer.Option("", "--note"),
        actor: str = ActorOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        _stamp(what, key, at, "", note, actor, as_json)

    command.__doc__ = doc
    fault_app.command(what)(command)


def _pause_command(what: str, reason_default: str, doc: str) -> None:
    def command(
        key: str,
        at: str = AtOpt,
        reason: str = typer.Option(reason_default, "--reason"),
        actor: str = ActorOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        from changeflow.tasks.maintenance import pause, resume

        v = (pause if what == "pause" else resume)(key, at=at, reason=reason, actor=actor)
        emit(v, as_json, lambda: _fault_lines(v))

    command.__doc__ = doc
    fault_app.command(what)(command)


for _what, _doc in STAMPS:
    _stamp_command(_what, _doc)
for _what, _reason, _doc in PAUSES:
    _pause_command(_what, _reason, _doc)


@fault_app.command("show")
def fault_show(key: str, as_json: bool = JsonOpt) -> None:
    """One fault with both clocks."""
    from changeflow.tasks.maintenance import get_fault

    v = get_fault(key)
    emit(v, as_json, lambda: _fault_full(v))


def _fault_full(v: dict[str, Any]) -> None:
    """Everything recorded on a fault: the clocks with their rule, the stamps, the pauses
    with their reasons, and the fault record's text."""
    _fault_lines(v)
    say = lambda text: console.print(text, markup=False, highlight=False)  # noqa: E731
    for name in ("response", "onsite"):
        c = v[name]
        say(
            f"  {name} clock: {c['minutes']} min ({c['clock']}), used {c['used_minutes']} min,"
            f" stopped {c['stopped_at'] or '-'}"
        )
    for label, field in (
        ("contract", "contract"),
        ("system", "system"),
        ("reporter", "reporter"),
        ("engineer", "engineer"),
        ("reported", "reported_at"),
        ("on site asked by client", "onsite_requested"),
        ("responded", "responded_at"),
        ("response mode", "response_mode"),
        ("on site", "onsite_at"),
        ("resolved", "resolved_at"),
        ("closed", "closed_at"),
        ("breach cause", "breach_cause"),
        ("description", "description"),
        ("assessment", "assessment"),
        ("test report", "test_report"),
        ("solution", "solution"),
    ):
        say(f"  {label}: {v.get(field) or '-'}")
    for i, step in enumerate(v.get("steps") or [], start=1):
        say(f"  step {i}: {step}")
    for p in v["pauses"]:
        say(f"  paused {p['from']} .. {p['to'] or 'open'}: {p['reason'] or '-'}")


@fault_app.command("list")
def fault_list(
    open_only: bool = typer.Option(False, "--open", help="Only faults not resolved yet."),
    as_json: bool = JsonOpt,
) -> None:
    """Faults with their clocks (due times in local time; * = provisional calendar)."""
    from changeflow.tasks.maintenance import list_faults

    rows = list_faults(open_only)
    cols = ["key", "severity", "state", "title", "reported", "response due", "response",
            "on site due", "on site"]  # fmt: skip

    def due(c: dict[str, Any]) -> str:
        if c["due"] is None:
            return f"paused ({c['used_minutes']}/{c['minutes']} min)"
        return c["due_local"][:16] + (" *" if c["provisional"] else "")

    emit_table(
        rows,
        as_json,
        "Faults",
        cols,
        (
            [
                r["key"],
                r["severity"],
                r["state"],
                r["title"],
                r["reported_at"][:16].replace("T", " "),
                due(r["response"]),
                r["response"]["status"],
                due(r["onsite"]),
                r["onsite"]["status"],
            ]
            for r in rows
        ),
    )


@fault_app.command("details")
def fault_details(
    key: str,
    assessment: str = typer.Option(None, "--assessment", help="故障评估 Assessment."),
    test_report: str = typer.Option(None, "--test-report", help="测试报告 Test report."),
    solution: str = typer.Option(None, "--solution", help="解决方案 Solution."),
    step: list[str] = typer.Option(
        None, "--step", help="排错步骤 A troubleshooting step (repeat)."
    ),
    cause: str = typer.Option(None, "--cause", help="Why a clock was breached (SLA report)."),
    root_cause: str = typer.Option(None, "--root-cause", help="根本原因 Root cause."),
    prevention: str = typer.Option(
        None, "--prevention", help="预防措施 Measures against recurrence."
    ),
    confirmed_by: str = typer.Option(
        None, "--confirmed-by", help="甲方确认人 Who at the client confirmed the fix."
    ),
    confirmed_on: str = typer.Option(None, "--confirmed-on", help="确认日期 When confirmed."),
    confirmation: str = typer.Option(
        None, "--confirmation", help="甲方意见 What the client said on confirming."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Enter the fault record: assessment, test report, root cause, solution, steps,
    prevention, the client's confirmation, breach cause."""
    from changeflow.tasks.maintenance import record_fault_details

    v = record_fault_details(
        key,
        assessment=assessment,
        test_report=test_report,
        solution=solution,
        steps=step or None,
        breach_cause=cause,
        root_cause=root_cause,
        prevention=prevention,
        confirmed_by=confirmed_by,
        confirmed_on=confirmed_on,
        confirmation=confirmation,
    )
    emit(v, as_json, lambda: _fault_lines(v))


@fault_app.command("record")
def fault_record_cmd(
    key: str,
    lang: str = typer.Option(None, "--lang", help="zh-CN | en (default: settings)."),
    as_json: bool = JsonOpt,
) -> None:
    """Make the fault record document (fault.docx) and store it."""
    from changeflow.tasks.maintenance import fault_record

    r = fault_record(key, lang=lang)
    emit(
        r,
        as_json,
        lambda: console.print(f"{r['key']}: {r['path']} (v{r['version']})", markup=False),
    )


# --- dispatch orders -----------------------------------------------------------------------
