"""The options the maintenance command groups share."""

from __future__ import annotations

import typer

ActorOpt = typer.Option("changeflow", "--actor", help="Who does it (for the audit trail).")
AtOpt = typer.Option(None, "--at", help="When (ISO time, local if no zone); default now.")
