"""``changeflow service``: service requests (服务请求, FW-2026-0001): new, assign, work, done,
confirm, permission (an account change with its authoriser), from-mail, show, list, the
month's record of permission changes (permlog) and the client's blank form (form)."""

from __future__ import annotations

from typing import Any

import typer

from changeflow.cli.common import ActorOpt, ContractOpt, JsonOpt, console, emit, emit_table
from changeflow.cli.common import WhenOpt as AtOpt

CATEGORY_HELP = (
    "account | data | form | howto | other (账号权限/数据维护/表单流程调整/使用咨询/其他)"
)

service_app = typer.Typer(
    help="Service requests (服务请求): the desk's daily items.", no_args_is_help=True
)


def _line(v: dict[str, Any]) -> None:
    urgent = ", urgent" if v["urgent"] else ""
    console.print(
        f"{v['key']}  {v['title']}  ({v['category']}{urgent}, {v['state']})  "
        f"response due {v['response_due']}",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(service_app, name="service")


@service_app.command("new")
def service_new(
    category: str = typer.Option(..., "--category", help=CATEGORY_HELP),
    title: str = typer.Option(..., "--title", help="What is asked, in one line."),
    description: str = typer.Option("", "--description"),
    requester: str = typer.Option("", "--requester", help="Who asked (client side)."),
    department: str = typer.Option("", "--department", help="The requester's department."),
    urgent: bool = typer.Option(False, "--urgent", help="An urgent adjustment: its own target."),
    contract: str = ContractOpt,
    engineer: str = typer.Option(None, "--engineer", help="Assign at once."),
    received_at: str = typer.Option(None, "--received-at", help="ISO time; default now."),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Receive a service request: prints its FW key and its response due time."""
    from changeflow.tasks.servicereq import new_service

    v = new_service(
        category=category,
        title=title,
        description=description,
        requester=requester,
        department=department,
        urgent=urgent,
        contract=contract,
        engineer=engineer,
        received_at=received_at,
        actor=actor,
        channel="cli",
    )
    emit(v, as_json, lambda: _line(v))


@service_app.command("assign")
def service_assign(
    key: str,
    engineer: str = typer.Option(..., "--engineer"),
    at: str = AtOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Assign an engineer (the first assignment is the response)."""
    from changeflow.tasks.servicereq import assign_service

    v = assign_service(key, engineer, at=at, actor=actor)
    emit(v, as_json, lambda: _line(v))


@service_app.command("work")
def service_work(
    key: str,
    engineer: str = typer.Option(None, "--engineer", help="Default: the one assigned."),
    start: str = typer.Option(None, "--start", help="ISO time the work began."),
    end: str = typer.Option(None, "--end", help="ISO time it ended."),
    minutes: int = typer.Option(None, "--minutes", help="Or the service minutes typed in."),
    dispatch: str = typer.Option("", "--dispatch", help="Done on this visit (counted by it)."),
    note: str = typer.Option("", "--note"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record worked time (service time; outside service hours: overtime)."""
    from changeflow.tasks.servicereq import record_work

    v = record_work(
        key,
        engineer=engineer,
        start=start,
        end=end,
        minutes=minutes,
        dispatch=dispatch,
        note=note,
        actor=actor,
    )
    emit(
        v,
        as_json,
        lambda: console.print(
            f"{v['key']}  {v['service_minutes']} min service, {v['overtime_minutes']} min overtime",
            markup=False,
        ),
    )


@service_app.command("done")
def service_done(
    key: str,
    resolution: str = typer.Option(..., "--resolution", help="What was done."),
    at: str = AtOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Mark the request done (then the requester confirms it)."""
    from changeflow.tasks.servicereq.asking import finish_and_ask

    v = finish_and_ask(key, resolution=resolution, at=at, actor=actor)

    def show() -> None:
        _line(v)
        console.print(v["confirm_mail"], markup=False, highlight=False)

    emit(v, as_json, show)


@service_app.command("confirm")
def service_confirm(
    key: str,
    by: str = typer.Option(..., "--by", help="The requester who confirmed."),
    via: str = typer.Option("cli", "--via", help="mail | ui | cli | dispatch"),
    note: str = typer.Option("", "--note"),
    at: str = AtOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record the requester's confirmation: the time then counts in the service days."""
    from changeflow.tasks.servicereq import confirm_service

    v = confirm_service(key, by=by, via=via, note=note, at=at, actor=actor)
    emit(v, as_json, lambda: _line(v))


@service_app.command("permission")
def service_permission(
    key: str,
    department: str = typer.Option(..., "--department"),
    asked_by: str = typer.Option(..., "--asked-by", help="Who asked for the change."),
    authorised_by: str = typer.Option(..., "--authorised-by", help="Client-side authoriser."),
    change: str = typer.Option(..., "--change", help="What changed."),
    account: str = typer.Option("", "--account", help="The account changed."),
    at: str = AtOpt,
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record an account/permission change; refused unless the contract names the
    authoriser for the department."""
    from changeflow.tasks.servicereq import record_permission_change

    v = record_permission_change(
        key,
        department=department,
        asked_by=asked_by,
        authorised_by=authorised_by,
        change=change,
        account=account,
        at=at,
        actor=actor,
    )
    emit(
        v,
        as_json,
        lambda: console.print(
            f"{v['key']}  permission change recorded ({v['permission_changes']})", markup=False
        ),
    )


@service_app.command("from-mail")
def service_from_mail(
    message: int = typer.Argument(..., help="The kept client message's id (changeflow mailbox)."),
    category: str = typer.Option(..., "--category", help=CATEGORY_HELP),
    confirm: str = typer.Option(..., "--confirm", help="The lead who confirms it (name)."),
    urgent: bool = typer.Option(False, "--urgent"),
    department: str = typer.Option("", "--department"),
    engineer: str = typer.Option(None, "--engineer"),
    contract: str = ContractOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Make a service request of a client's kept mail (with the lead's confirmation)."""
    from changeflow.tasks.servicereq import from_mail

    v = from_mail(
        message,
        category=category,
        confirmed_by=confirm,
        urgent=urgent,
        department=department,
        engineer=engineer,
        contract=contract,
    )
    emit(v, as_json, lambda: _line(v))


@service_app.command("show")
def service_show(key: str, as_json: bool = JsonOpt) -> None:
    """A service request and its audit trail."""
    from changeflow.tasks.servicereq import show_service

    v = show_service(key)

    def render() -> None:
        _line(v)
        for e in v["events"]:
            console.print(
                f"  {e['at']}  {e['from'] or '-'} -> {e['to']}  {e['actor']}  {e['reason']}",
                markup=False,
                highlight=False,
            )

    emit(v, as_json, render)


@service_app.command("list")
def service_list(
    contract: str = ContractOpt,
    state: str = typer.Option(None, "--state"),
    as_json: bool = JsonOpt,
) -> None:
    """The service requests, oldest first."""
    from changeflow.tasks.servicereq import list_services

    rows = list_services(contract=contract, state=state)
    cols = ["key", "category", "title", "state", "engineer", "response due", "minutes"]
    emit_table(
        rows,
        as_json,
        "Service requests",
        cols,
        (
            [
                r["key"],
                r["category"],
                r["title"],
                r["state"],
                r["engineer"] or "-",
                r["response_due"],
                str(r["service_minutes"]),
            ]
            for r in rows
        ),
    )


@service_app.command("permlog")
def service_permlog(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    contract: str = ContractOpt,
    lang: str = typer.Option("zh-CN", "--lang", help="zh-CN | en"),
    actor: str = ActorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """The month's record of permission changes (账号权限变更记录) as a Word document."""
    from changeflow.tasks.servicereq.record import make_permlog

    v = make_permlog(month=month, contract=contract, lang=lang, actor=actor)
    emit(v, as_json, lambda: console.print(f"{v['path']}  ({v['rows']} changes)", markup=False))


@service_app.command("form")
def service_form(
    contract: str = ContractOpt,
    lang: str = typer.Option("zh-CN", "--lang", help="zh-CN | en"),
    out: str = typer.Option(None, "--out", help="File or folder; default: here."),
    as_json: bool = JsonOpt,
) -> None:
    """A blank service request form (服务请求单) for the client: filled in Word, dropped in
    the inbox or mailed to the project mailbox, it becomes a service request."""
    from pathlib import Path

    from changeflow.tasks.servicereq.form import blank_form

    v = blank_form(contract, lang, Path(out) if out else None)
    emit(v, as_json, lambda: console.print(v["path"], markup=False))
