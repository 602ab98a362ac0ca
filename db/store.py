"""The document store: files under one folder, each recorded as a ``Document`` row.

Writes go to a temporary name and are renamed into place; if the surrounding transaction
rolls back, the file is removed again, so the store never holds a file the database lacks.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from changeflow.settings import get_settings

from .models import Document, Request
from .session import on_rollback

_SAFE = re.compile(r"[^\w.-]+")  # also keeps names safe on Windows and in zip files


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def safe_name(name: str, default: str = "file") -> str:
    """A file name that cannot climb out of its folder or name a device."""
    base = _SAFE.sub("_", Path(name.replace("\\", "/")).name).strip("._") or default
    return base[:120]


def store_root() -> Path:
    root = get_settings().store_dir
    root.mkdir(parents=True, exist_ok=True)
    return root


def next_version(session: Session, request: Request | None, kind: str, lang: str = "zh-CN") -> int:
    q = select(func.max(Document.version)).where(Document.kind == kind, Document.lang == lang)
    q = q.where(Document.request_id == (request.id if request else None))
    return (session.scalar(q) or 0) + 1


def put_document(
    session: Session,
    data: bytes,
    *,
    kind: str,
    request: Request | None,
    filename: str,
    version: int | None = None,
    lang: str = "zh-CN",
    meta: dict[str, Any] | None = None,
) -> Document:
    """Write ``data`` into the store and add its Document row to ``session``."""
    if version is None:
        version = next_version(session, request, kind, lang)
    folder = request.key if request is not None else "_general"
    # The file keeps the name it is sent under (tasks.documents.names makes the names of
    # the documents we issue, each unique in its folder: subject, name, version). A name
    # already taken there (a client's returned file named like an earlier one) gets the
    # version and language in front, so no row ever points at another row's file.
    rel = Path(folder) / kind / safe_name(filename)
    if session.scalar(select(Document.id).where(Document.path == rel.as_posix())) is not None:
        rel = rel.with_name(f"v{version}-{lang}-{rel.name}")
    # The row first: its unique path claims the place in the store, so a concurrent writer
    # of the same version fails (or waits and fails) at this flush and never touches the
    # file. A file already there now is an orphan of a process killed before its commit.
    doc = Document(
        request=request,
        kind=kind,
        version=version,
        lang=lang,
        path=rel.as_posix(),
        sha256=sha256_bytes(data),
        size=len(data),
        media_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        meta=meta or {},
    )
    session.add(doc)
    session.flush()
    target = store_root() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    on_rollback(session, lambda: target.unlink(missing_ok=True))
    return doc


def document_path(doc: Document) -> Path:
    return store_root() / doc.path
