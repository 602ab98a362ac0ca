"""A newcomer's first hour: every command that needs the database, run before ``changeflow
init`` or in the wrong folder, says so in one line and creates nothing; an old revision says
to run ``changeflow init``; ``--version``; help in lifecycle order with real placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from changeflow.cli import app
from changeflow.cli.common import NO_DATABASE
from changeflow.errors import ConfigError


def _leaves(cmd, path: tuple[str, ...] = ()):
    if hasattr(cmd, "commands"):  # a group (typer ships its own click)
        for name, sub in cmd.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path, cmd


def _dummy(param) -> str:
    kind = param.type_descriptor.annotation
    if kind in (int, float):
        return "1"
    if kind is Path:
        return "FILE.docx"
    return "CR-2026-0001"


def _args(path: tuple[str, ...], cmd) -> list[str]:
    """The command with a plausible value for every required argument and option."""
    args = list(path)
    for p in cmd.params:
        if not p.required:
            continue
        if p.param_type_name == "argument":
            args += [_dummy(p)] * (p.nargs if p.nargs > 0 else 1)
        else:
            args += [p.opts[0], _dummy(p)]
    return args


LEAVES = sorted(_leaves(typer.main.get_command(app)), key=lambda pc: pc[0])
NEEDS_DB = [(p, c) for p, c in LEAVES if p[0] not in NO_DATABASE]


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no changeflow in it and no CHANGEFLOW_* settings: the wrong folder."""
    import os

    for name in list(os.environ):
        if name.startswith("CHANGEFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CHANGEFLOW_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.chdir(tmp_path)
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()
    yield tmp_path
    reset_settings()
    dispose_engines()


def test_every_command_is_listed() -> None:
    names = {" ".join(p) for p, _ in LEAVES}
    assert len(NEEDS_DB) >= 40, names
    assert {"status", "fault report", "report weekly", "plan", "sync", "contract usage"} <= names


@pytest.mark.parametrize("path,cmd", NEEDS_DB, ids=[" ".join(p) for p, _ in NEEDS_DB])
def test_before_init_one_line_and_nothing_made(elsewhere: Path, path, cmd) -> None:
    result = CliRunner().invoke(app, _args(path, cmd), catch_exceptions=True)
    exc = result.exception
    assert isinstance(exc, ConfigError), (result.output, exc)
    msg = str(exc)
    assert "\n" not in msg
    assert f"no changeflow database at {elsewhere / 'var' / 'changeflow.db'}" in msg
    assert "CHANGEFLOW_HOME" in msg and "changeflow init" in msg
    assert exc.exit_code != 0
    assert sorted(p.name for p in elsewhere.iterdir()) == [], "nothing may be created"


def test_named_home_is_named(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from changeflow.settings import reset_settings

    monkeypatch.setenv("CHANGEFLOW_HOME", str(elsewhere / "office"))
    reset_settings()
    exc = CliRunner().invoke(app, ["status"]).exception
    assert isinstance(exc, ConfigError)
    assert f"CHANGEFLOW_HOME={elsewhere / 'office'}" in str(exc)
    assert not (elsewhere / "office").exists()


def test_empty_database_file_is_no_database(elsewhere: Path) -> None:
    (elsewhere / "var").mkdir()
    (elsewhere / "var" / "changeflow.db").write_bytes(b"")
    exc = CliRunner().invoke(app, ["status"]).exception
    assert isinstance(exc, ConfigError) and "no changeflow database" in str(exc)


def test_old_revision_says_run_init(elsewhere: Path) -> None:
    from alembic import command

    from changeflow.db.migrate import alembic_config, heads
    from changeflow.db.session import get_engine
    from changeflow.settings import get_settings

    url = get_settings().db_url
    (elsewhere / "var").mkdir()
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    exc = CliRunner().invoke(app, ["fault", "list"]).exception
    assert isinstance(exc, ConfigError)
    assert "at revision 0006" in str(exc) and f"needs {heads()[0]}" in str(exc)
    assert "run `changeflow init` to upgrade" in str(exc)
    # init upgrades it, and then the command runs
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    assert CliRunner().invoke(app, ["fault", "list"]).exit_code == 0


def test_commands_without_database_stay_usable(elsewhere: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    assert not (elsewhere / "var").exists()


# --- output a person reads ------------------------------------------------------------------


def test_version() -> None:
    from changeflow import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"changeflow {__version__}"


def test_help_lists_commands_in_lifecycle_order() -> None:
    from changeflow.cli import HELP_ORDER

    top = list(typer.main.get_command(app).commands)
    assert sorted(top) == sorted(HELP_ORDER), "every command is placed in HELP_ORDER"
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"}).output
    shown = [ln.split()[1] for ln in out.splitlines()
             if ln.startswith("│ ") and ln[2:3] != " " and ln.split()[1] in top]  # fmt: skip
    assert shown == HELP_ORDER
    for a, b in (("init", "intake"), ("test", "docs"), ("docs", "golive"), ("accept", "report"),
                 ("intake", "fault"), ("sla", "demo")):  # fmt: skip
        assert shown.index(a) < shown.index(b)


@pytest.mark.parametrize("path", [p for p, c in LEAVES if any(
    x.param_type_name == "argument" for x in c.params)], ids=" ".join)  # fmt: skip
def test_usage_lines_have_real_placeholders(path) -> None:
    out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).output
    usage = next(ln for ln in out.splitlines() if "Usage:" in ln)
    assert "{" not in usage and "}" not in usage, usage
    words = usage.split("[OPTIONS]", 1)[1].split()
    assert words and all(w.strip("[].").split("|")[0].isupper() for w in words), usage


def test_plan_and_accept_usage() -> None:
    def usage(*cmd: str) -> str:
        out = CliRunner().invoke(app, [*cmd, "--help"], env={"COLUMNS": "200"}).output
        return " ".join(next(ln for ln in out.splitlines() if "Usage:" in ln).split())

    assert usage("plan") == "Usage: changeflow plan [OPTIONS] KEY"
    assert usage("accept") == "Usage: changeflow accept [OPTIONS] FILE"
    assert usage("status") == "Usage: changeflow status [OPTIONS] [KEY]"


def test_init_table_has_headers_and_next_step(cli) -> None:
    code, out, _ = cli("init")
    assert code == 0
    from changeflow.db.migrate import heads

    [head] = heads()  # the one migration head, whatever its number
    assert "part" in out and "where" in out and "schema revision " in out and head in out
    assert "signing secret" in out and "next: changeflow contract load" in out


def test_contract_usage_reads_as_words(contract: str, cli) -> None:
    code, out, _ = cli("contract", "usage")
    assert code == 0
    assert "service days used" in out and "fee per service day" in out
    assert "days_used" not in out and "fee_per_service_day" not in out


def test_status_wraps_titles_by_character_never_cuts(contract: str, cli, monkeypatch) -> None:
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate
    from tests.support.helpers import sample_taskbook

    title = "OA 请假审批流程改造与考勤系统年假余额同步及统计报表（按部门、按月）"
    book = validate({**sample_taskbook(), "project": title}, "test")
    key = intake(book, source="test").key
    for columns in ("80", "120"):
        monkeypatch.setenv("COLUMNS", columns)
        code, out, _ = cli("status")
        assert code == 0 and "…" not in out
        lines = [ln for ln in out.splitlines() if "│" in ln]
        head = next(ln for ln in out.splitlines() if "┃" in ln).split("┃")
        at = next(i for i, h in enumerate(head) if h.strip() == "title")
        cells = [ln.split("│")[at].strip() for ln in lines]  # the title column
        assert "".join(cells).replace(" ", "") == title.replace(" ", ""), (columns, out)
        first = next(ln for ln in lines if key in ln).split("│")[at].strip()
        # wrapped by character: the first line is filled, not broken at the space after "OA"
        assert len(first) > 3, out


def test_postgresql_without_schema_and_unreachable(pg_url: str, cli, monkeypatch) -> None:
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    code, _, err = cli("fault", "list")
    assert code == 6 and "no changeflow database at postgresql+psycopg://" in err
    assert "CHANGEFLOW_DATABASE_URL" in err and "changeflow init" in err
    assert cli("init")[0] == 0 and cli("fault", "list")[0] == 0
    monkeypatch.setenv("CHANGEFLOW_DATABASE_URL", pg_url.rsplit("/", 1)[0] + "/cf_nowhere_db")
    reset_settings()
    dispose_engines()
    code, _, err = cli("status")
    assert code == 6 and "cannot reach the changeflow database" in err and "\n" not in err
