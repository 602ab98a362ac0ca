"""contents of the deliverables: a test case's description as the client reads it (title,
precondition, input) and the defect a manual case found

Revision ID: 0040
Revises: 0015
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0015"
branch_labels = None
depends_on = None

_CASE = (
    ("title", sa.String(length=300)),
    ("precondition", sa.Text()),
    ("input_data", sa.Text()),
    ("defect", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("test_case") as batch:
        for name, kind in _CASE:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("test_case") as batch:
        for name, _ in reversed(_CASE):
            batch.drop_column(name)
