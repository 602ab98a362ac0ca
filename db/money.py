"""The contract's money (费用结算): the annual fee's schedule (once a year or instalments with
due dates), the invoices we issue, the payments the client makes (支票 with its number, 现金,
转账), the reminders to our lead before a due date, and the year's settlement (年度服务结算单)
the client confirms; every change with its audit record (``MoneyEvent``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StateEvent
from .confirmed import ConfirmedVersion
from .models import Contract
from .types import Exact, UTCDateTime, utcnow

PAYMENT_METHODS = ("cheque", "cash", "transfer")


class FeeInstalment(Base):
    """One due date of a contract year's fee: once a year is one instalment."""

    __tablename__ = "fee_instalment"
    __table_args__ = (UniqueConstraint("contract_id", "seq", name="fee_instalment_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Exact)
    note: Mapped[str] = mapped_column(Text, default="")

    contract: Mapped[Contract] = relationship()


class Invoice(Base):
    """An invoice (发票) we issued on a contract: its number, date and amount."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Exact)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    contract: Mapped[Contract] = relationship()


class Payment(Base):
    """A payment the client made: date, amount, how (支票 with its number, 现金, 转账)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Exact)
    method: Mapped[str] = mapped_column(String(10))  # cheque | cash | transfer
    cheque_no: Mapped[str] = mapped_column(String(60), default="")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    contract: Mapped[Contract] = relationship()
    invoice: Mapped[Invoice | None] = relationship()


class PaymentReminder(Base):
    """A reminder to our lead about one instalment, sent once per kind (before, overdue)."""

    __tablename__ = "payment_reminder"
    __table_args__ = (UniqueConstraint("instalment_id", "kind", name="payment_reminder_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("fee_instalment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # before | overdue
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(Text, default="")

    instalment: Mapped[FeeInstalment] = relationship()


class MoneyEvent(Base):
    """Audit trail of the contract's money: schedule set, invoice issued, payment recorded."""

    __tablename__ = "money_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    what: Mapped[str] = mapped_column(String(20))  # schedule | invoice | payment
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(20), default="cli")
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class YearSettlement(ConfirmedVersion, Base):
    """One issued version of a contract year's settlement (年度服务结算单) and the client's
    confirmation written in its sign-off table (无异议/有异议, remarks, signer, date)."""

    __tablename__ = "year_settlement"
    __table_args__ = (UniqueConstraint("contract_id", "version", name="year_settlement_version"),)

    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    events: Mapped[list[YearSettlementEvent]] = relationship(
        back_populates="statement", order_by="YearSettlementEvent.id", cascade="all, delete-orphan"
    )


class YearSettlementEvent(StateEvent, Base):
    """Audit trail of a settlement (issued, agreed, disputed), written in its transaction."""

    __tablename__ = "year_settlement_event"
    STATE_LENGTH = 12

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("year_settlement.id"), index=True)

    statement: Mapped[YearSettlement] = relationship(back_populates="events")
