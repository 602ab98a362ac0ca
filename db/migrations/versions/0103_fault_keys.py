"""Fault keys of their own: faults are numbered GZ-2026-0001 (故障), requests CR-2026-0001,
each series counting on its own per year (``request.series``; unique series, year, seq).

Existing data: old keys stay valid. Every request already stored, a fault too, keeps its
key and gets series CR (its number was taken in the CR series), so documents, mails, commit
links and audit lines that name it still find it; faults reported from now on get GZ keys.

Revision ID: 0103
Revises: 0040
Create Date: 2026-12-06 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0103"
down_revision = "0040"
branch_labels = None
depends_on = None


def _defer_foreign_keys() -> None:
    """SQLite rebuilds the table to change its unique constraint; the rows other tables
    point at are dropped and written back with the same ids, so the foreign keys must not be
    checked at the DROP: off when no transaction is open yet (the driver opens one only for
    data changes), else deferred to the end of the transaction (foreign_keys cannot change
    inside one; defer_foreign_keys can)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # an earlier step of the same run (a table rebuilt by a later revision's downgrade,
        # say) may have opened the driver's transaction: end it, so foreign_keys can change
        driver = bind.connection.driver_connection
        if driver.in_transaction:
            driver.commit()
        op.execute("PRAGMA foreign_keys = OFF")
        op.execute("PRAGMA defer_foreign_keys = ON")


def _restore_foreign_keys() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    _defer_foreign_keys()
    with op.batch_alter_table("request") as batch:
        batch.add_column(
            sa.Column("series", sa.String(length=4), nullable=False, server_default="CR")
        )
        batch.drop_constraint("request_year_seq", type_="unique")
        batch.create_unique_constraint("request_series_year_seq", ["series", "year", "seq"])
    _restore_foreign_keys()


def downgrade() -> None:
    # the GZ series would collide with CR numbers of the same year: renumber them after the
    # year's last CR before the old (year, seq) constraint comes back
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, year FROM request WHERE series <> 'CR' ORDER BY year, seq")
    ).fetchall()
    for rid, year in rows:
        top = conn.execute(
            sa.text("SELECT COALESCE(MAX(seq), 0) FROM request WHERE year = :y AND series = 'CR'"),
            {"y": year},
        ).scalar()
        conn.execute(
            sa.text("UPDATE request SET seq = :s, series = 'CR' WHERE id = :i"),
            {"s": top + 1, "i": rid},
        )
    _defer_foreign_keys()
    with op.batch_alter_table("request") as batch:
        batch.drop_constraint("request_series_year_seq", type_="unique")
        batch.create_unique_constraint("request_year_seq", ["year", "seq"])
        batch.drop_column("series")
    _restore_foreign_keys()
