"""Timing helpers shared by the benchmarks: medians over repeats, a floor beside each figure."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def fresh_home(home: Path, *, secret: bool = True, **env: str | None) -> None:
    """Point this process at the changeflow home ``home`` (``env``: more variables, None to
    unset; the database URL is unset unless given), then make its database current, the
    signing secret (unless ``secret`` is false) and the example contract."""
    from changeflow.db.migrate import upgrade
    from changeflow.db.session import dispose_engines
    from changeflow.settings import get_settings, reset_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

    restore_env({"CHANGEFLOW_HOME": str(home), "CHANGEFLOW_DATABASE_URL": None, **env})
    reset_settings()
    dispose_engines()
    upgrade(get_settings().db_url)
    if secret:
        ensure_secret()
    load_contract_file(ROOT / "examples" / "contract.yaml")


def restore_env(saved: dict[str, str | None]) -> None:
    """Set the environment variables as ``saved`` has them (None: unset)."""
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 0) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls (after ``warmup`` untimed ones)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def interleaved(
    fns: dict[str, Callable[[], Any]], repeat: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time several functions in turns, so a noisy neighbour slows them all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - t0)
    return out


def row(
    name: str,
    samples: list[float],
    floor_name: str,
    floor_samples: list[float] | None,
    target: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """One result row: the figure's median/min/max beside the floor's median and the ratio."""
    med = statistics.median(samples)
    floor = statistics.median(floor_samples) if floor_samples else None
    return {
        "name": name,
        "median_s": med,
        "min_s": min(samples),
        "max_s": max(samples),
        "floor_name": floor_name,
        "floor_s": floor,
        "ratio": (med / floor) if floor else None,
        "target": target,
        **extra,
    }


class Skipped(Exception):
    """A benchmark that cannot run here (e.g. no PostgreSQL); the message says what it needs."""


def bare_docxtpl(
    name: str, context: dict[str, Any], *, lang: str = "zh-CN", title: str = ""
) -> bytes:
    """The floor of every document figure: docxtpl alone rendering the shipped template
    ``name`` with ``context`` and saving it (no fonts, properties, signature or caches).

    The house style's header values (``house``) and the ``doc_date`` filter are given the
    way ``tasks.wordkit.render`` gives them, so the floor renders whatever the templates
    need today (a floor that builds its own context rots each time a template grows)."""
    import io

    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from changeflow.tasks.wordkit import doc_date, house_context, template_path

    ctx = dict(context)
    ctx.setdefault("house", house_context(name, ctx, title, lang))
    env = Environment(autoescape=True)  # a fresh one: docxtpl compiles on every render
    env.filters["doc_date"] = doc_date
    tpl = DocxTemplate(str(template_path(name, lang)))
    tpl.render(ctx, jinja_env=env, autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
