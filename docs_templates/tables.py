"""Building blocks of every template builder (plan, weekly report, delivery documents):
label/value tables, docxtpl row loops, bullet loops and monospace lines, all with widths
Word and LibreOffice both honour."""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from changeflow.bilingual import pick as pick  # the builders call it as tables.pick

MONO = "Consolas"
Pair = tuple[str, str]


def widths(t: Table, mm: list[float]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid and cells)."""
    t.autofit = False
    for col, w in zip(t._tbl.tblGrid.findall(qn("w:gridCol")), mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in t.rows:
        for cell, w in zip(row.cells, mm, strict=False):
            cell.width = Mm(w)


def small(t: Table, size: float = 9) -> None:
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(size)


def header_row(t: Table, texts: list[str]) -> None:
    for cell, text in zip(t.rows[0].cells, texts, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    tr_pr = t.rows[0]._tr.get_or_add_trPr()  # repeat the header row on every page
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))


def pairs(
    doc: DocxDocument, rows: list[tuple[str, str]], mm: tuple[float, float] = (50, 110)
) -> Table:
    """A two-column label/value table (labels bold). A cover's client row (``{{ client }}``)
    is followed by our company's (乙方): every cover names both parties."""
    rows = _with_contractor(rows)
    t = doc.add_table(rows=len(rows), cols=2)
    t.style = "Table Grid"
    for row, (label, value) in zip(t.rows, rows, strict=True):
        row.cells[0].text = label
        row.cells[1].text = value
        if label:
            row.cells[0].paragraphs[0].runs[0].bold = True
    widths(t, list(mm))
    return t


def _with_contractor(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    from .labels import CONTRACTOR_COVER

    if any(v == "{{ house.contractor }}" for _, v in rows):
        return list(rows)
    out: list[tuple[str, str]] = []
    for label, value in rows:
        out.append((label, value))
        if value == "{{ client }}":
            lang = "en" if label.isascii() else "zh-CN"
            out.append((pick(CONTRACTOR_COVER, lang), "{{ house.contractor }}"))
    return out


def loop_table(
    doc: DocxDocument,
    cols: list[str],
    var: str,
    seq: str,
    cells: list[str],
    mm: list[float] | None = None,
    size: float = 9,
) -> Table:
    """Header row, then docxtpl's row loop: {%tr for %} / cells / {%tr endfor %}.

    A cell text ``*name`` loops over the list ``var.name``, one paragraph per item.
    """
    t = doc.add_table(rows=4, cols=len(cols))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    header_row(t, cols)
    t.rows[1].cells[0].text = f"{{%tr for {var} in {seq} %}}"
    for cell, text in zip(t.rows[2].cells, cells, strict=True):
        if text.startswith("*"):
            cell.text = f"{{%p for line in {var}.{text[1:]} %}}"
            cell.add_paragraph("{{ line }}")
            cell.add_paragraph("{%p endfor %}")
        else:
            cell.text = text
    t.rows[3].cells[0].text = "{%tr endfor %}"
    small(t, size)
    if mm is not None:
        widths(t, mm)
    return t


def loop_section(
    doc: DocxDocument,
    heading: str | None,
    *table: Any,
    empty: str | None = None,
    note: str | None = None,
    **options: Any,
) -> Table:
    """A section of rows: its heading (level 1), then the ``loop_table`` of ``table`` (its
    columns, loop variable, list, cells, widths) and the ``note`` under it when the list
    has rows, else the sentence ``empty`` (nothing without one: a header over nothing is
    not shown)."""
    if heading is not None:
        doc.add_heading(heading, level=1)
    tag(doc, f"{{%p if {table[2]} %}}")
    t = loop_table(doc, *table, **options)
    if note is not None:
        doc.add_paragraph(note)
    if empty is not None:
        tag(doc, "{%p else %}")
        doc.add_paragraph(empty)
    tag(doc, "{%p endif %}")
    return t


def tag(doc: DocxDocument, text: str) -> Paragraph:
    """A paragraph holding only a docxtpl ``{%p ... %}`` tag (removed when rendered)."""
    return doc.add_paragraph(text)


def bullets(doc: DocxDocument, var: str, seq: str, text: str, style: str = "List Bullet") -> None:
    tag(doc, f"{{%p for {var} in {seq} %}}")
    doc.add_paragraph(text, style=style)
    tag(doc, "{%p endfor %}")


def mono(p: Paragraph, size: float = 8) -> Paragraph:
    for r in p.runs:
        r.font.name = MONO
        r.font.size = Pt(size)
        rpr = r._r.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        rfonts.set(qn("w:eastAsia"), "SimSun")
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    return p


def mono_lines(doc: DocxDocument, var: str, seq: str) -> None:
    """One monospace paragraph per line of ``seq`` (command output, code)."""
    tag(doc, f"{{%p for {var} in {seq} %}}")
    mono(doc.add_paragraph(f"{{{{ {var} }}}}"))
    tag(doc, "{%p endfor %}")


def bold_paragraph(doc: DocxDocument, text: str) -> Paragraph:
    p = doc.add_paragraph()
    p.add_run(text).bold = True
    return p
