"""Probes that watch the client's systems from outside (系统日常监控), and the OA system's
backups and restore tests (系统备份与恢复).

Rooms (each imports only the ones below it):

- ``availability``: a period's availability of each target, from its state trail
- ``round``: one probe round (checks, results, states, faults opened, recoveries noted)
- ``alerts``: the duty staff told once per fault (mail and robots)
- ``targets``: the probe targets of a contract (added, listed, on and off)
- ``backups``: backups and restore tests recorded; the watches of the backup plan
- ``checks``: the checks themselves (http, tls, smtp, imap, db, backup-dir), thresholds
- ``secrets``: where a probe's address lives (env:NAME, block:NAME), and scrubbing it out
"""

from __future__ import annotations

from .availability import availability
from .backups import list_records, record
from .checks import DEFAULTS, FAIL_AFTER, KEEP, RECOVER_AFTER, Check, run_check
from .round import probe_round
from .targets import add_target, list_targets, set_active, show_target

__all__ = [
    "DEFAULTS",
    "FAIL_AFTER",
    "KEEP",
    "RECOVER_AFTER",
    "Check",
    "add_target",
    "availability",
    "list_records",
    "list_targets",
    "probe_round",
    "record",
    "run_check",
    "set_active",
    "show_target",
]
