"""Task-book intake: a validated task book becomes a request in ``submitted``.

The request, its requirements, the original file in the store and the first audit record
are written in one transaction; keys are allocated one at a time (see ``next_key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.db.lifecycle import INITIAL, record_creation
from changeflow.db.models import Document, Request, Requirement
from changeflow.db.store import put_document, sha256_bytes
from changeflow.errors import InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from .directory import client_contract, find_client
from .numbered import with_new_key
from .taskbook import TaskBook, read_taskbook


@dataclass(frozen=True)
class IntakeResult:
    key: str
    request_id: int
    client: str
    title: str
    state: str
    document_path: str | None
    sha256: str | None
    contract: str | None = None  # the contract code it falls under (by the task book's date)
    requirements: int = 0  # how many requirement rows were read

    def summary(self) -> str:
        """What a person reads after intake: the key, the match, the count and the next step."""
        under = f"contract {self.contract}" if self.contract else "no contract in force"
        return (
            f"{self.key} {self.title} ({self.state}): client {self.client}, {under},"
            f" {self.requirements} requirement(s); next: changeflow plan {self.key}"
        )


# One number for the transaction-level advisory lock that serialises key allocation on
# PostgreSQL (an arbitrary constant: "cf" "key" in ASCII).
KEY_LOCK = 0x6366_6B6579


def next_key(session: Session, year: int, prefix: str = "CR") -> tuple[str, int]:
    """The year's next key of the series ``prefix`` (CR requests, GZ faults: each series
    counts on its own; the caller sets the row's ``series`` to ``prefix``). On PostgreSQL
    concurrent intakes queue on an advisory lock held to the end of the transaction, so
    none collides and none runs out of retries under load (1,000 task books from several
    inbox passes); SQLite serialises writers itself, and the unique key with the caller's
    retry remains the safety net on both."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(KEY_LOCK)))
    seq = (
        session.scalar(
            select(func.max(Request.seq)).where(Request.year == year, Request.series == prefix)
        )
        or 0
    ) + 1
    return f"{prefix}-{year}-{seq:04d}", seq


def taskbook_fingerprint(book: TaskBook, client_id: int) -> str:
    """What makes two task books the same request, whatever the file's format: the client,
    the project and the requirements (spacing and case aside)."""
    import hashlib
    import json

    def plain(text: object) -> str:
        return " ".join(str(text or "").split()).casefold()

    content = {
        "client": client_id,
        "project": plain(book.project),
        "requirements": [
            [r.no, plain(r.text), plain(r.priority), plain(r.acceptance)] for r in book.requirements
        ],
    }
    blob = json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _create(
    session: Session,
    book: TaskBook,
    *,
    source: str,
    original: bytes | None,
    filename: str | None,
    actor: str,
    channel: str,
    now: datetime,
) -> IntakeResult:
    client = find_client(session, book.client, source)
    sha = sha256_bytes(original) if original is not None else None
    if sha is not None:
        dup = session.scalar(
            select(Document).where(Document.kind == "taskbook", Document.sha256 == sha)
        )
        if dup is not None:
            key = dup.request.key if dup.request else "?"
            raise InputError(source, "file", f"this task book was already taken in as {key}")
    fingerprint = taskbook_fingerprint(book, client.id)
    # a file (a .docx, a YAML, by the inbox or the mailbox) is the client's own task book:
    # the same one again, in another format, is the same request
    same = original is not None and session.scalar(
        select(Request.key)
        .where(Request.taskbook_fingerprint == fingerprint, Request.state != "cancelled")
        .order_by(Request.id)
        .limit(1)
    )
    if same:
        raise InputError(
            source,
            "task book",
            f"already taken in as {same} (the same project, client and requirements)",
        )
    year = now.astimezone(get_settings().tz).year
    key, seq = next_key(session, year)
    request = Request(
        key=key,
        year=year,
        seq=seq,
        kind=book.kind,
        client=client,
        contract=client_contract(session, client, book.date),
        title=book.project,
        description=book.background,
        requester=book.requested_by,
        contact={"name": book.contact, "phone": book.phone, "email": book.email},
        priority=book.priority,
        desired_date=book.desired_date,
        submitted_on=book.date,
        attachments=list(book.attachments),
        state=INITIAL[book.kind],
        taskbook_fingerprint=fingerprint,
    )
    request.requirements = [
        Requirement(no=r.no, text=r.text, priority=r.priority, acceptance=r.acceptance)
        for r in book.requirements
    ]
    session.add(request)
    session.flush()
    doc = None
    if original is not None:
        doc = put_document(
            session,
            original,
            kind="taskbook",
            request=request,
            filename=filename or "taskbook",
            version=1,
            meta={"source": Path(source).name, "channel": channel},
        )
    record_creation(
        session,
        request,
        actor=actor,
        channel=channel,
        reason="task book taken in",
        evidence_sha256=sha,
    )
    return IntakeResult(
        key=key,
        request_id=request.id,
        client=client.name,
        title=request.title,
        state=request.state,
        document_path=doc.path if doc else None,
        sha256=sha,
        contract=request.contract.code if request.contract else None,
        requirements=len(request.requirements),
    )


@recorded_act("intake", key=None)
def intake(
    book: TaskBook,
    *,
    source: str = "form",
    original: bytes | None = None,
    filename: str | None = None,
    actor: str = "changeflow",
    channel: str = "cli",
    now: datetime | None = None,
) -> IntakeResult:
    """Create the request; retried when a concurrent intake took the same key."""
    from changeflow.db.types import utcnow

    def make(s: Session) -> IntakeResult:
        return _create(
            s,
            book,
            source=source,
            original=original,
            filename=filename,
            actor=actor,
            channel=channel,
            now=now or utcnow(),
        )

    return with_new_key(make, "request", ("request", "seq"))


@recorded_act("intake", key=None)
def intake_file(path: Path, *, actor: str = "changeflow", channel: str = "cli") -> IntakeResult:
    """Read, check and take in a task book file (.docx or YAML)."""
    book, data = read_taskbook(path)
    return intake(
        book, source=str(path), original=data, filename=path.name, actor=actor, channel=channel
    )
