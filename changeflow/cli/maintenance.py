"""Maintenance commands: faults and their clocks, dispatch orders, contract usage, run log,
the SLA report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from changeflow.cli.clientmail import SendOpt, fail_if_unsent, mail_line
from changeflow.cli.common import JsonOpt, console, emit, table

fault_app = typer.Typer(help="Faults and their response clocks (响应时间).", no_args_is_help=True)

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
    key: str,
    at: str = AtOpt,
    note: str = typer.Option("", "--note"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Stamp the arrival on site: stops the on-site clock."""
    _stamp("onsite", key, at, "", note, actor, as_json)


@fault_app.command("resolve")
def fault_resolve(
    key: str,
    at: str = AtOpt,
    note: str = typer.Option("", "--note"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Stamp the resolution (remote or on site)."""
    _stamp("resolve", key, at, "", note, actor, as_json)


@fault_app.command("close")
def fault_close(
    key: str,
    at: str = AtOpt,
    note: str = typer.Option("", "--note"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
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
                        due(r["response"]),
                        r["response"]["status"],
                        due(r["onsite"]),
                        r["onsite"]["status"],
                    ]
                    for r in rows
                ),
            )
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

dispatch_app = typer.Typer(
    help="Dispatch orders (派工单) and the client's sign-off.", no_args_is_help=True
)


def _order_line(v: dict[str, Any]) -> None:
    console.print(
        f"{v['number']}  {v['kind']}  {v['state']}  {v['planned_start'][:16].replace('T', ' ')}"
        f"  {', '.join(v['staff'])}  {v['title']}",
        markup=False,
        highlight=False,
    )
    if v.get("document"):
        console.print(f"  document: {v['document']}", markup=False)
    if v.get("signer"):
        console.print(
            f"  accepted: {v['accepted']}  satisfaction: {v['satisfaction']}  signer: {v['signer']}"
            f"  {v['signed_on']}  {v['feedback']}",
            markup=False,
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
    contract: str = typer.Option(None, "--contract"),
    mode: str = typer.Option("", "--mode", help="Service mode: on-site | remote | phone."),
    skill: list[str] = typer.Option(None, "--skill", help="A skill required (repeat; §5)."),
    on_day_off: bool = typer.Option(
        False, "--on-day-off", help="Planned on a day off on purpose (the document says so)."
    ),
    lang: str = typer.Option(None, "--lang"),
    actor: str = ActorOpt,
    send: bool = SendOpt,
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
    )
    mail = v["mail"] = _send_order(v, send, actor)

    def render() -> None:
        _order_line(v)
        mail_line(mail)

    emit(v, as_json, render)
    fail_if_unsent(mail)


def _send_order(v: dict[str, Any], send: bool | None, actor: str | None) -> dict[str, Any] | None:
    from changeflow.tasks.clientmail import send_if_wanted

    if not v.get("document"):
        return None
    return send_if_wanted(v["document"], send, actor=actor or "changeflow")


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
        mail_line(mail)

    mail = v["mail"] = _send_order(v, send, actor)
    emit(v, as_json, render)
    fail_if_unsent(mail)


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
    contract: str = typer.Option(None, "--contract"),
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
    emit(
        rows,
        as_json,
        lambda: console.print(
            table(
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
        ),
    )


@dispatch_app.command("evaluation")
def dispatch_evaluation(
    contract: str = typer.Option(None, "--contract"), as_json: bool = JsonOpt
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
    emit(
        rows,
        as_json,
        lambda: console.print(
            table("Staff evaluation", cols, ([r[c] for c in cols] for r in rows))
        ),
    )


# --- contract usage ------------------------------------------------------------------------


def _contract_app(app: typer.Typer) -> typer.Typer:
    """The ``contract`` group the core commands added to ``app`` (we add ``usage`` to it)."""
    for group in app.registered_groups:
        if group.name == "contract" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("the 'contract' command group is missing")


USAGE_LABELS = {
    "contract": "contract",
    "client": "client",
    "period": "contract period",
    "service_days_per_year": "service days a year",
    "hours_per_service_day": "hours per service day",
    "service_cycle": "service cycle",
    "allowance_per_cycle": "service days per cycle",
    "orders_counted": "dispatch orders counted",
    "hours_used": "hours used",
    "days_used": "service days used",
    "days_left": "service days left",
    "used_percent": "used (%)",
    "alert_level": "alert level (%)",
    "annual_fee": "annual fee",
    "currency": "currency",
    "fee_per_service_day": "fee per service day",
    "renewal_date": "renewal date",
    "end_date": "end date",
    "days_to_renewal": "days to renewal",
}


def contract_usage_cmd(
    ident: str = typer.Argument(None, help="Contract code; default: the one in force."),
    as_json: bool = JsonOpt,
) -> None:
    """Service days used and left (from dispatch orders), per month, fee and renewal."""
    from changeflow.tasks.maintenance import contract_usage

    u = contract_usage(ident)

    def render() -> None:
        lists = ("per_month", "per_cycle", "cycles", "orders", "awaiting_acceptance",
                 "not_accepted", "development")  # fmt: skip
        rows = [(USAGE_LABELS.get(k, k.replace("_", " ")), "-" if v is None else v)
                for k, v in u.items() if k not in lists]  # fmt: skip
        console.print(table(f"Contract {u['contract']} usage", ["item", "value"], rows))
        dev = u["development"]
        console.print(
            table(
                "Development (approved plans, time booked)"
                + ("" if dev["counts_against_service_days"] else ": not counted in service days"),
                ["request", "planned days", "booked days"],
                (
                    [k, v["planned"] or "-", v["booked"] or "-"]
                    for k, v in dev["per_request"].items()
                ),
            )
        )
        console.print(table("Service days per month", ["month", "days"], u["per_month"].items()))
        console.print(
            table(
                f"Service cycle ({u['service_cycle']})",
                ["cycle", "used", "allowance", "over"],
                ([c["cycle"], c["used"], c["allowance"], "!" if c["over"] else ""]
                 for c in u["cycles"]),
            )
        )  # fmt: skip
        for name in ("awaiting_acceptance", "not_accepted"):
            if u[name]:
                console.print(
                    table(
                        name.replace("_", " "),
                        ["order", "state", "days", "title"],
                        ([r["number"], r["state"], r["days"], r["title"]] for r in u[name]),
                    )
                )

    emit(u, as_json, render)


# --- run log -------------------------------------------------------------------------------

runlog_app = typer.Typer(help="The daily run log (运行日志).", no_args_is_help=True)


@runlog_app.command("add")
def runlog_add(
    author: str = typer.Option(..., "--author"),
    day: str = typer.Option(None, "--day", help="YYYY-MM-DD; default today."),
    check: list[str] = typer.Option(None, "--check", help="A check done (repeat)."),
    backups_verified: bool = typer.Option(False, "--backups-verified", help="Backups checked."),
    backup_note: str = typer.Option("", "--backup-note"),
    incidents: str = typer.Option("", "--incidents"),
    changes: str = typer.Option("", "--changes"),
    contract: str = typer.Option(None, "--contract"),
    replace: bool = typer.Option(False, "--replace", help="Replace the day's entry."),
    as_json: bool = JsonOpt,
) -> None:
    """Write the run log of one service day."""
    from changeflow.tasks.maintenance import add_run_log

    v = add_run_log(
        day=day,
        author=author,
        checks=check or [],
        backups_verified=backups_verified,
        backup_note=backup_note,
        incidents=incidents,
        changes=changes,
        contract=contract,
        replace=replace,
    )
    emit(
        v, as_json, lambda: console.print(f"run log {v['contract']} {v['day']} saved", markup=False)
    )


@runlog_app.command("list")
def runlog_list(
    first: str = typer.Option(None, "--from", help="YYYY-MM-DD; default a week ago."),
    last: str = typer.Option(None, "--to", help="YYYY-MM-DD; default today."),
    contract: str = typer.Option(None, "--contract"),
    as_json: bool = JsonOpt,
) -> None:
    """Entries of a period and the working days that have none."""
    from datetime import date

    from changeflow.errors import InputError
    from changeflow.tasks.maintenance import list_run_log

    def day(v: str | None, field: str) -> date | None:
        try:
            return date.fromisoformat(v) if v else None
        except ValueError:
            raise InputError("changeflow runlog list", field, f"'{v}' is not a date") from None

    info = list_run_log(contract, day(first, "from"), day(last, "to"))

    def render() -> None:
        cols = ["day", "author", "checks", "backups", "backup note", "incidents", "changes"]
        console.print(
            table(
                f"Run log {info['contract']}",
                cols,
                (
                    [
                        e["day"],
                        e["author"],
                        "; ".join(e["checks"]),
                        "yes" if e["backups_verified"] else "no",
                        e["backup_note"],
                        e["incidents"],
                        e["changes"],
                    ]
                    for e in info["entries"]
                ),
            )
        )
        if info["missing"]:
            console.print("no entry: " + ", ".join(d.isoformat() for d in info["missing"]))

    emit(info, as_json, render)


# --- SLA report ----------------------------------------------------------------------------

sla_app = typer.Typer(help="SLA reports.", no_args_is_help=True)


@sla_app.command("report")
def sla_report_cmd(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    contract: str = typer.Option(None, "--contract"),
    docx: bool = typer.Option(
        False, "--docx", help="Also make the Word statement for the client (对账单)."
    ),
    lang: str = typer.Option(None, "--lang", help="zh-CN | en (default: settings)."),
    send: bool = SendOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Monthly SLA report: met %, average and worst times, breaches with causes, open clocks
    as open; with --docx the Word statement the client receives and confirms (--send mails
    it to the client's contact, and implies --docx)."""
    from changeflow.tasks.clientmail import send_if_wanted
    from changeflow.tasks.maintenance import report_markdown, sla_report, sla_report_document

    docx = docx or bool(send)
    r = sla_report_document(month, contract, lang=lang) if docx else sla_report(month, contract)
    mail = r["mail"] = send_if_wanted(r["path"], send, actor="changeflow") if docx else None

    def render() -> None:
        console.print(report_markdown(r), markup=False, highlight=False)
        if docx:
            console.print(
                f"\n{r['path']} (statement {r['subject']} v{r['version']}: send it to the"
                " client to confirm; record the returned file with the inbox or"
                " changeflow sla confirm FILE)",
                markup=False,
            )
        mail_line(mail)

    emit(r, as_json, render)
    fail_if_unsent(mail)


@sla_app.command("confirm")
def sla_confirm_cmd(
    file: Path = typer.Argument(
        ..., help="The SLA statement .docx the client filled and returned."
    ),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record the client's confirmation of a monthly SLA statement (无异议/有异议), read back
    from the returned file (verified signature, unchanged content, newest version)."""
    from changeflow.tasks.maintenance import confirm_statement

    v = confirm_statement(file, actor=actor)
    emit(
        v,
        as_json,
        lambda: console.print(
            f"{v['subject']} v{v['version']}: {v['state']} by {v['signer']} on {v['signed_on']}"
            + (f" ({v['remarks']})" if v["remarks"] else "")
            + (" (already recorded)" if v["duplicate"] else ""),
            markup=False,
        ),
    )


@sla_app.command("statements")
def sla_statements_cmd(
    contract: str = typer.Option(None, "--contract"),
    month: str = typer.Option(None, "--month", help="YYYY-MM"),
    as_json: bool = JsonOpt,
) -> None:
    """Issued monthly statements and whether the client confirmed them."""
    from changeflow.tasks.maintenance import list_statements

    rows = list_statements(contract, month)
    cols = ["subject", "version", "state", "signer", "signed_on", "remarks", "document"]
    emit(
        rows,
        as_json,
        lambda: console.print(
            table("SLA statements", cols, ([r[c] or "-" for c in cols] for r in rows))
        ),
    )


@sla_app.command("watch")
def sla_watch_cmd(as_json: bool = JsonOpt) -> None:
    """Check the clocks once and send due warnings and breach notices (what sla-watch runs)."""
    from changeflow.tasks.maintenance import sla_watch

    r = sla_watch()
    emit(
        r,
        as_json,
        lambda: console.print(
            f"checked {r['checked']} open fault(s);"
            f" sent {len(r['sent'])}, failed {len(r['failed'])}"
        ),
    )


def register(app: typer.Typer) -> None:
    """Add ``fault``, ``dispatch``, ``contract usage``, ``runlog`` and ``sla`` to ``app``."""
    app.add_typer(fault_app, name="fault")
    app.add_typer(dispatch_app, name="dispatch")
    _contract_app(app).command("usage")(contract_usage_cmd)
    app.add_typer(runlog_app, name="runlog")
    app.add_typer(sla_app, name="sla")
