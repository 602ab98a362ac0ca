"""A lead's step as a served deployment run, beside an empty flow served the same way.

Figure: one run of the ``plan`` deployment (issue a request's plan: the form's parameters,
the plan and its signed Word document in one transaction, the budget table and summary
artifacts), from the moment it is submitted to its Completed state, served by a Runner as
``changeflow up`` serves it (``bench.step_serve``). Floor: an empty flow served by the same
Runner, submitted the same way, in turns with the step. Both pay the runner's poll (1 s, as
``up`` sets it), a new flow-run process, Prefect's import and engine and the state reports;
the difference is what we add: our modules' import, the database and document work, the
artifacts. Times are the server's (created -> end), split into pick-up (created -> start:
poll, process start, imports) and body (start -> end).

Also reported: the import time of the flow module alone (``python -X importtime``), and of
the flow with the domain its task imports (``tasks.planning``), beside ``import prefect``.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, fresh_home, restore_env, row
from changeflow.flows.deployments import deployment_ref


def _setup(home: Path, n: int) -> list[str]:
    """A fresh home with the sample contract and ``n`` requests waiting for their plan."""
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.intake import intake
    from changeflow.tasks.taskbook import validate

    fresh_home(home, CHANGEFLOW_CONFIG=str(home / "none.toml"))
    book = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    return [intake(validate(book, "bench"), source="bench").key for _ in range(n)]


def _serve(api_url: str, log: Path) -> subprocess.Popen[bytes]:
    from changeflow.cli.serving import FAST_POLL_ENV, QUIET_ENV
    from changeflow.flows.deployments import ROOT_ENV

    ready = log.with_suffix(".ready")
    env = {**os.environ, **QUIET_ENV, **FAST_POLL_ENV, "PREFECT_API_URL": api_url,
           ROOT_ENV: str(ROOT)}  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.step_serve", str(ready)], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 180
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the serving process did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.2)
    return proc


def _run(client: Any, name: str, params: dict[str, Any], timeout: float = 180) -> Any:
    """Submit one run of deployment ``name`` and wait for its final state."""
    from prefect.deployments import run_deployment

    fr = run_deployment(name, parameters=params, timeout=0)
    deadline = time.monotonic() + timeout
    while True:
        got = client.read_flow_run(fr.id)
        if got.state and got.state.is_final():
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} run {fr.id} not final after {timeout:.0f} s")
        time.sleep(0.05)


def _times(fr: Any, what: str) -> tuple[float, float, float]:
    if fr.state_name != "Completed":
        raise AssertionError(f"{what}: run ended {fr.state_name}: {fr.state.message}")
    total = (fr.end_time - fr.created).total_seconds()
    pickup = (fr.start_time - fr.created).total_seconds()
    return total, pickup, total - pickup


IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


def import_seconds(*modules: str) -> dict[str, float]:
    """Cumulative import seconds of each top-level module of one fresh interpreter that
    imports ``modules`` in turn (``python -X importtime``): the later ones pay only what the
    earlier did not already import."""
    code = "; ".join(f"import {m}" for m in modules)
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT,
                         capture_output=True, text=True, check=True)  # fmt: skip
    got: dict[str, float] = {}
    for line in out.stderr.splitlines():
        m = IMPORT_LINE.match(line)
        if m and m[2] in modules:
            got[m[2]] = int(m[1]) / 1e6
    return got


def run(quick: bool) -> list[dict[str, Any]]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from bench.bench_load import free_port
    from changeflow.cli.serving import ensure_server
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings
    from changeflow.tasks.status import request_status

    n = 1 if quick else 10  # measured runs of each
    warm = 0 if quick else 1  # after one warm-up of each (--quick: the smoke test's checks)
    saved = {k: os.environ.get(k) for k in ("CHANGEFLOW_HOME", "CHANGEFLOW_CONFIG",
             "PREFECT_API_URL", "PREFECT_HOME")}  # fmt: skip
    ours: list[tuple[float, float, float]] = []
    floor: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp_s:
        tmp = Path(tmp_s)
        try:
            keys = _setup(tmp / "var", n + warm)
            os.environ.pop("PREFECT_API_URL", None)
            os.environ["PREFECT_HOME"] = str(tmp / "prefect")
            server = ensure_server(port=free_port(), prefect_home=tmp / "prefect", wait=180)
            runner = None
            try:
                runner = _serve(server.api_url, tmp / "serve.log")
                with (
                    temporary_settings({PREFECT_API_URL: server.api_url}),
                    get_client(sync_client=True) as client,
                ):
                    for i, key in enumerate(keys):  # the first ``warm`` are warm-ups
                        f = _run(client, "bench-empty/bench-empty", {})
                        o = _run(client, deployment_ref("plan"),
                                 {"request": {"key": key, "issue": True},
                                  "planned_by": "bench"})  # fmt: skip
                        if i >= warm:
                            floor.append(_times(f, "empty flow"))
                            ours.append(_times(o, f"plan {key}"))
                        state = request_status(key)["state"]
                        if state != "planned":
                            raise AssertionError(f"plan {key}: the request is {state!r}")
            finally:
                if runner is not None:
                    os.killpg(runner.pid, signal.SIGTERM)
                    try:
                        runner.wait(30)
                    except subprocess.TimeoutExpired:
                        os.killpg(runner.pid, signal.SIGKILL)
                server.stop()
        finally:
            restore_env(saved)
            reset_settings()
            dispose_engines()
    domain = "changeflow.tasks.planning"  # what the step's task imports when it runs
    imports = [import_seconds("prefect", "changeflow.flows.plan", domain)
               for _ in range(1 if quick else 3)]  # fmt: skip
    prefect_s = [x.get("prefect", 0.0) for x in imports]
    flow_s = [x.get("changeflow.flows.plan", 0.0) for x in imports]
    domain_s = [x.get("changeflow.flows.plan", 0.0) + x.get(domain, 0.0) for x in imports]
    med = statistics.median
    return [
        row("a lead's step: one served plan run, submitted -> Completed", [x[0] for x in ours],
            "an empty flow served the same way", [x[0] for x in floor], target="<= 1.3x",
            runs=len(ours), overhead_s=round(med([x[0] for x in ours])
                                             - med([x[0] for x in floor]), 2)),
        row("  pick-up (poll, flow-run process, imports): created -> start",
            [x[1] for x in ours], "same, empty flow", [x[1] for x in floor], target="-"),
        row("  body (parameters, DB, document, artifacts): start -> end",
            [x[2] for x in ours], "same, empty flow", [x[2] for x in floor], target="-"),
        row("  import changeflow.flows.plan after prefect (python -X importtime)", flow_s,
            "import prefect", prefect_s, target="-"),
        row("  import the flow and its domain (+ tasks.planning) after prefect", domain_s,
            "import prefect", prefect_s, target="keep down"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv):
        print(r)
