"""Rendering the technical document (技术文档) or the user manual (用户手册) from its template,
with its Markdown part and pictures put in place of the template's markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from changeflow.bilingual import is_zh, pick
from changeflow.wording import version_label

from .markdown import write_markdown
from .outline import TODO
from .screenshots import Screenshot, write_screenshots

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DRAFT = ("（草稿）", " (DRAFT)")
DRAFT_HEADER = (
    "尚有待补充的章节，不作为交付物，不得列入验收单",
    "DRAFT: sections still to be completed; not a deliverable, not for an acceptance certificate",
)


def mark_draft(doc: Any, lang: str) -> None:
    """草稿 in the header of every page (first, odd and even pages of every section)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    for section in doc.sections:
        for header in (section.header, section.first_page_header, section.even_page_header):
            header.is_linked_to_previous = False
            # above the house header (client, project, title), which stays
            first = header.paragraphs[0] if header.paragraphs else None
            p = (
                first.insert_paragraph_before()
                if first is not None and first.text
                else (first or header.add_paragraph())
            )
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            prefix = "草稿　" if is_zh(lang) else "DRAFT　"
            run = p.add_run(prefix + pick(DRAFT_HEADER, lang))
            run.bold = True
            run.font.size = Pt(10.5)
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


FIRST = ("首次编制", "first issue")
REVISED = ("按最新设计说明、提交与测试结果修订", "revised from the newest notes, commits and tests")


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
    rollback: str = "",
    draft: bool = False,
    missing: Sequence[str] = (),
) -> bytes:
    """Render the technical document or the manual with its Markdown part (the outline's
    sections, composed by ``outline.compose``) and pictures; a draft says 草稿 in the header
    of every page and beside its title."""
    from docx.shared import Pt

    from changeflow.docs_templates.tpl_manual import TITLE as MANUAL_TITLE
    from changeflow.docs_templates.tpl_manual import T as MANUAL_T
    from changeflow.docs_templates.tpl_techdoc import (
        CHAPTERS_MARKER,
        MANUAL_MARKER,
        NOTES_MARKER,
        ROLLBACK_MARKER,
        SCREENSHOTS_MARKER,
    )
    from changeflow.docs_templates.tpl_techdoc import TITLE as TECH_TITLE

    from ..wordkit import clean, render

    empty = {
        "techdoc": ("（未提供设计说明）", "(no design notes given)"),
        "manual": ("（未提供操作说明）", "(no instructions given)"),
        "shots": ("（未提供截图）", "(no screenshots given)"),
    }

    pictures = {s.name: s for s in screenshots} if kind == "manual" else {}
    placed: list[str] = []

    def post(tpl: Any) -> None:
        doc = tpl.docx
        for p in list(doc.paragraphs):
            marker = p.text.strip()
            if marker in (NOTES_MARKER, MANUAL_MARKER):
                which = "techdoc" if marker == NOTES_MARKER else "manual"
                if notes.strip():
                    placed.extend(
                        write_markdown(doc, p._p, notes, base_heading=1, pictures=pictures,
                                       lang=lang)
                    )  # fmt: skip
                else:
                    doc_p = doc.add_paragraph(pick(empty[which], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)
            elif marker == ROLLBACK_MARKER:
                write_markdown(doc, p._p, rollback or pick(TODO, lang))
                p._p.getparent().remove(p._p)
            elif marker == SCREENSHOTS_MARKER:
                rest = [s for s in screenshots if s.name not in placed]
                if rest:  # the pictures the chapters did not place, numbered on
                    write_screenshots(doc, p._p, rest, lang, start=len(placed) + 1)
                elif screenshots:  # every picture stands in its chapter: no appendix
                    head = p._p.getprevious()
                    appendix = pick(MANUAL_T["h_screens"], lang)
                    shown = (
                        "".join(t.text or "" for t in head.iter(f"{{{W_NS}}}t"))
                        if head is not None
                        else ""
                    )
                    if head is not None and shown.strip() == appendix:
                        head.getparent().remove(head)
                else:
                    doc_p = doc.add_paragraph(pick(empty["shots"], lang))
                    p._p.addprevious(doc_p._p)
                p._p.getparent().remove(p._p)
        chapters = [
            p.text.strip()
            for p in doc.paragraphs
            if p.style is not None and p.style.name == "Heading 1" and p.text.strip()
        ]
        for p in list(doc.paragraphs):
            if p.text.strip() == CHAPTERS_MARKER:
                for text in chapters:
                    item = doc.add_paragraph(text)
                    # a list, not paragraphs: the chapters stay on the cover page
                    item.paragraph_format.space_before = Pt(0)
                    item.paragraph_format.space_after = Pt(2)
                    p._p.addprevious(item._p)
                p._p.getparent().remove(p._p)
        if draft:
            mark_draft(doc, lang)

    title = pick(TECH_TITLE if kind == "techdoc" else MANUAL_TITLE, lang)
    earlier = [
        r
        for r in ctx.get("history", {}).get((kind, lang), [])
        if r["version"] != version_label(version, lang)
    ]
    return render(
        kind,
        ctx
        | {
            "version": version,
            "author": author,
            # a draft lists what it lacks at its top (docs_templates.parts.draft_notice)
            "draft": draft,
            "missing": list(missing) if draft else [],
            "no_chapters": [],
            "revisions": [
                *earlier,
                {
                    "version": version_label(version, lang),  # 第1版
                    "date": ctx["issued"],
                    "change": pick(REVISED if earlier else FIRST, lang),
                    "by": author,
                },
            ],
        },
        lang=lang,
        title=f"{title} {ctx['key']} v{version}" + (pick(DRAFT, lang) if draft else ""),
        subject=clean(ctx["title"]),
        author=author,
        when=when,
        post=post,
        custom_properties={
            "changeflow.kind": kind,
            "changeflow.request": ctx["key"],
            "changeflow.version": str(version),
            "changeflow.lang": lang,
            "changeflow.draft": "true" if draft else "false",
        },
    )
