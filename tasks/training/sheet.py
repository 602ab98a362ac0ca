"""The sign-in sheet (培训签到表) of a training session: rendered, signed and stored.

Each issue is a new version (v1, v2 of PX-2026-0001) and becomes the session's current
document: only the current version's return is recorded. The signature (``tasks.signoff``,
kind ``signin``) covers everything but the register's written cells and the confirmation
table's values, so the attendees' and the organiser's writing does not break it while any
change to what we printed does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh

from ..acttime import show
from ..documents import store_issued

KIND = "signin"


def sheet_context(row: Any, lang: str) -> dict[str, Any]:
    zh = is_zh(lang)
    sep = "、" if zh else ", "
    start, end = show(row.starts_at)[:16], show(row.ends_at)[11:16]
    return {
        "number": row.number,
        "contract": f"{row.contract.code} {row.contract.title}".strip(),
        "topic": row.topic,
        "departments": sep.join(row.departments or []),
        "when": f"{start}–{end}",
        "place": row.place,
        "trainer": row.trainer,
        "materials": [
            {"no": i, "title": m.get("title", "")} for i, m in enumerate(row.materials or [], 1)
        ],
        "seats": list(range(1, int(row.seats) + 1)),
    }


def sheet_version(session: Session, row: Any, lang: str) -> int:
    """The latest version issued of this session's sheet in ``lang`` (0 before the first)."""
    from changeflow.db.models import Document

    return max(
        (
            d.version or 0
            for d in session.scalars(
                select(Document).where(Document.kind == KIND, Document.lang == lang)
            )
            if (d.meta or {}).get("training") == row.number
        ),
        default=0,
    )


def issue_sheet(session: Session, row: Any, lang: str) -> Any:
    """Render, sign and store the sheet (a new version); it becomes the session's document."""
    from ..signoff import sign_document
    from ..wordkit import render

    version = sheet_version(session, row, lang) + 1

    def sign(doc: Any) -> None:
        sign_document(doc, kind=KIND, request=row.number, version=version, lang=lang)

    title = ("培训签到表 " if is_zh(lang) else "Training Sign-in Sheet ") + row.number
    data = render(
        KIND,
        {**sheet_context(row, lang), "version": version},
        lang=lang,
        contract=row.contract,
        title=title,
        subject=row.contract.code,
        finish=sign,
    )
    stored = store_issued(
        session,
        data,
        subject=row.number,
        kind=KIND,
        request=None,
        version=version,
        lang=lang,
        meta={"training": row.number},
    )
    row.document = stored
    return stored
