"""Builder of the client's OA system manual (OA系统使用手册 / OA System User Manual).

One manual per contract, kept current: each accepted request's manual chapters are merged
into it as a new version (``tasks.oamanual``). The revision record (修订记录) names, per
version, the requests that changed it and the chapters they brought; the chapters follow
(Markdown written at the marker), each with the requests it came from.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Pt

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .parts import toc
from .tpl_techdoc import CHAPTERS_MARKER, keep_markdown_styles

TITLE = ("OA系统使用手册", "OA System User Manual")
OA_MARKER = "⟦oa_manual_chapters⟧"
COVER = [
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("手册版本", "Manual version"), "{{ version_text }}"),
    (("编制日期", "Date"), "{{ issued }}"),
]
H_REVISIONS = ("修订记录", "Revision record")
REVISION_COLS = [
    ("版本", "Version"),
    ("日期", "Date"),
    ("修订说明", "Change"),
    ("涉及请求", "Requests"),
]
NO_CHAPTERS = ("（尚无章节）", "(no chapter yet)")


def oa_manual(lang: str) -> DocxDocument:
    """The OA manual as it stands: cover, revision record, contents, chapters."""
    doc = new_document(pick(TITLE, lang), lang)
    d.pairs(doc, [(pick(k, lang), v) for k, v in COVER], mm=(45, 115))
    d.bold_paragraph(doc, pick(H_REVISIONS, lang)).paragraph_format.space_before = Pt(12)
    d.loop_table(
        doc,
        [pick(c, lang) for c in REVISION_COLS],
        "v",
        "revisions",
        ["{{ v.version }}", "{{ v.date }}", "{{ v.change }}", "{{ v.requests }}"],
        mm=[18, 26, 86, 30],
    )
    doc.add_paragraph()  # a line between the revision record and the contents
    toc(doc, lang, seq="no_chapters")
    doc.add_paragraph(CHAPTERS_MARKER)
    doc.add_paragraph(OA_MARKER)
    keep_markdown_styles(doc)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "oa-manual-template", "changeflow.lang": lang})
    return doc
