"""Mail with the client: documents we sent (once per version, with the reminder) and the
messages read from the project's mailbox (claimed once, filed, answered).

``client_send`` is the request-side record of a document mailed to the client's contact; the
SMTP conversation itself is claimed in ``sent_mail`` under the row's ``mail_key`` (at most
once per document version). ``mailbox_message`` claims each message read over IMAP by a
unique key (its Message-ID, or the sha256 of the raw message), so two passes at once, or the
same message delivered twice, never take it in twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .models import Contract, Document, Request
from .types import UTCDateTime, utcnow


class ClientSend(Base):
    """One document version mailed to the client's contact (plan, acceptance certificate,
    dispatch order, monthly SLA statement): its state, attempts, error and the reminder."""

    __tablename__ = "client_send"
    __table_args__ = (UniqueConstraint("document_id", name="client_send_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    kind: Mapped[str] = mapped_column(String(40))  # plan | acceptance | dispatch | sla-report
    subject: Mapped[str] = mapped_column(String(60))  # CR-2026-0001, PG-2026-0008, OA-2026 2026-11
    version: Mapped[int] = mapped_column(Integer)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    mail_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="sending")  # sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(300), default="")
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_by: Mapped[str] = mapped_column(String(120), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_key: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship()
    request: Mapped[Request | None] = relationship()
    contract: Mapped[Contract | None] = relationship()


class MailboxMessage(Base):
    """One message read from the project's mailbox, claimed by its key before anything is
    taken in; ends recorded, refused or duplicate, filed in a folder and answered."""

    __tablename__ = "mailbox_message"
    __table_args__ = (UniqueConstraint("message_key", name="mailbox_message_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_key: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300), default="")
    sender: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))  # of the raw message
    state: Mapped[str] = mapped_column(String(12), default="claimed")  # claimed|recorded|refused
    detail: Mapped[str] = mapped_column(Text, default="")
    request_key: Mapped[str | None] = mapped_column(String(20))
    attachment: Mapped[str] = mapped_column(String(300), default="")
    folder: Mapped[str] = mapped_column(String(200), default="")  # where it was filed
    answer_key: Mapped[str | None] = mapped_column(String(200))
    answer_state: Mapped[str] = mapped_column(String(10), default="")  # sent|failed|""
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
