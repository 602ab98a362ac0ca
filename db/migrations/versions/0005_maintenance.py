"""maintenance: faults, SLA notices, dispatch orders, quota alerts, run log

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-28 13:19:00

Branches from 0002 (the calendar tables the SLA clocks read); ``upgrade()`` applies all heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("days_used", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_quota_alert_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_alert")),
        sa.UniqueConstraint("contract_id", "period_start", "level", name="quota_alert_once"),
    )
    with op.batch_alter_table("quota_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quota_alert_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "run_log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("backups_verified", sa.Boolean(), nullable=False),
        sa.Column("backup_note", sa.Text(), nullable=False),
        sa.Column("incidents", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_run_log_entry_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_log_entry")),
        sa.UniqueConstraint("contract_id", "day", name="run_log_entry_day"),
    )
    with op.batch_alter_table("run_log_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_run_log_entry_contract_id"), ["contract_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_run_log_entry_day"), ["day"], unique=False)

    op.create_table(
        "run_log_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_run_log_reminder_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_log_reminder")),
        sa.UniqueConstraint("contract_id", "day", name="run_log_reminder_day"),
    )
    op.create_table(
        "fault",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("system", sa.String(length=120), nullable=False),
        sa.Column("reporter", sa.String(length=120), nullable=False),
        sa.Column("reported_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=False),
        sa.Column("response_clock", sa.String(length=10), nullable=False),
        sa.Column("onsite_minutes", sa.Integer(), nullable=False),
        sa.Column("onsite_clock", sa.String(length=10), nullable=False),
        sa.Column("warn_at", changeflow.db.types.Exact(length=32), nullable=False),
        sa.Column("response_due", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("onsite_due", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("response_provisional", sa.Boolean(), nullable=False),
        sa.Column("onsite_provisional", sa.Boolean(), nullable=False),
        sa.Column("responded_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("response_mode", sa.String(length=20), nullable=False),
        sa.Column("onsite_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("engineer_id", sa.Integer(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("test_report", sa.Text(), nullable=False),
        sa.Column("solution", sa.Text(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("breach_cause", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_fault_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["engineer_id"], ["person.id"], name=op.f("fk_fault_engineer_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_fault_request_id_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault")),
        sa.UniqueConstraint("request_id", name=op.f("uq_fault_request_id")),
    )
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fault_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fault_reported_at"), ["reported_at"], unique=False)

    op.create_table(
        "dispatch_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("work_content", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("planned_start", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("planned_end", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("actual_start", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("actual_end", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("worked_minutes", sa.Integer(), nullable=True),
        sa.Column("schedule_key", sa.String(length=80), nullable=True),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_document_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_dispatch_order_contract_id_contract")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_dispatch_order_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["signed_document_id"],
            ["document.id"],
            name=op.f("fk_dispatch_order_signed_document_id_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_order")),
        sa.UniqueConstraint("number", name=op.f("uq_dispatch_order_number")),
        sa.UniqueConstraint("schedule_key", name=op.f("uq_dispatch_order_schedule_key")),
    )
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_order_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "fault_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fault_id", sa.Integer(), nullable=False),
        sa.Column("started_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["fault_id"], ["fault.id"], name=op.f("fk_fault_pause_fault_id_fault")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fault_pause")),
    )
    with op.batch_alter_table("fault_pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fault_pause_fault_id"), ["fault_id"], unique=False)

    op.create_table(
        "sla_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fault_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("due_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", changeflow.db.types.UTCDateTime(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fault_id"], ["fault.id"], name=op.f("fk_sla_notice_fault_id_fault")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notice")),
        sa.UniqueConstraint("fault_id", "clock", "level", name="sla_notice_once"),
    )
    with op.batch_alter_table("sla_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_notice_fault_id"), ["fault_id"], unique=False)

    op.create_table(
        "dispatch_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_order.id"],
            name=op.f("fk_dispatch_event_order_id_dispatch_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_event")),
    )
    with op.batch_alter_table("dispatch_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_event_order_id"), ["order_id"], unique=False)

    op.create_table(
        "dispatch_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_order.id"],
            name=op.f("fk_dispatch_link_order_id_dispatch_order"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_dispatch_link_request_id_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_link")),
        sa.UniqueConstraint("order_id", "request_id", name="dispatch_link_once"),
    )
    with op.batch_alter_table("dispatch_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_link_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dispatch_link_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "dispatch_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["dispatch_order.id"],
            name=op.f("fk_dispatch_staff_order_id_dispatch_order"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_dispatch_staff_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_staff")),
        sa.UniqueConstraint("order_id", "person_id", name="dispatch_staff_once"),
    )
    with op.batch_alter_table("dispatch_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_staff_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatch_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_staff_order_id"))

    op.drop_table("dispatch_staff")
    with op.batch_alter_table("dispatch_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_link_request_id"))
        batch_op.drop_index(batch_op.f("ix_dispatch_link_order_id"))

    op.drop_table("dispatch_link")
    with op.batch_alter_table("dispatch_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_event_order_id"))

    op.drop_table("dispatch_event")
    with op.batch_alter_table("sla_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_notice_fault_id"))

    op.drop_table("sla_notice")
    with op.batch_alter_table("fault_pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fault_pause_fault_id"))

    op.drop_table("fault_pause")
    with op.batch_alter_table("dispatch_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_order_contract_id"))

    op.drop_table("dispatch_order")
    with op.batch_alter_table("fault", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fault_reported_at"))
        batch_op.drop_index(batch_op.f("ix_fault_contract_id"))

    op.drop_table("fault")
    op.drop_table("run_log_reminder")
    with op.batch_alter_table("run_log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_log_entry_day"))
        batch_op.drop_index(batch_op.f("ix_run_log_entry_contract_id"))

    op.drop_table("run_log_entry")
    with op.batch_alter_table("quota_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quota_alert_contract_id"))

    op.drop_table("quota_alert")
