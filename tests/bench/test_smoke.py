"""The benchmarks cannot rot: ``python -m bench --quick`` (small data) runs in the suite.

Each benchmark checks its own results (the lifecycle ends accepted, the git sync stores every
commit, the load leaves exactly its rows ...) and ``python -m bench`` exits non-zero and
lists it under ``failed`` when one raises. Nothing here looks at the timings: speed is read
from BENCHMARKS.md, not asserted.

``load`` (its own Prefect server, two workers and PostgreSQL databases) is left to
``tests/system/test_bench.py::test_load_run_small``, which runs it end to end with 8
requests; every other benchmark runs here, including any added later.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ELSEWHERE = {"load": "tests/system/test_bench.py::test_load_run_small"}
# What may skip here and why (anything else that skips is a failure of the smoke test).
MAY_SKIP = {"mailbox": "/usr/sbin/dovecot"}


def _names() -> list[str]:
    from bench.__main__ import available

    return [n for n in available() if n not in ELSEWHERE]


def bench_env() -> dict[str, str]:
    """The bench in a child process as a lead runs it: no Prefect server or home of ours."""
    env = dict(os.environ)
    for k in ("PREFECT_API_URL", "PREFECT_HOME", "CHANGEFLOW_HOME", "CHANGEFLOW_CONFIG",
              "CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR", "CHANGEFLOW_INBOX_DIR",
              "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_TEMPLATES_DIR"):  # fmt: skip
        env.pop(k, None)
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


def run_bench(tmp: Path, *names: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", *names, "--results-dir", str(tmp / "r")],
        cwd=ROOT, env=bench_env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    files = list((tmp / "r").glob("*.json"))
    assert len(files) == 1, out.stderr[-3000:]
    return out, json.loads(files[0].read_text("utf-8"))


@pytest.mark.slow
@pytest.mark.prefect
def test_every_benchmark_runs_and_passes_its_own_checks(tmp_path: Path) -> None:
    names = _names()
    out, data = run_bench(tmp_path, *names)
    assert data["failed"] == [], out.stderr[-6000:]
    assert out.returncode == 0, out.stderr[-3000:]
    for name, why in data["skipped"].items():
        need = MAY_SKIP.get(name)
        assert need is not None and not Path(need).exists(), f"{name} skipped: {why}"
    ran = {r["bench"] for r in data["rows"]}
    assert ran == set(names) - set(data["skipped"]), out.stderr[-3000:]
    for r in data["rows"]:  # every figure measured (a row of None is a broken benchmark)
        assert r["median_s"] is not None and r["median_s"] >= 0, r


@pytest.mark.slow
def test_a_broken_benchmark_fails_the_run(tmp_path: Path) -> None:
    """The runner itself: a benchmark whose own check fails is listed under ``failed`` and
    the exit code is 1, the others still report (so the smoke test above cannot pass on a
    benchmark that broke)."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "bench", copy / "bench", ignore=shutil.ignore_patterns(".cache",
                    "results", "__pycache__"))  # fmt: skip
    (copy / "bench" / "bench_broken.py").write_text(
        "def run(quick):\n    raise AssertionError('the lifecycle ended in submitted')\n", "utf-8"
    )
    env = bench_env()
    env["PYTHONPATH"] = os.pathsep.join([str(copy), str(ROOT)])
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "broken", "sla", "--results-dir",
         str(tmp_path / "r")],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr[-3000:]
    assert "the lifecycle ended in submitted" in out.stderr
    data = json.loads(next((tmp_path / "r").glob("*.json")).read_text("utf-8"))
    assert data["failed"] == ["broken"] and {r["bench"] for r in data["rows"]} == {"sla"}
