"""Weekly reports (项目周报): one row per client, ISO week and version, with its mail state.

The row is the record that a week's report was made and whether (and under which
idempotency key) it was mailed: a re-run makes version n+1 and a scheduled run that finds
a sent version of the week does nothing, so the client never gets the same week twice by
accident.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .models import Client, Contract, Document
from .types import UTCDateTime, utcnow, wall_utcnow

MAIL_STATES = ("not_sent", "sent", "failed", "skipped")


class WeeklyReport(Base):
    """One version of one client's report of one ISO week (e.g. 2026-W48)."""

    __tablename__ = "weekly_report"
    __table_args__ = (
        UniqueConstraint("client_id", "week", "version", name="weekly_report_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    week: Mapped[str] = mapped_column(String(8))  # ISO week "2026-W48"
    version: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: no working day
    lang: Mapped[str] = mapped_column(String(10), default="zh-CN")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=wall_utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli|ui|schedule
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mail_key: Mapped[str] = mapped_column(String(120), unique=True)  # client/week/version
    mail_state: Mapped[str] = mapped_column(String(10), default="not_sent")
    mail_to: Mapped[str] = mapped_column(String(300), default="")
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0)
    mail_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    contract: Mapped[Contract | None] = relationship()
    document: Mapped[Document | None] = relationship()
