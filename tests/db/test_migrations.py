"""Migrations from an empty database reach exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from changeflow.db import all_models  # noqa: F401
from changeflow.db.base import Base
from changeflow.db.migrate import current, heads, upgrade
from changeflow.db.session import get_engine


def test_upgrade_from_empty_matches_models(any_db_url: str) -> None:
    applied = upgrade(any_db_url)
    assert applied == heads()
    engine = get_engine(any_db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_is_idempotent(any_db_url: str) -> None:
    upgrade(any_db_url)
    assert upgrade(any_db_url) == current(any_db_url) == heads()


def test_init_command_creates_everything(cf_home, cli) -> None:
    import json
    import stat

    code, out, _ = cli("init", "--json")
    assert code == 0
    info = json.loads(out)
    assert info["revisions"] == heads()
    secret = cf_home / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert (cf_home / "documents").is_dir() and (cf_home / "inbox").is_dir()
    before = secret.read_bytes()
    assert cli("init")[0] == 0
    assert secret.read_bytes() == before  # never replaced: old signatures stay valid
