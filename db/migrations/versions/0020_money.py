"""money: the fee's schedule (instalments with due dates), invoices, payments (支票 with its
number, 现金, 转账), reminders before a due date, their audit trail, and the year's
settlement (年度服务结算单) the client confirms

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fee_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_fee_instalment_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_instalment")),
        sa.UniqueConstraint("contract_id", "seq", name="fee_instalment_seq"),
    )
    with op.batch_alter_table("fee_instalment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fee_instalment_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("amount", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_invoice_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "money_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_money_event_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_event")),
    )
    with op.batch_alter_table("money_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_money_event_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("cheque_no", sa.String(length=60), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_payment_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_payment_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "payment_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instalment_id"],
            ["fee_instalment.id"],
            name=op.f("fk_payment_reminder_instalment_id_fee_instalment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reminder")),
        sa.UniqueConstraint("instalment_id", "kind", name="payment_reminder_once"),
    )
    with op.batch_alter_table("payment_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_reminder_instalment_id"), ["instalment_id"], unique=False
        )

    op.create_table(
        "year_settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("agreed", sa.Boolean(), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_document_id", sa.Integer(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_year_settlement_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_year_settlement_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["signed_document_id"],
            ["document.id"],
            name=op.f("fk_year_settlement_signed_document_id_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_settlement")),
        sa.UniqueConstraint("contract_id", "version", name="year_settlement_version"),
        sa.UniqueConstraint("evidence_sha256", name=op.f("uq_year_settlement_evidence_sha256")),
    )
    with op.batch_alter_table("year_settlement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_year_settlement_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_year_settlement_subject"), ["subject"], unique=False)

    op.create_table(
        "year_settlement_event",
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
            ["year_settlement.id"],
            name=op.f("fk_year_settlement_event_statement_id_year_settlement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_settlement_event")),
    )
    with op.batch_alter_table("year_settlement_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_year_settlement_event_statement_id"), ["statement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("year_settlement_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_settlement_event_statement_id"))

    op.drop_table("year_settlement_event")
    with op.batch_alter_table("year_settlement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_settlement_subject"))
        batch_op.drop_index(batch_op.f("ix_year_settlement_contract_id"))

    op.drop_table("year_settlement")
    with op.batch_alter_table("payment_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_reminder_instalment_id"))

    op.drop_table("payment_reminder")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_contract_id"))

    op.drop_table("payment")
    with op.batch_alter_table("money_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_event_contract_id"))

    op.drop_table("money_event")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_contract_id"))

    op.drop_table("invoice")
    with op.batch_alter_table("fee_instalment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_instalment_contract_id"))

    op.drop_table("fee_instalment")
