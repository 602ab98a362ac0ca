"""contents of the deliverables: a test case's description as the client reads it (title,
precondition, input) and the defect a manual case found; a fault's root cause, prevention
and the client's confirmation

Revision ID: 0040
Revises: 0030
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None

_CASE = (
    ("title", sa.String(length=300)),
    ("precondition", sa.Text()),
    ("input_data", sa.Text()),
    ("defect", sa.Text()),
)


_FAULT = (
    ("root_cause", sa.Text()),
    ("prevention", sa.Text()),
    ("confirmed_by", sa.String(length=120)),
    ("confirmed_on", sa.String(length=40)),
    ("confirmation", sa.Text()),
)


def upgrade() -> None:
    for table, columns in (("test_case", _CASE), ("fault", _FAULT)):
        with op.batch_alter_table(table) as batch:
            for name, kind in columns:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    for table, columns in (("fault", _FAULT), ("test_case", _CASE)):
        with op.batch_alter_table(table) as batch:
            for name, _ in reversed(columns):
                batch.drop_column(name)
