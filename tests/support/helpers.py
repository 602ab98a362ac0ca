"""Test helpers: fill the shipped task-book template as a client would, count rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]


def _examples_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_taskbook_docx", ROOT / "examples" / "make_taskbook_docx.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def sample_taskbook() -> dict[str, Any]:
    from changeflow.tasks.inputs import load_yaml

    path = ROOT / "examples" / "taskbook.yaml"
    return load_yaml(path.read_bytes(), str(path))


def fill_taskbook(data: dict[str, Any], out: Path, lang: str = "zh-CN") -> Path:
    """Type ``data`` into the cells of the blank template (what a client does in Word)."""
    return _examples_module().fill(data, out, lang)


def counts() -> dict[str, int]:
    """Rows per core table, and files in the store: to prove nothing was written."""
    from changeflow.db.models import Document, Request, RequestEvent
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings

    with transaction() as s:
        out = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Request, RequestEvent, Document)
        }
    store = get_settings().store_dir
    out["files"] = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return out


def states() -> dict[str, str]:
    """Every request's key and state."""
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        return {r.key: r.state for r in s.scalars(select(Request))}


def all_counts() -> dict[str, int]:
    """Rows in every table, and files in the store (temporary ones included)."""
    from changeflow.db import all_models  # noqa: F401
    from changeflow.db.base import Base
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings

    with transaction() as s:
        out = {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }
    store = get_settings().store_dir
    out["files"] = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return out
