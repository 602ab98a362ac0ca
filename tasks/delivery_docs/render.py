"""Rendering the technical document (技术文档) or the user manual (用户手册) from its template,
with its Markdown part and pictures put in place of the template's markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .common import _pick
from .markdown import write_markdown
from .screenshots import Screenshot, write_screenshots


def render_doc(
    kind: str,
    ctx: dict[str, Any],
    *,
    version: int,
    lang: str,
    when: datetime,
    notes: str,
    screenshots: Sequence[Screenshot],
    author: str,
) -> bytes:
    """Render the technical document or the manual with its Markdown part and pictures."""
    from changeflow.docs_templates.tpl_manual import TITLE as MANUAL_TITLE
    from changeflow.docs_templates.tpl_techdoc import (
        MANUAL_MARKER,
        NOTES_MARKER,
        SCREENSHOTS_MARKER,
    )
    from changeflow.docs_templates.tpl_techdoc import TITLE as TECH_TITLE

    from ..wordkit import clean, render

    empty = {
        "techdoc": ("（未提供设计说明）", "(no design notes given)"),
        "manual": ("（未提供操作说明）", "(no instructions given)"),
        "shots": ("（未提供截图）", "(no screenshots given)"),
    }

    def post(tpl: Any) -> None:
        doc = tpl.docx
        for p in list(doc.paragraphs):
            marker = p.text.strip()
            if marker in (NOTES_MARKER, MANUAL_MARKER):
                which = "techdoc" if marker == NOTES_MARKER else "manual"
                if notes.strip():
                    write_markdown(doc, p._p, notes)
                else:
                    doc_p = doc.add_paragraph(_pick(empty[which], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)
            elif marker == SCREENSHOTS_MARKER:
                if screenshots:
                    write_screenshots(doc, p._p, screenshots, lang)
                else:
                    doc_p = doc.add_paragraph(_pick(empty["shots"], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)

    title = _pick(TECH_TITLE if kind == "techdoc" else MANUAL_TITLE, lang)
    return render(
        kind,
        ctx | {"version": version, "author": author},
        lang=lang,
        title=f"{title} {ctx['key']} v{version}",
        subject=clean(ctx["title"]),
        author=author,
        when=when,
        post=post,
        custom_properties={
            "changeflow.kind": kind,
            "changeflow.request": ctx["key"],
            "changeflow.version": str(version),
            "changeflow.lang": lang,
        },
    )
