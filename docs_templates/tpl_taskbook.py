"""Builder of the blank task book (项目任务书).

A form the client fills in Word: the label column as wide as its longest label, the blank
cells tall enough to type or write in, the requirement table's text columns wide and its
number and priority columns narrow. Page 1 holds the basic facts and the requirements; the
attachments and the requesting department's signature and seal stay together (a chain of
keep-with-next), so when they no longer fit under the requirements they start the next
page together instead of leaving the seal block alone there.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Mm
from docx.table import Table

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from . import labels
from .blank import finish, grid, new_document
from .house import TEXT_MM
from .tables import widths

# the blank form's cells: height of an empty row (mm), the background's box
FIELD_ROW_MM, BACKGROUND_MM = 7, 24
REQUIREMENT_ROW_MM, ATTACHMENT_ROW_MM = 12, 8
# the narrow columns of the blank grids (a number, a priority); the text columns share the rest
NO_MM, PRIORITY_MM = 14, 20


def _label_mm(lang: str) -> float:
    """The label column of the facts and of the signature block: the longest label (bold)
    on one line, with the cell margins."""
    from .fit import CELL_MARGIN_MM, SLACK_MM, text_mm

    both = [*labels.TASKBOOK_FIELDS.values(), *labels.TASKBOOK_SIGN_ROWS]
    longest = max(text_mm(pick(p, lang), 10.5, bold=True) for p in both)
    return round(longest + 2 * CELL_MARGIN_MM + SLACK_MM + 2, 1)


def _rows_tall(t: Table, mm: float, first: int = 1) -> None:
    for row in t.rows[first:]:
        row.height = Mm(mm)


def _keep_table(t: Table) -> None:
    """Every row kept with the next paragraph (the last row with what follows the table)."""
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def taskbook(lang: str) -> DocxDocument:
    """The blank task book (项目任务书) a client fills in Word and sends back."""
    doc = new_document(pick(labels.TITLE, lang), lang, rendered=False)
    doc.add_paragraph(pick(labels.TASKBOOK_NUMBER, lang))
    doc.add_paragraph(pick(labels.HINT, lang))
    doc.add_heading(pick(labels.HEADINGS["basic"], lang), level=1)
    t = doc.add_table(rows=len(labels.TASKBOOK_FIELDS), cols=2)
    t.style = "Table Grid"
    for row, (field, pair) in zip(t.rows, labels.TASKBOOK_FIELDS.items(), strict=True):
        row.cells[0].text = pick(pair, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.height = Mm(BACKGROUND_MM if field == "background" else FIELD_ROW_MM)
    label = _label_mm(lang)
    widths(t, [label, TEXT_MM - label])
    doc.add_heading(pick(labels.HEADINGS["requirements"], lang), level=1)
    reqs = grid(doc, [pick(p, lang) for p in labels.REQUIREMENT_COLUMNS.values()], rows=5)
    text = (TEXT_MM - NO_MM - PRIORITY_MM) / 2
    widths(reqs, [NO_MM, text, PRIORITY_MM, text])
    _rows_tall(reqs, REQUIREMENT_ROW_MM)
    doc.add_heading(pick(labels.HEADINGS["attachments"], lang), level=1)
    atts = grid(doc, [pick(p, lang) for p in labels.ATTACHMENT_COLUMNS.values()], rows=3)
    widths(atts, [NO_MM, TEXT_MM - NO_MM])
    _rows_tall(atts, ATTACHMENT_ROW_MM)
    doc.add_heading(pick(labels.TASKBOOK_SIGN_HEAD, lang), level=1)
    t = doc.add_table(rows=len(labels.TASKBOOK_SIGN_ROWS), cols=2)
    t.style = "Table Grid"
    for row, pair in zip(t.rows, labels.TASKBOOK_SIGN_ROWS, strict=True):
        row.cells[0].text = pick(pair, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.height = Mm(36 if pair[0] == "部门盖章" else 14)
    widths(t, [label, TEXT_MM - label])
    finish(doc, lang)
    # the attachments, the heading below them and the signature block: one block
    _keep_table(atts)
    write_custom_properties(doc, {"changeflow.kind": "taskbook-form", "changeflow.lang": lang})
    return doc
