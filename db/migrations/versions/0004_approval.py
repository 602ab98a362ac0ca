"""approval: client decisions, kick-offs, sent mail

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-28 13:30:00

Branches from 0002 (a kick-off refers to the plan); ``upgrade()`` applies all heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=40), nullable=False),
        sa.Column("subject_version", sa.Integer(), nullable=False),
        sa.Column("subject_document_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("approver", sa.String(length=120), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_document_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_approval_request_id_request")
        ),
        sa.ForeignKeyConstraint(
            ["subject_document_id"],
            ["document.id"],
            name=op.f("fk_approval_subject_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_document_id"],
            ["document.id"],
            name=op.f("fk_approval_evidence_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["request_event.id"], name=op.f("fk_approval_event_id_request_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval")),
        sa.UniqueConstraint(
            "request_id", "subject_kind", "subject_version", name="approval_subject"
        ),
        sa.UniqueConstraint("evidence_sha256", name="approval_evidence"),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_request_id"), ["request_id"], unique=False)

    op.create_table(
        "kickoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("approval_id", sa.Integer(), nullable=True),
        sa.Column("branch", sa.String(length=200), nullable=False),
        sa.Column("base_commit", sa.String(length=64), nullable=False),
        sa.Column("repo_path", sa.String(length=500), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_kickoff_request_id_request")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_kickoff_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approval.id"], name=op.f("fk_kickoff_approval_id_approval")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kickoff")),
        sa.UniqueConstraint("request_id", "plan_version", name="kickoff_plan"),
    )
    with op.batch_alter_table("kickoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kickoff_request_id"), ["request_id"], unique=False)

    op.create_table(
        "sent_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_mail")),
        sa.UniqueConstraint("idempotency_key", name="sent_mail_key"),
    )


def downgrade() -> None:
    op.drop_table("sent_mail")
    with op.batch_alter_table("kickoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kickoff_request_id"))
    op.drop_table("kickoff")
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_request_id"))
    op.drop_table("approval")
