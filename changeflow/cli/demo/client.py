"""What the client does with the documents we send: types into a sign-off table (as in
Word), mails the file back into the inbox; and one inbox pass that records it."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

from .common import DemoRun


def to_inbox(data: bytes, name: str) -> Path:
    """Drop a file into the inbox as a client's mail would (old enough to be taken)."""
    from changeflow.settings import get_settings

    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def fill_form(path: Path, values: dict[str, str]) -> bytes:
    """Type into the right-hand cells of a sign-off table (label -> value), as in Word."""
    import docx

    d = docx.Document(str(path))
    for table in d.tables:
        for row in table.rows:
            label = row.cells[0].text.strip()
            if label in values and len(row.cells) == 2:
                row.cells[1].text = values[label]
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def tick_rows(data: bytes, answer: str = "通过") -> bytes:
    """Tick ``answer`` in every requirement row's 验收结论 cell of the certificate (the ☐
    before the word becomes ☑, as the client does in Word)."""
    import docx

    from changeflow.docs_templates.tpl_acceptance import ROW_DECISION

    d = docx.Document(io.BytesIO(data))
    for table in d.tables:
        header = [c.text.strip() for c in table.rows[0].cells]
        cols = [i for i, h in enumerate(header) if i > 0 and h in ROW_DECISION]
        for row in table.rows[1:] if cols else []:
            cell = row.cells[cols[0]]
            cell.text = cell.text.replace(f"☐{answer}", f"☑{answer}", 1)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def newest_document(key: str, kind: str) -> Path:
    from sqlalchemy import select

    from changeflow.db.models import Document, Request
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    with transaction() as s:
        doc = s.scalars(
            select(Document)
            .join(Request)
            .where(Request.key == key, Document.kind == kind)
            .order_by(Document.version.desc())
        ).first()
        assert doc is not None, f"{key} has no {kind}"
        return document_path(doc)


def inbox_pass(run: DemoRun, what: str) -> dict[str, Any]:
    from changeflow.flows.approval import inbox

    report = inbox()
    for item in report["items"]:
        run.step("inbox", what, f"{item['file']}: {item['detail']}")
    return report
