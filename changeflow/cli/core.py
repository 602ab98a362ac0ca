"""Core commands: init, intake, status, contract load/show."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel

from changeflow.cli.common import AtOpt, JsonOpt, console, emit, emit_table, err_console, table
from changeflow.settings import get_settings

contract_app = typer.Typer(help="Clients, people and contracts.", no_args_is_help=True)


def init(
    example: bool = typer.Option(
        False,
        "--example",
        help="Also lay out the example workspace in this folder: contract.yaml (both"
        " parties, the client's repository and its test command), taskbook.docx and"
        " taskbook.yaml, design.md and oa/ (a git repository with the developers' commits);"
        " the README's walkthrough runs from here.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Create or upgrade the database, the document store, the inbox and the signing secret;
    with --example, lay out the example workspace beside them."""
    from changeflow.db.migrate import upgrade
    from changeflow.tasks.signoff.keys import ensure_secret

    laid: dict | None = None
    if example:
        from changeflow.cli.example import lay_out

        laid = lay_out(Path.cwd())
    s = get_settings()
    for folder in (s.home_dir, s.store_dir, s.inbox):
        folder.mkdir(parents=True, exist_ok=True)
    revisions = upgrade(s.db_url)
    secret = ensure_secret()
    data = {
        "database": s.db_url,
        "revisions": revisions,
        "documents": s.store_dir,
        "inbox": s.inbox,
        "secret_file": secret,
    }
    rows = [
        ("database", s.db_url),
        ("schema revision" if len(revisions) == 1 else "schema revisions", ", ".join(revisions)),
        ("document store", s.store_dir),
        ("inbox", s.inbox),
        ("signing secret", secret),
    ]

    if laid is not None:
        data["example"] = laid
        rows += [
            ("sample contract", "contract.yaml"),
            ("task book", "taskbook.docx, taskbook.yaml"),
            ("design notes", "design.md"),
            ("manual screenshots", "screens/"),
            ("client repository", f"{laid['repository']} ({laid['branch']}:"
             f" {len(laid['commits'])} commits)"),
        ]  # fmt: skip

    def render() -> None:
        console.print(table("changeflow init", ["part", "where"], rows), highlight=False)
        if laid is not None:
            console.print("next: changeflow contract load contract.yaml", highlight=False)
        else:
            console.print(
                "next: changeflow contract load FILE.yaml  (changeflow init --example lays"
                " out a sample contract.yaml and task book in an empty folder)",
                highlight=False,
            )

    emit(data, as_json, render)


def intake(
    file: Path = typer.Argument(..., help="Task book: the filled .docx template or YAML."),
    actor: str = typer.Option("changeflow", help="Who takes it in (for the audit trail)."),
    at: str = AtOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Take in a client's task book (项目任务书): the request starts in 'submitted'."""
    from changeflow.tasks.intake import intake_file

    result = intake_file(file, actor=actor, channel="cli", at=at, at_field="--at")
    emit(
        result.__dict__,
        as_json,
        lambda: console.print(result.summary(), markup=False, highlight=False),
    )


def warn_paused() -> None:
    """One line on stderr when the deployments on the server ``up`` uses are paused (their
    schedules make no runs); silent when none are or no server answers."""
    from changeflow.cli.serving import deployment_health

    try:
        health = deployment_health()
    except Exception:  # the overview never fails for the server's sake
        return
    problem = health.problem() if health is not None else None
    if problem:
        err_console.print(f"warning: {problem}", highlight=False, markup=False)


def status(
    key: str = typer.Argument(None, help="A request key such as CR-2026-0001; omit for all."),
    state: str = typer.Option(None, help="Only requests in this state."),
    as_json: bool = JsonOpt,
) -> None:
    """All requests, or one request with its requirements, documents and timeline."""
    from changeflow.tasks.status import list_requests, request_status

    if key is None:
        rows = list_requests(state)
        cols = ["key", "kind", "client", "title", "state", "priority", "desired_date", "updated"]
        if console.width < 120:  # a terminal of 80 columns: what tells the requests apart
            cols = ["key", "title", "state", "desired_date", "updated"]
        emit_table(
            rows,
            as_json,
            "Requests",
            cols,
            ([r[c] for c in cols] for r in rows),
            by_char=["title", "client"],
            whole=["key", "kind", "state"],
        )
        if not as_json:
            warn_paused()
        return
    info = request_status(key)

    def render() -> None:
        head = f"{info['key']}  {info['title']}\n{info['client']} · {info['kind']} · "
        head += f"state [bold]{info['state']}[/] · priority {info['priority']}"
        console.print(Panel(head))
        console.print(
            table(
                "Requirements",
                ["no", "requirement", "priority", "acceptance"],
                (
                    [q["no"], q["text"], q["priority"], q["acceptance"]]
                    for q in info["requirements"]
                ),
                by_char=["requirement", "acceptance"],
            )
        )
        console.print(
            table(
                "Timeline (Asia/Shanghai)",
                ["at", "from", "to", "actor", "channel", "reason"],
                ([e[c] for c in ("at", "from", "to", "actor", "channel", "reason")]
                 for e in info["timeline"]),
            )
        )  # fmt: skip
        if info["documents"]:
            console.print(
                table(
                    "Documents",
                    ["kind", "version", "lang", "path", "sha256"],
                    ([d["kind"], d["version"], d["lang"], d["path"], d["sha256"][:12]]
                     for d in info["documents"]),
                )
            )  # fmt: skip
        for name, part in info.items():
            if name in {"requirements", "timeline", "documents", "contact"}:
                continue
            if isinstance(part, dict):
                rows = [(k, readable(v)) for k, v in part.items()]
                if "traceability" in part:  # the matrix in words; the structure is in --json
                    rows = [(k, v) for k, v in rows if k != "matrix"]
                console.print(table(name, ["", ""], rows))

    emit(info, as_json, render)


def readable(value: object) -> object:
    """A status value as a person reads it: a list of records one line each (``key value``,
    nested structures left to --json), a list of words joined; anything else as it is."""
    if isinstance(value, dict):
        return "; ".join(f"{k} {readable(v)}" for k, v in value.items() if not _nested(v))
    if isinstance(value, list | tuple):
        if all(isinstance(v, dict) for v in value):
            return "\n".join(str(readable(v)) for v in value)
        if not any(_nested(v) for v in value):
            return ", ".join(str(v) for v in value)
    return value


def _nested(value: object) -> bool:
    return isinstance(value, dict | list | tuple)


@contract_app.command("load")
def contract_load(
    file: Path = typer.Argument(..., help="YAML with clients, staff and contracts."),
    as_json: bool = JsonOpt,
) -> None:
    """Create or update clients, their contacts, our staff and contracts from one YAML file."""
    from changeflow.tasks.contracts import load_contract_file

    done = load_contract_file(file)
    emit(
        done,
        as_json,
        lambda: console.print(
            f"loaded {len(done['clients'])} client(s), {len(done['staff'])} staff, "
            f"{len(done['contracts'])} contract(s): {', '.join(done['contracts'])}"
        ),
    )


@contract_app.command("show")
def contract_show(
    ident: str = typer.Argument(None, help="Contract code or id; omit for all."),
    as_json: bool = JsonOpt,
) -> None:
    """Print one contract, or all of them."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.tasks.contracts import contract_summary, get_contract

    with transaction() as s:
        if ident:
            items = [contract_summary(s, get_contract(s, ident))]
        else:
            items = [contract_summary(s, c) for c in s.scalars(select(Contract))]

    def render() -> None:
        if not items:
            console.print("no contracts yet: changeflow contract load FILE.yaml")
        for c in items:
            rows = [(k, v) for k, v in c.items() if k not in {"contacts", "sla", "day_rates"}]
            rows.append(("day_rates", ", ".join(f"{k} {v}" for k, v in c["day_rates"].items())))
            console.print(table(f"Contract {c['code']}", ["", ""], rows))

    emit(items if not ident else items[0], as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``contract``, ``init``, ``intake`` and ``status`` to ``app``."""
    app.add_typer(contract_app, name="contract")
    app.command()(init)
    app.command()(intake)
    app.command()(status)
