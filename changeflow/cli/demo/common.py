"""What every stage of the demo shares: the run's record and the examples folder.

The sample contract, task books, client project and design notes are files under the
checkout's ``examples/`` (also installed with the package as ``changeflow/examples``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"  # the checkout's examples/
INSTALLED_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"  # package data


@dataclass
class DemoRun:
    out: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    server_url: str | None = None
    server: Any = None  # the Prefect server it started and keeps (``keep_server``), if any
    documents: list[dict[str, Any]] = field(default_factory=list)  # kind, path, request
    extra_documents: list[tuple[str, Path]] = field(default_factory=list)  # not in the store
    now: Any = None  # the time of the event being replayed (``month``)
    times: dict[str, Any] = field(default_factory=dict)  # when each act happens (``month``)
    timeline: Any = None  # the month's events while they are replayed

    def step(self, stage: str, what: str, result: str) -> None:
        self.rows.append({"stage": stage, "what": what, "result": result})


Step = Callable[[DemoRun], None]


def examples_dir() -> Path:
    for folder in (INSTALLED_EXAMPLES, EXAMPLES):
        if (folder / "contract.yaml").is_file():
            return folder
    raise FileNotFoundError("the examples/ folder of the checkout is needed for the demo")
