"""Calendar and plan commands: ``changeflow calendar`` and ``changeflow plan``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from changeflow.cli.common import JsonOpt, console, emit, table
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
    from changeflow.tasks.calendar import PROVISIONAL_NOTE, calendar_for
    from changeflow.tasks.contracts import get_contract

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
    if end < start:
        raise InputError("command line", "TO", "is before FROM")
    if (end - start).days > 3660:
        raise InputError("command line", "TO", "at most ten years at a time")
    with transaction() as s:
        k = get_contract(s, contract) if contract else None
        cal = calendar_for(s, k)
        days = [d.as_dict() for d in cal.days(start, end)]
    prov_years = sorted({int(d["date"][:4]) for d in days if d["provisional"]})
    data = {
        "from": start,
        "to": end,
        "contract": contract,
        "working_days": sum(1 for d in days if d["working"]),
        "days_off": sum(1 for d in days if not d["working"]),
        "provisional": bool(prov_years),
        "provisional_years": prov_years,
        "note": PROVISIONAL_NOTE["en"] if prov_years else "",
        "days": days,
    }

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
        if prov_years:
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
    as_json: bool = JsonOpt,
) -> None:
    """Make the next version of a request's implementation plan and cost budget.

    While the request is still 'planned', the same estimates, start and language keep the
    current version (say so with --new-version to issue another one anyway).
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
    if lang is not None and lang not in ("zh-CN", "en"):
        raise InputError("command line", "--lang", "must be zh-CN or en")
    result = planning.plan_from_file(
        key,
        estimates_path=estimates,
        start=_date(start, "--start") if start else None,
        lang=lang,
        actor=actor,
        new_version=new_version,
    )

    def render() -> None:
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
        console.print(table(f"{result['key']} plan v{result['version']}{same}", cols, rows))
        console.print(
            f"total {result['total']} CNY (tax {result['tax']}) · {result['total_capital']}\n"
            f"{result['start']} - {result['end']}: {result['calendar_days']} calendar days, "
            f"{result['working_days']} working days · state {result['state']}\n"
            f"document: {result['document']}",
            markup=False,
        )
        if result["provisional"]:
            from changeflow.tasks.calendar import PROVISIONAL_NOTE

            console.print("* " + PROVISIONAL_NOTE["en"], markup=False)

    emit(result, as_json, render)


def plan_batch_cmd(
    keys: list[str] = typer.Argument(
        None, help="Request keys (default: every request still in 'submitted')."
    ),
    lang: str = typer.Option(None, "--lang", help="Document language: zh-CN or en."),
    actor: str = typer.Option(None, help="Who makes the plans (audit trail)."),
    as_json: bool = JsonOpt,
) -> None:
    """Draft the plans of every waiting request (or the KEYS given), one version each.

    Each request is planned in its own transaction; one that cannot be planned is named with
    its reason (exit 2) and does not stop the others.
    """
    import sys

    from changeflow.tasks.planbatch import plan_many

    if lang is not None and lang not in ("zh-CN", "en"):
        raise InputError("command line", "--lang", "must be zh-CN or en")
    report = plan_many(keys or None, lang=lang, actor=actor)
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


def register(app: typer.Typer) -> None:
    """Add ``calendar``, ``plan`` and ``plan-batch`` to ``app``."""
    app.command("calendar")(calendar_cmd)
    app.command("plan")(plan_cmd)
    app.command("plan-batch")(plan_batch_cmd)
