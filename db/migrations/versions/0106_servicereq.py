"""servicereq: service requests (服务请求), their worked time, audit trail and the
account/permission changes with their client-side authoriser

Revision ID: 0106
Revises: 0040
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from changeflow.db.types import UTCDateTime

revision = "0106"
down_revision = "0108"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(length=120), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=False),
        sa.Column("response_clock", sa.String(length=12), nullable=False),
        sa.Column("response_due", UTCDateTime(), nullable=False),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.Column("confirmed_via", sa.String(length=12), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("dispatch_number", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.ForeignKeyConstraint(["engineer_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("mail_id"),
    )
    op.create_index("ix_service_request_contract_id", "service_request", ["contract_id"])
    op.create_index("ix_service_request_received_at", "service_request", ["received_at"])
    op.create_table(
        "service_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("service_minutes", sa.Integer(), nullable=False),
        sa.Column("overtime_minutes", sa.Integer(), nullable=False),
        sa.Column("dispatch_number", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service_request.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_work_service_id", "service_work", ["service_id"])
    op.create_table(
        "service_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service_request.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_event_service_id", "service_event", ["service_id"])
    op.create_table(
        "permission_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("asked_by", sa.String(length=120), nullable=False),
        sa.Column("authorised_by", sa.String(length=120), nullable=False),
        sa.Column("account", sa.String(length=120), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service_request.id"]),
        sa.ForeignKeyConstraint(["contract_id"], ["contract.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "seq", name="permission_change_seq"),
    )
    op.create_index("ix_permission_change_service_id", "permission_change", ["service_id"])
    op.create_index("ix_permission_change_contract_id", "permission_change", ["contract_id"])
    op.create_index("ix_permission_change_changed_at", "permission_change", ["changed_at"])


def downgrade() -> None:
    for table in ("permission_change", "service_event", "service_work", "service_request"):
        op.drop_table(table)
