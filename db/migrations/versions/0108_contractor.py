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


# plain ALTER TABLE ADD/DROP COLUMN (SQLite 3.35+ has both): a batch rebuild would drop the
# contract table, which every request and document points at
def upgrade() -> None:
    for name, kind in _COLUMNS:
        op.add_column("contract", sa.Column(name, kind, nullable=False, server_default=""))


def downgrade() -> None:
    for name, _ in reversed(_COLUMNS):
        op.drop_column("contract", name)
