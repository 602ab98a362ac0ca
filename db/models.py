"""Core records: who the client is, what the contract says, each request and its audit trail.

Other capabilities keep their tables in their own modules of this package (planning, git,
maintenance...), all on the same ``Base``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .types import Exact, UTCDateTime, utcnow


class Client(Base):
    """The party A (甲方) of a service contract."""

    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contracts: Mapped[list[Contract]] = relationship(back_populates="client")
    people: Mapped[list[Person]] = relationship(back_populates="client")


class Person(Base):
    """Our staff (client_id is NULL) or a client's contact; roles such as developer, lead."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("client_id", "name", name="person_client_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    git_aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    client: Mapped[Client | None] = relationship(back_populates="people")

    @property
    def is_staff(self) -> bool:
        return self.client_id is None


class Contract(Base):
    """The annual service contract: fee, service days, rates, hours and the SLA policy."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    title: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    annual_fee: Mapped[Decimal] = mapped_column(Exact)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    service_days_per_year: Mapped[Decimal] = mapped_column(Exact)
    service_cycle: Mapped[str] = mapped_column(String(10), default="month")  # week | month
    hours_per_service_day: Mapped[Decimal] = mapped_column(Exact, default=Decimal("8"))
    service_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    service_end: Mapped[time] = mapped_column(Time, default=time(17, 30))
    tax_rate: Mapped[Decimal] = mapped_column(Exact, default=Decimal("0.06"))
    day_rates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # role -> "1200.00"
    sla_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    estimation_defaults: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # client's project lead
    our_lead_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    repo_path: Mapped[str | None] = mapped_column(String(500))  # client project's git repo
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # our company (乙方), the contract's other party beside the client (migration 0108)
    contractor_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contractor_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    contractor_contact: Mapped[str] = mapped_column(String(120), default="", server_default="")
    contractor_phone: Mapped[str] = mapped_column(String(60), default="", server_default="")

    client: Mapped[Client] = relationship(back_populates="contracts")
    lead: Mapped[Person | None] = relationship(foreign_keys=[lead_id])
    our_lead: Mapped[Person | None] = relationship(foreign_keys=[our_lead_id])

    def day_rate(self, role: str) -> Decimal:
        from changeflow.errors import InputError

        try:
            return Decimal(self.day_rates[role])
        except KeyError:
            raise InputError(
                f"contract {self.code}", "day_rates", f"no day rate for role '{role}'"
            ) from None


class Request(Base):
    """A development, change or fault request; ``state`` moves only through db.lifecycle."""

    __tablename__ = "request"
    # each series counts on its own per year: CR-2026-0001 (requests), GZ-2026-0001 (faults)
    __table_args__ = (UniqueConstraint("series", "year", "seq", name="request_series_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(4), default="CR", server_default="CR")  # CR | GZ
    kind: Mapped[str] = mapped_column(String(10))  # dev | change | fault
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(120), default="")
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    desired_date: Mapped[date | None] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), index=True)
    held_from: Mapped[str | None] = mapped_column(String(20))  # state to return to from on_hold
    # the task book's content (client, project, requirements) whatever its format: one intake
    taskbook_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    client: Mapped[Client] = relationship()
    contract: Mapped[Contract | None] = relationship()
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="request", order_by="Requirement.no", cascade="all, delete-orphan"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )


class Requirement(Base):
    """One row of the task book's requirements table."""

    __tablename__ = "requirement"
    __table_args__ = (UniqueConstraint("request_id", "no", name="requirement_request_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    no: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    acceptance: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[Request] = relationship(back_populates="requirements")


class RequestEvent(StateEvent, Base):
    """The audit trail: every state change, written in the same transaction as the change."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)

    request: Mapped[Request] = relationship(back_populates="events")


class Document(Base):
    """Every file the product made or received, with its kind, version and sha256."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("request_id", "kind", "version", "lang", name="document_kind_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # taskbook, plan, plan-returned, ...
    version: Mapped[int] = mapped_column(Integer, default=1)
    lang: Mapped[str] = mapped_column(String(10), default="zh-CN")
    path: Mapped[str] = mapped_column(String(500), unique=True)  # relative to the store
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    request: Mapped[Request | None] = relationship()
