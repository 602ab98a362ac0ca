"""plans: draft and issued plan versions, our staff's days away

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 09:00:00

A plan version is a draft (unsigned, not sendable) until the lead issues it; plans made
before this revision were all issued when made. ``staff_away`` holds a person's days off
(leave, other duties) that every plan schedules around.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="issued")
        )
        batch_op.add_column(
            sa.Column("issued_at", changeflow.db.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("issued_by", sa.String(length=120), nullable=False, server_default="")
        )
    op.execute("UPDATE plan SET issued_at = created_at WHERE status = 'issued'")
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "covered_days",
                changeflow.db.types.Exact(),
                nullable=False,
                server_default="0",
            )
        )

    op.create_table(
        "staff_away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_staff_away_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_away")),
        sa.UniqueConstraint("person_id", "first_day", "last_day", name="staff_away_span"),
    )
    with op.batch_alter_table("staff_away", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_away_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_away", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_away_person_id"))
    op.drop_table("staff_away")
    with op.batch_alter_table("work_item", schema=None) as batch_op:
        batch_op.drop_column("covered_days")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("issued_by")
        batch_op.drop_column("issued_at")
        batch_op.drop_column("status")
