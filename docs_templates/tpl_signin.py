"""Builder of the training sign-in sheet (培训签到表 / Training Sign-in Sheet).

The session as planned (topic, departments, time and place, trainer, the OA manual's
chapters used as materials), then the register the attendees sign (序号 printed; 姓名,
部门, 签名 written by each attendee) and the organiser's confirmation table
(``SIGNOFF_FIELDS``: 实到人数, 满意度, 培训反馈, 确认人, 日期). ``tasks.signoff`` reads
both back by these labels: the register's cells right of 序号 and the confirmation's
values are the client's own, everything else is signed.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.shared import Mm

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import header_row, loop_table, pairs, small, widths

TITLE = ("培训签到表", "Training Sign-in Sheet")
INFO = [
    (("培训编号", "Session no."), "{{ number }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("培训主题", "Topic"), "{{ topic }}"),
    (("参训部门", "Departments"), "{{ departments }}"),
    (("培训时间", "Time"), "{{ when }}"),
    (("培训地点", "Place"), "{{ place }}"),
    (("培训讲师", "Trainer"), "{{ trainer }}"),
]
H_MATERIALS = ("一、培训材料（OA 系统使用手册章节）", "1. Materials (chapters of the OA manual)")
MATERIAL_COLS = [("序号", "No."), ("章节", "Chapter")]
NO_MATERIALS = ("（本次培训未指定手册章节）", "(no manual chapter named for this session)")
H_REGISTER = ("二、签到", "2. Sign-in")
REGISTER_INTRO = (
    "请参训人员在下表中填写姓名、所在部门并签名。",
    "Attendees: please write your name and department and sign in the table below.",
)
# the register's header, read back by these labels (the first column is printed, the rest
# is written by the attendees)
REGISTER_COLS = [("序号", "No."), ("姓名", "Name"), ("部门", "Department"), ("签名", "Signature")]
H_SIGNOFF = ("三、培训确认", "3. Confirmation of the session")
SIGNOFF_INTRO = (
    "培训结束后，请甲方组织人在下表右栏填写：实到人数、满意度（1-5，5 为最满意）、培训反馈、"
    "确认人和日期，保存后将本文件发回。请不要修改左栏的文字和上方的表格。",
    "After the session, the client's organiser please fills in the right-hand cells: number"
    " attending, satisfaction (1-5, 5 is best), feedback, confirmed by and date; save and send"
    " this file back. Do not change the labels on the left or the tables above.",
)
# field -> (zh-CN label, English label): the confirmation table, read back by these labels
SIGNOFF_FIELDS: dict[str, tuple[str, str]] = {
    "attended": ("实到人数", "Number attending"),
    "satisfaction": ("满意度（1-5）", "Satisfaction (1-5)"),
    "feedback": ("培训反馈", "Feedback"),
    "signer": ("确认人", "Confirmed by"),
    "date": ("日期", "Date"),
}


def signin(lang: str) -> DocxDocument:
    """The sign-in sheet the trainer takes along and the attendees sign."""
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(45, 115))
    doc.add_heading(pick(H_MATERIALS, lang), level=1)
    doc.add_paragraph("{%p if materials %}")
    loop_table(
        doc,
        [pick(c, lang) for c in MATERIAL_COLS],
        "m",
        "materials",
        ["{{ m.no }}", "{{ m.title }}"],
        mm=[16, 144],
    )
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph(pick(NO_MATERIALS, lang))
    doc.add_paragraph("{%p endif %}")
    doc.add_heading(pick(H_REGISTER, lang), level=1)
    doc.add_paragraph(pick(REGISTER_INTRO, lang))
    t = doc.add_table(rows=4, cols=len(REGISTER_COLS))
    t.style = "Table Grid"
    header_row(t, [pick(c, lang) for c in REGISTER_COLS])
    t.rows[1].cells[0].text = "{%tr for n in seats %}"
    for cell, text in zip(t.rows[2].cells, ["{{ n }}", "", "", ""], strict=True):
        cell.text = text
    t.rows[3].cells[0].text = "{%tr endfor %}"
    t.rows[2].height = Mm(7.5)  # room for a handwritten name and signature (a ruled line)
    t.rows[2].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    small(t, 10)
    widths(t, [16, 44, 50, 50])
    doc.add_heading(pick(H_SIGNOFF, lang), level=1)
    doc.add_paragraph(pick(SIGNOFF_INTRO, lang))
    pairs(doc, [(pick(pair, lang), "") for pair in SIGNOFF_FIELDS.values()], mm=(55, 105))
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "signin-template", "changeflow.lang": lang})
    return doc
