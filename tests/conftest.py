"""Shared fixtures: a fresh home (SQLite file, store, inbox, secret) per test, the sample
contract and task book, and a fresh PostgreSQL database when CHANGEFLOW_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PG_ENV = "CHANGEFLOW_TEST_PG_URL"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """pyproject's addopts carry ``-n 2 --dist loadgroup`` (pytest-xdist). With the plugin
    blocked (``-p no:xdist``) or absent those options would be refused: accept them and run
    in this one process."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "distributed testing (pytest-xdist is not active)")
    # _addoption: pytest reserves lowercase short options for plugins (xdist's own -n is one)
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None,
                     help="ignored without pytest-xdist: the tests run in one process")  # fmt: skip
    group.addoption("--dist", dest="dist", default="no", help="ignored without pytest-xdist")


def pytest_configure(config: pytest.Config) -> None:
    """Browser checks wait as long as the page may take on a shared two-core machine running
    two test processes (Playwright's expect gives up after 5 s by default)."""
    try:
        from playwright.sync_api import expect
    except ImportError:  # the browser tests skip without it
        return
    expect.set_options(timeout=30_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that reads the session's demo (``demo_run``, directly or through a fixture)
    runs on one xdist worker (``--dist loadgroup``): the demo is built once, not per worker."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo"))
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in items:
            _name_the_group(item)


def _name_the_group(item: pytest.Item) -> None:
    """``test_x@group``, the node id the controller groups by. pytest-xdist 3.8 sets it on
    ``item._nodeid``, which pytest 9.2 no longer reads (the id is ``item._id``): without this,
    xdist_group marks are silently ignored and each worker builds the demo."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest before 9.2: xdist's own renaming works
        return
    names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")})  # fmt: skip
    suffix = "@" + "_".join(names)
    if names and not item.nodeid.endswith(suffix) and isinstance(item._id, NodeId):
        item._id = NodeId.parse(item.nodeid + suffix)


def _reset() -> None:
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()


@pytest.fixture
def cf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty changeflow home in a temporary folder (settings re-read)."""
    home = tmp_path / "var"
    monkeypatch.setenv("CHANGEFLOW_HOME", str(home))
    monkeypatch.setenv("CHANGEFLOW_CONFIG", str(tmp_path / "none.toml"))
    for name in ("CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR", "CHANGEFLOW_INBOX_DIR",
                 "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_TEMPLATES_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    _reset()
    yield home
    _reset()


def _create_pg_database(base_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"changeflow_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(cf_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test (skipped without a server URL)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)")
    url, name = _create_pg_database(base)
    monkeypatch.setenv("CHANGEFLOW_DATABASE_URL", url)
    _reset()
    yield url
    _reset()
    _drop_pg_database(base, name)


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest, cf_home: Path) -> str:
    """The same test on SQLite and (when configured) PostgreSQL."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    from changeflow.settings import get_settings

    return get_settings().db_url


@pytest.fixture
def db(cf_home: Path) -> str:
    """A migrated SQLite database with the signing secret in place; returns its URL."""
    from changeflow.db.migrate import upgrade
    from changeflow.settings import get_settings
    from changeflow.tasks.signoff.keys import ensure_secret

    url = get_settings().db_url
    upgrade(url)
    ensure_secret()
    return url


@pytest.fixture
def contract(db: str) -> str:
    """The sample contract (OA-2026) with client DEMO and our two staff loaded."""
    from changeflow.tasks.contracts import load_contract_file

    load_contract_file(EXAMPLES / "contract.yaml")
    return "OA-2026"


@pytest.fixture
def submitted(contract: str) -> str:
    """A request taken in from the sample YAML task book; returns its key."""
    from changeflow.tasks.intake import intake_file

    return intake_file(EXAMPLES / "taskbook.yaml").key


@pytest.fixture
def cli(cf_home: Path):
    """Run the real ``changeflow`` CLI in-process: returns (exit code, stdout, stderr)."""
    from typer.testing import CliRunner

    from changeflow.cli import app
    from changeflow.errors import ChangeflowError

    def run(*args: str) -> tuple[int, str, str]:
        runner = CliRunner()
        result = runner.invoke(app, list(args), catch_exceptions=True)
        exc = result.exception
        if isinstance(exc, ChangeflowError):
            return exc.exit_code, result.stdout, str(exc)
        if exc is not None and not isinstance(exc, SystemExit):
            raise exc
        return result.exit_code, result.stdout, result.stderr

    return run


from tests.support.demo import demo_run  # noqa: E402,F401  (the whole demo, once a session)
from tests.support.mail import servers  # noqa: E402,F401  (SMTP + IMAP servers)
from tests.support.prefect import prefect_server  # noqa: E402,F401  (session fixture)
