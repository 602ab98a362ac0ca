"""Run the benchmarks: ``python -m bench [NAME ...] [--quick] [--json FILE]``.

Every module ``bench/bench_<name>.py`` exposes ``run(quick: bool) -> list[dict]``; each row
holds a figure (median, min, max over repeats) and the floor measured in the same run, so
the ratio stays meaningful on a shared, noisy machine. Results also go to
``bench/results/<timestamp>.json``; ``--compare OLD.json`` sets this run's ratios beside an
earlier run's.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Skipped

HERE = Path(__file__).parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 100 else f"{v:.1f}"
    return str(v)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _load_results(path: Path, parser: argparse.ArgumentParser) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text("utf-8"))
        rows = data["rows"]
        if not isinstance(rows, list):
            raise TypeError("rows is not a list")
        return rows
    except (OSError, ValueError, KeyError, TypeError) as exc:
        parser.error(f"--compare {path}: not a results file of python -m bench ({exc})")


def compare(old: list[dict[str, Any]], new: list[dict[str, Any]], label: str) -> str:
    """Ratios (figure / its floor) now and in ``old``, figure by figure. The ratio, not the
    seconds, is compared: each run's floor absorbs how busy the machine was."""
    before = {(r.get("bench"), r.get("name")): r for r in old}
    lines = [f"compared with {label} (ratio = figure / floor of the same run):"]
    for r in new:
        o = before.get((r.get("bench"), r.get("name")))
        if o is None or not o.get("ratio") or not r.get("ratio"):
            continue
        change = r["ratio"] / o["ratio"] - 1
        lines.append(
            f"  {r['bench']:<10} {r['name'][:70]:<70} {o['ratio']:>8.3f} -> {r['ratio']:>8.3f}"
            f"  {change:+.0%}"
        )
    if len(lines) == 1:
        lines.append("  no figure of this run is in that file (other names or --quick sizes)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run ({available()}; default all)")
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer repeats")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--results-dir", type=Path, default=HERE / "results", help="where the dated JSON goes"
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="OLD.json",
        help="after the run, set each figure's ratio beside the same figure's in an earlier run",
    )
    args = parser.parse_args(argv)
    old = _load_results(args.compare, parser) if args.compare else None
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; known: {available()}")
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    skipped: dict[str, str] = {}
    for name in names:
        t0 = time.perf_counter()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        try:
            mod = importlib.import_module(f"bench.bench_{name}")
            for r in mod.run(args.quick):
                rows.append({"bench": name, **r})
        except Skipped as exc:
            skipped[name] = str(exc)
            print(f"   {name} skipped: {exc}", file=sys.stderr, flush=True)
        except Exception:  # a broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"   {name} took {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    cols = ["bench", "name", "median_s", "min_s", "max_s", "floor_name", "floor_s", "ratio",
            "target"]  # fmt: skip
    widths = {
        c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) if rows else len(c) for c in cols
    }
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in cols))
    for name, why in skipped.items():
        print(f"{name}: skipped: {why}")
    if old is not None:
        print()
        print(compare(old, rows, str(args.compare)))
    result = {
        "machine": machine(),
        "quick": args.quick,
        "rows": rows,
        "failed": failed,
        "skipped": skipped,
    }
    out_dir = args.results_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in [out_dir / f"{stamp}.json", *([args.json] if args.json else [])]:
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"results: {out_dir / f'{stamp}.json'}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
