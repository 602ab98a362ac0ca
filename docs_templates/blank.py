"""What every template builder starts and ends with: a blank document in the house style
(``new_document``), the house pass and the unused styles dropped (``finish``)."""

from __future__ import annotations

from datetime import UTC, datetime

import docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from changeflow.wordparts import prepare

BUILT = datetime(2026, 11, 1, tzinfo=UTC)


def new_document(title: str, lang: str, *, rendered: bool = True) -> DocxDocument:
    """A template in the house style (docs_templates/house.py): A4 and margins, the header
    (client and project | title and version; for a blank form only its title) and the
    footer 第 X 页 共 Y 页; the builder ends with ``finish``."""
    from . import house

    doc = docx.Document()
    prepare(doc, title=title, when=BUILT)
    doc.styles["Normal"].font.size = Pt(10.5)
    house.page(doc)
    if rendered:
        house.header(doc)
    else:
        house.header(doc, left=title, right="", parties=None)
    house.footer(doc, lang)
    head = doc.add_heading(title, level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def finish(doc: DocxDocument, lang: str) -> DocxDocument:
    """The house style over the whole built template (tables, keep-with-next), then the
    unused styles dropped."""
    from . import house

    house.apply(doc, lang)
    trim_styles(doc)
    return doc


def grid(doc: DocxDocument, header: list[str], rows: int) -> Table:
    """A header row over ``rows`` empty rows (a blank form's list to fill in)."""
    t = doc.add_table(rows=1 + rows, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    return t


def trim_styles(doc: DocxDocument) -> None:
    """Drop latent styles and every style the document does not use (styles.xml of the
    default template is ~438 KB, mostly table styles: saving it is ~40% of a render)."""
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    body = doc.element.body
    used: set[str] = set()
    for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
        for el in body.iter(qn(tag)):
            used.add(el.get(qn("w:val")))
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    keep = {sid for sid, s in by_id.items() if s.get(qn("w:default")) == "1"}
    keep |= {"Normal", "TableGrid", "TableNormal", "ListBullet", "Title"}
    keep |= {f"Heading{i}" for i in range(1, 4)} | {"Header", "Footer"} | used
    todo = list(keep)
    while todo:
        s = by_id.get(todo.pop())
        if s is None:
            continue
        for ref in ("w:basedOn", "w:next", "w:link"):
            el = s.find(qn(ref))
            if el is not None and el.get(qn("w:val")) not in keep:
                keep.add(el.get(qn("w:val")))
                todo.append(el.get(qn("w:val")))
    for sid, s in by_id.items():
        if sid not in keep:
            styles.remove(s)
    # Word 2010's copy of every style (438 KB) and the default template's thumbnail (a
    # picture of some other document) are not needed by any reader.
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del pkg.rels[rid]
