"""Maintenance commands, one module per command group (like ``cli/demo``):

- ``faults``: ``changeflow fault`` (a fault and its response clocks);
- ``dispatch``: ``changeflow dispatch`` (dispatch orders, 派工单);
- ``usage``: ``changeflow contract usage`` (the contract year's service days);
- ``runlog``: ``changeflow runlog`` (the daily run log, 运行日志);
- ``sla``: ``changeflow sla`` (the monthly SLA report and statement);
- ``maintplan``: ``changeflow maintplan`` (the maintenance plan, visit checks, handbook);
- ``common``: the options they share.
"""

from __future__ import annotations

import typer

from .dispatch import dispatch_app
from .faults import fault_app
from .maintplan import maintplan_app
from .runlog import runlog_app
from .sla import sla_app
from .usage import contract_group, contract_usage_cmd


def register(app: typer.Typer) -> None:
    """Add ``fault``, ``dispatch``, ``contract usage``, ``runlog`` and ``sla`` to ``app``."""
    app.add_typer(fault_app, name="fault")
    app.add_typer(dispatch_app, name="dispatch")
    contract_group(app).command("usage")(contract_usage_cmd)
    app.add_typer(runlog_app, name="runlog")
    app.add_typer(sla_app, name="sla")
    app.add_typer(maintplan_app, name="maintplan")
