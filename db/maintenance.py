"""Maintenance records: faults and their SLA clocks, dispatch orders (派工单), notices sent
once, quota alerts and the daily run log (运行日志).

A fault is a ``Request`` of kind ``fault`` (so it has a key, a lifecycle and an audit trail
like every request) plus one ``Fault`` row with what the clocks need. The SLA rule in force
when the fault was reported is copied onto the row, so a later contract change never moves
the due times of faults already open.
"""

from __future__ import annotations

from datetime import date, datetime
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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .confirmed import CONFIRMATION_STATES, ConfirmedVersion
from .models import Contract, Document, Person, Request
from .types import Exact, UTCDateTime, utcnow, wall_utcnow

SEVERITIES = ("crash", "non_crash")
CLOCKS = ("response", "onsite")
DISPATCH_KINDS = ("weekly-visit", "emergency", "remote", "change")
DISPATCH_STATES = ("planned", "done", "signed", "cancelled")


class Fault(Base):
    """The SLA side of a fault request: severity, the two clocks, the fault record text."""

    __tablename__ = "fault"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    severity: Mapped[str] = mapped_column(String(10))  # crash | non_crash
    system: Mapped[str] = mapped_column(String(120), default="")
    reporter: Mapped[str] = mapped_column(String(120), default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # the rule in force when reported (minutes, clock always|service, warning fraction)
    response_minutes: Mapped[int] = mapped_column(Integer)
    response_clock: Mapped[str] = mapped_column(String(20))  # always|service|working-days
    onsite_minutes: Mapped[int] = mapped_column(Integer)
    onsite_clock: Mapped[str] = mapped_column(String(20))
    warn_at: Mapped[Decimal] = mapped_column(Exact)
    # current due times (pauses included); NULL while a pause is open
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    onsite_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_mode: Mapped[str] = mapped_column(String(20), default="")  # phone|online|onsite
    # the on-site time the client asked for (根据甲方要求): then the on-site deadline
    onsite_requested: Mapped[datetime | None] = mapped_column(UTCDateTime)
    onsite_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # the fault record (故障评估和测试报告、解决方案和排错步骤)
    assessment: Mapped[str] = mapped_column(Text, default="")
    test_report: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    breach_cause: Mapped[str] = mapped_column(Text, default="")
    # the record's own parts (docs/deliverables.md): why it happened, what prevents it, and
    # the client's confirmation of the fix
    root_cause: Mapped[str] = mapped_column(Text, default="", server_default="")
    prevention: Mapped[str] = mapped_column(Text, default="", server_default="")
    confirmed_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    confirmed_on: Mapped[str] = mapped_column(String(40), default="", server_default="")
    confirmation: Mapped[str] = mapped_column(Text, default="", server_default="")

    request: Mapped[Request] = relationship()
    contract: Mapped[Contract] = relationship()
    engineer: Mapped[Person | None] = relationship()
    pauses: Mapped[list[FaultPause]] = relationship(
        back_populates="fault", order_by="FaultPause.started_at", cascade="all, delete-orphan"
    )


class FaultPause(Base):
    """A span while we wait for the client: the clocks do not run (open while ``ended_at``
    is NULL)."""

    __tablename__ = "fault_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    fault_id: Mapped[int] = mapped_column(ForeignKey("fault.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120), default="")

    fault: Mapped[Fault] = relationship(back_populates="pauses")


class SlaNotice(Base):
    """A warning or breach mail for one clock of one fault: the unique row makes it once."""

    __tablename__ = "sla_notice"
    __table_args__ = (UniqueConstraint("fault_id", "clock", "level", name="sla_notice_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fault_id: Mapped[int] = mapped_column(ForeignKey("fault.id"), index=True)
    clock: Mapped[str] = mapped_column(String(10))  # response | onsite
    level: Mapped[str] = mapped_column(String(10))  # warning | breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")

    fault: Mapped[Fault] = relationship()


class DispatchOrder(Base):
    """A dispatch order (派工单): who goes, when, to do what; accepted by the client on its
    sign-off table."""

    __tablename__ = "dispatch_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # PG-2026-0001
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # weekly-visit|emergency|remote|change
    state: Mapped[str] = mapped_column(String(12), default="planned")
    title: Mapped[str] = mapped_column(String(300), default="")
    work_content: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worked_minutes: Mapped[int | None] = mapped_column(Integer)  # service time, all engineers
    overtime_minutes: Mapped[int | None] = mapped_column(Integer)  # outside service hours
    service_mode: Mapped[str] = mapped_column(String(20), default="")  # on-site|remote|phone
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # skills required (§5)
    on_day_off: Mapped[bool] = mapped_column(Boolean, default=False)  # planned on a day off
    schedule_key: Mapped[str | None] = mapped_column(String(80), unique=True)  # weekly runs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    # the client's sign-off (服务是否验收, 满意度, 意见反馈, 签字人, 日期)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, default="")
    signer: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    contract: Mapped[Contract] = relationship()
    document: Mapped[Document | None] = relationship(foreign_keys=[document_id])
    signed_document: Mapped[Document | None] = relationship(foreign_keys=[signed_document_id])
    staff: Mapped[list[DispatchStaff]] = relationship(
        back_populates="order", order_by="DispatchStaff.seq", cascade="all, delete-orphan"
    )
    links: Mapped[list[DispatchLink]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )
    events: Mapped[list[DispatchEvent]] = relationship(
        back_populates="order", order_by="DispatchEvent.id", cascade="all, delete-orphan"
    )
    work: Mapped[list[DispatchWork]] = relationship(
        back_populates="order", order_by="DispatchWork.id", cascade="all, delete-orphan"
    )


class DispatchWork(Base):
    """One engineer's worked time on a dispatch order: the part in service hours on working
    days (counted against the service days) and the part outside them (overtime, apart)."""

    __tablename__ = "dispatch_work"
    __table_args__ = (UniqueConstraint("order_id", "person_id", name="dispatch_work_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_order.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_minutes: Mapped[int] = mapped_column(Integer, default=0)
    overtime_minutes: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[bool] = mapped_column(Boolean, default=False)  # minutes typed in

    order: Mapped[DispatchOrder] = relationship(back_populates="work")
    person: Mapped[Person] = relationship()


class DispatchStaff(Base):
    """One of the engineers sent on a dispatch order (the first is the one in charge)."""

    __tablename__ = "dispatch_staff"
    __table_args__ = (UniqueConstraint("order_id", "person_id", name="dispatch_staff_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_order.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    seq: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped[DispatchOrder] = relationship(back_populates="staff")
    person: Mapped[Person] = relationship()


class DispatchLink(Base):
    """A request (fault, change, development) the dispatch order works on."""

    __tablename__ = "dispatch_link"
    __table_args__ = (UniqueConstraint("order_id", "request_id", name="dispatch_link_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_order.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)

    order: Mapped[DispatchOrder] = relationship(back_populates="links")
    request: Mapped[Request] = relationship()


class DispatchEvent(StateEvent, Base):
    """Audit trail of a dispatch order, written in the transaction of each change."""

    __tablename__ = "dispatch_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dispatch_order.id"), index=True)

    order: Mapped[DispatchOrder] = relationship(back_populates="events")


class QuotaAlert(Base):
    """The 80 % / 100 % service-days alert of one contract year, sent once each."""

    __tablename__ = "quota_alert"
    __table_args__ = (
        UniqueConstraint("contract_id", "period_start", "level", name="quota_alert_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(Integer)  # 80 | 100
    days_used: Mapped[Decimal] = mapped_column(Exact)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")


class RunLogEntry(Base):
    """One service day's run log (运行日志): checks, backups verified, incidents, changes."""

    __tablename__ = "run_log_entry"
    __table_args__ = (
        UniqueConstraint("contract_id", "day", "author", name="run_log_entry_author_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    author: Mapped[str] = mapped_column(String(120), default="")
    checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    backups_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    backup_note: Mapped[str] = mapped_column(Text, default="")
    incidents: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=wall_utcnow)

    contract: Mapped[Contract] = relationship()


class RunLogReminder(Base):
    """A 'no run log for this working day' reminder, sent once per contract and day."""

    __tablename__ = "run_log_reminder"
    __table_args__ = (UniqueConstraint("contract_id", "day", name="run_log_reminder_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")


class CycleAlert(Base):
    """The alert that one month's (or week's) service days crossed the cycle's allowance
    (the contract's service cycle), sent once per contract, cycle and level."""

    __tablename__ = "cycle_alert"
    __table_args__ = (UniqueConstraint("contract_id", "cycle", "level", name="cycle_alert_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    cycle: Mapped[str] = mapped_column(String(10))  # 2026-09 | 2026-W40
    level: Mapped[int] = mapped_column(Integer)  # 100: the allowance crossed
    days_used: Mapped[Decimal] = mapped_column(Exact)
    allowance: Mapped[Decimal] = mapped_column(Exact)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")


STATEMENT_STATES = CONFIRMATION_STATES


class SlaStatement(ConfirmedVersion, Base):
    """One issued version of a contract's monthly SLA statement (月度服务对账单) and the
    client's confirmation written in its sign-off table (无异议/有异议, remarks, signer, date)."""

    __tablename__ = "sla_statement"
    __table_args__ = (
        UniqueConstraint("contract_id", "month", "version", name="sla_statement_version"),
    )

    month: Mapped[str] = mapped_column(String(7))  # 2026-09
    events: Mapped[list[SlaStatementEvent]] = relationship(
        back_populates="statement", order_by="SlaStatementEvent.id", cascade="all, delete-orphan"
    )


class SlaStatementEvent(StateEvent, Base):
    """Audit trail of a statement (issued, agreed, disputed), written in its transaction."""

    __tablename__ = "sla_statement_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("sla_statement.id"), index=True)

    statement: Mapped[SlaStatement] = relationship(back_populates="events")


class RobotDelivery(Base):
    """One notice for one group robot (WeCom, DingTalk, Feishu): the unique row makes it
    once; kept until delivered, tried again on a passing failure, never sent again once
    delivered. Holds the names of the environment variables with the robot's address and
    secret, never the address or the secret."""

    __tablename__ = "robot_delivery"
    __table_args__ = (UniqueConstraint("key", "robot", name="robot_delivery_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # the notice: sla-CR-2026-0001-onsite-breach
    robot: Mapped[str] = mapped_column(String(40), index=True)  # kind:digest of the address
    robot_name: Mapped[str] = mapped_column(String(200))  # kind@host, for people
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind, url_env, secret_env
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
