"""Service requests (服务请求): the service desk's daily items that are neither a fault nor a
development project (an account or permission, a data fix, a form or workflow adjustment, a
how-to question, other), with their own keys (FW-2026-0001), the engineer's worked time, the
requester's confirmation and, for account/permission changes, who authorised them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .models import Contract, Person
from .types import UTCDateTime, utcnow

SERVICE_CATEGORIES = ("account", "data", "form", "howto", "other")
SERVICE_STATES = ("received", "assigned", "in_progress", "done", "confirmed", "cancelled")
SERVICE_CHANNELS = ("cli", "ui", "inbox", "mail", "flow")


class ServiceRequest(Base):
    """One service request: what was asked, by whom, the response clock, who works it."""

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)  # FW-2026-0001
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    category: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(120), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    channel: Mapped[str] = mapped_column(String(10), default="cli")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # the response rule in force when received (a later contract change moves nothing)
    response_minutes: Mapped[int] = mapped_column(Integer)
    response_clock: Mapped[str] = mapped_column(String(12))
    response_due: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str] = mapped_column(String(120), default="")
    confirmed_via: Mapped[str] = mapped_column(String(12), default="")  # mail|ui|cli|dispatch
    mail_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # kept client mail
    dispatch_number: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    contract: Mapped[Contract] = relationship()
    engineer: Mapped[Person | None] = relationship()
    work: Mapped[list[ServiceWork]] = relationship(
        back_populates="service", order_by="ServiceWork.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ServiceEvent]] = relationship(
        back_populates="service", order_by="ServiceEvent.id", cascade="all, delete-orphan"
    )
    permission_changes: Mapped[list[PermissionChange]] = relationship(
        back_populates="service", order_by="PermissionChange.id", cascade="all, delete-orphan"
    )


class ServiceWork(Base):
    """An engineer's worked time on a service request: service minutes (service hours of
    working days) and overtime apart. Time worked during a dispatch visit names the order
    (``dispatch_number``): that order already counts it, so it is not counted twice."""

    __tablename__ = "service_work"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0)
    overtime_minutes: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_number: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[ServiceRequest] = relationship(back_populates="work")
    person: Mapped[Person] = relationship()


class ServiceEvent(StateEvent, Base):
    """Audit trail of a service request, written in the transaction of each change."""

    __tablename__ = "service_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)

    service: Mapped[ServiceRequest] = relationship(back_populates="events")


class PermissionChange(Base):
    """An account or permission change (账号权限变更): who asked, for which department, who
    authorised it on the client's side (one the contract names), what changed."""

    __tablename__ = "permission_change"
    __table_args__ = (UniqueConstraint("service_id", "seq", name="permission_change_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    department: Mapped[str] = mapped_column(String(120))
    asked_by: Mapped[str] = mapped_column(String(120))
    authorised_by: Mapped[str] = mapped_column(String(120))
    account: Mapped[str] = mapped_column(String(120), default="")
    change: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120), default="")

    service: Mapped[ServiceRequest] = relationship(back_populates="permission_changes")
    contract: Mapped[Contract] = relationship()
