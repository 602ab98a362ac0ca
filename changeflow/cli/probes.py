"""``changeflow probe`` (probes that watch the client's systems) and ``changeflow oabackup``
(backups of the client's OA system and their restore tests; ``changeflow backup`` backs up
changeflow itself)."""

from __future__ import annotations

import typer

from changeflow.cli.common import AtOpt, ContractOpt, JsonOpt, console, emit, emit_table, table

probe_app = typer.Typer(
    help="Probes that watch the client's systems (系统日常监控).", no_args_is_help=True
)
oabackup_app = typer.Typer(
    help="Backups of the client's OA system and restore tests (系统备份与恢复).",
    no_args_is_help=True,
)


def _params(items: list[str] | None) -> dict[str, str]:
    from changeflow.errors import InputError

    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError("changeflow probe add", "--set", f"'{item}' is not KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


@probe_app.command("add")
def probe_add(
    name: str = typer.Argument(..., metavar="NAME", help="A short name, e.g. oa-web."),
    kind: str = typer.Option(
        ..., "--kind", help="http, tls, smtp, imap, db, backup-dir, backup-log or restore-log."
    ),
    secret: str = typer.Option(
        "",
        "--secret",
        help="Where the address lives: env:NAME or block:NAME (never the address itself).",
    ),
    system: str = typer.Option("", "--system", help="oa, database, mail, storage or backup."),
    settings: list[str] = typer.Option(
        None, "--set", help="A threshold KEY=VALUE (repeat), e.g. max_ms=3000, fail_after=2."
    ),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a probe target to a contract."""
    from changeflow.tasks.probes import add_target

    v = add_target(name=name, kind=kind, secret=secret, system=system,
                   params=_params(settings), contract=contract)  # fmt: skip
    emit(v, as_json, lambda: console.print(
        f"probe {v['name']} ({v['kind']}, {v['system']}) added to {v['contract']}",
        markup=False))  # fmt: skip


@probe_app.command("list")
def probe_list(
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The probe targets with their state, last check and open fault."""
    from changeflow.tasks.probes import list_targets

    rows = list_targets(contract)
    cols = ["probe", "kind", "system", "state", "fails", "last check", "detail", "fault"]
    emit(rows, as_json, lambda: console.print(table("Probes", cols, [
        [r["name"], r["kind"], r["system"], r["state"] + ("" if r["active"] else " (off)"),
         str(r["fails"]), r["last_checked"] or "-", r["last_detail"] or "-", r["fault"] or "-"]
        for r in rows])))  # fmt: skip


@probe_app.command("show")
def probe_show(
    name: str = typer.Argument(..., metavar="NAME"),
    last: int = typer.Option(20, "--last", min=1, help="How many recent results."),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """One probe: its state, its recent results and its state trail (flaps, faults)."""
    from changeflow.tasks.probes import show_target

    v = show_target(name, contract, last)

    def render() -> None:
        console.print(f"{v['name']} ({v['kind']}, {v['system']}) {v['state']}"
                      f"{' fault ' + v['fault'] if v['fault'] else ''}", markup=False)
        console.print(table("Results", ["at", "result", "ms", "value", "detail"], [
            [r["at"], r["status"], "-" if r["ms"] is None else str(r["ms"]), r["value"] or "-",
             r["detail"] or "-"] for r in v["results"]]))
        console.print(table("Trail", ["at", "from", "to", "reason"], [
            [e["at"], e["from"] or "-", e["to"], e["reason"]] for e in v["trail"]]))

    emit(v, as_json, render)  # fmt: skip


@probe_app.command("run")
def probe_run(
    name: list[str] = typer.Argument(None, metavar="[NAME]...", help="Only these probes."),
    contract: str = ContractOpt,
    no_notify: bool = typer.Option(False, "--no-notify", help="Do not mail the notices yet."),
    as_json: bool = JsonOpt,
) -> None:
    """Run one probe round now (what the probe-round deployment does every 5 minutes)."""
    from changeflow.tasks.probes import probe_round

    out = probe_round(contract=contract, names=name or (), notify=not no_notify)
    cols = ["probe", "kind", "result", "ms", "value", "detail", "state"]

    def render() -> None:
        console.print(
            table(
                f"Probe round {out['at']}",
                cols,
                [
                    [
                        r["probe"],
                        r["kind"],
                        r["status"],
                        "-" if r["ms"] is None else str(r["ms"]),
                        r["value"] or "-",
                        r["detail"] or "-",
                        r["state"],
                    ]
                    for r in out["results"]
                ],
            )
        )
        for o in out["opened"]:
            console.print(f"fault {o.get('fault', '?')} opened: {o}", markup=False)
        console.print(out["line"], markup=False)  # fmt: skip

    emit(out, as_json, render)


@probe_app.command("availability")
def probe_availability(
    first: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    last: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Each probe's availability over a period (minutes down, faults, flaps)."""
    from datetime import date

    from changeflow.errors import InputError
    from changeflow.tasks.probes import availability

    def day(v: str, field: str) -> date:
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise InputError(
                "changeflow probe availability", field, f"'{v}' is not a date"
            ) from None

    rows = availability(contract, day(first, "--from"), day(last, "--to"))
    cols = ["probe", "kind", "system", "available %", "down min", "faults", "flaps"]
    emit(rows, as_json, lambda: console.print(table(f"Availability {first} - {last}", cols, [
        [r["probe"], r["kind"], r["system"], str(r["availability"]), str(r["down_minutes"]),
         str(r["faults"]), str(r["flaps"])] for r in rows])))  # fmt: skip


@probe_app.command("off")
def probe_off(name: str = typer.Argument(..., metavar="NAME"),
              contract: str = ContractOpt,
              as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Stop running a probe (its history is kept)."""
    from changeflow.tasks.probes import set_active

    v = set_active(name, False, contract)
    emit(v, as_json, lambda: console.print(f"probe {name} off", markup=False))


@probe_app.command("on")
def probe_on(name: str = typer.Argument(..., metavar="NAME"),
             contract: str = ContractOpt,
             as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Run a probe again."""
    from changeflow.tasks.probes import set_active

    v = set_active(name, True, contract)
    emit(v, as_json, lambda: console.print(f"probe {name} on", markup=False))


def _record(kind: str, what: str, location: str, at: str | None, verified_by: str,
            verified: bool, minutes: int | None, note: str, contract: str | None,
            as_json: bool) -> None:  # fmt: skip
    from changeflow.tasks.probes import record

    v = record(
        kind,
        what=what,
        location=location,
        at=at,
        verified_by=verified_by,
        verified=verified,
        restore_minutes=minutes,
        note=note,
        contract=contract,
    )
    started = f"; watching the plan: {', '.join(v['watches_started'])}" if v[
        "watches_started"] else ""  # fmt: skip
    emit(v, as_json, lambda: console.print(
        f"{kind} of {v['what']} at {v['at']} recorded for {v['contract']}{started}",
        markup=False))  # fmt: skip


@oabackup_app.command("record")
def oabackup_record(
    what: str = typer.Option(..., "--what", help="What was backed up, e.g. OA 数据库全量备份."),
    location: str = typer.Option("", "--where", help="Where the backup is kept."),
    at: str = AtOpt,
    verified_by: str = typer.Option("", "--verified-by", help="Who checked it."),
    verified: bool = typer.Option(False, "--verified", help="The backup was checked."),
    note: str = typer.Option("", "--note"),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a backup of the client's OA system."""
    _record("backup", what, location, at, verified_by, verified, None, note, contract, as_json)


@oabackup_app.command("restore-test")
def oabackup_restore_test(
    what: str = typer.Option(..., "--what", help="What was restored."),
    location: str = typer.Option("", "--where", help="Where it was restored to."),
    at: str = AtOpt,
    verified_by: str = typer.Option(..., "--verified-by", help="Who verified the restore."),
    minutes: int = typer.Option(..., "--minutes", min=0, help="How long the restore took."),
    note: str = typer.Option("", "--note"),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record a restore test of the client's OA system."""
    _record("restore-test", what, location, at, verified_by, True, minutes, note, contract,
            as_json)  # fmt: skip


@oabackup_app.command("list")
def oabackup_list(
    contract: str = ContractOpt,
    kind: str = typer.Option(None, "--kind", help="backup or restore-test."),
    as_json: bool = JsonOpt,
) -> None:
    """The backups and restore tests recorded."""
    from changeflow.tasks.probes import list_records

    rows = list_records(contract, kind)
    cols = ["kind", "what", "where", "when", "verified by", "restore min"]
    emit_table(
        rows,
        as_json,
        "OA backups",
        cols,
        [
            [
                r["kind"],
                r["what"],
                r["location"] or "-",
                r["at"],
                r["verified_by"] or "-",
                "-" if r["restore_minutes"] is None else str(r["restore_minutes"]),
            ]
            for r in rows
        ],
    )


def register(app: typer.Typer) -> None:
    """Add ``probe`` and ``oabackup`` to ``app``."""
    app.add_typer(probe_app, name="probe")
    app.add_typer(oabackup_app, name="oabackup")
