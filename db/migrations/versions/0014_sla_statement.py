"""service accounting: the client's confirmation of the monthly SLA statement, the alert
when a month's (or week's) service days cross the cycle's allowance, and the group robots'
outbox (each notice once per robot, tried again until delivered)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cycle_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.String(length=10), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("days_used", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("allowance", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_cycle_alert_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_alert")),
        sa.UniqueConstraint("contract_id", "cycle", "level", name="cycle_alert_once"),
    )
    with op.batch_alter_table("cycle_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_alert_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "sla_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_document_id", sa.Integer(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_sla_statement_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_sla_statement_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["signed_document_id"],
            ["document.id"],
            name=op.f("fk_sla_statement_signed_document_id_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_statement")),
        sa.UniqueConstraint("contract_id", "month", "version", name="sla_statement_version"),
        sa.UniqueConstraint("evidence_sha256", name=op.f("uq_sla_statement_evidence_sha256")),
    )
    with op.batch_alter_table("sla_statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sla_statement_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sla_statement_subject"), ["subject"], unique=False)

    op.create_table(
        "sla_statement_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["sla_statement.id"],
            name=op.f("fk_sla_statement_event_statement_id_sla_statement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_statement_event")),
    )
    with op.batch_alter_table("sla_statement_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sla_statement_event_statement_id"), ["statement_id"], unique=False
        )

    op.create_table(
        "robot_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("robot", sa.String(length=40), nullable=False),
        sa.Column("robot_name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("next_try_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_robot_delivery")),
        sa.UniqueConstraint("key", "robot", name="robot_delivery_once"),
    )
    with op.batch_alter_table("robot_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_robot_delivery_robot"), ["robot"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("robot_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_robot_delivery_robot"))
    op.drop_table("robot_delivery")
    with op.batch_alter_table("sla_statement_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_statement_event_statement_id"))
    op.drop_table("sla_statement_event")
    with op.batch_alter_table("sla_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_statement_subject"))
        batch_op.drop_index(batch_op.f("ix_sla_statement_contract_id"))
    op.drop_table("sla_statement")
    with op.batch_alter_table("cycle_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_alert_contract_id"))
    op.drop_table("cycle_alert")
