"""Engines and transactions. Every state change runs inside one ``transaction()``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from changeflow.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (pools are per engine)."""
    url = url or get_settings().db_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                path = url.split("///", 1)[-1]
                if path and path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def make_session(url: str | None = None) -> Session:
    return sessionmaker(get_engine(url), expire_on_commit=False)()


@contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """Commit on success, roll back on any error, and undo files staged for the store.

    Files written to the document store during the transaction are registered in
    ``session.info['on_rollback']``; a rollback removes them, so a failed step leaves
    nothing half-written in the database or the store.
    """
    session = make_session(url)
    session.info["on_rollback"] = []
    session.info["after_commit"] = []
    try:
        with session.begin():
            yield session
    except BaseException:
        for undo in reversed(session.info["on_rollback"]):
            undo()
        raise
    else:
        for action in session.info["after_commit"]:
            action()
    finally:
        session.close()


def on_rollback(session: Session, undo: Callable[[], None]) -> None:
    session.info.setdefault("on_rollback", []).append(undo)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    session.info.setdefault("after_commit", []).append(action)
