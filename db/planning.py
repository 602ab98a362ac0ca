"""Planning records: the working-calendar overrides, plan versions, their work items and
milestones, and our staff's days away.

Overrides live in the database (not in code) because the official holiday schedule of a
new year is published late (around November) and contracts may agree extra days off or
workdays; a plan keeps its numbers as written so older versions stay readable.
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

from .base import Base
from .models import Contract, Document, Person, Request
from .types import Exact, UTCDateTime, utcnow

PHASES = ("analysis", "development", "testing", "golive", "acceptance")


class CalendarYear(Base):
    """An official year imported with ``changeflow calendar import``: its days are no longer
    provisional, whatever chinesecalendar knows."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(300), default="")  # what the file says
    filename: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120), default="")


class CalendarOverride(Base):
    """One day that differs from the base calendar: a holiday or a (make-up) workday.

    ``contract_id`` NULL means global (an imported official year); otherwise the day applies
    to that contract only and wins over everything else. ``start``/``end`` give other service
    hours for that day (e.g. a short Saturday).
    """

    __tablename__ = "calendar_override"
    __table_args__ = (
        UniqueConstraint("contract_id", "day", "source", name="calendar_override_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # workday | holiday
    name: Mapped[str] = mapped_column(String(120), default="")
    start: Mapped[time | None] = mapped_column(Time)
    end: Mapped[time | None] = mapped_column(Time)
    source: Mapped[str] = mapped_column(String(20), default="contract")  # official-import|contract
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract | None] = relationship()


class Plan(Base):
    """One version of a request's implementation plan and cost budget (实施计划和费用预算)."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("request_id", "version", name="plan_request_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    calendar_days: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[int] = mapped_column(Integer)
    person_days: Mapped[Decimal] = mapped_column(Exact)
    subtotal: Mapped[Decimal] = mapped_column(Exact)  # before tax
    tax_rate: Mapped[Decimal] = mapped_column(Exact)
    tax: Mapped[Decimal] = mapped_column(Exact)
    total: Mapped[Decimal] = mapped_column(Exact)  # with tax
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    estimates_source: Mapped[str] = mapped_column(String(300), default="defaults")
    lang: Mapped[str] = mapped_column(String(10), default="zh-CN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    # draft: unsigned, 草稿 on every page, neither sendable nor approvable; issued: signed,
    # the version the client approves (``changeflow plan KEY --issue``)
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="issued")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per-role totals, phases

    request: Mapped[Request] = relationship()
    document: Mapped[Document | None] = relationship()
    items: Mapped[list[WorkItem]] = relationship(
        back_populates="plan", order_by="WorkItem.seq", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="plan", order_by="Milestone.day", cascade="all, delete-orphan"
    )


class WorkItem(Base):
    """One line of the estimate: who does what in which phase, for how many person-days."""

    __tablename__ = "work_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    requirement_no: Mapped[int | None] = mapped_column(Integer)  # None: for the whole request
    phase: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text, default="")
    person_days: Mapped[Decimal] = mapped_column(Exact)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    day_rate: Mapped[Decimal] = mapped_column(Exact)
    # person-days covered by the contract's annual fee (the rest is billed: amount)
    covered_days: Mapped[Decimal] = mapped_column(Exact, default=Decimal(0), server_default="0")
    amount: Mapped[Decimal] = mapped_column(Exact)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan] = relationship(back_populates="items")
    assignee: Mapped[Person | None] = relationship()


class Milestone(Base):
    """The end of a phase, always on a working day."""

    __tablename__ = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    phase: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    day: Mapped[date] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[Plan] = relationship(back_populates="milestones")


class StaffAway(Base):
    """Days a person of our staff is not available for plans (leave, other duties); every
    plan schedules around them (``changeflow staff away NAME FROM TO``)."""

    __tablename__ = "staff_away"
    __table_args__ = (
        UniqueConstraint("person_id", "first_day", "last_day", name="staff_away_span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
