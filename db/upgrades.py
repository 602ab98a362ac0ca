"""Install and upgrade changes (升级/安装): an upgrade of a server or of the OA platform that
does not come from a development request. Planned with its plan document (环境检查, 步骤,
回退, 访问测试, 停机窗口 on the client's working calendar), approved by the client on the
signed plan (``tasks.signoff`` kind ``upgrade``), then recorded after (升级记录), as the
go-live record is for a release."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .confirmed import SignedRecord
from .models import Document
from .types import UTCDateTime

UPGRADE_TARGETS = ("server", "platform")
UPGRADE_STATES = ("planned", "approved", "rejected", "done", "rolled_back")


class UpgradeChange(SignedRecord, Base):
    """One install or upgrade: its plan, the client's decision and its record after."""

    __tablename__ = "upgrade_change"

    target: Mapped[str] = mapped_column(String(12))  # server | platform
    title: Mapped[str] = mapped_column(String(300), default="")
    system: Mapped[str] = mapped_column(String(200), default="")  # the server or platform
    from_version: Mapped[str] = mapped_column(String(60), default="")
    to_version: Mapped[str] = mapped_column(String(60), default="")
    # the plan: lists of lines
    checks: Mapped[list[str]] = mapped_column(JSON, default=list)  # 环境检查
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)  # 步骤
    rollback: Mapped[list[str]] = mapped_column(JSON, default=list)  # 回退
    tests: Mapped[list[str]] = mapped_column(JSON, default=list)  # 访问测试
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)  # 停机窗口
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # the client's decision on the signed plan
    approver: Mapped[str] = mapped_column(String(120), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    # the record after (升级记录)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{item, result, ok}]
    notes: Mapped[str] = mapped_column(Text, default="")
    record_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    record_document: Mapped[Document | None] = relationship(foreign_keys=[record_document_id])
    events: Mapped[list[UpgradeEvent]] = relationship(
        back_populates="change", order_by="UpgradeEvent.id", cascade="all, delete-orphan"
    )


class UpgradeEvent(StateEvent, Base):
    """Audit trail of an upgrade, written in the transaction of each change."""

    __tablename__ = "upgrade_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("upgrade_change.id"), index=True)

    change: Mapped[UpgradeChange] = relationship(back_populates="events")
