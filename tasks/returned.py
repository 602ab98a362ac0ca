"""A returned signed document of any kind: verified by the sign-off room (``signoff``), then
recorded by the room of its subject, through ``RECORDERS``: ONE declared table, by kind.

It sits above both ``signoff`` and the rooms of the subjects (``maintenance`` records a
dispatch order and a monthly statement, ``settlement`` the year's settlement), so neither
has to know the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .inputs import read_limited
from .maintenance.dispatch_signoff import record_dispatch_signoff
from .maintenance.statement import record_statement
from .maintplan.documents import record_plan
from .settlement.document import record_settlement
from .signoff import DecisionResult, Refused, Returned, read_returned, record_returned, signable
from .training.record import record_signin
from .upgrades.record import record_upgrade_approval

Recorder = Callable[..., Any]
# The function that records a verified returned document of each signable kind
# (``signoff.kinds.KINDS``): called as ``recorder(returned, spec, data, filename=, actor=)``.
RECORDERS: dict[str, Recorder] = {
    "plan": record_returned,
    "acceptance": record_returned,
    "dispatch": record_dispatch_signoff,
    "sla-report": record_statement,
    "settlement": record_settlement,
    "maintplan": record_plan,
    "signin": record_signin,
    "upgrade": record_upgrade_approval,
}


def approve_document(
    data: bytes,
    source: str,
    *,
    filename: str | None = None,
    actor: str = "changeflow",
    expect_key: str | None = None,
    returned: Returned | None = None,
) -> DecisionResult:
    """Verify a returned signed document of any kind and record the decision written in it.

    ``returned``: the file already read (the inbox reads each file once)."""
    returned = returned if returned is not None else read_returned(data, source)
    spec = signable(returned.kind)
    if spec is None:
        raise Refused(source, "kind", f"a '{returned.kind}' document takes no decision", "unknown")
    if expect_key and returned.request != expect_key:
        raise Refused(
            source,
            "request",
            f"this is the {returned.kind} of {returned.request}, not of {expect_key}",
            "other-request",
        )
    name = filename or Path(source).name
    return RECORDERS[spec.kind](returned, spec, data, filename=name, actor=actor)


def approve_file(
    path: Path, *, actor: str = "changeflow", expect_key: str | None = None
) -> DecisionResult:
    """``changeflow approve FILE``."""
    data = read_limited(Path(path))
    return approve_document(
        data, str(path), filename=Path(path).name, actor=actor, expect_key=expect_key
    )
