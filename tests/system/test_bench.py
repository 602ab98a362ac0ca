"""The benchmark runner itself: every row carries its floor and ratio, results go to JSON,
and the load run without PostgreSQL is skipped with the reason instead of failing the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_quick_run_prints_each_figure_beside_its_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.__main__ import main

    out = tmp_path / "r.json"
    assert main(["--quick", "sla", "--json", str(out), "--results-dir", str(tmp_path)]) == 0
    data = json.loads(out.read_text("utf-8"))
    assert data["failed"] == [] and data["skipped"] == {}
    assert {r["bench"] for r in data["rows"]} == {"sla"}
    for r in data["rows"]:
        assert r["floor_s"] > 0 and r["ratio"] == pytest.approx(r["median_s"] / r["floor_s"])
    printed = capsys.readouterr().out
    assert "floor_name" in printed and "datetime + timedelta" in printed
    assert len(list(tmp_path.glob("2*.json"))) == 1  # the dated copy


def test_load_without_postgres_is_skipped_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.__main__ import main

    monkeypatch.setenv("CHANGEFLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    assert main(["load", "--results-dir", str(tmp_path)]) == 0
    assert "load: skipped: needs PostgreSQL" in capsys.readouterr().out
    data = json.loads(next(tmp_path.glob("*.json")).read_text("utf-8"))
    assert list(data["skipped"]) == ["load"] and data["rows"] == []


def test_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    from bench.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["nosuch", "--results-dir", str(tmp_path)])
    assert exc.value.code == 2


@pytest.mark.postgres
@pytest.mark.prefect
@pytest.mark.slow
def test_load_run_small(tmp_path: Path) -> None:
    """The load benchmark end to end with a handful of requests (its own server, workers and
    databases, in a child process): it must find every row exactly once."""
    import os
    import subprocess
    import sys

    from tests.conftest import PG_ENV, ROOT

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    env = {**os.environ, "CHANGEFLOW_BENCH_PG_URL": base, "CHANGEFLOW_BENCH_LOAD_N": "8"}
    for k in ("PREFECT_API_URL", "PREFECT_HOME", "CHANGEFLOW_HOME", "CHANGEFLOW_DATABASE_URL"):
        env.pop(k, None)
    out = subprocess.run(
        [sys.executable, "-m", "bench", "load", "--results-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(next(tmp_path.glob("*.json")).read_text("utf-8"))
    assert data["failed"] == [] and data["skipped"] == {}
    total = data["rows"][-1]
    assert (total["requests"], total["plans"], total["plan_documents"]) == (8, 8, 8)
    assert (total["events"], total["files_done"], total["files_left"]) == (8, 8, 0)


def test_compare_with_an_earlier_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    first = tmp_path / "first.json"
    assert main(["--quick", "sla", "--json", str(first), "--results-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["--quick", "sla", "--compare", str(first), "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"compared with {first}" in out
    old = json.loads(first.read_text("utf-8"))["rows"]
    for r in old:
        line = next(x for x in out.splitlines() if r["name"][:40] in x and "->" in x)
        assert f"{r['ratio']:.3f} ->" in line and "%" in line


def test_compare_with_a_file_that_is_not_results_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.__main__ import main

    bad = tmp_path / "notes.json"
    bad.write_text('{"figures": []}', "utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["sla", "--compare", str(bad), "--results-dir", str(tmp_path)])
    assert exc.value.code == 2
    assert f"--compare {bad}: not a results file" in capsys.readouterr().err
    assert list(tmp_path.glob("2*.json")) == []  # refused before running anything
