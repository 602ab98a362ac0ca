"""The house style of every document we issue, put into the templates by their builders
(so a client's own edited template keeps it: it is in the file, not added at render time).

- Page: A4 with the margins a Chinese office expects (top/bottom 2.54 cm, left/right
  3.17 cm, Word's 普通 page), the header (project left, document title and version right,
  both parties 甲方/乙方 on the line below, a rule below) and the footer 第 X 页 共 Y 页 /
  Page X of Y with real PAGE and NUMPAGES fields.
- Tables: fixed layout with a ``w:gridCol`` for every column (WPS lays tables out from the
  grid), widths that hold each header without breaking it into a vertical column (序/号),
  the header row repeated on every page (``w:tblHeader``), rows that never split across a
  page (``w:cantSplit``), small tables (a cover, a sign-off) kept on one page.
- Headings and the line that introduces a table kept with what follows (``w:keepNext``).
- The seal block (签章栏): 甲方 and 乙方 with 单位名称, 签字, 盖章 and 日期 rows, the client's
  and our signature and seal on a deliverable. Its labels are ``labels.SEAL_PARTIES``/``SEAL_ROWS``;
  the returned-document reader (tasks/signoff/) knows it and masks what is written in it.

Rendering adds what only the data knows (``tasks.wordkit.render``): the header's values,
the core properties, dates in the document's language, a table's last row kept with the one
before it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from changeflow.bilingual import is_zh, pick

from . import labels

PAGE_MM = (210.0, 297.0)
MARGIN_MM = {"top": 25.4, "bottom": 25.4, "left": 31.7, "right": 31.7}
HEADER_MM, FOOTER_MM = 15.0, 17.5
TEXT_MM = PAGE_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]  # 146.6 mm
CELL_MARGIN_MM = 1.2  # left and right inside every cell (Word's default is 1.9 mm)
SMALL_TABLE_ROWS = 14  # a table this short is kept on one page (cover, totals, sign-off)
FOOTER_TEXT = {"zh-CN": ("第 ", " 页 共 ", " 页"), "en": ("Page ", " of ", "")}
# The header of a rendered document: values from ``wordkit.house_context``.
HEADER_LEFT = "{{ house.project }}"
# its second line names both parties: 甲方：… 乙方：… (labels.HEADER_PARTIES)
HEADER_PARTIES = "{{ house.parties }}"
HEADER_RIGHT = "{{ house.title }}{% if house.version %}　{{ house.version }}{% endif %}"


# --- page, header, footer ----------------------------------------------------------------


def page(doc: DocxDocument) -> None:
    for s in doc.sections:
        s.page_width, s.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        s.top_margin, s.bottom_margin = Mm(MARGIN_MM["top"]), Mm(MARGIN_MM["bottom"])
        s.left_margin, s.right_margin = Mm(MARGIN_MM["left"]), Mm(MARGIN_MM["right"])
        s.header_distance, s.footer_distance = Mm(HEADER_MM), Mm(FOOTER_MM)


def _border(p: Paragraph, side: str) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    line = OxmlElement(f"w:{side}")
    for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "808080")):
        line.set(qn(k), v)
    bdr.append(line)


def _small(p: Paragraph, size: float = 9) -> None:
    for r in p.runs:
        r.font.size = Pt(size)


def header(
    doc: DocxDocument,
    left: str = HEADER_LEFT,
    right: str = HEADER_RIGHT,
    parties: str | None = HEADER_PARTIES,
) -> None:
    """Left and right text on one line, the parties (甲方 and 乙方) on the line below it
    with a rule below, on every page."""
    for s in doc.sections:
        h = s.header
        h.is_linked_to_previous = False
        p = h.paragraphs[0] if h.paragraphs else h.add_paragraph()
        p.text = ""
        p.add_run(left)
        if right:
            p.add_run("\t" + right)
            tabs = p.paragraph_format.tab_stops
            # the Header style's own stops (centre 8.25 cm, right 16.5 cm, for Letter) go
            for pos in _style_tabs(doc, "Header"):
                tabs.add_tab_stop(pos, WD_TAB_ALIGNMENT.CLEAR)
            tabs.add_tab_stop(Mm(TEXT_MM), WD_TAB_ALIGNMENT.RIGHT)
        _small(p)
        if parties:
            p = h.add_paragraph()
            p.add_run(parties)
            _small(p)
        _border(p, "bottom")


def _style_tabs(doc: DocxDocument, sid: str) -> list[Any]:
    from docx.shared import Twips

    for st in doc.styles.element.findall(qn("w:style")):
        if st.get(qn("w:styleId")) == sid:
            return [Twips(int(t.get(qn("w:pos")))) for t in st.iter(qn("w:tab"))]
    return []


def _field(p: Paragraph, name: str) -> None:
    """A complex field (begin, instruction, separate, result, end), as Word writes it."""

    def run_with(el: object) -> None:
        r = p.add_run()
        r.font.size = Pt(9)
        r._r.append(el)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {name} \\* MERGEFORMAT "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    p.add_run("1").font.size = Pt(9)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def footer(doc: DocxDocument, lang: str) -> None:
    """第 X 页 共 Y 页 (Page X of Y), centred, with PAGE and NUMPAGES fields."""
    before, middle, after = FOOTER_TEXT["zh-CN" if is_zh(lang) else "en"]
    for s in doc.sections:
        f = s.footer
        f.is_linked_to_previous = False
        p = f.paragraphs[0] if f.paragraphs else f.add_paragraph()
        p.text = ""
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(before)
        _field(p, "PAGE")
        p.add_run(middle)
        _field(p, "NUMPAGES")
        if after:
            p.add_run(after)
        _small(p)


# --- tables ------------------------------------------------------------------------------


def _text_mm(text: str, size: float) -> float:
    """Width of ``text`` on one line with the house fonts' real metrics (``fit.text_mm``)."""
    from .fit import text_mm

    return text_mm(text, size)


def header_min_mm(text: str, size: float) -> float:
    """The narrowest cell that holds a header without making it vertical: its longest
    Latin word whole, and its CJK part in at most two lines of at least two characters."""
    text = re.sub(r"\{[{%].*?[%}]\}", "", text).strip()
    if not text:
        return 0.0
    words = re.findall(r"[\x21-\x7e]+", text)
    cjk = [c for c in text if ord(c) > 0x2E7F]
    need = max([_text_mm(w, size) for w in words] + [0.0])
    if cjk:
        per_line = min(len(cjk), max(2, math.ceil(len(cjk) / 2)))
        need = max(need, _text_mm("中" * per_line, size))
    return need + 2 * CELL_MARGIN_MM + 0.6


def _size_of(t: Table) -> float:
    for row in t.rows[:1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    if r.font.size is not None:
                        return r.font.size.pt
    return 10.5


def _grid(t: Table) -> list[float]:
    """Column widths in mm from the grid (python-docx writes one gridCol per column)."""
    tbl = t._tbl
    grid = tbl.tblGrid
    cols = grid.findall(qn("w:gridCol"))
    n = max(len(r.findall(qn("w:tc"))) for r in tbl.findall(qn("w:tr"))) if tbl.tr_lst else 1
    while len(cols) < n:
        col = OxmlElement("w:gridCol")
        grid.append(col)
        cols.append(col)
    out = []
    for c in cols:
        w = c.get(qn("w:w"))
        out.append(int(w) / 56.6929 if w else TEXT_MM / len(cols))
    return out


def fit_widths(t: Table, mm: list[float] | None = None) -> list[float]:
    """Widths that fit the text width and hold every header (see ``header_min_mm``): the
    given (or present) widths, narrow columns widened to their header, the others scaled."""
    mm = list(mm or _grid(t))
    size = _size_of(t)
    first = t.rows[0].cells if t.rows else []
    mins = [0.0] * len(mm)
    if t.rows and is_header_row(t.rows[0]._tr):
        mins = [header_min_mm(c.text, size) for c in first][: len(mm)]
        mins += [0.0] * (len(mm) - len(mins))
    mm = [max(w, m) for w, m in zip(mm, mins, strict=True)]
    total = sum(mm)
    if total > TEXT_MM + 0.1:
        fixed = sum(m for w, m in zip(mm, mins, strict=True) if w <= m + 0.01)
        free = total - fixed
        room = TEXT_MM - fixed
        scale = room / free if free > 0 else 1
        mm = [w if w <= m + 0.01 else max(m, w * scale) for w, m in zip(mm, mins, strict=True)]
    return mm


def set_widths(t: Table, mm: list[float]) -> None:
    t.autofit = False
    cols = t._tbl.tblGrid.findall(qn("w:gridCol"))
    for col, w in zip(cols, mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in t.rows:
        tcs = row._tr.findall(qn("w:tc"))
        for tc, w in zip(tcs, mm, strict=False):
            tc.get_or_add_tcPr()
            from docx.table import _Cell

            _Cell(tc, t).width = Mm(w)
    tblpr = t._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(int(Mm(sum(mm)).twips)))


def is_header_row(tr: object) -> bool:
    trpr = tr.find(qn("w:trPr"))  # type: ignore[attr-defined]
    return trpr is not None and trpr.find(qn("w:tblHeader")) is not None


def _row_flag(tr: object, tag: str) -> None:
    trpr = tr.get_or_add_trPr()  # type: ignore[attr-defined]
    if trpr.find(qn(tag)) is None:
        trpr.append(OxmlElement(tag))


def _keep_next(p: object) -> None:
    ppr = p.get_or_add_pPr()  # type: ignore[attr-defined]
    if ppr.find(qn("w:keepNext")) is not None:
        return
    style = ppr.find(qn("w:pStyle"))
    if style is None:
        ppr.insert(0, OxmlElement("w:keepNext"))
    else:
        style.addnext(OxmlElement("w:keepNext"))


def _is_tag_row(tr: object) -> bool:
    text = "".join(t.text or "" for t in tr.iter(qn("w:t")))  # type: ignore[attr-defined]
    return text.strip().startswith("{%tr")


def style_table(t: Table) -> None:
    """Fixed layout, grid per column, widths that fit, repeated header, unsplit rows,
    cell margins; a short table (not a docxtpl row loop) kept on one page."""
    tbl = t._tbl
    tblpr = tbl.tblPr
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")
    mar = tblpr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        tblpr.append(mar)
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(int(Mm(CELL_MARGIN_MM).twips)))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
    set_widths(t, fit_widths(t))
    rows = tbl.findall(qn("w:tr"))
    loop = any(_is_tag_row(tr) for tr in rows)
    for i, tr in enumerate(rows):
        _row_flag(tr, "w:cantSplit")
        keep = is_header_row(tr) or (
            not loop and len(rows) <= SMALL_TABLE_ROWS and i < len(rows) - 1
        )
        if keep:
            for p in tr.iter(qn("w:p")):
                _keep_next(p)


# --- the seal block ----------------------------------------------------------------------


def seal_block(
    doc: DocxDocument, lang: str, parties: tuple[str, ...] = ("client", "contractor")
) -> Table:
    """签章栏: a column per party (甲方, 乙方) and the rows 签字, 盖章, 日期, tall enough to
    sign and stamp in (a seal is 4 cm across)."""
    head = [pick(labels.SEAL_CORNER, lang)] + [pick(labels.SEAL_PARTIES[p], lang) for p in parties]
    t = doc.add_table(rows=1 + len(labels.SEAL_ROWS), cols=len(head))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, head, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _row_flag(t.rows[0]._tr, "w:tblHeader")
    heights = {"name": 9, "sign": 14, "seal": 36, "date": 9}
    names = {"client": "{{ house.client }}", "contractor": "{{ house.contractor }}"}
    for row, (name, pair) in zip(t.rows[1:], labels.SEAL_ROWS.items(), strict=True):
        row.cells[0].text = pick(pair, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.height = Mm(heights.get(name, 12))
        if name == "name":  # each party's name in its column (单位名称)
            for cell, party in zip(row.cells[1:], parties, strict=True):
                cell.text = names.get(party, "")
    other = (TEXT_MM - 24) / (len(head) - 1)
    set_widths(t, [24] + [other] * (len(head) - 1))
    return t


# --- the whole document --------------------------------------------------------------------


def keep_headings(doc: DocxDocument) -> None:
    """Headings, and a paragraph right before a table, stay with what follows."""
    body = doc.element.body
    for p in body.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
        style = pstyle.get(qn("w:val")) if pstyle is not None else ""
        nxt = p.getnext()
        if (
            style.startswith("Heading")
            or style == "Title"
            or (nxt is not None and nxt.tag == qn("w:tbl") and p.getparent() is body)
        ):
            _keep_next(p)
    for sid in ("Heading1", "Heading2", "Heading3", "Title"):
        for st in doc.styles.element.findall(qn("w:style")):
            if st.get(qn("w:styleId")) == sid:
                ppr = st.find(qn("w:pPr"))
                if ppr is None:
                    ppr = OxmlElement("w:pPr")
                    st.append(ppr)
                if ppr.find(qn("w:keepNext")) is None:
                    ppr.insert(0, OxmlElement("w:keepNext"))


def apply(doc: DocxDocument, lang: str) -> None:
    """Everything above on a built template: page, every table, keep-with-next. The header
    and footer are made by ``new_document`` (``header``/``footer``)."""
    page(doc)
    for t in doc.tables:
        style_table(t)
        for row in t.rows:
            for cell in row.cells:
                for inner in cell.tables:
                    style_table(inner)
    keep_headings(doc)
