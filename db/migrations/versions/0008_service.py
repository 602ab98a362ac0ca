"""service accounting: the client's on-site time, worked time per engineer, dispatch mode
and skills, one run log entry per engineer and day

Revision ID: 0008
Revises: 0007, 0005
Create Date: 2026-12-01 09:00:00

Follows 0007 (the chain head) and merges 0005, whose maintenance tables it changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0008"
down_revision = ("0007", "0005")  # 0007 the chain head; 0005 the maintenance tables it changes
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("onsite_requested", changeflow.db.types.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overtime_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("service_mode", sa.String(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("on_day_off", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.alter_column("service_mode", server_default=None)
        batch_op.alter_column("skills", server_default=None)
        batch_op.alter_column("on_day_off", server_default=None)
    op.create_table(
        "dispatch_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("started_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("ended_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("service_minutes", sa.Integer(), nullable=False),
        sa.Column("overtime_minutes", sa.Integer(), nullable=False),
        sa.Column("entered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["dispatch_order.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "person_id", name="dispatch_work_once"),
    )
    with op.batch_alter_table("dispatch_work", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_work_order_id"), ["order_id"], unique=False)
    with op.batch_alter_table("run_log_entry", schema=None) as batch_op:
        batch_op.drop_constraint("run_log_entry_day", type_="unique")
        batch_op.create_unique_constraint(
            "run_log_entry_author_day", ["contract_id", "day", "author"]
        )


def downgrade() -> None:
    with op.batch_alter_table("run_log_entry", schema=None) as batch_op:
        batch_op.drop_constraint("run_log_entry_author_day", type_="unique")
        batch_op.create_unique_constraint("run_log_entry_day", ["contract_id", "day"])
    with op.batch_alter_table("dispatch_work", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_work_order_id"))
    op.drop_table("dispatch_work")
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.drop_column("on_day_off")
        batch_op.drop_column("skills")
        batch_op.drop_column("service_mode")
        batch_op.drop_column("overtime_minutes")
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.drop_column("onsite_requested")
