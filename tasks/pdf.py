"""PDF export of any stored document through LibreOffice (``soffice --headless``).

Each conversion uses its own throw-away LibreOffice profile (``-env:UserInstallation``):
two conversions sharing the default profile block each other or fail silently. The PDF is
stored beside its document (kind ``<kind>-pdf``, same version and language).

Fonts: LibreOffice asks fontconfig for 宋体/黑体 (SimSun/SimHei), which a Debian server does
not have; fontconfig's own choice from Noto CJK is the Japanese face. The process runs with
``FONTCONFIG_FILE`` pointing at the project's alias file (docs_templates/fonts/fonts.conf,
which includes the system configuration), so the PDF embeds Noto Serif/Sans CJK SC.
``CHANGEFLOW_FONTCONFIG`` names another file instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Document
from changeflow.db.session import transaction
from changeflow.db.store import document_path, put_document
from changeflow.errors import ConfigError, InputError, NotFoundError

PDF_TIMEOUT = 120
PDF_MAGIC = b"%PDF-"
INSTALL_HINT = (
    "install it with: apt-get install --no-install-recommends libreoffice-writer-nogui"
    " fonts-noto-cjk (or set CHANGEFLOW_SOFFICE to the soffice program)"
)


def soffice() -> str:
    """The LibreOffice program, or a ConfigError that says how to install it."""
    given = os.environ.get("CHANGEFLOW_SOFFICE")
    if given:
        if shutil.which(given) is None:
            raise ConfigError(
                f"PDF export needs LibreOffice: CHANGEFLOW_SOFFICE={given} is not a program;"
                f" {INSTALL_HINT}"
            )
        return given
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConfigError(f"PDF export needs LibreOffice, which is not installed; {INSTALL_HINT}")


def fontconfig_file() -> Path:
    """The fontconfig file the conversion uses: the project's aliases by default."""
    given = os.environ.get("CHANGEFLOW_FONTCONFIG")
    if given:
        return Path(given)
    from importlib.resources import files

    return Path(str(files("changeflow.docs_templates") / "fonts" / "fonts.conf"))


def available() -> bool:
    try:
        soffice()
    except ConfigError:
        return False
    return True


def docx_to_pdf(data: bytes, name: str = "document.docx", timeout: float = PDF_TIMEOUT) -> bytes:
    """Convert .docx bytes to PDF bytes in a private folder and profile."""
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="changeflow-pdf-") as tmp:
        folder = Path(tmp)
        src = folder / (Path(name).stem[:80] or "document")
        src = src.with_suffix(".docx")
        src.write_bytes(data)
        profile = folder / "profile"
        cmd = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "out"),
            str(src),
        ]
        env = dict(os.environ, HOME=str(folder), FONTCONFIG_FILE=str(fontconfig_file()))
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                timeout=timeout,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            raise ConfigError(
                f"LibreOffice did not finish the PDF of {name} in {timeout:g} s"
            ) from None
        out = folder / "out" / (src.stem + ".pdf")
        if proc.returncode != 0 or not out.is_file():
            why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ConfigError(
                f"LibreOffice could not convert {name} to PDF"
                f" ({why[-1] if why else f'exit code {proc.returncode}'})"
            )
        pdf = out.read_bytes()
    if not pdf.startswith(PDF_MAGIC):
        raise ConfigError(f"LibreOffice wrote something that is not a PDF for {name}")
    return pdf


# stores written before one file-name scheme put ``v1-zh-CN-`` in front of every name
_LEGACY_PREFIX = re.compile(r"^v\d+-(?:zh-CN|en)-")


def pdf_of(session: Session, doc: Document) -> Document | None:
    """The PDF made of ``doc`` (its sibling in the store: kind ``<kind>-pdf``, the same
    request, version and language), or None."""
    return session.scalars(
        select(Document).where(
            Document.request_id == doc.request_id,
            Document.kind == f"{doc.kind}-pdf",
            Document.version == doc.version,
            Document.lang == doc.lang,
        )
    ).first()


def download(doc_id: int, pdf: bool = False) -> tuple[str, str, str] | None:
    """(absolute file, download name, media type) of a recorded document (with ``pdf``: of
    the PDF made of it), or None. Our documents' names start with their subject
    (``tasks.documents.names``); an upload or an older store's file gets the request key
    in front."""
    with transaction() as s:
        doc = s.get(Document, doc_id)
        if doc is not None and pdf:
            doc = pdf_of(s, doc)
        if doc is None:
            return None
        path = document_path(doc)
        key = doc.request.key if doc.request is not None else f"upload-{doc.id}"
        name = path.name if path.name.startswith(key) else f"{key}-{path.name}"
        return str(path), name, doc.media_type


def export_pdf_in(session: Session, doc: Document) -> Document:
    """The PDF of ``doc`` in the store (made once; an existing one is returned)."""
    if not doc.path.endswith(".docx"):
        raise InputError(doc.path, "document", "only Word documents (.docx) are exported as PDF")
    kind = f"{doc.kind}-pdf"
    existing = pdf_of(session, doc)
    if existing is not None:
        return existing
    src = document_path(doc)
    pdf = docx_to_pdf(src.read_bytes(), src.name)
    return put_document(
        session,
        pdf,
        kind=kind,
        request=doc.request,
        filename=_LEGACY_PREFIX.sub("", Path(src.name).with_suffix(".pdf").name),
        version=doc.version,
        lang=doc.lang,
        meta={"source_sha256": doc.sha256, "source_kind": doc.kind},
    )


def export_pdf(key: str, kind: str, version: int | None = None, lang: str | None = None) -> Path:
    """``--pdf``: the PDF of a request's document (newest version unless given)."""
    soffice()  # a clear message before any work
    from changeflow.db.models import Request

    with transaction() as session:
        req = session.scalar(select(Request).where(Request.key == key))
        if req is None:
            raise NotFoundError(f"no request {key}")
        q = select(Document).where(Document.request_id == req.id, Document.kind == kind)
        if version is not None:
            q = q.where(Document.version == version)
        if lang is not None:
            q = q.where(Document.lang == lang)
        doc = session.scalar(q.order_by(Document.version.desc(), Document.id.desc()).limit(1))
        if doc is None:
            raise NotFoundError(f"{key} has no {kind} document")
        pdf = export_pdf_in(session, doc)
        return document_path(pdf)
