"""``changeflow dispatch``: dispatch orders (派工单): created, done, cancelled, signed off,
listed and evaluated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow.cli.clientmail import SendOpt, emit_mailed
from changeflow.cli.common import (
    ActorOpt,
    ContractOpt,
    JsonOpt,
    console,
    emit,
    emit_table,
    show_record,
)
from changeflow.cli.common import AtOpt as RecordedAtOpt

dispatch_app = typer.Typer(
    help="Dispatch orders (派工单) and the client's sign-off.", no_args_is_help=True
)


def _order_line(v: dict[str, Any]) -> None:
    show_record(
        f"{v['number']}  {v['kind']}  {v['state']}  {v['planned_start'][:16].replace('T', ' ')}"
        f"  {', '.join(v['staff'])}  {v['title']}",
        f"document: {v['document']}" if v.get("document") else "",
        f"accepted: {v['accepted']}  satisfaction: {v['satisfaction']}  signer: {v['signer']}"
        f"  {v['signed_on']}  {v['feedback']}"
        if v.get("signer")
        else "",
    )


@dispatch_app.command("create")
def dispatch_create(
    kind: str = typer.Option(..., "--kind", help="weekly-visit | emergency | remote | change"),
    planned_start: str = typer.Option(None, "--planned-start", help="ISO time (local)."),
    planned_end: str = typer.Option(None, "--planned-end"),
    staff: list[str] = typer.Option(None, "--staff", help="Our engineer (repeat)."),
    title: str = typer.Option("", "--title"),
    work: str = typer.Option("", "--work", help="Work content (one item per line)."),
    location: str = typer.Option("", "--location"),
    request: list[str] = typer.Option(None, "--request", help="Linked request/fault key (repeat)."),
    contract: str = ContractOpt,
    mode: str = typer.Option("", "--mode", help="Service mode: on-site | remote | phone."),
    skill: list[str] = typer.Option(None, "--skill", help="A skill required (repeat; §5)."),
    on_day_off: bool = typer.Option(
        False, "--on-day-off", help="Planned on a day off on purpose (the document says so)."
    ),
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    send: bool = SendOpt,
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Create a dispatch order and its document (signed, with the sign-off table); --send
    mails it to the client's contact."""
    from changeflow.errors import InputError
    from changeflow.tasks.maintenance import create_dispatch

    if not planned_start:
        if kind != "emergency":
            raise InputError("changeflow dispatch create", "planned_start", "is required")
        from changeflow.db.types import utcnow

        planned_start = utcnow().replace(second=0, microsecond=0).isoformat()
    v = create_dispatch(
        kind=kind,
        planned_start=planned_start,
        planned_end=planned_end,
        staff=staff or [],
        title=title,
        work_content=work,
        location=location,
        requests=request or [],
        contract=contract,
        service_mode=mode,
        skills=skill or [],
        on_day_off=on_day_off,
        lang=lang,
        actor=actor,
        source="changeflow dispatch create",
        at=at,
        at_field="--at",
    )
    from changeflow.tasks.clientmail import send_issued

    mail = v["mail"] = send_issued(v, send, actor=actor)

    emit_mailed(v, as_json, lambda: _order_line(v), mail)


@dispatch_app.command("done")
def dispatch_done(
    number: str,
    start: str = typer.Option(None, "--start", help="Actual start (ISO time)."),
    end: str = typer.Option(None, "--end", help="Actual end (ISO time)."),
    minutes: int = typer.Option(
        None, "--minutes", help="Service minutes per engineer (instead of start-end; no cap)."
    ),
    overtime: int = typer.Option(
        None, "--overtime-minutes", help="Overtime per engineer, if not from start-end."
    ),
    engineer: list[str] = typer.Option(
        None, "--engineer", help="Who worked (repeat); default everyone on the order."
    ),
    span: list[str] = typer.Option(
        None,
        "--span",
        help="One engineer's own time (repeat): 'NAME=START..END' (张伟=2026-09-14 09:00.."
        "2026-09-18 17:30) or 'NAME=MINUTES[+OVERTIME]' (李明=960+120).",
    ),
    work: str = typer.Option(None, "--work", help="Work content as done."),
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    send: bool = SendOpt,
    at: str = RecordedAtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record the work as done: issues the order's next version (actual times, work as done,
    service time charged) for the client to sign; counts once the client accepts it."""
    from changeflow.tasks.maintenance import complete_dispatch

    v = complete_dispatch(
        number,
        actual_start=start,
        actual_end=end,
        worked_minutes=minutes,
        overtime_minutes=overtime,
        engineers=engineer or None,
        spans=span or None,
        work_content=work,
        lang=lang,
        actor=actor,
        at=at,
        at_field="--at",
    )

    def render() -> None:
        _order_line(v)
        for w in v["work"]:
            when = (
                f"{w['start'][:16].replace('T', ' ')} .. {w['end'][:16].replace('T', ' ')}, "
                if w["start"] and w["end"]
                else "minutes entered, "
            )
            console.print(
                f"  {w['engineer']}: {when}service {w['service_minutes']} min,"
                f" overtime {w['overtime_minutes']} min",
                markup=False,
            )
        console.print(f"  v{v['version']}: {v['document']} (send this one to sign)", markup=False)

    from changeflow.tasks.clientmail import send_issued

    mail = v["mail"] = send_issued(v, send, actor=actor)
    emit_mailed(v, as_json, render, mail)


@dispatch_app.command("cancel")
def dispatch_cancel(
    number: str,
    reason: str = typer.Option(..., "--reason"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Cancel an order not signed yet."""
    from changeflow.tasks.maintenance import cancel_dispatch

    v = cancel_dispatch(number, reason=reason, actor=actor)
    emit(v, as_json, lambda: _order_line(v))


@dispatch_app.command("signoff")
def dispatch_signoff(
    file: Path = typer.Argument(
        ..., help="The dispatch order .docx the client filled and returned."
    ),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Read the client's sign-off back (verified signature, unchanged tables) and record it."""
    from changeflow.tasks.maintenance import signoff_dispatch

    v = signoff_dispatch(file, actor=actor)
    emit(v, as_json, lambda: _order_line(v))


@dispatch_app.command("list")
def dispatch_list(
    contract: str = ContractOpt,
    state: str = typer.Option(None, "--state", help="planned | done | signed | cancelled"),
    as_json: bool = JsonOpt,
) -> None:
    """Dispatch orders in planned order."""
    from changeflow.tasks.maintenance import list_dispatch

    rows = list_dispatch(contract, state)
    cols = [
        "number",
        "kind",
        "state",
        "planned_start",
        "staff",
        "title",
        "worked_minutes",
        "satisfaction",
    ]
    emit_table(
        rows,
        as_json,
        "Dispatch orders",
        cols,
        (
            [
                r["number"],
                r["kind"],
                r["state"],
                r["planned_start"][:16].replace("T", " "),
                ", ".join(r["staff"]),
                r["title"],
                r["worked_minutes"],
                r["satisfaction"],
            ]
            for r in rows
        ),
    )


@dispatch_app.command("evaluation")
def dispatch_evaluation(
    contract: str = ContractOpt, as_json: bool = JsonOpt
) -> None:
    """Staff evaluation from the clients' sign-offs: acceptance, satisfaction, feedback."""
    from changeflow.tasks.maintenance import staff_evaluation

    rows = staff_evaluation(contract)
    cols = [
        "staff",
        "orders",
        "signed",
        "accepted",
        "not_accepted",
        "average_satisfaction",
        "ratings",
    ]
    emit_table(rows, as_json, "Staff evaluation", cols, ([r[c] for c in cols] for r in rows))


# --- contract usage ------------------------------------------------------------------------
