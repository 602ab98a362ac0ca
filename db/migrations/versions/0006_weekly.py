"""weekly: the weekly report (项目周报) per client, ISO week and version, with its mail state

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-28 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("lang", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("mail_key", sa.String(length=120), nullable=False),
        sa.Column("mail_state", sa.String(length=10), nullable=False),
        sa.Column("mail_to", sa.String(length=300), nullable=False),
        sa.Column("mail_attempts", sa.Integer(), nullable=False),
        sa.Column("mail_error", sa.Text(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_weekly_report_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_weekly_report_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_weekly_report_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_report")),
        sa.UniqueConstraint("client_id", "week", "version", name="weekly_report_version"),
        sa.UniqueConstraint("mail_key", name=op.f("uq_weekly_report_mail_key")),
    )
    op.create_index(
        op.f("ix_weekly_report_client_id"), "weekly_report", ["client_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_weekly_report_client_id"), table_name="weekly_report")
    op.drop_table("weekly_report")
