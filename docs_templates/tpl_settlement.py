"""Builder of the year's settlement (年度服务结算单 / Annual Service Settlement): the fee, its
schedule, invoices and payments, the service days bought / used / left, overtime and
development beyond the year billed, faults by severity with their clocks met and missed,
the development requests delivered and accepted, the renewal date, a short summary of the
year (年度服务总结), and the client's confirmation table (the statement's, read back by
``CONFIRM_FIELDS``)."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import loop_table, pairs, widths
from .tpl_slareport import CONFIRM_FIELDS, CONFIRM_INTRO

TITLE = ("年度服务结算单", "Annual Service Settlement")
INFO = [
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("服务期间", "Contract year"), "{{ period }}"),
    (("续约日期", "Renewal date"), "{{ renewal }}"),
    (("结算截至", "As of"), "{{ as_of }}"),
]
H_FEE = ("一、费用结算", "1. Fees")
FEE = [
    (("年度服务费", "Annual fee"), "¥{{ fee }}"),
    (("已开发票", "Invoiced"), "¥{{ invoiced }}"),
    (("已收款", "Received"), "¥{{ paid }}"),
    (("年度服务费未付", "Annual fee outstanding"), "¥{{ outstanding }}"),
    (("其中已逾期", "Of which overdue"), "¥{{ overdue }}"),
    (
        ("超出年度服务天数的开发（含税）", "Development beyond the year's days (incl. tax)"),
        "¥{{ dev_billed }}",
    ),
    (("加班费用", "Overtime billed"), "{{ overtime_billed }}"),
    (("年费以外合计", "Billed beyond the annual fee"), "¥{{ beyond }}"),
]
SCHEDULE_COLS = [
    ("期次", "No."),
    ("到期日", "Due"),
    ("金额", "Amount"),
    ("已付", "Paid"),
    ("状态", "Status"),
]
INVOICE_COLS = [("发票号", "Invoice"), ("开票日期", "Date"), ("金额", "Amount")]
PAYMENT_COLS = [
    ("收款日期", "Date"),
    ("金额", "Amount"),
    ("方式", "Method"),
    ("支票号", "Cheque no."),
]
CAP_SCHEDULE = ("收费计划", "Fee schedule")
CAP_INVOICES = ("已开发票", "Invoices issued")
CAP_PAYMENTS = ("已收款项", "Payments received")
H_DAYS = ("二、服务天数", "2. Service days")
DAYS = [
    (("年度服务天数", "Days bought"), "{{ d.bought }}"),
    (("已用：日常维护（已验收派工单）", "Used: maintenance (accepted orders)"), "{{ d.maint }}"),
    (("已用：项目开发（已验收）", "Used: development (accepted)"), "{{ d.dev }}"),
    (("已用合计", "Used in all"), "{{ d.used }}"),
    (("剩余", "Left"), "{{ d.left }}"),
    (("已批准待完成的开发", "Approved development not done yet"), "{{ d.planned }}"),
    (("已完成待签认（不计入）", "Done, not signed yet (not counted)"), "{{ d.awaiting }}"),
    (("服务时间以外（加班，小时）", "Outside service hours (overtime, hours)"), "{{ d.overtime }}"),
]
H_FAULTS = ("三、故障与响应时限", "3. Faults and response times")
FAULT_COLS = [
    ("严重程度", "Severity"),
    ("故障数", "Faults"),
    ("响应达标", "Response met"),
    ("响应超时", "Response missed"),
    ("到场达标", "On site met"),
    ("到场超时", "On site missed"),
    ("未结", "Open"),
]
H_DEV = ("四、项目开发", "4. Development requests")
DEV_COLS = [
    ("编号", "Key"),
    ("项目", "Project"),
    ("人日", "Person-days"),
    ("已交付", "Delivered"),
    ("已验收", "Accepted"),
    ("年费以外（含税）", "Billed beyond the fee"),
]
H_SUMMARY = ("五、年度服务总结", "5. The year in brief")
H_CONFIRM = ("六、甲方确认", "6. The client's confirmation")


def settlement(lang: str) -> DocxDocument:
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(60, 100))
    doc.add_heading(pick(H_FEE, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in FEE], mm=(80, 80))
    doc.add_paragraph().add_run(pick(CAP_SCHEDULE, lang)).bold = True
    t = loop_table(
        doc,
        [pick(c, lang) for c in SCHEDULE_COLS],
        "i",
        "schedule",
        ["{{ i.seq }}", "{{ i.due }}", "{{ i.amount }}", "{{ i.paid }}", "{{ i.status }}"],
    )
    widths(t, [20, 34, 36, 36, 34])
    doc.add_paragraph().add_run(pick(CAP_INVOICES, lang)).bold = True
    t = loop_table(
        doc,
        [pick(c, lang) for c in INVOICE_COLS],
        "v",
        "invoices",
        ["{{ v.number }}", "{{ v.date }}", "{{ v.amount }}"],
    )
    widths(t, [60, 50, 50])
    doc.add_paragraph().add_run(pick(CAP_PAYMENTS, lang)).bold = True
    t = loop_table(
        doc,
        [pick(c, lang) for c in PAYMENT_COLS],
        "p",
        "payments",
        ["{{ p.date }}", "{{ p.amount }}", "{{ p.method }}", "{{ p.cheque }}"],
    )
    widths(t, [40, 40, 40, 40])
    doc.add_heading(pick(H_DAYS, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in DAYS], mm=(100, 60))
    doc.add_heading(pick(H_FAULTS, lang), level=1)
    t = loop_table(
        doc,
        [pick(c, lang) for c in FAULT_COLS],
        "f",
        "faults",
        [
            "{{ f.severity }}",
            "{{ f.faults }}",
            "{{ f.response_met }}",
            "{{ f.response_missed }}",
            "{{ f.onsite_met }}",
            "{{ f.onsite_missed }}",
            "{{ f.open }}",
        ],
    )
    widths(t, [32, 20, 22, 22, 22, 22, 20])
    doc.add_heading(pick(H_DEV, lang), level=1)
    t = loop_table(
        doc,
        [pick(c, lang) for c in DEV_COLS],
        "r",
        "development",
        [
            "{{ r.key }}",
            "{{ r.title }}",
            "{{ r.person_days }}",
            "{{ r.delivered }}",
            "{{ r.accepted }}",
            "{{ r.billed }}",
        ],
    )
    widths(t, [30, 50, 18, 18, 18, 26])
    doc.add_heading(pick(H_SUMMARY, lang), level=1)
    doc.add_paragraph("{%p for line in summary %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading(pick(H_CONFIRM, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(CONFIRM_INTRO, lang)).paragraph_format.keep_with_next = True
    t = pairs(doc, [(pick(pair, lang), "") for pair in CONFIRM_FIELDS.values()], mm=(70, 90))
    for row in t.rows[:-1]:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    finish(doc, lang)
    write_custom_properties(
        doc, {"changeflow.kind": "settlement-template", "changeflow.lang": lang}
    )
    return doc
