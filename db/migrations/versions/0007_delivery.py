"""delivery: test runs and releases

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-28 14:00:00

Branches from 0004 (approval); ``upgrade()`` applies all heads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import changeflow.db.types

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("commit_sha", sa.String(length=64), nullable=False),
        sa.Column("repo_path", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("timed_out", sa.Boolean(), nullable=False),
        sa.Column("suites", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("duration", changeflow.db.types.Exact(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("output_excerpt", sa.Text(), nullable=False),
        sa.Column("failed_cases", sa.JSON(), nullable=False),
        sa.Column("environment", sa.JSON(), nullable=False),
        sa.Column("junit_files", sa.JSON(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_test_run_request_id_request")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_test_run_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_run")),
        sa.UniqueConstraint("request_id", "seq", name="test_run_request_seq"),
    )
    with op.batch_alter_table("test_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_run_request_id"), ["request_id"], unique=False)

    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.Column("commit_sha", sa.String(length=64), nullable=False),
        sa.Column("repo_path", sa.String(length=500), nullable=False),
        sa.Column("released_at", changeflow.db.types.UTCDateTime(), nullable=False),
        sa.Column("released_by", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("commits", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("test_run_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_release_request_id_request")
        ),
        sa.ForeignKeyConstraint(
            ["test_run_id"], ["test_run.id"], name=op.f("fk_release_test_run_id_test_run")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_release_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release")),
        sa.UniqueConstraint("request_id", "version", name="release_request_version"),
        sa.UniqueConstraint("tag", "repo_path", name="release_tag"),
    )
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_request_id"))
    op.drop_table("release")
    with op.batch_alter_table("test_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_run_request_id"))
    op.drop_table("test_run")
