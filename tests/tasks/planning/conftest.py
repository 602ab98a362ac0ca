"""Every planning test plans "on" a fixed Tuesday (TODAY)."""

from __future__ import annotations

import pytest

from .helpers import TODAY


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans are made "on" TODAY, so starts chosen around holiday weeks are in the future."""
    from changeflow.tasks.planning import making

    monkeypatch.setattr(making, "today_local", lambda: TODAY)
