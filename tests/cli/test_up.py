"""``changeflow up`` as a lead runs it: one server, found again by a second ``up``; Ctrl-C lets
a running flow run finish, then stops what this ``up`` started and leaves nothing behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.helpers import sample_taskbook
from tests.support.prefect import free_port

pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def form_taskbook() -> dict:
    """The sample task book as the intake form sends it (choices as the form shows them,
    "高 high": the server checks a run's parameters against the form)."""
    from changeflow.tasks.taskbook import KIND_FORM, PRIORITY_FORM

    book = json.loads(json.dumps(sample_taskbook(), default=str))
    book["kind"] = KIND_FORM[book["kind"]]
    book["priority"] = PRIORITY_FORM[book["priority"]]
    for r in book["requirements"]:
        r["priority"] = PRIORITY_FORM[r.get("priority", "medium")]
    return book


def _start_up(args: list[str], env: dict[str, str], out: Path) -> subprocess.Popen[bytes]:
    with open(out, "wb") as f:
        return subprocess.Popen(
            [sys.executable, "-m", "changeflow", "up", *args],
            stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,  # so only ``up`` gets our Ctrl-C, as from a terminal
        )  # fmt: skip


def _wait_for(out: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = 150) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = out.read_text(errors="replace")
        if text in content:
            return content
        assert proc.poll() is None, f"up exited early:\n{content}"
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not printed:\n{out.read_text(errors='replace')}")


def _processes_with(marker: str) -> list[int]:
    """PIDs whose environment mentions ``marker`` (this test's own Prefect home)."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and int(p.name) != os.getpid():
            try:
                if marker.encode() in (p / "environ").read_bytes():
                    found.append(int(p.name))
            except OSError:
                continue
    return found


def _state_in_server_db(home: Path, run_id: object) -> tuple[str, str] | None:
    """The run's state as the (stopped) server recorded it in its SQLite database."""
    import sqlite3

    db = home / "prefect" / "prefect.db"
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT state_type, state_name FROM flow_run WHERE id = ?", (str(run_id),)
        ).fetchone()
    return tuple(row) if row else None


PLACES = ("CHANGEFLOW_HOME", "CHANGEFLOW_DATABASE_URL", "CHANGEFLOW_DOCUMENTS_DIR",
          "CHANGEFLOW_INBOX_DIR", "CHANGEFLOW_SECRET_FILE", "CHANGEFLOW_CONFIG",
          "CHANGEFLOW_DOCS_URL", "PREFECT_API_URL")  # fmt: skip


def _fresh_work_folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A work folder as a new lead makes one: no absolute home anywhere, ``init`` and
    ``contract load`` run inside it."""
    from tests.conftest import EXAMPLES

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in PLACES}
    # COLUMNS: up's "Home <folder>" stays one line however long the folder (xdist's are longer)
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home-up"),
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
            "COLUMNS": "200"}  # fmt: skip
    for args in (["init"], ["contract", "load", str(EXAMPLES / "contract.yaml")]):
        done = subprocess.run([sys.executable, "-m", "changeflow", *args], cwd=work, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert (work / "var" / "changeflow.db").is_file()
    return work, env


def _start_up_in(work: Path, args: list[str], env: dict[str, str], out: Path):
    with open(out, "wb") as f:
        return subprocess.Popen(
            [sys.executable, "-m", "changeflow", "up", *args], cwd=work,
            stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip


def _paused(api: str) -> dict[str, bool]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as c:
        return {d.name: d.paused for d in c.read_deployments()}


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_up_in_a_work_folder_refuses_a_second_up_and_stops_cleanly(tmp_path: Path) -> None:
    """``up`` from a fresh work folder (relative ``./var``): a flow run from the UI/API
    writes into that folder's database, never into the checkout; a second ``up`` refuses
    with the address and leaves the first one's deployments served and unpaused."""
    import sqlite3

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.cli.serving import healthy
    from changeflow.flows.deployments import ROOT, deployment_ref

    checkout_db = ROOT / "var" / "changeflow.db"
    checkout_before = checkout_db.stat().st_mtime_ns if checkout_db.exists() else None
    work, env = _fresh_work_folder(tmp_path)
    port, docs_port = free_port(), free_port()
    api = f"http://127.0.0.1:{port}/api"
    args = ["--port", str(port), "--docs-port", str(docs_port)]
    first = _start_up_in(work, args, env, tmp_path / "up1.out")
    try:
        text = _wait_for(tmp_path / "up1.out", "Ctrl-C to stop", first)
        assert "(started here)" in text and f"http://127.0.0.1:{port}/v2/deployments" in text
        assert f"Home {work / 'var'}" in text, text
        assert f"http://127.0.0.1:{docs_port}/hand-in" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=5) as r:
            assert json.load(r)["api_url"] == api  # the UI calls this server, not :4200
        with urllib.request.urlopen(f"http://127.0.0.1:{docs_port}/hand-in", timeout=5) as r:
            assert "交回文件 Hand in" in r.read().decode()

        second = subprocess.run(
            [sys.executable, "-m", "changeflow", "up", "--port", str(port), "--docs-port",
             str(free_port())], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert second.returncode == 6, second
        assert f"http://127.0.0.1:{port}/v2/deployments" in second.stderr, second.stderr
        assert "served by a running changeflow up" in second.stderr
        assert "Traceback" not in second.stderr
        assert healthy(api)
        paused = _paused(api)
        assert paused and not any(paused.values()), paused  # nothing the first serves paused

        with temporary_settings({PREFECT_API_URL: api}):
            book = form_taskbook()
            run = run_deployment(deployment_ref("intake"), parameters={"taskbook": book}, timeout=0)
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 60
                while client.read_flow_run(run.id).state_type.value == "SCHEDULED":
                    assert time.monotonic() < deadline, "the served deployment never took it"
                    time.sleep(0.1)
                first.send_signal(signal.SIGINT)  # Ctrl-C while the run is in flight
                state = client.read_flow_run(run.id).state
                print(f"Ctrl-C sent with the run {state.name}")
                assert first.wait(120) == 0
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            # a failed test must not leave the server, runner and hand-in page it started
            # (sessions of their own) running through the rest of the suite
            for pid in _processes_with(str(tmp_path)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    out = (tmp_path / "up1.out").read_text()
    assert "Prefect server stopped." in out, out
    assert not healthy(api)
    assert _processes_with(str(tmp_path)) == []  # no server, runner or flow process left
    final = _state_in_server_db(work / "var", run.id)
    assert final == ("COMPLETED", "Completed"), final  # finished, not cancelled or crashed
    with sqlite3.connect(work / "var" / "changeflow.db") as conn:
        rows = conn.execute("SELECT state FROM request WHERE title = ?",
                            (sample_taskbook()["project"],)).fetchall()  # fmt: skip
    assert rows == [("submitted",)]  # in the work folder's database
    after = checkout_db.stat().st_mtime_ns if checkout_db.exists() else None
    assert after == checkout_before  # the checkout's var/ untouched (none made)


def test_worker_mode_applies_portable_deployments_and_runs_them(
    prefect_server: str, contract: str, tmp_path: Path
) -> None:
    """``up --worker``: the deployments go to the process pool with prefect.yaml's pull step,
    and a flow run started from the UI/API completes on the worker. A plain serving ``up``
    on the same server afterwards serves them again: its runs load the flow from the
    checkout (the worker's pool, pull step and missing path do not survive)."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from changeflow.cli.serving import start_executor
    from changeflow.flows.deployments import PULL_STEPS, WORK_POOL, deployment_ref

    book = form_taskbook()
    worker = start_executor("worker", prefect_server, log_path=tmp_path / "worker.log")
    try:
        with get_client(sync_client=True) as client:
            dep = client.read_deployment_by_name(deployment_ref("intake"))
            assert dep.work_pool_name == WORK_POOL
            assert dep.pull_steps == PULL_STEPS and dep.entrypoint == "flows/intake.py:intake"
            assert dep.path is None  # nothing absolute from this machine
            assert dep.parameter_openapi_schema["properties"]["taskbook"]["title"] == (
                "项目任务书 Task book *"
            )
        run = run_deployment(deployment_ref("intake"), parameters={"taskbook": book}, timeout=180)
        assert run.state is not None and run.state.is_completed(), run.state
    finally:
        worker.stop(timeout=60)
    assert not worker.running()

    served = start_executor("serve", prefect_server, log_path=tmp_path / "serve.log")
    try:
        with get_client(sync_client=True) as client:
            dep = client.read_deployment_by_name(deployment_ref("intake"))
            assert dep.work_pool_name is None and not dep.pull_steps, dep
            assert dep.path is not None  # the runner loads the flow from its checkout
        book["project"] = "served after the worker"
        run = run_deployment(deployment_ref("intake"), parameters={"taskbook": book}, timeout=180)
        assert run.state is not None and run.state.is_completed(), (
            run.state, (tmp_path / "serve.log").read_text(errors="replace")[-2000:])  # fmt: skip
    finally:
        served.stop(timeout=60)
    assert "replaced" in (tmp_path / "serve.log").read_text(errors="replace")


def test_paused_deployments_are_named_by_doctor_and_status_and_resumed_by_the_next_up(
    prefect_server: str, contract: str, tmp_path: Path
) -> None:
    """A serving ``up`` that stops pauses what it served (no backlog of late runs while
    nothing serves them). ``changeflow doctor`` fails naming the paused deployments and
    ``changeflow status`` warns; the next serving ``up`` resumes them."""
    from changeflow.cli.serving import deployment_health, start_executor

    env = {**os.environ, "PREFECT_API_URL": prefect_server}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "changeflow", *args], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    for _round in (1, 2):
        ex = start_executor("serve", prefect_server, log_path=tmp_path / "serve.log")
        try:
            health = deployment_health(prefect_server)
            assert health is not None and health.total and not health.paused, health
            done = cli("doctor", "--json")
            check = {c["name"]: c for c in json.loads(done.stdout)["checks"]}["deployments"]
            assert check["ok"] and "none paused" in check["detail"], check
        finally:
            ex.stop(timeout=60)
        health = deployment_health(prefect_server)
        assert health is not None and health.paused, health  # stopping paused them
        done = cli("doctor", "--json")
        assert done.returncode == 7, done
        check = {c["name"]: c for c in json.loads(done.stdout)["checks"]}["deployments"]
        (line,) = check["problems"]
        assert "deployment(s) paused at" in line and "inbox" in line, line
        done = cli("status")
        assert done.returncode == 0 and "deployment(s) paused at" in done.stderr, done
