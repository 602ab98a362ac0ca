"""Past one machine: a Prefect server on PostgreSQL behind basic auth, two process workers on
one work pool, our database on PostgreSQL and one shared document store.

The deployments come from ``prefect.yaml`` (``prefect deploy --all``: its portable pull step
is what the workers run), the workers are ``changeflow up --worker --no-deploy``'s machinery,
all on loopback. 20 ``plan`` runs must each complete exactly once, with their rows and
documents.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PG_ENV, _create_pg_database, _drop_pg_database
from tests.support.helpers import sample_taskbook
from tests.support.prefect import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.prefect, pytest.mark.slow]

RUNS = 20
AUTH = f"changeflow-admin:{uuid.uuid4().hex}"


@pytest.fixture
def prefect_db() -> Iterator[str]:
    """A fresh PostgreSQL database for the Prefect server (asyncpg URL)."""
    from sqlalchemy.engine import make_url

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: the scale-out test needs PostgreSQL")
    url, name = _create_pg_database(base)
    yield make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    _drop_pg_database(base, name)


@pytest.fixture
def shared_server(
    prefect_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A Prefect server on PostgreSQL that refuses requests without the basic-auth string."""
    from changeflow.cli.serving import ensure_server

    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # not the session's server
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", prefect_db)
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", AUTH)
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", AUTH)  # our clients and workers
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    server = ensure_server(port=free_port(), prefect_home=tmp_path / "prefect", wait=180)
    assert server.started_here
    try:
        yield server.api_url
    finally:
        server.stop()


def _post(url: str, body: dict, auth: str | None) -> int:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_unauthenticated_clients_are_refused(shared_server: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    url = f"{shared_server}/flows/filter"
    assert _post(url, {}, None) == 401
    assert _post(url, {}, "changeflow-admin:wrong") == 401
    assert _post(url, {}, AUTH) == 200
    with urllib.request.urlopen(f"{shared_server}/health", timeout=5) as r:
        assert r.status == 200  # probes stay open (our ensure_server uses it)
    with temporary_settings({PREFECT_API_URL: shared_server, PREFECT_API_AUTH_STRING: None}):
        with get_client(sync_client=True) as client, pytest.raises(PrefectHTTPStatusError) as e:
            client.read_flows()
        assert e.value.response.status_code == 401


def _deploy_from_prefect_yaml(api_url: str) -> None:
    from changeflow.cli.serving import ensure_work_pool
    from changeflow.flows.deployments import ROOT, WORK_POOL

    asyncio.run(ensure_work_pool(WORK_POOL))
    env = {**os.environ, "PREFECT_API_URL": api_url}
    out = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


def test_two_workers_run_each_flow_run_exactly_once(
    pg_url: str, shared_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
    from sqlalchemy import func, select

    from changeflow.cli.serving import start_executor
    from changeflow.db.migrate import upgrade
    from changeflow.db.models import Document, Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path
    from changeflow.flows.deployments import deployment_ref
    from changeflow.settings import get_settings, reset_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.intake import intake
    from changeflow.tasks.signoff.keys import ensure_secret
    from changeflow.tasks.taskbook import TaskBook

    store = tmp_path / "shared-store"  # on several machines: one NFS/SMB mount, same path
    monkeypatch.setenv("CHANGEFLOW_DOCUMENTS_DIR", str(store))
    reset_settings()
    upgrade(pg_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")
    keys = []
    for n in range(RUNS):
        book = TaskBook.model_validate(sample_taskbook() | {"project": f"扩容测试 Scale-out {n}"})
        keys.append(intake(book, source="scale-out test").key)

    with temporary_settings({PREFECT_API_URL: shared_server, PREFECT_API_AUTH_STRING: AUTH}):
        _deploy_from_prefect_yaml(shared_server)
        workers = [
            start_executor(
                "worker",
                shared_server,
                deploy=False,
                limit=3,
                log_path=tmp_path / f"worker-{i}.log",
            )
            for i in (1, 2)
        ]
        try:
            t0 = time.monotonic()
            runs = [
                run_deployment(
                    deployment_ref("plan"),
                    parameters={"request": {"key": k, "issue": True}},
                    timeout=0,
                )
                for k in keys
            ]
            ids = [r.id for r in runs]
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 400
                while True:
                    found = client.read_flow_runs(
                        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))
                    )
                    if all(r.state and r.state.is_final() for r in found):
                        break
                    assert time.monotonic() < deadline, Counter(r.state_name for r in found)
                    time.sleep(1)
                elapsed = time.monotonic() - t0
                assert Counter(r.state_name for r in found) == {"Completed": RUNS}
                for r in found:
                    states = client.read_flow_run_states(r.id)
                    assert [s.type.value for s in states].count("RUNNING") == 1, r.name
                    assert r.run_count == 1
        finally:
            for w in workers:
                w.stop(timeout=60)
    assert all(not w.running() for w in workers)

    # Each run finished in exactly one worker's output (the losing worker's claim is refused
    # by the server when it proposes Pending for a run the other already has).
    logs = [w.log_path.read_text(errors="replace") for w in workers]
    done = {r.name: [f"Flow run '{r.name}' - Finished in state Completed" in t for t in logs]
            for r in found}  # fmt: skip
    assert all(sum(v) == 1 for v in done.values()), done
    per_worker = [sum(v[i] for v in done.values()) for i in (0, 1)]
    print(f"{RUNS} plan runs on 2 workers in {elapsed:.1f} s; per worker: {per_worker}")

    with transaction() as s:
        for key in keys:
            req = s.scalar(select(Request).where(Request.key == key))
            assert req.state == "planned", key
            assert s.scalar(select(func.count(Plan.id)).where(Plan.request_id == req.id)) == 1
            docs = s.scalars(
                select(Document).where(Document.request_id == req.id, Document.kind == "plan")
            ).all()
            assert len(docs) == 1, key
            path = document_path(docs[0])
            assert path.is_relative_to(store)
            assert hashlib.sha256(path.read_bytes()).hexdigest() == docs[0].sha256
            moves = [e for e in req.events if e.to_state == "planned"]
            assert len(moves) == 1, key
    assert get_settings().store_dir == store.resolve()
