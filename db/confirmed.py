"""One shape for a document we issue in versions and the client confirms in its sign-off
table (无异议/有异议, remarks, signer, date): the monthly SLA statement, the year's
settlement, the maintenance plan document. A model mixes in ``ConfirmedVersion`` and adds
what is its own (the month, the figures); its audit trail is a ``StateEvent`` table of its
own. ``SignedRecord`` is the smaller shape of a numbered piece of work whose one current
document the client signs (a training session, an upgrade).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .models import Contract, Document

CONFIRMATION_STATES = ("issued", "agreed", "disputed")


class _ContractDocuments:
    """What both shapes hold: the contract, the document, the client's signed copy and the
    row version that guards a change (its columns are each shape's own)."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.row_version}

    @declared_attr
    def contract(cls) -> Mapped[Contract]:
        return relationship("Contract")

    @declared_attr
    def document(cls) -> Mapped[Document]:
        return relationship("Document", foreign_keys=[cls.document_id])

    @declared_attr
    def signed_document(cls) -> Mapped[Document | None]:
        return relationship("Document", foreign_keys=[cls.signed_document_id])


class ConfirmedVersion(_ContractDocuments):
    """The columns of one issued version and of the client's confirmation of it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), index=True)  # OA-2026/2026-09

    @declared_attr
    def contract_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("contract.id"), index=True)

    version: Mapped[int] = mapped_column(Integer, sort_order=1)
    lang: Mapped[str] = mapped_column(String(8), sort_order=1)
    state: Mapped[str] = mapped_column(String(12), default="issued", sort_order=1)

    @declared_attr
    def document_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("document.id"), sort_order=1)

    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=1)
    issued_by: Mapped[str] = mapped_column(String(120), default="", sort_order=1)
    agreed: Mapped[bool | None] = mapped_column(Boolean, sort_order=2)
    remarks: Mapped[str] = mapped_column(Text, default="", sort_order=2)
    signer: Mapped[str] = mapped_column(String(120), default="", sort_order=2)
    signed_on: Mapped[date | None] = mapped_column(Date, sort_order=2)

    @declared_attr
    def signed_document_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("document.id"), sort_order=2)

    evidence_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, sort_order=2)
    row_version: Mapped[int] = mapped_column(Integer, default=1, sort_order=2)


class SignedRecord(_ContractDocuments):
    """The columns of a numbered piece of work under a contract whose current document the
    client signs and returns (a training session's sign-in sheet, an upgrade's plan): its
    number and state, the document and the signed copy, who made it and when. The versions
    of the document are ``Document`` rows; a model adds what is its own."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    number: Mapped[str] = mapped_column(String(20), unique=True, sort_order=-1)  # PX-2026-0001

    @declared_attr
    def contract_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("contract.id"), index=True, sort_order=-1)

    state: Mapped[str] = mapped_column(String(12), default="planned", sort_order=-1)

    @declared_attr
    def document_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("document.id"), sort_order=1)

    @declared_attr
    def signed_document_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("document.id"), sort_order=1)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=1)
    created_by: Mapped[str] = mapped_column(String(120), default="", sort_order=1)
    row_version: Mapped[int] = mapped_column(Integer, default=1, sort_order=1)
