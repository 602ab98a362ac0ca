"""The maintenance plan (日常维护服务计划) of a contract: the client's systems, the catalogue
of checks with their frequency, each check's results on a visit, the issued versions of the
plan document (signed by the client at the start of the contract year) and of the handbook
(维护文档和应急措施) with its revision record.

The plan as loaded is one ``MaintPlan`` row per contract (its revision counts the loads
that changed it); systems and checks are rows under it, kept when the plan drops them
(``active`` false) so results recorded against them stay readable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .confirmed import CONFIRMATION_STATES, ConfirmedVersion
from .models import Contract, Request
from .types import UTCDateTime, utcnow

SYSTEM_KINDS = ("application", "database", "mail", "storage", "backup")
FREQUENCIES = ("visit", "weekly", "monthly", "quarterly")
RESULTS = ("normal", "abnormal")
PLAN_STATES = CONFIRMATION_STATES


class MaintPlan(Base):
    """One contract's maintenance plan as loaded from the lead's YAML file."""

    __tablename__ = "maint_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # loads that changed it
    sha256: Mapped[str] = mapped_column(String(64))  # of the plan's content as loaded
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    backup_max_age_hours: Mapped[int] = mapped_column(Integer, default=26)
    restore_test_days: Mapped[int] = mapped_column(Integer, default=92)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    contract: Mapped[Contract] = relationship()
    systems: Mapped[list[PlanSystem]] = relationship(
        back_populates="plan", order_by="PlanSystem.seq", cascade="all, delete-orphan"
    )
    checks: Mapped[list[PlanCheck]] = relationship(
        back_populates="plan", order_by="PlanCheck.seq", cascade="all, delete-orphan"
    )
    events: Mapped[list[MaintPlanEvent]] = relationship(
        back_populates="plan", order_by="MaintPlanEvent.id", cascade="all, delete-orphan"
    )


class MaintPlanEvent(StateEvent, Base):
    """Audit trail of a plan: loaded, changed, document issued (written in its transaction)."""

    __tablename__ = "maint_plan_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maint_plan.id"), index=True)

    plan: Mapped[MaintPlan] = relationship(back_populates="events")


class PlanSystem(Base):
    """One of the client's systems the plan looks after: its address and its owner."""

    __tablename__ = "plan_system"
    __table_args__ = (UniqueConstraint("plan_id", "code", name="plan_system_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maint_plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # SYSTEM_KINDS
    name: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    owner: Mapped[str] = mapped_column(String(120), default="")
    configuration: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plan: Mapped[MaintPlan] = relationship(back_populates="systems")


class PlanCheck(Base):
    """One check of the catalogue: what, on which system, how often, what is normal."""

    __tablename__ = "plan_check"
    __table_args__ = (UniqueConstraint("plan_id", "code", name="plan_check_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maint_plan.id"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("plan_system.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))  # OA-SVC
    kind: Mapped[str] = mapped_column(String(30))  # tasks.maintplan.catalogue.CHECK_KINDS
    frequency: Mapped[str] = mapped_column(String(12))  # FREQUENCIES
    threshold: Mapped[str] = mapped_column(String(300), default="")  # what is normal
    threshold_en: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    plan: Mapped[MaintPlan] = relationship(back_populates="checks")
    system: Mapped[PlanSystem] = relationship()


class CheckResult(Base):
    """One check's result on one day (a visit's dispatch order, or without an order): 正常 or
    异常, the value read, a note; an abnormal result names the fault it opened."""

    __tablename__ = "check_result"
    __table_args__ = (UniqueConstraint("check_id", "order_id", "day", name="check_result_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("plan_check.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_order.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(10))  # normal | abnormal
    value: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    engineer: Mapped[str] = mapped_column(String(120), default="")
    fault_request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"))
    channel: Mapped[str] = mapped_column(String(20), default="cli")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    check: Mapped[PlanCheck] = relationship()
    fault_request: Mapped[Request | None] = relationship()


class PlanDocument(ConfirmedVersion, Base):
    """One issued version of the plan document (kind ``maintplan``, confirmed by the client
    in its table like the statements) or of the handbook (kind ``handbook``, not signed)."""

    __tablename__ = "plan_document"
    __table_args__ = (
        UniqueConstraint("contract_id", "kind", "version", "lang", name="plan_document_version"),
    )

    kind: Mapped[str] = mapped_column(String(12))  # maintplan | handbook
    plan_revision: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(Text, default="")  # the revision record's line
    events: Mapped[list[PlanDocumentEvent]] = relationship(
        back_populates="statement", order_by="PlanDocumentEvent.id", cascade="all, delete-orphan"
    )


class PlanDocumentEvent(StateEvent, Base):
    """Audit trail of an issued plan document (issued, agreed, disputed)."""

    __tablename__ = "plan_document_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("plan_document.id"), index=True)

    statement: Mapped[PlanDocument] = relationship(back_populates="events")
