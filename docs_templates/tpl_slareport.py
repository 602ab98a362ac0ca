"""Builder of the monthly statement (月度服务对账单 / Monthly Service Statement): the
month's faults with each clock (its rule, due time, actual time, result), the pauses and
their reasons, the breaches with their causes, open clocks shown as open with their elapsed
time, the month's service days and its dispatch orders (counted or not); a confirmation
table for the client (对账确认), read back by ``CONFIRM_FIELDS``."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import bullets, loop_section, loop_table, pairs, tag, widths

TITLE = ("月度服务对账单", "Monthly Service Statement")
# a statement made before its month ends says what it is (tasks/maintenance/statement.py)
INTERIM_TITLE = ("（期中）", " (interim)")
INTERIM = (
    "期中对账单：本月尚未结束，本对账单记录截至 {{ as_of }} 的情况，仅供核对进度；"
    "月末后出具的对账单为本月正式对账单。",
    "Interim statement: the month has not ended; this statement records the month up to"
    " {{ as_of }} for checking progress. The month's statement proper is the one made after"
    " the month ends.",
)
INFO = [
    (("统计月份", "Month"), "{{ month }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("统计截至", "As of"), "{{ as_of }}"),
    (("本月故障数", "Faults this month"), "{{ faults }}"),
    (("本月服务天数", "Service days this month"), "{{ month_days }}"),
    (("年度服务天数（已用/剩余/合计）", "Service days of the year (used/left/total)"),
     "{{ year_days }}"),
    (("本月年费以外费用", "This month's money beyond the annual fee"), "{{ month_money }}"),
]  # fmt: skip
H_SUMMARY = ("一、响应时间汇总", "1. Response times, summary")
SUMMARY_COLS = [
    ("时限", "Clock"),
    ("故障", "Faults"),
    ("达标", "Met"),
    ("超时", "Breached"),
    ("未结（已过期）", "Open (past due)"),
    ("达标率", "Met %"),
]
H_FAULTS = ("二、故障明细", "2. Faults")
FAULT_COLS = [
    ("编号", "Key"),
    ("故障", "Fault"),
    ("时限", "Clock"),
    ("规定", "Rule"),
    ("到期时间", "Due (MM-DD hh:mm)"),
    ("实际", "Actual"),
    ("结果", "Result"),
]
H_PAUSES = ("三、计时暂停（等待甲方）", "3. Clocks paused (waiting for the client)")
PAUSE_COLS = [("编号", "Key"), ("开始", "From"), ("结束", "To"), ("原因", "Reason")]
H_BREACHES = ("四、超时原因", "4. Breaches and their causes")
BREACH_COLS = [
    ("编号", "Key"),
    ("时限", "Clock"),
    ("超出（分钟）", "Over (min)"),
    ("原因", "Cause"),
]
H_ORDERS = ("五、本月服务（派工单）", "5. Services this month (dispatch orders)")
ORDER_COLS = [
    ("派工单号", "Order"),
    ("服务事项", "Service"),
    ("日期", "Date"),
    ("服务人员", "Staff"),
    ("服务天", "Service days"),
    ("加班", "Overtime"),
    ("甲方验收", "Accepted"),
]
NONE = {
    "rows": ("本月没有故障。", "No faults this month."),
    "pauses": ("本月没有计时暂停。", "No clock was paused this month."),
    "breaches": ("本月没有超时。", "No time limit was breached this month."),
    "orders": ("本月没有派工服务。", "No dispatch orders this month."),
}
H_WATCH = ("本月系统监测、巡检与备份", "Systems watched, checks and backups this month")
# the month's service requests (服务请求, tasks/servicereq/reports.py)
H_SERVICES = ("六、本月服务请求", "6. Service requests this month")
SERVICE_COLS = [
    ("编号", "Key"),
    ("类别", "Category"),
    ("事项", "Request"),
    ("申请人", "Requested by"),
    ("状态", "State"),
    ("服务时间（分钟）", "Service time (min)"),
]
NONE_SERVICES = ("本月没有服务请求。", "No service requests this month.")
H_CONFIRM = ("七、甲方确认", "7. The client's confirmation")
CONFIRM_INTRO = (
    "请甲方核对上述记录，在下表右栏填写对账结果（“无异议”或“有异议”）、意见、签字人和日期，保存后将本文件发回。",
    "Please check the records above and fill in the right-hand cells: result ('agreed' or"
    " 'disputed'), remarks, signer and date; save and send this file back.",
)
# field -> (zh-CN label, English label): the confirmation table, read back by these labels
# (``tasks.signoff.labels``, form ``statement``)
CONFIRM_FIELDS: dict[str, tuple[str, str]] = {
    "result": ("对账结果（无异议/有异议）", "Result (agreed/disputed)"),
    "remarks": ("意见", "Remarks"),
    "signer": ("签字人", "Signed by"),
    "date": ("日期", "Date"),
}
# what the client writes (or ticks) in the result cell
RESULT_WORDS = {
    True: ("无异议", "确认", "同意", "一致", "agreed", "agree", "confirmed", "yes"),
    False: ("有异议", "不同意", "不一致", "disputed", "dispute", "not agreed", "no"),
}


def sla_report(lang: str) -> DocxDocument:
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(70, 90))
    tag(doc, "{%p if interim %}")
    doc.add_paragraph().add_run(pick(INTERIM, lang)).bold = True
    tag(doc, "{%p endif %}")
    doc.add_heading(pick(H_SUMMARY, lang), level=1)
    t = loop_table(
        doc,
        [pick(c, lang) for c in SUMMARY_COLS],
        "c",
        "summary",
        ["{{ c.name }}", "{{ c.faults }}", "{{ c.met }}", "{{ c.breached }}", "{{ c.open }}",
         "{{ c.percent }}"],
    )  # fmt: skip
    widths(t, [34, 22, 22, 22, 32, 28])
    loop_section(
        doc,
        pick(H_FAULTS, lang),
        [pick(c, lang) for c in FAULT_COLS],
        "r",
        "rows",
        ["{{ r.key }}", "{{ r.title }}", "{{ r.clock }}", "{{ r.rule }}", "{{ r.due }}",
         "{{ r.actual }}", "*result_lines"],
        [28, 28, 18, 26, 20, 20, 20],
        empty=pick(NONE["rows"], lang),
    )  # fmt: skip
    loop_section(
        doc,
        pick(H_PAUSES, lang),
        [pick(c, lang) for c in PAUSE_COLS],
        "p",
        "pauses",
        ["{{ p.key }}", "{{ p.start }}", "{{ p.end }}", "{{ p.reason }}"],
        [28, 34, 34, 64],
        empty=pick(NONE["pauses"], lang),
    )
    loop_section(
        doc,
        pick(H_BREACHES, lang),
        [pick(c, lang) for c in BREACH_COLS],
        "b",
        "breaches",
        ["{{ b.key }}", "{{ b.clock }}", "{{ b.over }}", "{{ b.cause }}"],
        [28, 24, 24, 84],
        empty=pick(NONE["breaches"], lang),
    )
    loop_section(
        doc,
        pick(H_ORDERS, lang),
        [pick(c, lang) for c in ORDER_COLS],
        "o",
        "orders",
        ["{{ o.number }}", "{{ o.title }}", "{{ o.day }}", "{{ o.staff }}", "{{ o.days }}",
         "{{ o.overtime }}", "{{ o.accepted }}"],
        [26, 38, 20, 22, 18, 18, 18],
        empty=pick(NONE["orders"], lang),
    )  # fmt: skip
    tag(doc, "{%p if training_line %}")  # the month's training sessions (培训), one line
    doc.add_paragraph("{{ training_line }}")
    tag(doc, "{%p endif %}")
    # the month's watch of the client's systems (tasks.systemwatch): only when any
    tag(doc, "{%p if watch %}")
    doc.add_heading(pick(H_WATCH, lang), level=2).paragraph_format.keep_with_next = True
    bullets(doc, "line", "watch", "{{ line }}")
    tag(doc, "{%p endif %}")
    loop_section(
        doc,
        pick(H_SERVICES, lang),
        [pick(c, lang) for c in SERVICE_COLS],
        "s",
        "services",
        ["{{ s.key }}", "{{ s.category }}", "{{ s.title }}", "{{ s.requester }}",
         "{{ s.state }}", "{{ s.minutes }}"],
        [26, 22, 50, 20, 22, 20],
        empty=pick(NONE_SERVICES, lang),
    )  # fmt: skip
    # the confirmation stays on one page with its heading and the request above it
    doc.add_heading(pick(H_CONFIRM, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(CONFIRM_INTRO, lang)).paragraph_format.keep_with_next = True
    t = pairs(doc, [(pick(pair, lang), "") for pair in CONFIRM_FIELDS.values()], mm=(70, 90))
    for row in t.rows[:-1]:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    finish(doc, lang)
    write_custom_properties(
        doc, {"changeflow.kind": "sla-report-template", "changeflow.lang": lang}
    )
    return doc
