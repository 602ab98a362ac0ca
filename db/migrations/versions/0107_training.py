"""training sessions (培训) with their audit trail, the OA manual's versions (使用手册), and
install/upgrade changes (升级) with theirs

Revision ID: 0107
Revises: 0040
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeflow.db.types import UTCDateTime

revision = "0107"
down_revision = "0105"
branch_labels = None
depends_on = None


def _event_columns() -> list[sa.Column]:
    return [
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("trainer", sa.String(length=120), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=True),
        sa.Column("service_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_training_session_contract_id", "training_session", ["contract_id"])
    op.create_table(
        "training_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_event_columns(),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("training_session.id"), nullable=False),
    )
    op.create_index("ix_training_event_session_id", "training_event", ["session_id"])
    op.create_table(
        "oa_manual_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requests", sa.JSON(), nullable=False),
        sa.Column("chapters", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.UniqueConstraint("contract_id", "version", name="oa_manual_version_once"),
    )
    op.create_index("ix_oa_manual_version_contract_id", "oa_manual_version", ["contract_id"])
    doc = "document.id"
    op.create_table(
        "upgrade_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("from_version", sa.String(length=60), nullable=False),
        sa.Column("to_version", sa.String(length=60), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("rollback", sa.JSON(), nullable=False),
        sa.Column("tests", sa.JSON(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("window_end", UTCDateTime(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey(doc), nullable=True),
        sa.Column("approver", sa.String(length=120), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("signed_document_id", sa.Integer(), sa.ForeignKey(doc), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("record_document_id", sa.Integer(), sa.ForeignKey(doc), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_upgrade_change_contract_id", "upgrade_change", ["contract_id"])
    op.create_table(
        "upgrade_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_event_columns(),
        sa.Column("change_id", sa.Integer(), sa.ForeignKey("upgrade_change.id"), nullable=False),
    )
    op.create_index("ix_upgrade_event_change_id", "upgrade_event", ["change_id"])


def downgrade() -> None:
    op.drop_index("ix_upgrade_event_change_id", "upgrade_event")
    op.drop_table("upgrade_event")
    op.drop_index("ix_upgrade_change_contract_id", "upgrade_change")
    op.drop_table("upgrade_change")
    op.drop_index("ix_oa_manual_version_contract_id", "oa_manual_version")
    op.drop_table("oa_manual_version")
    op.drop_index("ix_training_event_session_id", "training_event")
    op.drop_table("training_event")
    op.drop_index("ix_training_session_contract_id", "training_session")
    op.drop_table("training_session")
