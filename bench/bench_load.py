"""Load: N task books (.docx, as clients send them) through the inbox and plan flows on two
process workers, with our database and the Prefect server both on PostgreSQL (N = 1,000).

The way a lead handles a stack: the files land in the inbox; ``inbox`` flow runs take them
in (each pass claims files one at a time by renaming them, so passes at once never take a
file twice); then ``plan-batch`` flow runs draft every plan, the keys split between runs.
Drafts, not issued plans: an issued plan holds its people's working days and the sample
contract has one developer, so issuing a stack of 1,000 (or even 100) runs out of free days
within three years and the rest are refused; a lead drafts the stack and issues in turn.
RUNS runs of each flow are submitted at once to two workers (WORKER_LIMIT runs each).

Every run must complete exactly once and leave exactly its rows: N requests, each with one
creation audit record, its task-book file and one draft plan with its draft document in the
store (sha256 right); the inbox empty, N files in ``done/``; ``doctor``
clean. The figures are wall-clock seconds per request for each stage through the workers,
and requests per minute; the floor is the same domain functions (``process_inbox``, then
``plan_many``) called in one process on their own PostgreSQL database, measured in the same
run over the first FLOOR_SAMPLE files: what the work costs without orchestration or
parallelism.

``CHANGEFLOW_BENCH_LOAD_N`` overrides N (``--quick``: 200).

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

from bench.common import ROOT, Skipped, fresh_home, restore_env, row
from changeflow.flows.deployments import deployment_ref

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
WORKER_LIMIT = 4  # flow runs at once per worker
RUNS = 4  # flow runs per stage, submitted at once
FLOOR_SAMPLE = 250  # requests the one-process floor is measured over


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
    fresh_home(home, CHANGEFLOW_DATABASE_URL=db_url, CHANGEFLOW_DOCUMENTS_DIR=None)


def _task_books(n: int, folder: Path) -> list[Path]:
    """N distinct filled task books: the shipped template filled once as a client does in
    Word, then copied with the project name numbered inside document.xml (fast for 1,000)."""
    import importlib.util
    import zipfile

    from changeflow.tasks.inputs import load_yaml

    spec = importlib.util.spec_from_file_location(
        "make_taskbook_docx", ROOT / "examples" / "make_taskbook_docx.py"
    )
    assert spec and spec.loader
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    data = load_yaml((ROOT / "examples" / "taskbook.yaml").read_bytes(), "taskbook.yaml")
    folder.mkdir(parents=True, exist_ok=True)
    mark = "QQQQQ"
    first = maker.fill(data | {"project": f"负载测试 Load {mark}"}, folder / "template.docx")
    with zipfile.ZipFile(first) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    first.unlink()
    files = []
    for i in range(n):
        path = folder / f"任务书-{i:05d}.docx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for info, body in members:
                if info.filename == "word/document.xml":
                    assert body.count(mark.encode()) == 1
                    body = body.replace(mark.encode(), f"{i:05d}".encode())
                out.writestr(info, body)
        files.append(path)
    return files


def _drop(files: list[Path], inbox: Path) -> None:
    """Into the inbox, settled (older than the inbox's settle time) as if sent a while ago."""
    import shutil

    inbox.mkdir(parents=True, exist_ok=True)
    past = time.time() - 600
    for f in files:
        shutil.copyfile(f, inbox / f.name)
        os.utime(inbox / f.name, (past, past))


def _floor(files: list[Path], tmp: Path) -> tuple[float, float]:
    """Seconds per request for the inbox pass over the files, then the plans, in one
    process (over the first FLOOR_SAMPLE of the same files: the per-request cost does not
    depend on how many, and the whole stack in one process would take minutes)."""
    from changeflow.settings import get_settings
    from changeflow.tasks.inbox import process_inbox
    from changeflow.tasks.planbatch import plan_many

    with pg_database() as url:
        _use(tmp / "floor", url)
        _drop(files, get_settings().inbox)
        t0 = time.perf_counter()
        report = process_inbox(actor="bench")
        t1 = time.perf_counter()
        batch = plan_many(actor="bench", issue=False)
        t2 = time.perf_counter()
        assert len(report.items) == len(files) and not report.refused and not report.retry
        if len(batch.of("planned")) != len(files):
            why = Counter(i.detail for i in batch.refused).most_common(2)
            raise AssertionError(f"plan_many planned {len(batch.of('planned'))} of {len(files)}:"
                                 f" refused {why}")  # fmt: skip
    return (t1 - t0) / len(files), (t2 - t1) / len(files)


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


def _check(n: int, runs: list[Any], inbox: Path) -> dict[str, int]:
    """Exactly the rows N requests should leave; raises on any lost or duplicated one."""
    from sqlalchemy import func, select

    from changeflow.db.models import Document, Request, RequestEvent
    from changeflow.db.planning import Plan
    from changeflow.db.session import dispose_engines, transaction
    from changeflow.tasks.doctor import diagnose

    states = Counter(r.state_name for r in runs)
    assert states == {"Completed": len(runs)}, states
    assert all(r.run_count == 1 for r in runs), "a flow run ran more than once"
    dispose_engines()
    with transaction() as s:

        def docs(kind: str) -> int:
            return s.scalar(select(func.count(Document.id)).where(Document.kind == kind)) or 0

        count = {
            "requests": s.scalar(select(func.count(Request.id))),
            "submitted": s.scalar(
                select(func.count(Request.id)).where(Request.state == "submitted")
            ),
            "events": s.scalar(select(func.count(RequestEvent.id))),
            "plans": s.scalar(select(func.count(Plan.id))),
            "taskbook_documents": docs("taskbook"),
            "plan_documents": docs("plan-draft"),
            "distinct_titles": s.scalar(select(func.count(func.distinct(Request.title)))),
            "distinct_keys": s.scalar(select(func.count(func.distinct(Request.key)))),
        }
    count["files_done"] = sum(1 for p in (inbox / "done").iterdir() if p.is_file())
    count["files_left"] = sum(1 for p in inbox.iterdir() if p.is_file()) + sum(
        1 for p in (inbox / ".processing").iterdir()
    )
    want = {"requests": n, "submitted": n, "events": n, "plans": n, "taskbook_documents": n,
            "plan_documents": n, "distinct_titles": n, "distinct_keys": n, "files_done": n,
            "files_left": 0}  # fmt: skip
    assert count == want, (count, want)
    report = diagnose()
    assert report.ok, report.as_dict()
    return count


def _reachable() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = _admin_url()
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise Skipped(
            f"needs PostgreSQL; {shown} did not answer ({type(exc).__name__}); set"
            " CHANGEFLOW_BENCH_PG_URL to an admin URL"
        ) from None
    finally:
        engine.dispose()


def run(quick: bool) -> list[dict[str, Any]]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.cli.serving import ensure_server, ensure_work_pool, start_executor
    from changeflow.flows.deployments import WORK_POOL
    from changeflow.settings import get_settings

    _reachable()
    n = int(os.environ.get("CHANGEFLOW_BENCH_LOAD_N") or (200 if quick else 1000))
    saved = {k: os.environ.get(k) for k in ("CHANGEFLOW_HOME", "CHANGEFLOW_DATABASE_URL",
             "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_API_DATABASE_CONNECTION_URL")}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        t_gen = time.perf_counter()
        files = _task_books(n, tmp / "sent")
        t_gen = time.perf_counter() - t_gen
        floor_intake, floor_plan = _floor(files[:FLOOR_SAMPLE], tmp)
        with pg_database() as db_url, pg_database("postgresql+asyncpg") as prefect_db:
            _use(tmp / "load", db_url)
            inbox = get_settings().inbox
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
                    _drop(files, inbox)
                    t0 = time.perf_counter()
                    ids = _submit(deployment_ref("inbox"), [{}] * RUNS)
                    inbox_runs = _wait(ids, timeout=120 + 2 * n)
                    t1 = time.perf_counter()
                    from sqlalchemy import select

                    from changeflow.db.models import Request
                    from changeflow.db.session import transaction

                    with transaction() as s:
                        keys = list(s.scalars(select(Request.key).order_by(Request.id)))
                    shards = [keys[i::RUNS] for i in range(RUNS)]
                    ids2 = _submit(
                        deployment_ref("plan-batch"),
                        [
                            {"batch": {"request_keys": k, "issue": False}, "planned_by": "bench"}
                            for k in shards
                        ],
                    )
                    plan_runs = _wait(ids2, timeout=120 + 2 * n)
                    t2 = time.perf_counter()
                    counts = _check(n, inbox_runs + plan_runs, inbox)
            finally:
                for w in workers:
                    w.stop(timeout=120)
                server.stop()
    restore_env(saved)
    from changeflow.db.session import dispose_engines
    from changeflow.settings import reset_settings

    reset_settings()
    dispose_engines()
    extra = {"requests": n, "floor_sample": min(n, FLOOR_SAMPLE), "workers": 2,
             "limit_per_worker": WORKER_LIMIT, "runs_per_stage": RUNS,
             "generate_s": round(t_gen, 1), **counts}  # fmt: skip
    per = 1 / n
    return [
        row(f"intake: {RUNS} inbox runs, 2 workers, per request (n={n})", [(t1 - t0) * per],
            "process_inbox() in one process", [floor_intake], "all complete once", **extra),
        row(f"plan: {RUNS} plan-batch runs, 2 workers, per request (n={n})", [(t2 - t1) * per],
            "plan_many() in one process", [floor_plan], "all complete once", **extra),
        row(f"intake + plan through the workers, total (n={n})", [t2 - t0],
            "the same in one process (per request x n)", [(floor_intake + floor_plan) * n],
            "no lost or duplicated rows", **extra, requests_per_minute=round(60 * n / (t2 - t0))),
    ]  # fmt: skip
