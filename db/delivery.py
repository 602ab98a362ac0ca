"""Delivery records: test runs of a request at a commit, and its releases (go-lives).

A test run keeps its counts and the failed cases (name, message) as written, so the test
report can be re-read later without the worktree; a release keeps the tag, the commit and
the commits it included, so the go-live record and the acceptance certificate agree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .models import Document, Request
from .types import Exact, UTCDateTime, utcnow


class TestRun(Base):
    """One run of the client project's tests (our command, or JUnit files run elsewhere)."""

    __tablename__ = "test_run"
    __test__ = False  # not a pytest test class
    __table_args__ = (UniqueConstraint("request_id", "seq", name="test_run_request_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per request
    commit_sha: Mapped[str] = mapped_column(String(64), default="")
    repo_path: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(10))  # command | junit
    command: Mapped[str] = mapped_column(Text, default="")
    exit_code: Mapped[int | None] = mapped_column(Integer)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    suites: Mapped[int] = mapped_column(Integer, default=0)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[Decimal] = mapped_column(Exact, default=Decimal("0"))  # seconds
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    output_excerpt: Mapped[str] = mapped_column(Text, default="")
    failed_cases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    junit_files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # name, sha
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[Request] = relationship()
    document: Mapped[Document | None] = relationship()


class Release(Base):
    """A go-live (上线): version n of a request, its annotated tag and the commit it marks."""

    __tablename__ = "release"
    __table_args__ = (
        UniqueConstraint("request_id", "version", name="release_request_version"),
        UniqueConstraint("tag", "repo_path", name="release_tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(200))
    commit_sha: Mapped[str] = mapped_column(String(64))
    repo_path: Mapped[str] = mapped_column(String(500), default="")
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # release notes as text
    commits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # groups, rollback
    test_run_id: Mapped[int | None] = mapped_column(ForeignKey("test_run.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    request: Mapped[Request] = relationship()
    test_run: Mapped[TestRun | None] = relationship()
    document: Mapped[Document | None] = relationship()


class TestCase(Base):
    """One test case of a run, automated (from JUnit) or manual (from a test-plan file),
    with the requirement number it checks (``None``: linked to no requirement)."""

    __tablename__ = "test_case"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("test_run.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the run
    kind: Mapped[str] = mapped_column(String(10))  # auto | manual
    case_id: Mapped[str] = mapped_column(String(120), default="")  # the plan's case id
    requirement_no: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    classname: Mapped[str] = mapped_column(String(300), default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    expected: Mapped[str] = mapped_column(Text, default="")
    actual: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))  # passed | failure | error | skipped
    message: Mapped[str] = mapped_column(Text, default="")
    tester: Mapped[str] = mapped_column(String(120), default="")
    tested_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD (manual)
    # described in the cases file (docs/test-cases.md): what a client reads of the case
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    precondition: Mapped[str] = mapped_column(Text, default="", server_default="")
    input_data: Mapped[str] = mapped_column(Text, default="", server_default="")
    defect: Mapped[str] = mapped_column(Text, default="", server_default="")

    run: Mapped[TestRun] = relationship()
