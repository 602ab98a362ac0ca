"""recorded acts carry two times: when it happened (``at``, ``created_at``, given by the lead)
and when we recorded it (``recorded_at``, the machine's clock), in every audit record and in
the run log and weekly reports

Revision ID: 0030
Revises: 0070
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0030"
down_revision = "0070"
branch_labels = None
depends_on = None

# table -> the column that said when the row was written, copied into recorded_at
TABLES = {
    "request_event": "at",
    "dispatch_event": "at",
    "sla_statement_event": "at",
    "year_settlement_event": "at",
    "run_log_entry": "created_at",
    "weekly_report": "created_at",
}


def upgrade() -> None:
    for table, source in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("recorded_at", changeflow.db.types.UTCDateTime(), nullable=True)
            )
        op.execute(f"UPDATE {table} SET recorded_at = {source}")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("recorded_at")
