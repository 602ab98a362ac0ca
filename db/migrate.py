"""Create or upgrade the schema to the newest revision (``changeflow init``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .session import get_engine

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> list[str]:
    """Upgrade to every head; returns the revisions now applied."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    if engine.dialect.name == "sqlite":
        # a migration that rebuilds a table turns SQLite's foreign keys off on its connection
        # (0103): fresh connections get them on again (the session's connect hook)
        engine.dispose()
    return current(url)


def current(url: str) -> list[str]:
    with get_engine(url).connect() as conn:
        return sorted(MigrationContext.configure(conn).get_current_heads())


def heads() -> list[str]:
    return sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
