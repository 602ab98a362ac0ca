"""Git tracking: the client projects' repositories, their commits, links to requests, time logs.

Commits keep aggregated numstat figures and the touched paths in one text column instead of
one row per file: a 100,000-commit history is then 100,000 rows, not 300,000+, and the only
per-file question asked (distinct files of a request) is answered from the linked commits.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .types import Exact, UTCDateTime, utcnow


class Repository(Base):
    """A client project's repository: a local path, or a URL mirrored into the home folder."""

    __tablename__ = "git_repository"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    location: Mapped[str] = mapped_column(String(500), unique=True)  # path or URL as given
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    # fnmatch patterns over short ref names ("main", "origin/cr/*"); empty = every branch.
    branches: Mapped[list[str]] = mapped_column(JSON, default=list)
    # regexes with a named group ``key`` (CR-YYYY-NNNN) or ``seq`` (#N); empty = defaults.
    link_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # spelling (name or email, any case) -> canonical identity, on top of .mailmap.
    aliases: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    shallow_boundary: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    heads: Mapped[list[BranchHead]] = relationship(
        back_populates="repository", cascade="all, delete-orphan"
    )


class BranchHead(Base):
    """The last synced commit of one followed branch: the start of the next incremental log."""

    __tablename__ = "git_branch_head"
    __table_args__ = (UniqueConstraint("repository_id", "name", name="git_branch_head_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("git_repository.id"))
    name: Mapped[str] = mapped_column(String(250))
    sha: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    repository: Mapped[Repository] = relationship(back_populates="heads")


class Commit(Base):
    """One commit with aggregated numstat; rows are never deleted, only marked unreachable.

    ``files``/``insertions``/``deletions`` are NULL for a shallow clone's boundary commit,
    whose numstat git reports as "every file added".
    """

    __tablename__ = "git_commit"
    __table_args__ = (UniqueConstraint("repository_id", "sha", name="git_commit_sha"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("git_repository.id"))
    sha: Mapped[str] = mapped_column(String(64))
    parents: Mapped[str] = mapped_column(Text, default="")  # space-separated shas
    is_merge: Mapped[bool] = mapped_column(Boolean, default=False)
    author_name: Mapped[str] = mapped_column(String(200))  # after .mailmap
    author_email: Mapped[str] = mapped_column(String(200))  # after .mailmap
    identity: Mapped[str] = mapped_column(String(200))  # normalised: case, aliases, people
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    authored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_tz: Mapped[int] = mapped_column(Integer, default=0)  # author's UTC offset, minutes
    author_day: Mapped[date] = mapped_column(Date)  # calendar day at the author's offset
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[int | None] = mapped_column(Integer)
    insertions: Mapped[int | None] = mapped_column(Integer)
    deletions: Mapped[int | None] = mapped_column(Integer)
    paths: Mapped[str] = mapped_column(Text, default="")  # newline-separated
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    shallow_boundary: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommitLink(Base):
    """A commit counted for a request, and how it was found (key, ref, branch, merge)."""

    __tablename__ = "git_commit_link"
    __table_args__ = (UniqueConstraint("commit_id", "request_id", name="git_commit_link_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commit_id: Mapped[int] = mapped_column(ForeignKey("git_commit.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    how: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimeEntry(Base):
    """Hours logged by a person on a day; from a commit message token such as ``@1h30m``."""

    __tablename__ = "git_time_entry"
    __table_args__ = (UniqueConstraint("commit_id", "position", name="git_time_entry_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commit_id: Mapped[int | None] = mapped_column(ForeignKey("git_commit.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # token offset in the message
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    identity: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Exact)
    token: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
