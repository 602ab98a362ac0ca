"""Builder of the client's blank service request form (服务请求单 / Service Request Form):
the request (contract, category, what is asked, description, requester, department,
urgent) and, for an account or permission change, the account, what changes and who
authorised it on the client's side. The client fills it in Word and drops it in the inbox
or mails it to the project mailbox; ``tasks.servicereq.form`` reads it back by the labels
(``bilingual.SERVICE_FORM_FIELDS``)."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Mm, Pt

from changeflow.bilingual import SERVICE_FORM_FIELDS, SERVICE_FORM_PERMISSION, pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import widths

TITLE = ("服务请求单", "Service Request Form")
KIND = "servicereq-form"
HINT = (
    "请填写下表，保存为 .docx 后放入收件箱，或作为邮件附件发至项目邮箱。我们收到后回复服务请求编号"
    "（FW-年份-序号）和响应时限；填写有误的，回复指明哪一栏。",
    "Fill in the tables, save as .docx and drop it in the inbox or attach it to a mail to the"
    " project mailbox. We answer with the request's key (FW-year-number) and its response"
    " due time; a form we cannot take is answered naming the field.",
)
H_REQUEST = ("一、服务请求", "1. The request")
H_PERMISSION = (
    "二、账号权限变更（仅“账号权限”类填写）",
    "2. Account or permission change (only for account/permission)",
)
NOTES: dict[str, tuple[str, str]] = {
    "contract": ("留空为当前服务合同", "empty: the contract in force"),
    "category": (
        "账号权限 / 数据维护 / 表单流程调整 / 使用咨询 / 其他",
        "account / data / form / howto / other",
    ),
    "urgent": ("是 / 否（留空为否）", "yes / no (empty: no)"),
    "authorised_by": (
        "须为合同中该部门指定的授权人",
        "one the contract names for the department",
    ),
}
REQUEST_FIELDS = tuple(f for f in SERVICE_FORM_FIELDS if f not in SERVICE_FORM_PERMISSION)
TALL = {"description": 40, "change": 30}


def _table(doc: DocxDocument, fields: tuple[str, ...], lang: str) -> None:
    t = doc.add_table(rows=len(fields), cols=2)
    t.style = "Table Grid"
    for row, name in zip(t.rows, fields, strict=True):
        row.cells[0].text = pick(SERVICE_FORM_FIELDS[name], lang)
        row.cells[0].paragraphs[0].runs[0].bold = True
        note = NOTES.get(name)
        if note:
            hint = row.cells[0].add_paragraph().add_run(pick(note, lang))
            hint.italic = True
            hint.font.size = Pt(8)
        row.height = Mm(TALL.get(name, 10))
    widths(t, [50, 110])


def servicereq(lang: str) -> DocxDocument:
    """The blank service request form a client fills and sends back."""
    doc = new_document(pick(TITLE, lang), lang, rendered=False)
    doc.add_paragraph(pick(HINT, lang))
    doc.add_heading(pick(H_REQUEST, lang), level=1)
    _table(doc, REQUEST_FIELDS, lang)
    doc.add_heading(pick(H_PERMISSION, lang), level=1)
    _table(doc, SERVICE_FORM_PERMISSION, lang)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": KIND, "changeflow.lang": lang})
    return doc
