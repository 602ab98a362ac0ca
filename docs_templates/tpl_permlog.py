"""Builder of the month's record of account and permission changes (账号权限变更记录 /
Record of Account and Permission Changes): each change with the day, the department, who
asked, the account, what changed, who authorised it on the client's side and our engineer;
a filing block for the client (归档确认)."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import loop_section, pairs

TITLE = ("账号权限变更记录", "Record of Account and Permission Changes")
INFO = [
    (("记录月份", "Month"), "{{ month }}"),
    (("服务合同", "Contract"), "{{ contract_title }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("本月变更数", "Changes this month"), "{{ count }}"),
]
H_ROWS = ("一、变更明细", "1. Changes")
COLS = [
    ("日期", "Date"),
    ("服务请求", "Request"),
    ("部门", "Department"),
    ("申请人", "Asked by"),
    ("账号", "Account"),
    ("变更内容", "What changed"),
    ("授权人", "Authorised by"),
    ("工程师", "Engineer"),
]
NONE = ("本月没有账号权限变更。", "No account or permission changes this month.")
NOTE = (
    "每项变更均由合同约定的该部门授权人授权后办理。",
    "Every change was made on the authority of a person the contract names for the department.",
)
H_FILE = ("二、甲方归档确认", "2. Filed by the client")
FILE_FIELDS = [("核对人", "Checked by"), ("日期", "Date"), ("备注", "Remarks")]


def permlog(lang: str) -> DocxDocument:
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(60, 100))
    loop_section(
        doc,
        pick(H_ROWS, lang),
        [pick(c, lang) for c in COLS],
        "r",
        "rows",
        [
            "{{ r.when }}",
            "{{ r.key }}",
            "{{ r.department }}",
            "{{ r.asked_by }}",
            "{{ r.account }}",
            "{{ r.change }}",
            "{{ r.authorised_by }}",
            "{{ r.engineer }}",
        ],
        [21, 23, 16, 15.5, 14, 26.1, 15.5, 15.5],  # the text width, 146.6 mm
        note=pick(NOTE, lang),
        empty=pick(NONE, lang),
    )
    doc.add_heading(pick(H_FILE, lang), level=1).paragraph_format.keep_with_next = True
    pairs(doc, [(pick(f, lang), "") for f in FILE_FIELDS], mm=(60, 100))
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "permlog-template", "changeflow.lang": lang})
    return doc
