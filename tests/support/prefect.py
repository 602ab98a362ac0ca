"""A real Prefect server for the flow tests, started once per test session by our own
``ensure_server`` (so the server machinery of ``up`` and ``demo`` is tested too)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from changeflow.cli.serving import ensure_server

    home = Path(tmp_path_factory.mktemp("prefect-home"))
    saved = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_HOME")}
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["PREFECT_HOME"] = str(home)
    server = ensure_server(port=free_port(), prefect_home=home, wait=120)
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_HOME,
        temporary_settings,
    )

    with temporary_settings(
        {
            PREFECT_API_URL: server.api_url,
            PREFECT_HOME: str(home),
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        }
    ):
        yield server.api_url
        from prefect.logging.handlers import APILogHandler

        APILogHandler().flush()  # send the last run logs before the server goes away
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def read_artifacts(flow_run_id: object) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.client.schemas.sorting import ArtifactSort

    # in the order the run made them (its own cards first, the board it refreshed last)
    with get_client(sync_client=True) as client:
        newest_first = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])),
            sort=ArtifactSort.CREATED_DESC,
        )
    return list(reversed(newest_first))
