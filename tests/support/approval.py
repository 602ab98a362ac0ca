"""Make a returned document the way a client does: open the plan we sent, type into its
approval table (python-docx, as Word would), optionally re-save it through LibreOffice."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import select

from changeflow.docs_templates.labels import APPROVAL_FIELDS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def plan_path(key: str, version: int | None = None) -> Path:
    """The stored plan document we sent for ``key`` (newest version by default)."""
    from sqlalchemy import select

    from changeflow.db.models import Document, Request
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    with transaction() as s:
        q = select(Document).join(Request).where(Request.key == key, Document.kind == "plan")
        if version is not None:
            q = q.where(Document.version == version)
        doc = s.scalars(q.order_by(Document.version.desc())).first()
        assert doc is not None, f"no plan for {key}"
        return document_path(doc)


def fill(
    source: Path | bytes,
    decision: str = "同意",
    approver: str = "王芳",
    date: str | None = None,
    comment: str = "同意按计划实施。",
    edit: Callable[[Any], None] | None = None,
) -> bytes:
    """The plan with its approval table filled in; ``edit(document)`` changes more."""
    from changeflow.tasks.signoff import today_local

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    d = docx.Document(io.BytesIO(data))
    values = {
        "decision": decision,
        "approver": approver,
        "date": today_local().isoformat() if date is None else date,
        "comment": comment,
    }
    labels = {text: name for name, pair in APPROVAL_FIELDS.items() for text in pair}
    filled = 0
    for table in d.tables:
        for row in table.rows:
            name = labels.get(row.cells[0].text.strip())
            if name is not None and len(row.cells) == 2:
                row.cells[1].text = values[name]
                filled += 1
    assert filled == 4, "approval table not found in the plan"
    if edit is not None:
        edit(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def replace_cell(d: Any, old: str, new: str) -> None:
    """Change the first table cell reading ``old`` (an edited amount)."""
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text == old:
                    cell.text = new
                    return
    raise AssertionError(f"no cell {old!r}")


def libreoffice_resave(data: bytes, workdir: Path) -> bytes:
    """Open and save as .docx with LibreOffice (what a client using it sends back)."""
    if SOFFICE is None:
        pytest.skip(
            "LibreOffice is not installed (apt-get install -y --no-install-recommends"
            " libreoffice-writer-nogui fonts-noto-cjk): re-save round trip not run"
        )
    src = workdir / "lo-in" / "returned.docx"
    out = workdir / "lo-out"
    src.parent.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = (out / "returned.docx").read_bytes()
    assert result != data
    return result


def make_plan(key: str, **kw: Any) -> Path:
    from changeflow.tasks.planning import make_plan as _make

    kw.setdefault("new_version", True)  # each call sends the client a new version
    kw.setdefault("issue", True)  # signed: the version the client approves
    kw.setdefault("backdated", True)  # tests pick starts around fixed holiday weeks
    _make(key, **kw)
    return plan_path(key)


def set_repo(path: str | None) -> None:
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        c = s.scalar(select(Contract).where(Contract.code == "OA-2026"))
        c.repo_path = path


def approve(key: str, tmp_path: Path) -> None:
    from changeflow.tasks.returned import approve_file

    p = tmp_path / "returned.docx"
    p.write_bytes(fill(plan_path(key)))
    assert approve_file(p).state == "approved"
