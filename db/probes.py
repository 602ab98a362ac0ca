"""Probes that watch the client's systems from outside, and the OA system's backups.

- ``ProbeTarget``: one check of one system of a contract (its kind, thresholds, and the
  NAME of the secret holding its address: never the address or a password), with its
  running state (consecutive failures and passes, the open fault);
- ``ProbeResult``: the last results of a target (the older ones are pruned);
- ``ProbeEvent``: the audit trail of a target's state (ok, failing, down);
- ``ProbeNotice``: the mail (and robot messages) of a target going down or recovering,
  once per fault and kind (the unique row is the "once");
- ``OaBackup``: a backup of the client's OA system, or a restore test, as recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .maintenance import Fault
from .models import Contract
from .types import UTCDateTime, utcnow, wall_utcnow

PROBE_KINDS = ("http", "tls", "smtp", "imap", "db", "backup-dir", "backup-log", "restore-log")
PROBE_STATES = ("unknown", "ok", "failing", "opening", "down")
OA_BACKUP_KINDS = ("backup", "restore-test")


class ProbeTarget(Base):
    __tablename__ = "probe_target"
    __table_args__ = (UniqueConstraint("contract_id", "name", name="probe_target_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    # the client's system it watches (oa | database | mail | storage | backup)
    system: Mapped[str] = mapped_column(String(40), default="")
    # where the address lives: "env:NAME" or "block:NAME" (a Prefect Secret block)
    secret: Mapped[str] = mapped_column(String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # thresholds
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(20), default="unknown")
    fails: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failures
    passes: Mapped[int] = mapped_column(Integer, default=0)  # consecutive passes
    first_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_detail: Mapped[str] = mapped_column(String(300), default="")
    fault_id: Mapped[int | None] = mapped_column(ForeignKey("fault.id"))  # open while down
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    contract: Mapped[Contract] = relationship()
    fault: Mapped[Fault | None] = relationship()


class ProbeResult(Base):
    __tablename__ = "probe_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("probe_target.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(10))  # pass | fail | error (not counted)
    ms: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")


class ProbeEvent(StateEvent, Base):
    __tablename__ = "probe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("probe_target.id"), index=True)


class ProbeNotice(Base):
    __tablename__ = "probe_notice"
    __table_args__ = (UniqueConstraint("target_id", "fault_id", "kind", name="probe_notice_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("probe_target.id"), index=True)
    fault_id: Mapped[int] = mapped_column(ForeignKey("fault.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # down | recovered
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")

    target: Mapped[ProbeTarget] = relationship()
    fault: Mapped[Fault] = relationship()


class OaBackup(Base):
    """A backup of the client's OA system, or a restore test of one (what, where, when,
    verified by whom, how long the restore took)."""

    __tablename__ = "oa_backup"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # backup | restore-test
    what: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    verified_by: Mapped[str] = mapped_column(String(120), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    restore_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=wall_utcnow)

    contract: Mapped[Contract] = relationship()
