"""Client decisions on what we sent, the kick-off that follows, and mail we sent.

A decision takes days and arrives by a returned document or by a lead's form: it is a row
here (not a suspended flow run). Uniqueness does the idempotency: one decision per signed
document version, one per evidence file; one kick-off per approved plan version; one mail per
idempotency key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .models import Document, Request, RequestEvent
from .types import UTCDateTime, utcnow, wall_utcnow


class Approval(Base):
    """The client's decision on one version of a signable document (plan, acceptance...)."""

    __tablename__ = "approval"
    __table_args__ = (
        UniqueConstraint("request_id", "subject_kind", "subject_version", name="approval_subject"),
        UniqueConstraint("evidence_sha256", name="approval_evidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(40))  # plan | acceptance | dispatch
    subject_version: Mapped[int] = mapped_column(Integer)
    subject_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    approver: Mapped[str] = mapped_column(String(120))
    decided_on: Mapped[date] = mapped_column(Date)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20))  # document | ui | cli
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("request_event.id"))
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=wall_utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[Request] = relationship()
    subject_document: Mapped[Document | None] = relationship(foreign_keys=[subject_document_id])
    evidence_document: Mapped[Document | None] = relationship(foreign_keys=[evidence_document_id])
    event: Mapped[RequestEvent | None] = relationship()


class Kickoff(Base):
    """Development started from an approved plan: the branch and the frozen schedule."""

    __tablename__ = "kickoff"
    __table_args__ = (UniqueConstraint("request_id", "plan_version", name="kickoff_plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    plan_version: Mapped[int] = mapped_column(Integer)
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval.id"))
    branch: Mapped[str] = mapped_column(String(200))
    base_commit: Mapped[str] = mapped_column(String(64))
    repo_path: Mapped[str] = mapped_column(String(500))
    planned_start: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date] = mapped_column(Date)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # items, milestones
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship()
    approval: Mapped[Approval | None] = relationship()


class SentMail(Base):
    """One mail we sent (or tried to): the idempotency key stops a re-run sending it twice."""

    __tablename__ = "sent_mail"
    __table_args__ = (UniqueConstraint("idempotency_key", name="sent_mail_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="sending")  # sending|sent|failed
    error: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)  # file names
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
