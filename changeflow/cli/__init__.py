"""The ``changeflow`` command: a thin shell over the domain functions in ``tasks``.

Each area's module exposes ``register(app)``; ``COMMANDS`` below is the one list of them, in
lifecycle order. Every command takes ``--json`` and then prints exactly one JSON document on
stdout. Errors are one line on stderr with a non-zero exit code (2 for bad input).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from changeflow.cli import (
    approval,
    core,
    delivery,
    demo,
    git,
    maintenance,
    ops,
    planning,
    up,
    weekly,
)
from changeflow.cli.common import fail, guard_database
from changeflow.errors import ChangeflowError

app = typer.Typer(
    name="changeflow",
    help="Development and maintenance requests of an OA service contract (changeflow).",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)

# The command modules, in lifecycle order (maintenance adds ``contract usage`` to core's group).
COMMANDS: list[Callable[[typer.Typer], None]] = [
    core.register,  # init, intake, status, contract
    planning.register,  # calendar, plan, plan-batch
    approval.register,  # approve, decision, inbox, kickoff, secret
    git.register,  # sync, progress, repo
    delivery.register,  # test, golive, acceptance, accept, docs
    weekly.register,  # report weekly
    maintenance.register,  # fault, dispatch, contract usage, runlog, sla
    ops.register,  # backup, restore, doctor
    up.register,  # up
    demo.register,  # demo
]
for register in COMMANDS:
    register(app)
guard_database(app)  # before init, in the wrong folder: one line, nothing created


def main() -> None:
    try:
        app()
    except ChangeflowError as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["COMMANDS", "app", "main"]
