"""Calendar, plan and staff commands: ``changeflow calendar``, ``changeflow plan`` (draft,
review, ``--issue``), ``changeflow plan-batch`` and ``changeflow staff away``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from changeflow.cli.clientmail import SendOpt, emit_mailed
from changeflow.cli.common import AtOpt, JsonOpt, console, emit, table
from changeflow.errors import InputError


def _date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError("command line", name, f"'{value}' is not a date like 2026-12-01") from None


def calendar_cmd(
    first: str = typer.Argument(..., metavar="FROM|import", help="First day (YYYY-MM-DD)."),
    second: str = typer.Argument(..., metavar="TO|FILE", help="Last day, or the file to import."),
    contract: str = typer.Option(None, "--contract", help="Contract code or id (its overrides)."),
    actor: str = typer.Option("changeflow", help="Who imports (recorded with the year)."),
    as_json: bool = JsonOpt,
) -> None:
    """Working days and days off with the reason: `calendar FROM TO [--contract ID]`.

    `calendar import FILE.yaml` loads an official year (holidays and make-up workdays) that
    then takes precedence over chinesecalendar and the provisional rule; see
    examples/calendar-2027.yaml for the format.
    """
    from changeflow.db.session import transaction
    from changeflow.tasks.calendar import PROVISIONAL_NOTE, calendar_days

    if first == "import":
        from changeflow.tasks.calendar import import_official_year, parse_official_year
        from changeflow.tasks.inputs import read_limited

        path = Path(second)
        official = parse_official_year(read_limited(path, limit=1024 * 1024), str(path))
        with transaction() as s:
            done = import_official_year(s, official, actor=actor)
        emit(
            done,
            as_json,
            lambda: console.print(
                f"imported {done['year']}: {done['holidays']} holiday day(s),"
                f" {done['workdays']} make-up workday(s) from {done['source']}",
                markup=False,
            ),
        )
        return
    start, end = _date(first, "FROM"), _date(second, "TO")
    data = calendar_days(start, end, contract)
    days = data["days"]

    def render() -> None:
        rows = (
            [
                d["date"] + ("*" if d["provisional"] else ""),
                "一二三四五六日"[d["weekday"] - 1],
                "work" if d["working"] else "off",
                d["hours"] or "",
                d["reason"],
                d["reason_zh"],
            ]
            for d in days
        )
        title = f"Calendar {start} - {end}" + (f" ({contract})" if contract else "")
        console.print(table(title, ["date", "周", "", "hours", "reason", "原因"], rows))
        console.print(f"{data['working_days']} working day(s), {data['days_off']} day(s) off")
        if data["provisional"]:
            console.print("* " + PROVISIONAL_NOTE["en"], markup=False)
            console.print("* " + PROVISIONAL_NOTE["zh-CN"], markup=False)

    emit(data, as_json, render)


def plan_cmd(
    key: str = typer.Argument(..., help="Request key such as CR-2026-0001."),
    estimates: Path = typer.Option(None, "--estimates", help="Estimates YAML (see export)."),
    start: str = typer.Option(None, "--start", help="First day (default: next working day)."),
    lang: str = typer.Option(None, "--lang", help="Document language: zh-CN or en."),
    export_estimates: Path = typer.Option(
        None, "--export-estimates", help="Write the current estimate to this YAML and stop."
    ),
    actor: str = typer.Option(None, help="Who makes the plan (audit trail)."),
    new_version: bool = typer.Option(
        False, "--new-version", help="Make a new version even when nothing changed."
    ),
    issue: bool = typer.Option(
        False,
        "--issue",
        help="Sign the plan: the version the client approves (the newest draft, or a new"
        " one from --estimates/--start).",
    ),
    send: bool = SendOpt,
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Draft the next version of a request's plan and budget; --issue signs it, --send mails it.

    A draft is unsigned, marked 草稿 on every page, and can be neither sent nor approved:
    review it, edit the estimates (--export-estimates FILE, then --estimates FILE), then
    `plan KEY --issue`. The same estimates, start and language keep the current version
    (--new-version makes another one anyway). Starts in the past or before the client can
    approve (settings.planning.approval_lead_days, working days) are refused.
    """
    from changeflow.tasks import planning

    if export_estimates is not None:
        done = planning.export_estimates(key, export_estimates)
        emit(
            done,
            as_json,
            lambda: console.print(
                f"wrote {done['items']} item(s) ({done['based_on']}) to {done['file']}",
                markup=False,
            ),
        )
        return
    from changeflow.tasks.documents import document_lang

    document_lang(lang)  # a wrong --lang refused before any work
    # --issue alone signs the newest draft as reviewed (or drafts and signs one if none)
    result = planning.plan_from_file(
        key,
        estimates_path=estimates,
        start=_date(start, "--start") if start else None,
        lang=lang,
        actor=actor,
        new_version=new_version,
        issue=issue,
        at=at,
        at_field="--at",
    )
    from changeflow.tasks.clientmail import send_issued

    mail = send_issued(
        result, send, actor=actor, what="plan",
        hint=f"issue it with: changeflow plan {key} --issue --send",
    )  # fmt: skip
    result["mail"] = mail

    emit_mailed(result, as_json, lambda: _show_plan(result), mail)


def _show_plan(result: dict[str, Any]) -> None:
    """A plan version as a person reads it: its work items, totals and dates, then the notes."""
    cols = ["#", "req", "phase", "role", "who", "pd", "amount", "start", "end"]
    rows = (
        [
            i["seq"],
            i["requirement"] or "",
            i["phase"],
            i["role"],
            i["assignee"] or "TBD",
            i["person_days"],
            i["amount"],
            i["start"] + ("*" if i["provisional"] else ""),
            i["end"] + ("*" if i["provisional"] else ""),
        ]
        for i in result["items"]
    )
    same = " (unchanged: same inputs, this version stands)" if result.get("unchanged") else ""
    status = "DRAFT 草稿" if result["status"] == "draft" else "issued"
    title = f"{result['key']} plan v{result['version']} ({status}){same}"
    console.print(table(title, cols, rows))
    console.print(
        f"total {result['total']} CNY (tax {result['tax']}) · {result['total_capital']}\n"
        f"{result['start']} - {result['end']}: {result['calendar_days']} calendar days, "
        f"{result['working_days']} working days · state {result['state']}\n"
        f"document: {result['document']}",
        markup=False,
    )
    for line in _plan_notes(result):
        console.print(line, markup=False)


def _plan_notes(result: dict[str, Any]) -> list[str]:
    """The notes under a plan: service days, people busy elsewhere, what history suggested,
    a missed desired date, a provisional calendar, and what to do next with a draft."""
    from changeflow.tasks.calendar import PROVISIONAL_NOTE

    out = []
    sd = result.get("service_days")
    if sd:
        out.append(
            f"service days ({sd['period']}): left {sd['before']} -> {sd['after']},"
            f" this plan uses {sd['uses']}; covered by the fee {sd['covered']},"
            f" billed {sd['billed']} person-days ({sd['billed_amount']} CNY excl. tax)"
        )
    for b in result.get("busy_elsewhere") or []:
        out.append(
            f"busy elsewhere: {b['who']} {b['from']} - {b['to']} ({b['days']} d): {b['what']}"
        )
    for n in result.get("suggestions") or []:
        r = n["ratio"]
        out.append(
            f"from history: req {n['requirement']} {n['role']} {n['default']} ->"
            f" {n['person_days']} pd (actual/planned {r['low']}..{r['high']},"
            f" median {r['median']}; based on {', '.join(n['based_on'])})"
        )
    late = result.get("late")
    if late:
        out.append(
            f"misses the desired date {late['desired']} by {late['calendar_days']} calendar"
            f" day(s) ({late['working_days']} working day(s))"
        )
    if result["provisional"]:
        out.append("* " + PROVISIONAL_NOTE["en"])
    if result["status"] == "draft":
        out.append(
            f"next: review the draft, edit with --export-estimates/--estimates, then"
            f" changeflow plan {result['key']} --issue"
        )
    return out


def plan_batch_cmd(
    keys: list[str] = typer.Argument(
        None, help="Request keys (default: every request still in 'submitted')."
    ),
    lang: str = typer.Option(None, "--lang", help="Document language: zh-CN or en."),
    actor: str = typer.Option(None, help="Who makes the plans (audit trail)."),
    issue: bool = typer.Option(
        False, "--issue", help="Issue each plan in turn (each schedules around the ones before)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Draft the plans of every waiting request (or the KEYS given), one version each.

    Each request is planned in its own transaction; one that cannot be planned is named with
    its reason (exit 2) and does not stop the others.
    """
    import sys

    from changeflow.tasks.documents import document_lang
    from changeflow.tasks.planbatch import plan_many

    document_lang(lang)  # a wrong --lang refused before any work
    report = plan_many(keys or None, lang=lang, actor=actor, issue=issue)
    data = report.as_dict()
    emit(
        data,
        as_json,
        lambda: console.print(
            table(
                f"Plans: {data['planned']} made, {data['unchanged']} unchanged,"
                f" {data['refused']} refused",
                ["key", "outcome", "version", "total", "detail"],
                (
                    [i.key, i.outcome, i.version or "", i.total or "", i.detail]
                    for i in report.items
                ),
            )
            if report.items
            else "no request is waiting for a plan"
        ),
    )
    if report.refused:
        print(
            f"error: {len(report.refused)} request(s) not planned: "
            + "; ".join(f"{i.key}: {i.detail}" for i in report.refused),
            file=sys.stderr,
        )
        raise typer.Exit(2)


def staff_away_cmd(
    name: str = typer.Argument(None, help="One of our staff (empty: list the days away)."),
    first: str = typer.Argument(None, metavar="FROM", help="First day away (YYYY-MM-DD)."),
    last: str = typer.Argument(None, metavar="TO", help="Last day away (YYYY-MM-DD)."),
    reason: str = typer.Option("", "--reason", help="Leave, training, other duties..."),
    actor: str = typer.Option("changeflow", help="Who records it."),
    as_json: bool = JsonOpt,
) -> None:
    """Record a person's days off (leave, other duties): `staff away NAME FROM TO`.

    Every plan made afterwards schedules around them; without FROM and TO, lists the days
    away (of NAME, or of everyone).
    """
    from changeflow.tasks.planning import list_away, set_away

    if first is None and last is None:
        rows = list_away(name)
        emit(
            {"away": rows},
            as_json,
            lambda: console.print(
                table(
                    "Days away",
                    ["name", "from", "to", "reason"],
                    ([r["name"], r["from"], r["to"], r["reason"]] for r in rows),
                )
                if rows
                else "no days away recorded"
            ),
        )
        return
    if name is None or first is None or last is None:
        raise InputError("command line", "TO", "give NAME FROM TO (or nothing, to list)")
    done = set_away(name, _date(first, "FROM"), _date(last, "TO"), reason=reason, actor=actor)
    emit(
        done,
        as_json,
        lambda: console.print(
            f"{done['name']} away {done['from']} - {done['to']}"
            + (f" ({done['reason']})" if done["reason"] else "")
            + "; plans made from now on schedule around it",
            markup=False,
        ),
    )


def register(app: typer.Typer) -> None:
    """Add ``calendar``, ``plan``, ``plan-batch`` and ``staff away`` to ``app``."""
    app.command("calendar")(calendar_cmd)
    app.command("plan")(plan_cmd)
    app.command("plan-batch")(plan_batch_cmd)
    staff = typer.Typer(help="Our staff's availability for plans.", no_args_is_help=True)
    staff.command("away")(staff_away_cmd)
    app.add_typer(staff, name="staff")
