"""planning: calendar overrides, plans, work items, milestones

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:12:23.930429
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.create_table(
        "calendar_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("start", sa.Time(), nullable=True),
        sa.Column("end", sa.Time(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_calendar_override_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_override")),
        sa.UniqueConstraint("contract_id", "day", "source", name="calendar_override_day"),
    )
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_override_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_calendar_override_day"), ["day"], unique=False)

    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("calendar_days", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("person_days", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("subtotal", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("tax_rate", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("tax", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("total", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("estimates_source", sa.String(length=300), nullable=False),
        sa.Column("lang", sa.String(length=10), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_plan_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_plan_request_id_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("request_id", "version", name="plan_request_version"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_request_id"), ["request_id"], unique=False)

    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_milestone_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("requirement_no", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("person_days", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("day_rate", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("amount", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["person.id"], name=op.f("fk_work_item_assignee_id_person")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_work_item_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_item")),
    )
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_item_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_item_plan_id"))

    op.drop_table("work_item")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_plan_id"))

    op.drop_table("milestone")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_request_id"))

    op.drop_table("plan")
    with op.batch_alter_table("calendar_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_override_day"))
        batch_op.drop_index(batch_op.f("ix_calendar_override_contract_id"))

    op.drop_table("calendar_override")
    op.drop_table("calendar_year")
