"""Builder of the dispatch order (派工单 / Dispatch Order).

The client accepts each service on its dispatch order (根据派工单验收服务的情况): the last
table is a plain two-column sign-off table keyed by ``SIGNOFF_FIELDS`` (服务是否验收,
满意度, 意见反馈, 签字人, 日期); ``tasks.signoff`` reads it back by these labels (its
one label table) like every signed document. Labels live here so builder and reader share
them.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .parts import sign_lines
from .tables import loop_table, pairs, widths

TITLE = ("派工单", "Dispatch Order")
INFO = [
    (("派工单号", "Dispatch order no."), "{{ number }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("服务类型", "Service type"), "{{ kind }}"),
    (("服务事项", "Service item"), "{{ title }}"),
    (("服务人员", "Staff"), "{{ staff }}"),
    (("计划开始时间", "Planned start"), "{{ planned_start }}"),
    (("计划结束时间", "Planned end"), "{{ planned_end }}"),
    (("服务地点", "Location"), "{{ location }}"),
    (("关联请求/故障", "Linked to"), "{{ requests }}"),  # a label on one line
    (("服务方式", "Service mode"), "{{ mode }}"),
    (("所需技能", "Skills required"), "{{ skills }}"),
    (("非工作日服务", "On a day off"), "{{ day_off }}"),
]
CONTRACTOR = (("承建单位（乙方）", "Contractor"), "{{ house.contractor }}")
# start and end in one cell (2026年11月25日 14:00至16:00), the row to itself: a date and
# time never broken
PLANNED = (("计划时间", "Planned time"), "{{ planned }}")
# The order's facts two to a row (a form on one page with its sign-off); a long value has
# the row to itself. Indexes into INFO (CONTRACTOR as "k", PLANNED as "p").
INFO_LAYOUT: list[tuple[int | str, ...]] = [
    (0, 3),
    (1,),
    (2, "k"),
    (4,),
    (5, 10),
    ("p",),
    (8, 12),
    (11,),
    (9,),
]  # the linked requests on a row of their own: several keys side by side
H_WORK = ("一、工作内容", "1. Work content")
H_DONE = ("二、实际完成情况", "2. Work as done")
# the maintenance plan's checks due on this visit, with their results once recorded
CHECKS_INTRO = (
    "本次到期的巡检项目（依据日常维护服务计划）：",
    "Checks due on this visit (from the maintenance plan):",
)
CHECK_COLS = [
    ("系统", "System"),
    ("检查项目", "Check"),
    ("正常标准", "Normal when"),
    ("结果", "Result"),
    ("读数与说明", "Value and note"),
]
DONE = [
    (("实际开始时间", "Actual start"), "{{ actual_start }}"),
    (("实际结束时间", "Actual end"), "{{ actual_end }}"),
    (("计入服务时间", "Service time charged"), "{{ charged }}"),
]
H_STAFF_TIME = (
    "各服务人员时间（服务时间为工作日服务时段内的时间，其余为加班，另计）",
    "Time per engineer (service time: within service hours on working days;"
    " the rest is overtime, apart)",
)
STAFF_TIME_COLS = [
    ("服务人员", "Engineer"),
    ("开始", "Start"),
    ("结束", "End"),
    ("服务时间（分钟）", "Service (min)"),
    ("服务天", "Service days"),
    ("加班（分钟）", "Overtime (min)"),
]
# the service requests done on this visit (tasks/servicereq/visits.py): the client's acceptance
# of the order confirms them
H_ITEMS = (
    "本次完成的服务请求（甲方验收本派工单即确认以下事项已完成）",
    "Service requests done on this visit (accepting this order confirms them)",
)
ITEM_COLS = [
    ("编号", "Key"),
    ("类别", "Category"),
    ("事项", "Request"),
    ("申请人", "Requested by"),
    ("处理结果", "What was done"),
]
STAFF_SIGN = [(("服务人员", "Engineer(s)"), "{{ staff }}")]
H_PLAN_CONFIRM = ("二、计划确认", "2. The plan confirmed")
PLAN_CONFIRM = (
    "本派工单为计划版本，请甲方确认上述服务安排，不作服务验收。服务完成后，乙方出具填写实际完成"
    "情况的版本，请甲方在该版本上验收签字。",
    "The client confirms the service as planned above. This planned version is not the"
    " acceptance: when the service is done we issue the version with the work as done, and"
    " the client accepts and signs that version.",
)
PLAN_SIGN = [(("甲方确认人", "Confirmed by (client)"), "")]
H_SIGNOFF = ("三、服务验收", "3. Acceptance of the service")
# one line in zh-CN (what to write is in the labels: 是/否, 1-5), so the acceptance fits on
# the page of a one-visit order
SIGNOFF_INTRO = (
    "请甲方在右栏填写后发回（满意度 5 为最满意）；左栏和上方表格请勿修改。",
    "Please fill in the right-hand cells (satisfaction: 5 is best) and send this file back;"
    " do not change the left-hand cells or the tables above.",
)
# field -> (zh-CN label, English label): the sign-off table, read back by these labels
SIGNOFF_FIELDS: dict[str, tuple[str, str]] = {
    "accepted": ("服务是否验收（是/否）", "Service accepted (yes/no)"),
    "satisfaction": ("满意度（1-5）", "Satisfaction (1-5)"),
    "feedback": ("意见反馈", "Feedback"),
    "signer": ("签字人", "Signed by"),
    "date": ("日期", "Date"),
}
ACCEPT_WORDS = {
    True: ("是", "验收", "通过", "同意", "yes", "y", "accepted", "accept"),
    False: ("否", "不验收", "不通过", "不同意", "no", "n", "not accepted", "rejected", "reject"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "weekly-visit": ("每周固定上门服务", "Weekly on-site visit"),
    "emergency": ("紧急维护", "Emergency maintenance"),
    "remote": ("远程支持", "Remote support"),
    "change": ("变更工作", "Change work"),
}


def _info(doc: DocxDocument, lang: str) -> None:
    """The order's facts in four columns (label, value, label, value), by ``INFO_LAYOUT``."""
    t = doc.add_table(rows=len(INFO_LAYOUT), cols=4)
    t.style = "Table Grid"
    for row, keys in zip(t.rows, INFO_LAYOUT, strict=True):
        cells = row.cells
        for n, key in enumerate(keys):
            label, value = {"k": CONTRACTOR, "p": PLANNED}.get(str(key)) or INFO[int(key)]
            cells[2 * n].text = pick(label, lang)
            cells[2 * n].paragraphs[0].runs[0].bold = True
            cells[2 * n + 1].text = value
        if len(keys) == 1:
            cells[1].merge(cells[3])
            cells[1].text = cells[1].paragraphs[0].text.strip()
    widths(t, [32.3, 41, 32.3, 41])  # a label of 8 characters on one line


def _thin(p: object) -> None:
    """A paragraph that only keeps two tables apart: 6 points high, no spacing (the order's
    acceptance then fits on the page of a one-visit order)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt
    from docx.text.paragraph import Paragraph

    para = Paragraph(p, None)
    fmt = para.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(6)


def dispatch(lang: str) -> DocxDocument:
    """The dispatch order the engineer takes along and the client signs."""
    doc = new_document(pick(TITLE, lang), lang)
    _info(doc, lang)
    doc.add_heading(pick(H_WORK, lang), level=1)
    t = doc.add_table(rows=1, cols=1)
    t.style = "Table Grid"
    cell = t.rows[0].cells[0]
    cell.paragraphs[0].text = "{%p for line in work_lines %}"
    cell.add_paragraph("{{ line }}")
    cell.add_paragraph("{%p endfor %}")
    widths(t, [160])
    doc.add_paragraph("{%p if checks %}")
    doc.add_paragraph(pick(CHECKS_INTRO, lang)).paragraph_format.keep_with_next = True
    loop_table(doc, [pick(c, lang) for c in CHECK_COLS], "c", "checks",
               ["{{ c.system }}", "{{ c.check }}", "{{ c.threshold }}", "{{ c.result }}",
                "{{ c.value }}"], mm=[30, 30, 50, 16, 34])  # fmt: skip
    doc.add_paragraph("{%p endif %}")
    # the planned version: the client confirms the plan; only the done version carries the
    # work as done and the acceptance (the one the client signs and returns)
    doc.add_paragraph("{%p if not done %}")
    doc.add_heading(pick(H_PLAN_CONFIRM, lang), level=1)
    doc.add_paragraph(pick(PLAN_CONFIRM, lang)).paragraph_format.keep_with_next = True
    sign_lines(doc, lang, PLAN_SIGN)
    doc.add_paragraph("{%p else %}")
    doc.add_heading(pick(H_DONE, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in DONE], mm=(55, 105))
    doc.add_paragraph(pick(H_STAFF_TIME, lang))
    loop_table(
        doc,
        [pick(c, lang) for c in STAFF_TIME_COLS],
        "w",
        "work_rows",
        ["{{ w.name }}", "{{ w.start }}", "{{ w.end }}", "{{ w.service }}", "{{ w.days }}",
         "{{ w.overtime }}"],
        mm=[26, 34, 34, 24, 20, 22],
    )  # fmt: skip
    doc.add_paragraph("{%p if service_items %}")
    doc.add_paragraph(pick(H_ITEMS, lang))
    loop_table(
        doc,
        [pick(c, lang) for c in ITEM_COLS],
        "i",
        "service_items",
        ["{{ i.key }}", "{{ i.category }}", "{{ i.title }}", "{{ i.requester }}",
         "{{ i.resolution }}"],
        mm=[26, 22, 46, 20, 46],
    )  # fmt: skip
    doc.add_paragraph("{%p endif %}")
    sign_lines(doc, lang, STAFF_SIGN, spacer_after=False)  # a heading follows
    _thin(doc.tables[-1]._tbl.getprevious())  # the gap that keeps two tables apart
    # the acceptance stays on one page with its heading and the request above it
    doc.add_heading(pick(H_SIGNOFF, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(SIGNOFF_INTRO, lang)).paragraph_format.keep_with_next = True
    t = pairs(doc, [(pick(pair, lang), "") for pair in SIGNOFF_FIELDS.values()], mm=(55, 105))
    for row in t.rows[:-1]:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    doc.add_paragraph("{%p endif %}")
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "dispatch-template", "changeflow.lang": lang})
    return doc
