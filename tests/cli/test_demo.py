"""The README's main job: the demo runs end to end on the embedded default."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytestmark = pytest.mark.prefect


def test_demo_runs_and_writes_documents(prefect_server: str, cf_home: Path, tmp_path: Path) -> None:
    from changeflow.cli.demo import run_demo, step_intake, step_setup
    from changeflow.tasks.status import list_requests

    out = tmp_path / "demo-out"
    quick = [step_setup, step_intake]  # the whole lifecycle: tests/cli/test_demo_lifecycle.py
    run = run_demo(out, stages=quick, verbose=False)
    assert run.server_url and run.server_url in prefect_server
    stages = [r["stage"] for r in run.rows]
    assert stages[0] == "setup" and "intake" in stages and stages[-1] == "documents"
    requests = {r["key"]: r for r in list_requests()}
    assert run.keys["main"] in requests
    docs = list((out / "documents").rglob("*.*"))
    assert docs, "the demo copies its documents into <out>/documents"
    assert {Path(d["path"]) for d in run.documents} == set(docs)
    assert all(d["kind"] == "taskbook" for d in run.documents)
    assert (out / "var" / "changeflow.db").is_file()
    # A second run starts from a fresh database: the same keys again, nothing duplicated.
    again = run_demo(out, stages=quick, verbose=True)
    assert again.keys == run.keys


def test_prefect_console_lines_only_when_verbose() -> None:
    """Prefect's console handlers are raised to WARNING for the run (quiet), left alone with
    --verbose, and put back afterwards; what goes to the server (the UI) is untouched."""
    import logging

    from prefect import flow  # noqa: F401 - sets Prefect's logging up
    from prefect.logging.handlers import APILogHandler, PrefectConsoleHandler

    from changeflow.cli.demo.runner import quiet_prefect

    def levels(kind: type) -> list[int]:
        loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
        return [h.level for lg in loggers if isinstance(lg, logging.Logger)
                for h in lg.handlers if isinstance(h, kind)]  # fmt: skip

    loggers = [logging.getLogger(), *logging.root.manager.loggerDict.values()]
    consoles = [h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers
                if isinstance(h, PrefectConsoleHandler)]  # fmt: skip
    saved = [h.level for h in consoles]
    for h in consoles:
        h.setLevel(logging.INFO)  # as in a terminal (the test session may have raised it)
    before, api = levels(PrefectConsoleHandler), levels(APILogHandler)
    assert before and set(before) == {logging.INFO}
    with quiet_prefect(verbose=True):
        assert levels(PrefectConsoleHandler) == before
    with quiet_prefect(verbose=False):
        assert set(levels(PrefectConsoleHandler)) == {logging.WARNING}
        assert levels(APILogHandler) == api
    assert levels(PrefectConsoleHandler) == before
    for h, level in zip(consoles, saved, strict=True):
        h.setLevel(level)


def test_demo_port_is_its_own_when_4200_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    from changeflow.cli.demo import runner

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        monkeypatch.setattr(runner, "DEFAULT_PORT", taken)
        assert not runner.port_free("127.0.0.1", taken)
        port = runner.demo_port()
        assert port != taken and runner.port_free("127.0.0.1", port)
    assert runner.demo_port() == taken  # free again: the usual port


@pytest.mark.slow
def test_demo_server_kept_for_ui_or_stopped_without_links(
    cf_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--ui keeps the server the demo started; without it the server is gone and the summary
    names no address. With another server on the usual port the demo starts its own."""
    from changeflow.cli.demo import run_demo, runner, step_setup
    from changeflow.cli.serving import healthy

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with socket.socket() as busy:  # "4200" is taken by someone else's server
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setattr(runner, "DEFAULT_PORT", busy.getsockname()[1])
        kept = run_demo(tmp_path / "a", stages=[step_setup], keep_server=True)
        try:
            assert kept.server is not None and kept.server.started_here
            assert f":{busy.getsockname()[1]}" not in kept.server_url
            assert healthy(kept.server_url + "/api")
        finally:
            kept.server.stop()
        assert not healthy(kept.server_url + "/api")
        monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the CLI process ends here
        gone = run_demo(tmp_path / "b", stages=[step_setup])
    assert gone.server is None and gone.server_url is None
