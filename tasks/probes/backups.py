"""Backups of the client's OA system and their restore tests (系统备份与恢复), as recorded by
our engineers: what was backed up, where to, when, verified by whom, and for a restore test
how long the restore took.

Not ``tasks/backup.py``: that one backs up changeflow's own database and documents.

The plan's limits are watched by two probe kinds reading these records (``backup-log``: the
newest backup is older than ``max_age_hours``; ``restore-log``: the last restore test is
older than ``max_age_days``), so an overdue backup or restore test opens a non-crash fault,
tells the duty staff once and is noted recovered when the next one is recorded, like any
probe. Recording the first backup of a contract starts both watches (``ensure_watches``),
with the limits of the contract's ``settings.probes`` (``backup_max_age_hours``,
``restore_every_days``) or the defaults; when the contract has a maintenance plan, its
``backup_max_age_hours`` and ``restore_test_days`` are the limits instead (read at each
check, so a plan reloaded counts from the next round).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract
from changeflow.db.probes import OaBackup, ProbeTarget
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.tasks.acttime import parse_when, show
from changeflow.tasks.directory import find_contract

from .checks import Check, thresholds

WATCHES = {
    "backup-log": ("oa-backups", "backup", "backup_max_age_hours", "max_age_hours"),
    "restore-log": ("oa-restore-test", "backup", "restore_every_days", "max_age_days"),
}


def probe_settings(contract: Contract) -> dict[str, Any]:
    """The contract's ``settings.probes`` section (thresholds and hysteresis)."""
    section = (contract.settings or {}).get("probes") or {}
    if not isinstance(section, Mapping):
        raise InputError(f"contract {contract.code}", "settings.probes", "is not a mapping")
    return dict(section)


def ensure_watches(session: Session, contract: Contract) -> list[str]:
    """The two watches of the backup plan for ``contract`` (made once; kept as they are)."""
    made = []
    conf = probe_settings(contract)
    for kind, (name, system, setting, param) in WATCHES.items():
        have = session.scalar(
            select(ProbeTarget).where(
                ProbeTarget.contract_id == contract.id, ProbeTarget.kind == kind
            )
        )
        if have is None:
            params = {param: conf[setting]} if setting in conf else {}
            session.add(ProbeTarget(contract=contract, name=name, kind=kind, system=system,
                                    secret="", params=params))  # fmt: skip
            made.append(name)
    session.flush()
    return made


def record(
    kind: str,
    *,
    what: str,
    location: str = "",
    at: str | datetime | None = None,
    verified_by: str = "",
    verified: bool = False,
    restore_minutes: int | None = None,
    note: str = "",
    contract: str | None = None,
    actor: str = "changeflow",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a backup of the OA system or a restore test of one."""
    from changeflow.tasks.inputs import clean_text

    now = now or utcnow()
    source = f"oabackup {kind}"
    if kind not in ("backup", "restore-test"):
        raise InputError(source, "kind", f"'{kind}' is not backup or restore-test")
    what = clean_text(what or "", 200).strip()
    if not what:
        raise InputError(source, "what", "is required (e.g. OA database full backup)")
    when = parse_when(at, source, "at", now=now)
    if kind == "restore-test":
        if restore_minutes is None or restore_minutes < 0:
            raise InputError(source, "restore_minutes", "how long the restore took is required")
        if not (verified_by or "").strip():
            raise InputError(source, "verified_by", "who verified the restore is required")
    from changeflow.settings import get_settings

    with transaction() as s:
        k = find_contract(s, contract, when.astimezone(get_settings().tz).date(), source)
        row = OaBackup(
            contract=k,
            kind=kind,
            what=what,
            location=clean_text(location or "", 300),
            at=when,
            verified_by=clean_text(verified_by or "", 120),
            verified=bool(verified or kind == "restore-test"),
            restore_minutes=restore_minutes,
            note=clean_text(note or "", 4000),
            actor=actor,
        )
        s.add(row)
        watches = ensure_watches(s, k)
        s.flush()
        return {**view(row), "watches_started": watches}


def view(row: OaBackup) -> dict[str, Any]:
    return {
        "id": row.id,
        "contract": row.contract.code,
        "kind": row.kind,
        "what": row.what,
        "location": row.location,
        "at": show(row.at),
        "verified_by": row.verified_by,
        "verified": row.verified,
        "restore_minutes": row.restore_minutes,
        "note": row.note,
    }


def list_records(contract: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    with transaction() as s:
        q = select(OaBackup).order_by(OaBackup.at)
        if contract:
            q = q.join(Contract).where(Contract.code == contract)
        if kind:
            q = q.where(OaBackup.kind == kind)
        return [view(r) for r in s.scalars(q)]


def plan_limits(session: Session, target: ProbeTarget) -> dict[str, int]:
    """The backup watch's limit from the contract's maintenance plan (the one the client
    signs), when it has one: ``backup_max_age_hours`` and ``restore_test_days``."""
    from changeflow.db.maintplan import MaintPlan

    mp = session.scalar(select(MaintPlan).where(MaintPlan.contract_id == target.contract_id))
    if mp is None:
        return {}
    if target.kind == "backup-log":
        return {"max_age_hours": mp.backup_max_age_hours}
    return {"max_age_days": mp.restore_test_days}


def check_records(session: Session, target: ProbeTarget, now: datetime) -> Check:
    """The ``backup-log`` and ``restore-log`` probes: the age of the newest record."""
    p = {**thresholds(target.kind, target.params), **plan_limits(session, target)}
    kind = "backup" if target.kind == "backup-log" else "restore-test"
    q = select(OaBackup.at).where(OaBackup.contract_id == target.contract_id,
                                  OaBackup.kind == kind, OaBackup.at <= now)  # fmt: skip
    newest = session.scalar(q.order_by(OaBackup.at.desc()).limit(1))
    what = "backup" if kind == "backup" else "restore test"
    if newest is None:
        return Check("fail", 0, "", f"no {what} recorded")
    hours = (now - newest).total_seconds() / 3600
    if kind == "backup":
        limit, value = float(p["max_age_hours"]), f"{hours:.1f} h"
        late = hours > limit
        line = f"last {what} {hours:.1f} h ago" + (f" (> {p['max_age_hours']} h)" if late else "")
    else:
        days = hours / 24
        limit, value = float(p["max_age_days"]), f"{days:.1f} d"
        late = days > limit
        line = f"last {what} {days:.1f} days ago" + (f" (> {p['max_age_days']} d)" if late else "")
    return Check("fail" if late else "pass", 0, value, line)
