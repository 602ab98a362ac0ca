"""Load: N requests through ``intake`` and ``plan`` as Prefect flow runs on two process
workers, with our database and the Prefect server both on PostgreSQL (N = 1,000; 40 quick).

Every run must complete exactly once and leave exactly its rows: N requests, each with one
creation and one ``planned`` audit record, one plan and one plan document whose file hashes
right; ``doctor`` clean. The figures are wall-clock seconds per request for each stage
through the workers; the floor is the same domain function called in one process, one
request after another, on its own PostgreSQL database (what the work costs without
orchestration), measured in the same run.

``CHANGEFLOW_BENCH_LOAD_N`` overrides N. On 2 cores a flow run on a process worker costs
~5 s of process start and imports, so N = 1,000 takes hours: run it on the real machines.

Needs PostgreSQL: ``CHANGEFLOW_BENCH_PG_URL`` or ``CHANGEFLOW_TEST_PG_URL`` (an admin URL such
as postgresql+psycopg://postgres@127.0.0.1:5432/postgres; databases are created and dropped).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
WORKER_LIMIT = 4  # flow runs at once per worker


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_url() -> str:
    return os.environ.get("CHANGEFLOW_BENCH_PG_URL") or os.environ.get(
        "CHANGEFLOW_TEST_PG_URL", DEFAULT_PG
    )


@contextmanager
def pg_database(driver: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = _admin_url()
    name = f"changeflow_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name)
    if driver:
        url = url.set(drivername=driver)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        from changeflow.db.session import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _use(home: Path, db_url: str) -> None:
    """Point this process (and the workers it starts) at ``db_url`` and a store in ``home``."""
    from changeflow.db.migrate import upgrade
    from changeflow.db.session import dispose_engines
    from changeflow.settings import get_settings, reset_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signing import ensure_secret

    os.environ["CHANGEFLOW_HOME"] = str(home)
    os.environ["CHANGEFLOW_DATABASE_URL"] = db_url
    os.environ.pop("CHANGEFLOW_DOCUMENTS_DIR", None)
    reset_settings()
    dispose_engines()
    upgrade(get_settings().db_url)
    ensure_secret()
    load_contract_file(ROOT / "examples" / "contract.yaml")


def _books(n: int) -> list[Any]:
    from changeflow.tasks.inputs import load_yaml
    from changeflow.tasks.taskbook import TaskBook

    data = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    return [TaskBook.model_validate(data | {"project": f"负载测试 Load {i}"}) for i in range(n)]


def _floor(n: int, tmp: Path) -> tuple[float, float]:
    """Seconds for n intakes, then n plans, called directly in this process."""
    from changeflow.tasks.intake import intake
    from changeflow.tasks.planning import make_plan

    with pg_database() as url:
        _use(tmp / "floor", url)
        books = _books(n)
        t0 = time.perf_counter()
        keys = [intake(b, source="bench", actor="bench", channel="ui").key for b in books]
        t1 = time.perf_counter()
        for k in keys:
            make_plan(k, actor="bench", channel="ui")
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def _wait(ids: list[Any], timeout: float) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            found: list[Any] = []
            for i in range(0, len(ids), 200):
                found += client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids[i : i + 200])),
                    limit=200,
                )
            if len(found) == len(ids) and all(r.state and r.state.is_final() for r in found):
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs not final: {Counter(r.state_name for r in found)}")
            time.sleep(2)


def _deploy(api_url: str) -> None:
    """The deployments from prefect.yaml, as an operator applies them (``prefect deploy``)."""
    import subprocess
    import sys

    env = {**os.environ, "PREFECT_API_URL": api_url}
    out = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError("prefect deploy failed: " + (out.stdout + out.stderr)[-1500:])


def _submit(deployment: str, params: list[dict[str, Any]]) -> list[Any]:
    from prefect.deployments import run_deployment

    return [run_deployment(deployment, parameters=p, timeout=0).id for p in params]


def _check(n: int, runs: list[Any]) -> dict[str, int]:
    """Exactly the rows N requests should leave; raises on any lost or duplicated one."""
    from sqlalchemy import func, select

    from changeflow.db.models import Document, Request, RequestEvent
    from changeflow.db.planning import Plan
    from changeflow.db.session import dispose_engines, transaction
    from changeflow.tasks.doctor import diagnose

    states = Counter(r.state_name for r in runs)
    assert states == {"Completed": 2 * n}, states
    assert all(r.run_count == 1 for r in runs), "a flow run ran more than once"
    dispose_engines()
    with transaction() as s:
        count = {
            "requests": s.scalar(select(func.count(Request.id))),
            "planned": s.scalar(select(func.count(Request.id)).where(Request.state == "planned")),
            "events": s.scalar(select(func.count(RequestEvent.id))),
            "plans": s.scalar(select(func.count(Plan.id))),
            "plan_documents": s.scalar(
                select(func.count(Document.id)).where(Document.kind == "plan")
            ),
            "distinct_titles": s.scalar(select(func.count(func.distinct(Request.title)))),
        }
    want = {"requests": n, "planned": n, "events": 2 * n, "plans": n, "plan_documents": n,
            "distinct_titles": n}  # fmt: skip
    assert count == want, (count, want)
    report = diagnose()
    assert report.ok, report.as_dict()
    return count


def run(quick: bool) -> list[dict[str, Any]]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.flows.deployments import WORK_POOL
    from changeflow.server import ensure_server, ensure_work_pool, start_executor

    n = int(os.environ.get("CHANGEFLOW_BENCH_LOAD_N") or (40 if quick else 1000))
    saved = {k: os.environ.get(k) for k in ("CHANGEFLOW_HOME", "CHANGEFLOW_DATABASE_URL",
             "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_API_DATABASE_CONNECTION_URL")}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        floor_intake, floor_plan = _floor(n, tmp)
        with pg_database() as db_url, pg_database("postgresql+asyncpg") as prefect_db:
            _use(tmp / "load", db_url)
            os.environ.pop("PREFECT_API_URL", None)
            os.environ["PREFECT_HOME"] = str(tmp / "prefect")
            os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_db
            server = ensure_server(port=free_port(), prefect_home=tmp / "prefect", wait=180)
            workers = []
            try:
                with temporary_settings({PREFECT_API_URL: server.api_url}):
                    asyncio.run(ensure_work_pool(WORK_POOL))
                    _deploy(server.api_url)
                    for i in (1, 2):
                        workers.append(
                            start_executor(
                                "worker", server.api_url, deploy=False, limit=WORKER_LIMIT,
                                log_path=tmp / f"worker-{i}.log",
                            )
                        )  # fmt: skip
                    books = _books(n)
                    t0 = time.perf_counter()
                    ids = _submit(
                        "intake/intake",
                        [{"taskbook": b.model_dump(mode="json"), "taken_in_by": "bench"}
                         for b in books],
                    )  # fmt: skip
                    intake_runs = _wait(ids, timeout=60 + 30 * n)
                    t1 = time.perf_counter()
                    from sqlalchemy import select

                    from changeflow.db.models import Request
                    from changeflow.db.session import transaction

                    with transaction() as s:
                        keys = list(s.scalars(select(Request.key).order_by(Request.id)))
                    ids2 = _submit("plan/plan", [{"request": {"key": k}} for k in keys])
                    plan_runs = _wait(ids2, timeout=60 + 30 * n)
                    t2 = time.perf_counter()
                    counts = _check(n, intake_runs + plan_runs)
            finally:
                for w in workers:
                    w.stop(timeout=120)
                server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()
    extra = {"requests": n, "workers": 2, "limit_per_worker": WORKER_LIMIT, **counts}
    per = 1 / n
    return [
        row(f"intake flow runs, 2 workers, per request (n={n})", [(t1 - t0) * per],
            "intake() in one process", [floor_intake * per], "all complete once", **extra),
        row(f"plan flow runs, 2 workers, per request (n={n})", [(t2 - t1) * per],
            "make_plan() in one process", [floor_plan * per], "all complete once", **extra),
        row(f"intake + plan, 2 workers, total (n={n})", [t2 - t0],
            "intake() + make_plan() in one process", [floor_intake + floor_plan],
            "no lost or duplicated rows", **extra),
    ]  # fmt: skip
