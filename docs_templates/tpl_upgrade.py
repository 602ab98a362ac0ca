"""Builders of the install/upgrade plan (升级方案 / Upgrade Plan) and its record after
(升级记录 / Upgrade Record).

The plan: what is upgraded, from and to which version, then 环境检查, 步骤, 回退, 访问测试
and the 停机窗口 with what the client's working calendar says of it, and the decision table
the client signs (``labels.APPROVAL_FIELDS``: 决定, 审批人, 日期, 意见; read back by
``tasks.signoff`` as kind ``upgrade``). The record: the window as it was, each check and
access test with its result, and the outcome (done, or rolled back).
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Mm

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from . import labels
from .blank import finish, new_document
from .tables import loop_table, pairs

TITLE = ("升级方案", "Upgrade Plan")
RECORD_TITLE = ("升级记录", "Upgrade Record")
INFO = [
    (("变更编号", "Change no."), "{{ number }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("变更事项", "Change"), "{{ change }}"),
    (("升级对象", "Upgraded"), "{{ target }}"),
    (("系统/服务器", "System or server"), "{{ system }}"),
    (("当前版本", "From version"), "{{ from_version }}"),
    (("目标版本", "To version"), "{{ to_version }}"),
]
SECTIONS = {
    "checks": ("一、环境检查", "1. Environment check"),
    "steps": ("二、升级步骤", "2. Steps"),
    "rollback": ("三、回退方案", "3. Rollback"),
    "tests": ("四、访问测试", "4. Access test"),
}
ITEM_COLS = [("序号", "No."), ("内容", "Item")]
H_WINDOW = ("五、停机窗口", "5. Downtime window")
WINDOW = [
    (("开始", "Starts"), "{{ window_start }}"),
    (("结束", "Ends"), "{{ window_end }}"),
    (("时长", "Length"), "{{ window_length }}"),
    (("甲方工作日历", "Client's working calendar"), "{{ window_calendar }}"),
]
H_APPROVAL = ("六、甲方审批", "6. The client's approval")
APPROVAL_INTRO = (
    "请甲方在下表右栏填写：决定（同意或不同意）、审批人、日期和意见，保存后将本文件发回。"
    "请不要修改左栏的文字和上方的内容。",
    "Please fill in the right-hand cells: decision (approve or reject), approver, date and"
    " comment; save and send this file back. Do not change the labels on the left or the"
    " content above.",
)
H_DONE = ("一、实施情况", "1. As carried out")
DONE = [
    (("实际开始", "Started"), "{{ started }}"),
    (("实际结束", "Ended"), "{{ ended }}"),
    (("结果", "Outcome"), "{{ outcome }}"),
    (("甲方审批", "Approved by the client"), "{{ approval }}"),
]
H_RESULTS = ("二、检查与访问测试结果", "2. Checks and access tests")
RESULT_COLS = [("序号", "No."), ("项目", "Item"), ("结果", "Result"), ("结论", "Verdict")]
H_NOTES = ("三、说明", "3. Notes")


def _items(doc: DocxDocument, lang: str, seq: str) -> None:
    loop_table(doc, [pick(c, lang) for c in ITEM_COLS], "x", seq,
               ["{{ x.no }}", "{{ x.text }}"], mm=[16, 144])  # fmt: skip


def upgrade(lang: str) -> DocxDocument:
    """The plan the client approves before the server or platform is touched."""
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(45, 115))
    for seq, head in SECTIONS.items():
        doc.add_heading(pick(head, lang), level=1)
        _items(doc, lang, seq)
    doc.add_heading(pick(H_WINDOW, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in WINDOW], mm=(45, 115))
    doc.add_heading(pick(H_APPROVAL, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(APPROVAL_INTRO, lang)).paragraph_format.keep_with_next = True
    approval = [(pick(pair, lang), "") for pair in labels.APPROVAL_FIELDS.values()]
    t = pairs(doc, approval, mm=(55, 105))
    t.rows[-1].height = Mm(20)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "upgrade-template", "changeflow.lang": lang})
    return doc


def upgrade_record(lang: str) -> DocxDocument:
    """What was done in the window, each check's and test's result, the outcome."""
    doc = new_document(pick(RECORD_TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(45, 115))
    doc.add_heading(pick(H_DONE, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in DONE], mm=(45, 115))
    doc.add_heading(pick(H_RESULTS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in RESULT_COLS], "r", "results",
               ["{{ r.no }}", "{{ r.item }}", "{{ r.result }}", "{{ r.verdict }}"],
               mm=[14, 76, 50, 20])  # fmt: skip
    doc.add_heading(pick(H_NOTES, lang), level=1)
    doc.add_paragraph("{{ notes }}")
    finish(doc, lang)
    write_custom_properties(
        doc, {"changeflow.kind": "upgrade-record-template", "changeflow.lang": lang}
    )
    return doc
