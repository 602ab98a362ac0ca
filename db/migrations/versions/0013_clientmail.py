"""clientmail: documents mailed to the client, messages read from the project's mailbox

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeflow.db.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("mail_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("sent_by", sa.String(length=120), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("reminder_key", sa.String(length=200), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_client_send_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_client_send_request_id_request")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_client_send_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_send")),
        sa.UniqueConstraint("document_id", name="client_send_document"),
    )
    with op.batch_alter_table("client_send", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_send_request_id"), ["request_id"], unique=False)
    op.create_table(
        "mailbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("request_key", sa.String(length=20), nullable=True),
        sa.Column("attachment", sa.String(length=300), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("answer_key", sa.String(length=200), nullable=True),
        sa.Column("answer_state", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailbox_message")),
        sa.UniqueConstraint("message_key", name="mailbox_message_key"),
    )


def downgrade() -> None:
    op.drop_table("mailbox_message")
    with op.batch_alter_table("client_send", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_send_request_id"))
    op.drop_table("client_send")
