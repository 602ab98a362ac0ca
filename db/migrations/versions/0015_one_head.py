"""One head: the weekly tables (0006) and the main chain (0014) joined, so ``init`` names
one schema revision.

Revision ID: 0015
Revises: 0006, 0014
"""

from __future__ import annotations

revision = "0015"
down_revision = ("0006", "0014")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
