"""both parties of a contract: our company (乙方) beside the client, by name, address,
contact and phone (blank on a contract loaded before: documents then fall back to the
``company`` setting)

Revision ID: 0108
Revises: 0040
Create Date: 2026-12-06 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0108"
down_revision = "0107"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("contractor_name", sa.String(length=200)),
    ("contractor_address", sa.String(length=300)),
    ("contractor_contact", sa.String(length=120)),
    ("contractor_phone", sa.String(length=60)),
)


def upgrade() -> None:
    with op.batch_alter_table("contract") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("contract") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
