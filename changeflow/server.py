"""Finding or starting the Prefect server that flows report to (``up`` and ``demo``).

Without ``PREFECT_API_URL`` every process would start its own throw-away server and the UI
would never see the runs, so the CLI finds a running server or starts one, and sets the URL
for everything it runs. The UI is told its API address through ``PREFECT_UI_API_URL`` and the
server host/port settings (``--port`` alone leaves the UI calling port 4200).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

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
        "PREFECT_UI_API_URL": api_url,
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
