"""Training sessions (培训) and the client's OA manual (使用手册) kept current.

A training session is planned (topic, departments, date and place, trainer, the OA manual's
chapters as materials), its sign-in sheet (培训签到表) issued as a signed document, and its
attendance and feedback recorded from the returned sheet or by hand. Its time counts as
service time in the one count (``tasks.servicedays``).

The OA manual is one document per contract; each accepted request's manual chapters are
merged into it as a new version, and ``OaManualVersion`` is the revision record naming the
requests that changed it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .confirmed import SignedRecord
from .models import Contract, Document
from .types import UTCDateTime, utcnow

TRAINING_STATES = ("planned", "held", "cancelled")


class TrainingSession(SignedRecord, Base):
    """A training session (培训): planned, then held with its attendance and feedback."""

    __tablename__ = "training_session"

    topic: Mapped[str] = mapped_column(String(300), default="")
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    trainer: Mapped[str] = mapped_column(String(120), default="")
    # materials: chapters of the OA manual ([{"title": ..., "source": ...}])
    materials: Mapped[list[Any]] = mapped_column(JSON, default=list)
    seats: Mapped[int] = mapped_column(Integer, default=20)  # rows on the sign-in sheet
    # what was recorded once held: who came, the feedback, the time counted
    attendees: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{name, department}]
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, default="")
    signer: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0)

    events: Mapped[list[TrainingEvent]] = relationship(
        back_populates="session", order_by="TrainingEvent.id", cascade="all, delete-orphan"
    )


class TrainingEvent(StateEvent, Base):
    """Audit trail of a training session, written in the transaction of each change."""

    __tablename__ = "training_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)

    session: Mapped[TrainingSession] = relationship(back_populates="events")


class OaManualVersion(Base):
    """One version of a contract's OA manual (使用手册) and its revision record: the requests
    whose chapters were merged into it and the chapters they brought."""

    __tablename__ = "oa_manual_version"
    __table_args__ = (UniqueConstraint("contract_id", "version", name="oa_manual_version_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    requests: Mapped[list[str]] = mapped_column(JSON, default=list)  # keys that changed it
    chapters: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the merged chapters
    note: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    contract: Mapped[Contract] = relationship()
    document: Mapped[Document | None] = relationship()
