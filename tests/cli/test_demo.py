"""The README's main job: the demo runs end to end on the embedded default."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.prefect


def test_demo_runs_and_writes_documents(prefect_server: str, cf_home: Path, tmp_path: Path) -> None:
    from changeflow.cli.demo import run_demo, step_intake, step_setup
    from changeflow.tasks.status import list_requests

    out = tmp_path / "demo-out"
    quick = [step_setup, step_intake]  # the whole lifecycle: tests/cli/test_demo_lifecycle.py
    run = run_demo(out, stages=quick)
    assert run.server_url and run.server_url in prefect_server
    stages = [r["stage"] for r in run.rows]
    assert stages[0] == "setup" and "intake" in stages and stages[-1] == "documents"
    requests = {r["key"]: r for r in list_requests()}
    assert run.keys["main"] in requests
    docs = list((out / "documents").rglob("*.*"))
    assert docs, "the demo copies its documents into <out>/documents"
    assert (out / "var" / "changeflow.db").is_file()
    # A second run starts from a fresh database: the same keys again, nothing duplicated.
    again = run_demo(out, stages=quick)
    assert again.keys == run.keys
