"""Files a lead hands in from a browser (the hand-in page of ``changeflow up``).

What a client returned (a signed plan, acceptance certificate, dispatch order or monthly SLA
statement, a task book) goes through the inbox's own door, ``inbox.take_in``: the same
checks, the same verification, the same records. Evidence scans, JUnit files and
screenshots are checked by the same functions the CLI uses and kept in the document store as
an *upload* with an id; the flows' forms take that id instead of a file name on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from changeflow.errors import ChangeflowError, InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

What = Literal["returned", "evidence", "junit", "screenshot"]

# what -> (document kind of the upload, bilingual label)
UPLOAD_KINDS: dict[str, tuple[str, str]] = {
    "evidence": ("upload-evidence", "审批凭证 Evidence scan"),
    "junit": ("upload-junit", "JUnit 测试结果 JUnit XML"),
    "screenshot": ("upload-screenshot", "截图 Screenshot"),
}
WHAT_LABELS: dict[str, str] = {
    "returned": "客户回签文件或任务书 Returned document or task book",
    **{k: v[1] for k, v in UPLOAD_KINDS.items()},
}


@dataclass
class HandIn:
    """The one line the page shows: recorded (with the request) or refused (with why)."""

    ok: bool
    line: str
    key: str | None = None
    upload_id: int | None = None
    outcome: str = ""  # what ``inbox.take_in`` recorded: intake | decision | duplicate
    detail: str = ""


def _check(what: str, data: bytes, name: str, source: str) -> None:
    if what == "evidence":
        from .signoff import check_evidence

        check_evidence(data, name, source)
    elif what == "junit":
        from .testing.junit import parse_junit

        parse_junit(data, source)
    else:
        from .delivery_docs.screenshots import check_screenshot

        check_screenshot(data, source)


def store_upload(what: str, data: bytes, filename: str, *, actor: str) -> int:
    """Check a file and keep it as an upload; its document id. Raises InputError."""
    from changeflow.db.session import transaction
    from changeflow.db.store import put_document

    if what not in UPLOAD_KINDS:
        raise InputError("hand-in", "what", f"unknown kind {what!r}")
    source = filename
    limit = get_settings().max_upload_bytes
    if len(data) > limit:
        raise InputError(source, "file", f"is {len(data)} bytes; the limit is {limit}")
    _check(what, data, filename, source)
    kind = UPLOAD_KINDS[what][0]
    with transaction() as s:
        doc = put_document(
            s,
            data,
            kind=kind,
            request=None,
            filename=filename,
            meta={"uploaded_by": actor, "original_name": filename, "channel": "hand-in"},
        )
        return doc.id


def upload_name(upload_id: int) -> str | None:
    """The file name an upload was handed in under (a screenshot's name is what the manual
    notes' ``![...](name)`` point at); None if unknown."""
    from changeflow.db.models import Document
    from changeflow.db.session import transaction

    with transaction() as s:
        doc = s.get(Document, upload_id)
        name = (doc.meta or {}).get("original_name") if doc is not None else None
        return Path(str(name)).name if name else None


def upload_path(upload_id: int, what: str) -> Path:
    """The stored file of an upload id, for steps that read a file (NotFoundError if the id
    is unknown or names another kind of upload)."""
    from changeflow.db.models import Document
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    kind = UPLOAD_KINDS[what][0]
    with transaction() as s:
        doc = s.get(Document, upload_id)
        if doc is None or doc.kind != kind:
            label = UPLOAD_KINDS[what][1]
            raise NotFoundError(f"no {label} upload with id {upload_id}; hand it in first")
        return document_path(doc)


def hand_in(what: str, filename: str, data: bytes, *, actor: str) -> HandIn:
    """One uploaded file, recorded or refused; never raises for a refused file."""
    from .inbox import take_in

    name = Path(filename or "upload").name
    try:
        if not data:
            from .formats import empty_file

            raise empty_file(name)
        if what == "returned":
            item = take_in(Path(name), data, actor=actor)
            return HandIn(
                True, f"已登记 Recorded: {name}: {item.detail}", item.key,
                outcome=item.outcome, detail=item.detail,
            )  # fmt: skip
        upload_id = store_upload(what, data, name, actor=actor)
        label = UPLOAD_KINDS[what][1]
        return HandIn(
            True,
            f"已登记 Recorded: {name}: {label} recorded as upload {upload_id}; enter"
            f" {upload_id} in the form",
            upload_id=upload_id,
        )
    except (InputError, NotFoundError, TransitionError) as exc:
        return HandIn(False, f"拒收 Refused: {exc}")
    except ChangeflowError as exc:
        return HandIn(False, f"未登记，请重试 Not recorded, try again: {exc}")
