"""Parts several kinds of document share (GB/T 8567 outlines and service records): the
draft notice listing what is missing, signature lines by role (编制/审核/批准, 测试人员/审核),
a revision record and a table of contents (a TOC field Word fills, with a static list of
the chapters beside it, as WPS does not render TOC fields)."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from . import tables as d

DRAFT = (
    "草稿：本文档尚缺下列内容，补全后方可正式出具：",
    "DRAFT: this document still lacks the following; it is issued once they are complete:",
)
ROLE_COLS = [("角色", "Role"), ("姓名", "Name"), ("签字", "Signature"), ("日期", "Date")]
REVISION_COLS = [("版本", "Version"), ("日期", "Date"), ("修订说明", "Change"), ("编制", "By")]
TOC = ("目　录", "Contents")
TOC_NOTE = (
    "（在 Word 中按 F9 更新目录域；WPS 不显示目录域，请看下面的章节列表。）",
    "(In Word press F9 to update the contents field; WPS does not show it: see the list of"
    " chapters below.)",
)


def draft_notice(doc: DocxDocument, lang: str, var: str = "missing") -> None:
    """When ``draft`` is true: the notice and one bullet per missing part."""
    d.tag(doc, "{%p if draft %}")
    d.bold_paragraph(doc, d.pick(DRAFT, lang))
    d.bullets(doc, "m", var, "{{ m }}")
    d.tag(doc, "{%p endif %}")


def sign_lines(
    doc: DocxDocument,
    lang: str,
    roles: list[tuple[tuple[str, str], str]],
    *,
    spacer_after: bool = True,
) -> None:
    """A row per role (编制, 审核, 批准 ...): the name (a template text such as
    ``{{ testers }}``, or blank to write in), a blank to sign and the date. The line that
    introduces them (编制与审核) stays on their page."""
    if doc.paragraphs and doc.paragraphs[-1].text.strip():
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    doc.add_paragraph()  # apart from a table above (two tables that touch become one)
    t = doc.add_table(rows=1 + len(roles), cols=4)
    t.style = "Table Grid"
    d.header_row(t, [d.pick(c, lang) for c in ROLE_COLS])
    for row, (role, name) in zip(t.rows[1:], roles, strict=True):
        row.cells[0].text = d.pick(role, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = name
        row.height = Mm(12)
    d.widths(t, [30, 40, 60, 30])
    if spacer_after:  # two tables that touch become one in Word
        doc.add_paragraph()


def named_sign_lines(doc: DocxDocument, lang: str, seq: str) -> None:
    """Signature lines from a list ``seq`` of ``{role, name}`` (name may be empty)."""
    d.loop_table(doc, [d.pick(c, lang) for c in ROLE_COLS], "s", seq,
                 ["{{ s.role }}", "{{ s.name }}", "", "{{ s.date }}"],
                 [30, 40, 60, 30])  # fmt: skip


def revisions(doc: DocxDocument, lang: str, seq: str = "revisions") -> None:
    d.loop_table(doc, [d.pick(c, lang) for c in REVISION_COLS], "v", seq,
                 ["{{ v.version }}", "{{ v.date }}", "{{ v.change }}", "{{ v.by }}"],
                 [20, 30, 80, 30])  # fmt: skip


def toc(doc: DocxDocument, lang: str, seq: str = "chapters") -> None:
    """A TOC field (headings 1-2) and the static list of chapters ``seq``."""
    doc.add_paragraph(d.pick(TOC, lang)).runs[0].bold = True
    p = doc.add_paragraph()
    run = p.add_run()
    for kind, text in (("begin", None), (None, 'TOC \\o "1-2" \\h \\z \\u'), ("separate", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    p.add_run(d.pick(TOC_NOTE, lang))
    end = p.add_run()
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "end")
    end._r.append(el)
    d.bullets(doc, "ch", seq, "{{ ch }}", style=None)
