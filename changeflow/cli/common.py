"""Shared pieces of the CLI commands: JSON/rich output, one-line errors, and the check that
the database a command needs is there (and current) before the command touches it."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer
import typer.core
from rich.console import Console
from rich.table import Table

from changeflow.errors import ChangeflowError
from changeflow.jsonout import to_jsonable

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def emit(data: Any, as_json: bool, render: Callable[[], None] | None = None) -> None:
    """Print ``data`` as JSON (scripts) or call ``render`` (people)."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2) + "\n")
    elif render is not None:
        render()
    else:
        console.print(data)


def emit_table(
    data: Any,
    as_json: bool,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    by_char: Sequence[str] = (),
    whole: Sequence[str] = (),
) -> None:
    """``data`` as JSON (scripts), or one ``table`` of ``rows`` (people)."""
    emit(data, as_json, lambda: console.print(table(title, columns, rows, by_char, whole)))


class CharWrap:
    """A cell that wraps at any character (Chinese has no spaces to wrap at), at the width
    the table gives it, and never cuts."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_measure__(self, console: Console, options: Any) -> Any:
        from rich.cells import cell_len
        from rich.measure import Measurement

        longest = max((cell_len(line) for line in self.text.splitlines() or [""]), default=0)
        return Measurement(min(4, longest), longest)

    def __rich_console__(self, console: Console, options: Any) -> Iterator[Any]:
        from rich.cells import get_character_cell_size
        from rich.text import Text

        width = max(options.max_width, 2)
        for line in self.text.splitlines() or [""]:
            row, used = "", 0
            for ch in line:
                w = get_character_cell_size(ch)
                if used + w > width and row:
                    yield Text(row)
                    row, used = "", 0
                row, used = row + ch, used + w
            yield Text(row)


def table(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    by_char: Sequence[str] = (),
    whole: Sequence[str] = (),
) -> Table:
    """A table whose cells wrap instead of being cut: the ``by_char`` columns (Chinese titles)
    at any character, the ``whole`` ones (keys, states, dates) never, the rest at spaces."""
    from rich.cells import cell_len

    body = [["" if v is None else str(to_jsonable(v)) for v in r] for r in rows]
    t = Table(title=title, show_lines=False)
    for i, c in enumerate(columns):
        values = [r[i] for r in body if i < len(r)]
        atoms = c in whole or (c not in by_char and values and all(map(_atom, values)))
        longest = max((cell_len(v) for v in values), default=0)
        t.add_column(c, overflow="fold", no_wrap=atoms, min_width=longest if atoms else None)
    for cells in body:
        t.add_row(
            *[CharWrap(v) if c in by_char else v for c, v in zip(columns, cells, strict=False)]
        )

    # Too wide for the terminal even so: the widest whole column (a long path) folds first,
    # so keys and dates stay whole and no column is dropped.
    def needed() -> int:  # each column's least width and its padding
        return sum((col.min_width if col.no_wrap and col.min_width else 5) + 3 for col in t.columns)

    while needed() > console.width:
        kept = [col for col in t.columns if col.min_width and col.header not in whole]
        if not kept:
            break
        widest = max(kept, key=lambda col: col.min_width or 0)
        widest.min_width, widest.no_wrap = None, False
    return t


# What a table keeps whole at any width: keys (CR-2026-0001), dates and times, versions,
# amounts, hashes and paths; a column of only such cells never wraps.
_ATOM = re.compile(
    r"[A-Z]{1,6}-\d{4}-[\w-]+|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?\*?"
    r"|[\d.,:%*+-]+|[0-9a-f]{7,64}|\S*/\S*|v\d+"
)


def _atom(text: str) -> bool:
    return not text or bool(_ATOM.fullmatch(text.strip()))


def fail(exc: ChangeflowError) -> NoReturn:
    """One clear line on stderr, the error's exit code."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    sys.exit(exc.exit_code)


# --- the database a command needs ------------------------------------------------------------

# Commands that work without a changeflow database (paths as typed: "init", "secret rotate");
# the doctor reports a missing or old database itself, among every other problem it finds.
NO_DATABASE = {"init", "up", "demo", "restore", "secret", "doctor"}


def _home_note() -> str:
    home = os.environ.get("CHANGEFLOW_HOME")
    return f"CHANGEFLOW_HOME={home}" if home else "CHANGEFLOW_HOME is not set, so ./var is used"


def database_problem(check_revision: bool = True) -> str | None:
    """Why the configured database cannot serve a command, in one line; None when it can.

    Looks without creating anything: a missing SQLite file is not made (nor its folder), an
    existing one is opened read-only.
    """
    import sqlite3

    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import make_url

    from changeflow.db.migrate import heads
    from changeflow.settings import get_settings

    s = get_settings()
    url = make_url(s.db_url)
    make = "make one with `changeflow init` (or set CHANGEFLOW_HOME to the folder that has one)"
    current: list[str]
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        place = str(path)
        if not url.database or url.database == ":memory:":
            return None
        if not path.is_file():
            return f"no changeflow database at {place} ({_home_note()}); {make}"
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                current = (
                    [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
                    if "alembic_version" in tables
                    else []
                )
            finally:
                conn.close()
        except sqlite3.Error as exc:
            return f"cannot read the changeflow database at {place}: {exc}"
    else:
        from changeflow.db.session import get_engine

        place = url.render_as_string(hide_password=True)
        try:
            with get_engine(s.db_url).connect() as conn:
                has = sa_inspect(conn).has_table("alembic_version")
                current = (
                    [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
                    if has
                    else []
                )
        except Exception as exc:  # any driver error is one line for the user
            return f"cannot reach the changeflow database at {place}: {str(exc).splitlines()[0]}"
    if not current:
        note = _home_note() if url.get_backend_name() == "sqlite" else "CHANGEFLOW_DATABASE_URL"
        return f"no changeflow database at {place} (no changeflow tables; {note}); {make}"
    want = heads()
    if check_revision and sorted(current) != want:
        return (
            f"the changeflow database at {place} is at revision {', '.join(sorted(current))},"
            f" this changeflow needs {', '.join(want)}: run `changeflow init` to upgrade it"
        )
    return None


def require_database(check_revision: bool = True) -> None:
    from changeflow.errors import ConfigError

    problem = database_problem(check_revision)
    if problem:
        raise ConfigError(problem)


def _guarded(callback: Callable[..., Any], check_revision: bool) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        require_database(check_revision)
        return callback(*args, **kwargs)

    return run


def command_paths(app: typer.Typer, prefix: tuple[str, ...] = ()) -> Iterator[tuple[Any, tuple]]:
    """Every registered command of ``app`` with its path (("fault", "report"), ...)."""
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        yield info, (*prefix, name)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            yield from command_paths(group.typer_instance, (*prefix, group.name or ""))


def guard_database(app: typer.Typer) -> None:
    """Every command that needs the database first checks it is there and current."""
    for info, path in command_paths(app):
        if path[0] in NO_DATABASE or " ".join(path) in NO_DATABASE or info.callback is None:
            continue
        if getattr(info.callback, "__wrapped__", None) is not None:
            continue  # guarded already
        info.callback = _guarded(info.callback, check_revision=True)


class PlainUsage(typer.core.TyperCommand):
    """Usage lines with the placeholders people read: ``plan KEY``, ``accept FILE``,
    ``status [KEY]`` (typer writes ``{key}`` for a required argument)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        def plain(piece: str) -> str:
            m = re.fullmatch(r"\{([^{}]+)\}(\.\.\.)?", piece)
            if m:  # a name (key) in capitals; a metavar given (FROM|import) as written
                name = m[1].upper() if re.fullmatch(r"[a-z_]+", m[1]) else m[1]
                return name + (m[2] or "")
            m = re.fullmatch(r"\[([a-z_]+)\](\.\.\.)?", piece)
            if m:
                return f"[{m[1].upper()}]" + (m[2] or "")
            return piece

        return [plain(p) for p in super().collect_usage_pieces(ctx)]


def name_placeholders(app: typer.Typer) -> None:
    """Every command's usage line says KEY and FILE (see ``PlainUsage``), and its help reads
    as flowing paragraphs (``flowing``)."""
    for info, _path in command_paths(app):
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = PlainUsage
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if text:
            info.help = flowing(text)
    _help_text_folds()
    for group in app.registered_groups:
        if group.typer_instance is not None and group.typer_instance.info.help:
            group.typer_instance.info.help = flowing(str(group.typer_instance.info.help))


def _help_text_folds() -> None:
    """Help texts are never cut with an ellipsis: rich wraps a line holding Chinese one cell
    short and the help table then cut it (``the request starts i…``); folded, every word of
    it shows."""
    import typer.rich_utils as ru

    make = ru._make_rich_text
    if getattr(make, "folds", False):
        return

    def folding(*args: Any, **kwargs: Any) -> Any:
        out = make(*args, **kwargs)
        if hasattr(out, "overflow"):
            out.overflow = "fold"
        return out

    folding.folds = True  # type: ignore[attr-defined]
    ru._make_rich_text = folding


def flowing(text: str) -> str:
    """A docstring as the terminal should wrap it: paragraphs (split at blank lines) with
    their lines joined, so no sentence breaks where the source line happened to end."""
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


# When the act really happened (``tasks.acttime`` checks it; a refusal names --at).
AtOpt = typer.Option(
    None,
    "--at",
    metavar="TIME",
    help="When it happened, Beijing time: 'YYYY-MM-DD HH:MM' (e.g. 2026-11-20 17:00);"
    " default now. Not in the future, not before the previous step, within the contract.",
)
# When a desk or maintenance step happened, as typed; and who did it, for the audit trail.
WhenOpt = typer.Option(None, "--at", help="When (ISO time, local if no zone); default now.")
ActorOpt = typer.Option("changeflow", "--actor", help="Who does it (for the audit trail).")
# Which contract a command acts on; without it, the one in force.
ContractOpt = typer.Option(None, "--contract", help="Contract code; default: the one in force.")


def show_record(head: str, *details: str) -> None:
    """One record for people: its line, then each detail given indented under it (an empty
    one left out), printed as typed."""
    console.print(head, markup=False, highlight=False)
    for line in details:
        if line:
            console.print(f"  {line}", markup=False)


def emit_records(rows: list[Any], as_json: bool, show: Callable[[Any], None], none: str) -> None:
    """A list of records: JSON, or each one ``show``n (the sentence ``none`` when empty)."""

    def render() -> None:
        for v in rows:
            show(v)
        if not rows:
            console.print(none, markup=False)

    emit(rows, as_json, render)
