"""Making the documents: versioned and reproducible. The inputs (context, notes, screenshots,
template) have a digest; unchanged inputs give no new version, and rendering the same inputs
again gives the same content. ``content_digest`` compares documents by their parts, since a
zip records write times.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from changeflow.db.models import Document, Request
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.errors import InputError, NotFoundError, TransitionError
from changeflow.settings import get_settings

from ..inputs import clean_text
from .common import _CONTROL
from .context import docs_context
from .notes import read_notes, split_notes
from .render import render_doc
from .screenshots import Screenshot, read_screenshots

KINDS = ("techdoc", "manual")
DOCUMENT_STATES = ("approved", "in_development", "in_testing", "live")


@dataclass
class DocInputs:
    """Everything a technical document and a user manual are made from."""

    notes: str = ""
    notes_name: str = ""
    screenshots: list[Screenshot] = field(default_factory=list)


def content_digest(docx: bytes) -> str:
    """A digest of a .docx's parts (names and bytes), blind to the zip's write times."""
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        for name in sorted(zf.namelist()):
            h.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    return h.hexdigest()


def input_digest(kind: str, lang: str, ctx: dict[str, Any], inputs: DocInputs, part: str) -> str:
    from ..wordkit import document_digest

    shots = [(s.sha256, s.caption) for s in inputs.screenshots] if kind == "manual" else []
    return document_digest(kind, lang, {"context": ctx, "notes": part, "screenshots": shots})


@dataclass
class DocResult:
    kind: str
    version: int
    lang: str
    new: bool  # False: the inputs had not changed, the existing version stands
    document: str
    sha256: str
    content_digest: str
    input_digest: str


def make_docs(
    key: str,
    *,
    notes: str = "",
    notes_name: str = "",
    screenshots: Sequence[Screenshot] = (),
    lang: str | None = None,
    actor: str | None = None,
    kinds: Sequence[str] = KINDS,
) -> list[DocResult]:
    """Make the technical document and the user manual of ``key`` (new versions only when
    their inputs changed), in one transaction."""
    from ..testing import actor_name

    lang = lang or get_settings().lang
    if lang not in ("zh-CN", "en"):
        raise InputError("--lang", "lang", "must be zh-CN or en")
    for k in kinds:
        if k not in KINDS:
            raise InputError("kinds", "kind", f"'{k}' is not techdoc or manual")
    author = clean_text(actor or actor_name(), 120) or "changeflow"
    notes = _CONTROL.sub("", notes.replace("\r\n", "\n").replace("\r", "\n"))
    design, manual = split_notes(notes) if notes else ("", "")
    inputs = DocInputs(notes=notes, notes_name=notes_name, screenshots=list(screenshots))
    out: list[DocResult] = []
    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        if req.state not in DOCUMENT_STATES:
            raise TransitionError(
                key, req.state, req.state, "documents are made once the plan is approved and"
                " until the request is accepted"
            )  # fmt: skip
        ctx, when = docs_context(session, req, lang)
        for kind in kinds:
            part = design if kind == "techdoc" else manual
            digest = input_digest(kind, lang, ctx, inputs, part)
            newest = session.scalar(
                select(Document)
                .where(Document.request_id == req.id, Document.kind == kind,
                       Document.lang == lang)
                .order_by(Document.version.desc())
                .limit(1)
            )  # fmt: skip
            if newest is not None and (newest.meta or {}).get("input_digest") == digest:
                out.append(_result(newest, new=False))
                continue
            version = (newest.version + 1) if newest is not None else 1
            data = render_doc(
                kind,
                ctx,
                version=version,
                lang=lang,
                when=when,
                notes=part,
                screenshots=inputs.screenshots if kind == "manual" else (),
                author=author,
            )
            doc = put_document(
                session,
                data,
                kind=kind,
                request=req,
                filename=f"{key}-{kind}-v{version}.docx",
                version=version,
                lang=lang,
                meta={
                    "input_digest": digest,
                    "content_digest": content_digest(data),
                    "notes": notes_name,
                    "screenshots": [s.name for s in inputs.screenshots] if kind == "manual"
                    else [],
                    "author": author,
                },
            )  # fmt: skip
            out.append(_result(doc, new=True))
    return out


def _result(doc: Document, *, new: bool) -> DocResult:
    meta = doc.meta or {}
    return DocResult(
        kind=doc.kind,
        version=doc.version,
        lang=doc.lang,
        new=new,
        document=str(document_path(doc)),
        sha256=doc.sha256,
        content_digest=meta.get("content_digest", ""),
        input_digest=meta.get("input_digest", ""),
    )


def make_docs_from_files(
    key: str,
    *,
    notes_path: Path | None = None,
    screenshot_paths: Sequence[Path] = (),
    lang: str | None = None,
    actor: str | None = None,
) -> list[DocResult]:
    """``changeflow docs KEY [--notes FILE.md] [--screenshot FILE ...]``."""
    notes = read_notes(notes_path)
    shots = read_screenshots(list(screenshot_paths))
    return make_docs(
        key,
        notes=notes,
        notes_name=Path(notes_path).name if notes_path else "",
        screenshots=shots,
        lang=lang,
        actor=actor,
    )
