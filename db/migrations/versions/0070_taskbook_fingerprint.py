"""The task book's fingerprint on each request (client, project and requirements, read the
same from .docx or YAML): a task book already taken in, in any format, is refused naming
its request.

Revision ID: 0070
Revises: 0020
Create Date: 2026-12-06 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("taskbook_fingerprint", sa.String(length=64), nullable=True))
        batch.create_index("ix_request_taskbook_fingerprint", ["taskbook_fingerprint"])


def downgrade() -> None:
    with op.batch_alter_table("request") as batch:
        batch.drop_index("ix_request_taskbook_fingerprint")
        batch.drop_column("taskbook_fingerprint")
