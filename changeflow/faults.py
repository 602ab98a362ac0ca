"""Fault injection for crash tests: kill this process (SIGKILL) at a named point.

``CHANGEFLOW_FAULT_INJECT`` names the point, optionally with the occurrence to die at:
``after-commit#2`` kills right after the second database commit of the process. Nothing
happens unless the variable is set, so the calls cost one dictionary lookup in production.

Points:
- any name given to ``checkpoint(name)`` by a stage (e.g. ``kickoff:branch-created``);
- ``before-commit``: the transaction's rows are flushed (and its files are in the store)
  but the database has not committed: a crash here must leave nothing behind;
- ``after-commit``: the database has committed, but nothing after it has run (after-commit
  actions, mail, artifacts, the next transaction of the same stage).

SIGKILL is what the kernel's OOM killer or a pulled plug does: no ``finally`` block, no
rollback hook and no atexit handler runs.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter

ENV = "CHANGEFLOW_FAULT_INJECT"
_seen: Counter[str] = Counter()
_installed = False


def _target() -> tuple[str, int] | None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    name, _, nth = value.partition("#")
    return name, int(nth or 1)


def checkpoint(name: str) -> None:
    """Die here if the fault switch names this point (and this is the chosen occurrence)."""
    target = _target()
    if target is None or target[0] != name:
        return
    _seen[name] += 1
    if _seen[name] == target[1]:
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    """Add the database commit points (only when the switch is set; once per process)."""
    global _installed
    if _installed or _target() is None:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    # Engine "commit" fires just before the DBAPI commit, after the last flush.
    event.listen(Engine, "commit", lambda _conn: checkpoint("before-commit"))
    event.listen(Session, "after_commit", lambda _session: checkpoint("after-commit"))
    _installed = True
