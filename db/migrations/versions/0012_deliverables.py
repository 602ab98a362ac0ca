"""deliverables: the test cases of a run, traced to the requirements

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("case_id", sa.String(length=120), nullable=False),
        sa.Column("requirement_no", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("classname", sa.String(length=300), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("expected", sa.Text(), nullable=False),
        sa.Column("actual", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("tester", sa.String(length=120), nullable=False),
        sa.Column("tested_on", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["test_run.id"], name=op.f("fk_test_case_run_id_test_run")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_test_case_request_id_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_case")),
    )
    with op.batch_alter_table("test_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_case_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_case_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("test_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_case_request_id"))
        batch_op.drop_index(batch_op.f("ix_test_case_run_id"))
    op.drop_table("test_case")
