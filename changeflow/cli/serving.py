"""Finding or starting the Prefect server that flows report to (``up`` and ``demo``).

Without ``PREFECT_API_URL`` every process would start its own throw-away server and the UI
would never see the runs, so the CLI finds a running server or starts one, and sets the URL
for everything it runs. The UI is told its API address through ``PREFECT_UI_API_URL`` and the
server host/port settings (``--port`` alone leaves the UI calling port 4200).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from changeflow.errors import ConfigError
from changeflow.settings import get_settings

QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_UI_ENABLED": "true",
}


def quiet_prefect_env() -> None:
    """Analytics off everywhere (with it on, a fresh server logs 'database is locked')."""
    for k, v in QUIET_ENV.items():
        if k != "PREFECT_UI_ENABLED":
            os.environ.setdefault(k, v)


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as r:
            return r.status == 200 and r.read().strip() == b"true"
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Server:
    api_url: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    started_here: bool = field(default=False)

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def stop(self, timeout: float = 20) -> None:
        """Stop the server if this process started it (its whole process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass


def ensure_server(
    *, host: str | None = None, port: int | None = None, prefect_home: Path | None = None,
    start: bool = True, wait: float = 90,
) -> Server:  # fmt: skip
    """Use ``PREFECT_API_URL`` if it answers, else the local address, else start a server."""
    quiet_prefect_env()
    s = get_settings()
    configured = os.environ.get("PREFECT_API_URL")
    if configured and healthy(configured):
        return Server(configured)
    host = host or s.prefect_host
    port = port or s.prefect_port
    api_url = f"http://{host}:{port}/api"
    if healthy(api_url):
        os.environ["PREFECT_API_URL"] = api_url
        return Server(api_url)
    if configured:
        raise ConfigError(f"PREFECT_API_URL={configured} does not answer; is the server up?")
    if not start:
        raise ConfigError(f"no Prefect server at {api_url}; start one with: changeflow up")
    home = (prefect_home or s.home_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    env = {
        **os.environ,
        **QUIET_ENV,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
        # The address browsers use to reach the API; set it yourself when binding 0.0.0.0.
        "PREFECT_UI_API_URL": os.environ.get("PREFECT_UI_API_URL") or api_url,
        "PREFECT_API_URL": api_url,
    }
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-800:]
            raise ConfigError(f"the Prefect server exited at start (log {log_path}):\n{tail}")
        if healthy(api_url):
            os.environ["PREFECT_API_URL"] = api_url
            return Server(api_url, proc, log_path, started_here=True)
        time.sleep(0.3)
    Server(api_url, proc).stop()
    raise ConfigError(f"the Prefect server did not answer within {wait:.0f} s (log {log_path})")


# --- Places: absolute before anything runs elsewhere -------------------------------------------
#
# Flow runs work in the checkout (the pull step), so a relative setting such as the default
# ``./var`` would resolve there. ``up`` resolves every setting that names a place once, where it
# was started, and puts the absolute values in its environment: the executor, the document
# service and every flow-run process inherit them (a process worker passes its environment on).

PLACE_VARS = (
    "CHANGEFLOW_HOME",
    "CHANGEFLOW_DATABASE_URL",
    "CHANGEFLOW_DOCUMENTS_DIR",
    "CHANGEFLOW_INBOX_DIR",
    "CHANGEFLOW_SECRET_FILE",
    "CHANGEFLOW_CONFIG",
    "CHANGEFLOW_TEMPLATES_DIR",
)


def absolute_db_url(url: str) -> str:
    """A SQLite URL with a relative file made absolute; other URLs unchanged."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return url
    if Path(u.database).is_absolute():
        return url
    return u.set(database=str(Path(u.database).resolve())).render_as_string(hide_password=False)


def place_env() -> dict[str, str]:
    """The settings that name places, absolute as seen from the current directory."""
    s = get_settings()
    env = {
        "CHANGEFLOW_HOME": str(s.home_dir),
        "CHANGEFLOW_DATABASE_URL": absolute_db_url(s.db_url),
        "CHANGEFLOW_DOCUMENTS_DIR": str(s.store_dir),
        "CHANGEFLOW_INBOX_DIR": str(s.inbox),
        "CHANGEFLOW_SECRET_FILE": str(s.secret_path),
    }
    # pinned even before the file exists: a changeflow.toml written after ``up`` started is
    # read by the next flow run (runs work in the checkout, where a relative name would miss
    # it; ``get_settings`` reads the file again whenever it changed)
    config = Path(os.environ.get("CHANGEFLOW_CONFIG", "changeflow.toml"))
    env["CHANGEFLOW_CONFIG"] = str(config.expanduser().resolve())
    if s.templates_dir:
        env["CHANGEFLOW_TEMPLATES_DIR"] = str(s.template_root)
    return env


def pin_places() -> dict[str, str]:
    """Make the place settings absolute in this process's environment (and its children's)."""
    from changeflow.settings import reset_settings

    env = place_env()
    os.environ.update(env)
    reset_settings()
    return env


# --- Another ``up`` already serving ------------------------------------------------------------

SERVED_RECENTLY_SECONDS = 90  # a runner polls every few seconds; Prefect's own "Ready" is 60 s


def serving_elsewhere(api_url: str, mode: str = "serve") -> str | None:
    """Which of our deployments another process is serving right now (not paused, polled
    in the last ``SERVED_RECENTLY_SECONDS``), as one line; None when nobody is. For a
    worker only served (not work-pool) deployments count: several workers share a pool."""
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.flows.deployments import DEPLOYMENTS

    names = [d.ui_name for d in DEPLOYMENTS]
    now = datetime.now(UTC)
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as c:
        found = c.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
        )
    live = [
        d for d in found
        if not d.paused and d.last_polled is not None
        and (now - d.last_polled).total_seconds() < SERVED_RECENTLY_SECONDS
        and (mode == "serve" or not d.work_pool_name)
    ]  # fmt: skip
    if not live:
        return None
    return f"{len(live)} deployment(s) (e.g. {live[0].name}) are served by a running changeflow up"


async def unpause(ids: list[Any]) -> int:
    """Resume the paused ones of these deployments (an update leaves ``paused`` as it was);
    how many were paused."""
    from prefect.client.orchestration import get_client

    n = 0
    async with get_client() as client:
        for dep_id in ids:
            if (await client.read_deployment(dep_id)).paused:
                await client.resume_deployment(dep_id)
                n += 1
    if n:
        print(f"changeflow: {n} paused deployment(s) resumed (served again)", flush=True)
    return n


@dataclass
class DeploymentHealth:
    """Our deployments as the server sees them: which are paused (their schedules make no
    runs) and which nothing has polled lately (a run would wait)."""

    api_url: str
    total: int
    paused: list[str]
    unserved: list[str]

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")

    def problem(self) -> str | None:
        if not self.paused:
            return None
        names = ", ".join(self.paused[:6]) + (" ..." if len(self.paused) > 6 else "")
        return (f"{len(self.paused)} of {self.total} deployment(s) paused at {self.ui_url}"
                f" ({names}): their schedules make no runs; start changeflow up (it resumes"
                " what it serves) or resume them in the UI")  # fmt: skip


def server_address() -> str:
    """The Prefect API this installation uses: ``PREFECT_API_URL``, else ``up``'s default."""
    s = get_settings()
    return os.environ.get("PREFECT_API_URL") or f"http://{s.prefect_host}:{s.prefect_port}/api"


def deployment_health(api_url: str | None = None) -> DeploymentHealth | None:
    """Our deployments' paused/served state on the server; None when no server answers."""
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.flows.deployments import DEPLOYMENTS

    api_url = api_url or server_address()
    if not healthy(api_url):
        return None
    names = [d.ui_name for d in DEPLOYMENTS]
    now = datetime.now(UTC)
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as c:
        found = c.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=names))
        )
    scheduled = {d.ui_name for d in DEPLOYMENTS if d.schedule}  # named first: they stop unseen
    ours = sorted((d for d in found if d.name in names),
                  key=lambda d: (d.name not in scheduled, d.name))  # fmt: skip
    return DeploymentHealth(
        api_url,
        len(ours),
        [d.name for d in ours if d.paused],
        [d.name for d in ours if not d.paused and not d.work_pool_name and (
            d.last_polled is None
            or (now - d.last_polled).total_seconds() >= SERVED_RECENTLY_SECONDS)],
    )  # fmt: skip


# --- The document service (documents by id, the hand-in page) ---------------------------------


@dataclass
class DocService:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/hand-in", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # 401 with auth set: it is up
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_docservice(host: str, port: int, *, log_path: Path | None = None,
                     wait: float = 30) -> DocService:  # fmt: skip
    """Start the document service in its own session; return once it answers."""
    from changeflow.cli.docservice import docs_url

    url = docs_url(host, port)
    if _answers(url):
        raise ConfigError(f"port {port} is taken (something answers at {url}); choose"
                          " another with --docs-port")  # fmt: skip
    log_path = log_path or get_settings().home_dir / "prefect" / "documents.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "changeflow.cli.docservice", "--host", host, "--port", str(port)]
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={**os.environ}, start_new_session=True,
    )  # fmt: skip
    log.close()
    svc = DocService(url, proc, log_path)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-800:]
            raise ConfigError(f"the document service exited at start (log {log_path}):\n{tail}")
        if _answers(url):
            return svc
        time.sleep(0.2)
    svc.stop()
    raise ConfigError(f"the document service did not answer within {wait:.0f} s ({log_path})")


# --- Running the deployments: ``serve`` in-process, or a process worker on a work pool ----------
#
# ``changeflow up`` runs the executor in a child process in its own session, so the terminal's
# Ctrl-C reaches only ``up``: the flow-run processes never see it. ``up`` then asks the child to
# drain (SIGINT: take no new runs, let running ones finish); a second Ctrl-C sends SIGTERM, which
# cancels the running flow runs through the API (state Cancelled, not left Running).

FAST_POLL_ENV = {
    "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # serve(): ~1.5-3 s from "Run" to the flow body
    "PREFECT_WORKER_QUERY_SECONDS": "1",  # worker: ~2.5-3.5 s instead of 5-10 s
}
DRAIN = signal.SIGINT
CANCEL = signal.SIGTERM


@dataclass
class Executor:
    """The child process running the deployments (``serve`` or ``worker``)."""

    mode: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def _signal(self, sig: signal.Signals) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, sig)

    def drain(self) -> None:
        """No new runs; the child exits once its running flow runs have finished."""
        self._signal(DRAIN)

    def cancel(self) -> None:
        """Cancel the running flow runs (marked Cancelled), then exit."""
        self._signal(CANCEL)

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Last resort: the child and anything left in its session."""
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def stop(self, timeout: float = 60) -> None:
        """Drain, then cancel, then kill: for scripts and tests that stop without asking."""
        self.drain()
        if self.wait(timeout) is None:
            self.cancel()
            if self.wait(30) is None:
                self.kill()


def project_root() -> Path:
    from changeflow.flows.deployments import ROOT

    return ROOT


def start_executor(
    mode: str, api_url: str, *, pool: str | None = None, log_path: Path | None = None,
    wait: float = 120, extra_env: dict[str, str] | None = None, deploy: bool = True,
    limit: int | None = None,
) -> Executor:  # fmt: skip
    """Start ``serve`` or ``worker`` in its own session; return once it takes runs.

    ``deploy=False`` (worker only): use the deployments already on the server (made by
    ``prefect deploy`` from prefect.yaml or by another machine) instead of applying ours.
    ``limit``: at most this many flow runs at once in this process.
    """
    import tempfile

    from changeflow.flows.deployments import ROOT_ENV, WORK_POOL

    if mode not in ("serve", "worker"):
        raise ConfigError(f"executor mode must be serve or worker, not {mode!r}")
    root = project_root()
    log_path = log_path or get_settings().home_dir / "prefect" / f"{mode}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    ready = Path(tempfile.mkdtemp(prefix="changeflow-up-")) / "ready"
    env = {**os.environ, **QUIET_ENV, "PREFECT_API_URL": api_url, ROOT_ENV: str(root)}
    for k, v in FAST_POLL_ENV.items():
        env.setdefault(k, v)
    env.update(extra_env or {})
    cmd = [sys.executable, "-m", "changeflow.cli.serving", mode, "--ready", str(ready)]
    cmd += ["--pool", pool or WORK_POOL]
    cmd += [] if deploy else ["--no-deploy"]
    cmd += [] if limit is None else ["--limit", str(limit)]
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=root,
        start_new_session=True,
    )  # fmt: skip
    log.close()
    ex = Executor(mode, proc, log_path)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise ConfigError(f"the {mode} process exited at start (log {log_path}):\n{tail}")
        if ready.exists():
            ready.unlink()
            ready.parent.rmdir()
            return ex
        time.sleep(0.2)
    ex.kill()
    raise ConfigError(f"the {mode} process was not ready within {wait:.0f} s (log {log_path})")


async def ensure_work_pool(name: str) -> None:
    """A process work pool (created once; left alone if it exists)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    async with get_client() as client:
        try:
            await client.read_work_pool(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))


async def _cancel_runs(ids: set[Any], message: str) -> None:
    """Ask the server to cancel these runs; the executor's observer stops their processes."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelling

    async with get_client() as client:
        for run_id in ids:
            try:
                run = await client.read_flow_run(run_id)
                if run.state and not run.state.is_final():
                    await client.set_flow_run_state(run_id, Cancelling(message=message))
            except Exception as exc:  # one run's trouble must not keep the others running
                print(f"could not cancel flow run {run_id}: {exc}", flush=True)


def made_for_other_mode(old: Any, pool: str | None) -> bool:
    """Whether an existing deployment was made for the other way of running.

    Prefect's update of an existing deployment (``RunnerDeployment.apply``, also inside
    ``Runner.add_deployment``) sends neither its path (a private attribute) nor an unset
    work pool, so the other mode's values survive it: a deployment made by ``up --worker``
    (a work pool, the pull step, no path) then served by a plain ``up`` kept its pool and no
    path, and every served run failed "Downloading flow code from storage at None"; one
    made by ``up --serve`` kept the serving machine's path on a pool. Such a deployment is
    replaced (deleted, then created afresh) instead of updated."""
    if pool is None:  # to be served: no pool, no pull step, a path
        return bool(old.work_pool_name) or bool(old.pull_steps) or old.path is None
    return old.path is not None or old.work_pool_name != pool


async def retire_old_names(deployments: list[Any]) -> list[str]:
    """Delete deployments of our flows, tagged ``changeflow``, under a name the registry no
    longer uses (``intake`` before it became ``03 录入任务书 intake``): an upgraded
    installation lists each step once. The names deleted."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

    wanted = {(d.flow_name, d.name) for d in deployments}
    flows = {d.flow_name for d in deployments}
    retired = []
    async with get_client() as client:
        found = await client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=["changeflow"]))
        )
        flow_names = {}
        for old in found:
            if old.flow_id not in flow_names:
                flow_names[old.flow_id] = (await client.read_flow(old.flow_id)).name
            flow = flow_names[old.flow_id]
            if flow in flows and (flow, old.name) not in wanted:
                await client.delete_deployment(old.id)
                retired.append(old.name)
    if retired:
        print(f"changeflow: removed {len(retired)} deployment(s) under former names"
              f" ({', '.join(retired[:5])}{'...' if len(retired) > 5 else ''})",
              flush=True)  # fmt: skip
    return retired


async def replace_other_mode(deployments: list[Any], pool: str | None) -> list[str]:
    """Delete our deployments that exist on the server made for the other mode, so the
    apply that follows creates them as this mode needs; the names deleted."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    replaced = []
    await retire_old_names(deployments)
    async with get_client() as client:
        for d in deployments:
            try:
                old = await client.read_deployment_by_name(f"{d.flow_name}/{d.name}")
            except ObjectNotFound:
                continue
            if made_for_other_mode(old, pool):
                await client.delete_deployment(old.id)
                replaced.append(d.name)
    if replaced:
        print(f"changeflow: replaced {len(replaced)} deployment(s) made for the other mode"
              f" ({', '.join(replaced[:5])}{'...' if len(replaced) > 5 else ''})",
              flush=True)  # fmt: skip
    return replaced


async def _serve(ready: Path, limit: int | None) -> None:
    """All registry deployments served by one in-process Runner (no work pool)."""
    import asyncio
    import socket

    from prefect.runner import Runner

    from changeflow.flows.deployments import runner_deployments

    name = f"changeflow-{socket.gethostname()}-{os.getpid()}"
    runner = Runner(name=name, **({"limit": limit} if limit else {}))
    deployments = runner_deployments()
    await replace_other_mode(deployments, pool=None)
    ids = [await runner.aadd_deployment(d) for d in deployments]
    await unpause(ids)  # the last serve that stopped paused them; this one serves them

    async def drain() -> None:
        # The Runner's own stop cancels running flow runs; here we only stop polling, wait for
        # the running ones to finish, and then stop (deployments are paused until next start).
        poller = getattr(runner, "_scheduled_run_poller", None)
        if poller is not None:
            poller.stopping = True
            while getattr(poller, "_submitting_flow_run_ids", None):
                await asyncio.sleep(0.3)
        print("changeflow: drained, stopping", flush=True)
        await runner.astop()

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    loop.add_signal_handler(DRAIN, lambda: tasks.add(loop.create_task(drain())))
    loop.call_later(0.5, ready.touch)  # once start() below is polling
    await runner.start()  # installs its own SIGTERM handler: cancel running flow runs, stop


async def _work(ready: Path, pool: str, deploy: bool, limit: int | None) -> None:
    """A process worker on ``pool``, after (re)applying the registry deployments to it."""
    import asyncio
    import socket

    from prefect.settings import PREFECT_WORKER_HEARTBEAT_SECONDS, PREFECT_WORKER_QUERY_SECONDS
    from prefect.workers.process import ProcessWorker

    from changeflow.flows.deployments import runner_deployments

    await ensure_work_pool(pool)
    if deploy:
        deployments = runner_deployments(work_pool=pool)
        await replace_other_mode(deployments, pool=pool)
        for d in deployments:
            await d.apply()
    stop = asyncio.Event()
    in_flight: set[Any] = set()
    tasks: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(DRAIN, stop.set)

    name = f"changeflow-{socket.gethostname()}-{os.getpid()}"
    async with ProcessWorker(work_pool_name=pool, name=name, limit=limit) as worker:

        def cancel() -> None:
            stop.set()
            tasks.add(loop.create_task(_cancel_runs(set(in_flight), "changeflow up was stopped")))

        loop.add_signal_handler(CANCEL, cancel)
        await worker.sync_with_backend()
        ready.touch()
        query = float(PREFECT_WORKER_QUERY_SECONDS.value())
        beat = float(PREFECT_WORKER_HEARTBEAT_SECONDS.value())
        last_beat = time.monotonic()
        while not stop.is_set():
            for run in await worker.get_and_submit_flow_runs():
                in_flight.add(run.id)
            if time.monotonic() - last_beat > beat:
                await worker.sync_with_backend()
                last_beat = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), query)
        print("changeflow: no new runs; waiting for running flow runs to finish", flush=True)
    # leaving the worker's context waits for its running flow runs


def main(argv: list[str] | None = None) -> int:
    """Child entry point of ``changeflow up``: ``python -m changeflow.cli.serving serve|worker``."""
    import argparse
    import asyncio

    p = argparse.ArgumentParser(prog="python -m changeflow.cli.serving")
    p.add_argument("mode", choices=["serve", "worker"])
    p.add_argument("--ready", type=Path, required=True)
    p.add_argument("--pool", default="changeflow")
    p.add_argument("--no-deploy", action="store_true")
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args(argv)
    quiet_prefect_env()
    if args.mode == "serve":
        asyncio.run(_serve(args.ready, args.limit))
    else:
        asyncio.run(_work(args.ready, args.pool, not args.no_deploy, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
