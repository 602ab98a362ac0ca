"""``changeflow maintplan``: the maintenance plan (日常维护服务计划), the checks on a visit,
the plan document the client confirms, the handbook (维护文档和应急措施) and the monthly run
log (运行日志)."""

from __future__ import annotations

import typer

from changeflow.cli.common import AtOpt, ContractOpt, JsonOpt, console, emit, table

maintplan_app = typer.Typer(
    help="The maintenance plan (日常维护服务计划), visit checks, handbook, run log.",
    no_args_is_help=True,
)
LangOpt = typer.Option(None, "--lang", help="zh-CN or en (default: the installation's).")


def _saved(v: dict, what: str) -> None:
    console.print(f"{what} v{v['version']} ({v.get('lang', '')}): {v['path']}", markup=False)


@maintplan_app.command("load")
def maintplan_load(
    file: str = typer.Argument(..., help="The plan's YAML file (examples/maintplan.yaml)."),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Load the plan: the client's systems and the check catalogue. A changed plan is the
    next revision, and an issued handbook is made again with it."""
    from changeflow.tasks.maintplan import load_plan
    from changeflow.tasks.maintplan.handbook import issue_handbook

    v = load_plan(file, contract=contract)
    v["handbook"] = None
    if v["changed"] and v["revision"] > 1:
        v["handbook"] = issue_handbook(v["contract"], only_if_changed=True)
    checks = sum(len(x["checks"]) for x in v["systems"])

    def say() -> None:
        state = "loaded" if v["changed"] else "unchanged"
        console.print(
            f"plan {v['contract']} revision {v['revision']} {state}: {len(v['systems'])} systems,"
            f" {checks} checks", markup=False,
        )  # fmt: skip
        if v["handbook"]:
            _saved(v["handbook"], "handbook")

    emit(v, as_json, say)


@maintplan_app.command("show")
def maintplan_show(contract: str = ContractOpt, as_json: bool = JsonOpt) -> None:
    """The plan: systems (address, owner) and their checks (frequency, normal when)."""
    from changeflow.tasks.maintplan import show_plan

    v = show_plan(contract)
    rows = [(x["code"], x["kind"], x["address"], x["owner"], c["code"], c["frequency"],
             c["threshold"]) for x in v["systems"] for c in x["checks"]]  # fmt: skip
    cols = ["system", "kind", "address", "owner", "check", "frequency", "normal when"]
    watched = [(x["code"], ", ".join(f"{p['name']} ({p['kind']}, {p['state']})"
                                     for p in x["probes"]) or "-") for x in v["systems"]]

    def say() -> None:
        console.print(table(f"Maintenance plan {v['contract']} (revision {v['revision']})",
                            cols, rows, by_char=["normal when", "address"]))
        console.print(table("Watched by probes", ["system", "probes"], watched,
                            by_char=["probes"]))

    emit(v, as_json, say)  # fmt: skip


@maintplan_app.command("due")
def maintplan_due(
    order: str = typer.Argument(None, help="A dispatch order (PG-2026-0003)."),
    day: str = typer.Option(None, "--day", help="YYYY-MM-DD without an order; default today."),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The checks due on a visit (by frequency and the last time each was done)."""
    from changeflow.tasks.maintplan import due_checks

    v = due_checks(order, day=day, contract=contract)
    cols = ["check", "system", "what", "frequency", "last done", "result", "value"]
    rows = [(r["code"], r["system"], r["check"], r["frequency"], r["last"] or "-",
             r["result"] or "", r["value"]) for r in v["checks"]]  # fmt: skip
    emit(v, as_json, lambda: console.print(
        table(f"Checks due {v['day']} {v['order'] or ''}", cols, rows,
              by_char=["system", "what"])))  # fmt: skip


@maintplan_app.command("check")
def maintplan_check(
    order: str = typer.Argument(..., help="The visit's dispatch order (PG-2026-0003)."),
    check: str = typer.Argument(..., help="The check's code (maintplan due lists them)."),
    result: str = typer.Option(..., "--result", help="正常/normal or 异常/abnormal."),
    engineer: str = typer.Option(..., "--engineer", help="Who did the check (our staff)."),
    value: str = typer.Option("", "--value", help="The value read (62%, 12 queued)."),
    note: str = typer.Option("", "--note", help="A note; required when abnormal."),
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record one check's result on a visit; an abnormal one opens a fault on the order."""
    from changeflow.tasks.maintplan import record_check

    v = record_check(order, check, result=result, engineer=engineer, value=value, note=note,
                     at=at, at_field="--at")  # fmt: skip
    opened = f"; fault {v['fault']} opened" if v["fault"] else ""
    emit(v, as_json, lambda: console.print(
        f"{v['order']} {v['check']}: {v['result']}{opened}", markup=False))  # fmt: skip


@maintplan_app.command("document")
def maintplan_document(contract: str = ContractOpt, lang: str = LangOpt,
                       as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Issue the plan document (signed) the client confirms at the start of the year."""
    from changeflow.tasks.maintplan.documents import plan_document

    v = plan_document(contract, lang=lang)
    emit(v, as_json, lambda: _saved(v, "maintenance plan"))


@maintplan_app.command("confirm")
def maintplan_confirm(file: str = typer.Argument(..., help="The returned plan (.docx)."),
                      as_json: bool = JsonOpt) -> None:  # fmt: skip
    """Record the client's confirmation written in a returned plan (the inbox does too)."""
    from changeflow.tasks.maintplan.documents import confirm_plan

    v = confirm_plan(file)
    emit(v, as_json, lambda: console.print(
        f"maintenance plan {v['subject']} v{v['version']}: {v['state']} by {v['signer']}"
        f" on {v['signed_on']}", markup=False))  # fmt: skip


@maintplan_app.command("handbook")
def maintplan_handbook(
    contract: str = ContractOpt,
    lang: str = LangOpt,
    note: str = typer.Option("", "--note", help="The revision record's line for this version."),
    as_json: bool = JsonOpt,
) -> None:
    """Issue the next version of the handbook and emergency measures (维护文档和应急措施)."""
    from changeflow.tasks.maintplan.handbook import issue_handbook

    v = issue_handbook(contract, lang=lang, note=note)
    assert v is not None
    emit(v, as_json, lambda: _saved(v, "handbook"))


@maintplan_app.command("runlog")
def maintplan_runlog(
    month: str = typer.Option(..., "--month", help="YYYY-MM, e.g. 2026-11."),
    contract: str = ContractOpt,
    lang: str = LangOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The month's run log (运行日志) for the client: day entries and visit checks."""
    from changeflow.tasks.maintplan.handbook import runlog_document

    v = runlog_document(month, contract, lang=lang)
    emit(v, as_json, lambda: console.print(
        f"run log {v['contract']} {v['month']} v{v['version']}: {v['days']} days,"
        f" {v['checks']} checks: {v['path']}", markup=False))  # fmt: skip
