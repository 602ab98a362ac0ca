"""Builder of the blank task book (项目任务书)."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Mm

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from . import labels
from .blank import finish, grid, new_document


def taskbook(lang: str) -> DocxDocument:
    """The blank task book (项目任务书) a client fills in Word and sends back."""
    doc = new_document(pick(labels.TITLE, lang), lang, rendered=False)
    doc.add_paragraph(pick(labels.TASKBOOK_NUMBER, lang))
    doc.add_paragraph(pick(labels.HINT, lang))
    doc.add_heading(pick(labels.HEADINGS["basic"], lang), level=1)
    t = doc.add_table(rows=len(labels.TASKBOOK_FIELDS), cols=2)
    t.style = "Table Grid"
    for row, pair in zip(t.rows, labels.TASKBOOK_FIELDS.values(), strict=True):
        row.cells[0].text = pick(pair, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
    doc.add_heading(pick(labels.HEADINGS["requirements"], lang), level=1)
    grid(doc, [pick(p, lang) for p in labels.REQUIREMENT_COLUMNS.values()], rows=5)
    doc.add_heading(pick(labels.HEADINGS["attachments"], lang), level=1)
    grid(doc, [pick(p, lang) for p in labels.ATTACHMENT_COLUMNS.values()], rows=3)
    doc.add_heading(pick(labels.TASKBOOK_SIGN_HEAD, lang), level=1)
    t = doc.add_table(rows=len(labels.TASKBOOK_SIGN_ROWS), cols=2)
    t.style = "Table Grid"
    for row, pair in zip(t.rows, labels.TASKBOOK_SIGN_ROWS, strict=True):
        row.cells[0].text = pick(pair, lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.height = Mm(36 if pair[0] == "部门盖章" else 14)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "taskbook-form", "changeflow.lang": lang})
    return doc
