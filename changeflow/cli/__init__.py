"""The ``changeflow`` command: a thin shell over the domain functions in ``tasks``.

Each area's module exposes ``register(app)``; ``COMMANDS`` below is the one list of them, in
lifecycle order. Every command takes ``--json`` and then prints exactly one JSON document on
stdout. Errors are one line on stderr with a non-zero exit code (2 for bad input).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer
import typer.core

from changeflow.cli import (
    approval,
    board,
    clientmail,
    core,
    delivery,
    demo,
    git,
    maintenance,
    ops,
    payments,
    planning,
    probes,
    servicereq,
    training,
    up,
    upgrades,
    weekly,
)
from changeflow.cli.common import fail, guard_database, name_placeholders
from changeflow.errors import ChangeflowError

# ``--help`` lists the commands as a request meets them (a group and a command may interleave,
# which registration order alone cannot do); tests/cli/test_first_hour.py checks that every
# registered command is named here.
HELP_ORDER = [
    "init", "contract", "intake", "status", "board", "calendar", "staff", "plan", "plan-batch",
    "approve", "decision", "inbox", "send", "mailbox", "remind", "deemed", "kickoff", "repo",
    "sync", "progress", "test", "docs", "golive", "acceptance", "accept", "report", "fault",
    "dispatch", "runlog", "service", "maintplan", "probe", "oabackup", "training", "manual",
    "upgrade", "sla", "fee", "settlement", "secret", "backup", "restore", "doctor", "up", "demo",
]  # fmt: skip


class LifecycleGroup(typer.core.TyperGroup):
    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(HELP_ORDER)}
        return sorted(names, key=lambda n: rank.get(n, len(rank)))


def _version(value: bool) -> None:
    if value:
        from changeflow import __version__

        typer.echo(f"changeflow {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="changeflow",
    help="Development and maintenance requests of an OA service contract (changeflow).",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
    cls=LifecycleGroup,
)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Development and maintenance requests of an OA service contract (changeflow)."""


# The command modules, in lifecycle order (maintenance adds ``contract usage`` to core's group).
COMMANDS: list[Callable[[typer.Typer], None]] = [
    core.register,  # init, intake, status, contract
    board.register,  # board
    planning.register,  # calendar, plan, plan-batch
    approval.register,  # approve, decision, inbox, kickoff, secret
    clientmail.register,  # send, mailbox, remind, deemed
    git.register,  # sync, progress, repo
    delivery.register,  # test, golive, acceptance, accept, docs
    weekly.register,  # report weekly
    maintenance.register,  # fault, dispatch, contract usage, runlog, sla
    probes.register,  # probe, oabackup
    servicereq.register,  # service
    payments.register,  # fee, settlement
    training.register,  # training, manual
    upgrades.register,  # upgrade
    ops.register,  # backup, restore, doctor
    up.register,  # up
    demo.register,  # demo
]
for register in COMMANDS:
    register(app)
guard_database(app)  # before init, in the wrong folder: one line, nothing created
name_placeholders(app)  # usage lines say KEY and FILE, not {key}


def main() -> None:
    try:
        app()
    except ChangeflowError as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["COMMANDS", "HELP_ORDER", "app", "main"]
