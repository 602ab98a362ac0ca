"""The whole demo once per test session, and a private copy of it for each test that reads it.

A full ``run_demo`` (November 2026 replayed through Prefect flows, with its own Prefect
server) is the slowest thing the suite does; five tests and fixtures each ran one of their
own. ``demo_run`` runs it once; ``demo_copy`` gives a test its own copy of the demo's folder
(database, document store, repository) with ``CHANGEFLOW_HOME`` pointing there and the run's
document paths in it, so a test that adds records (English renders, a weekly report)
changes nothing another test reads.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

OUR_ENV = ("CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR", "CHANGEFLOW_INBOX_DIR",
           "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_TEMPLATES_DIR", "CHANGEFLOW_LANG")  # fmt: skip


def _reset() -> None:
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()


@pytest.fixture(scope="session")
def demo_run(prefect_server: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``run_demo`` once (zh-CN, as the README's first command runs it); read it through
    ``demo_copy``, never in place."""
    from changeflow.cli.demo import run_demo

    out = Path(tmp_path_factory.mktemp("demo-once")) / "demo-out"
    with pytest.MonkeyPatch.context() as mp:
        for name in OUR_ENV:
            mp.delenv(name, raising=False)
        mp.setenv("CHANGEFLOW_CONFIG", str(out.parent / "none.toml"))
        mp.setenv("CHANGEFLOW_HOME", str(out / "var"))
        run = run_demo(out, verbose=False)
        _reset()
    _reset()
    return run


def demo_copy(run: Any, dest: Path, mp: pytest.MonkeyPatch) -> Any:
    """The shared demo copied to ``dest`` (a folder that does not exist yet) and made the
    current home through ``mp``: the run returned names the copy's folder and files."""
    shutil.copytree(run.out, dest, symlinks=True)
    for name in OUR_ENV:
        mp.delenv(name, raising=False)
    mp.setenv("CHANGEFLOW_CONFIG", str(dest.parent / "none.toml"))
    mp.setenv("CHANGEFLOW_HOME", str(dest / "var"))
    _reset()
    mine = copy.copy(run)
    mine.out = dest
    old = str(run.out)

    def moved(p: Any) -> Any:
        s = str(p)
        if not s.startswith(old):
            return p
        new = dest / Path(s).relative_to(old)
        return new if isinstance(p, Path) else str(new)

    mine.documents = [{**d, "path": moved(d["path"])} for d in run.documents]
    mine.extra_documents = [(k, moved(p)) for k, p in run.extra_documents]
    mine.rows = list(run.rows)
    mine.keys = dict(run.keys)
    return mine
