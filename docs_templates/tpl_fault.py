"""Builder of the fault record (故障处理记录 / Fault Record): the assessment and test
report, the solution and the troubleshooting steps the contract asks for
(故障评估和测试报告、解决方案和排错步骤), with how the response clocks went."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .parts import draft_notice, sign_lines
from .tables import loop_table, pairs, widths

TITLE = ("故障处理记录", "Fault Record")
INFO = [
    (("请求编号", "Request"), "{{ key }}"),
    (("故障描述", "Fault"), "{{ title }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("系统/模块", "System"), "{{ system }}"),
    (("故障级别", "Severity"), "{{ severity }}"),
    (("报告人", "Reported by"), "{{ reporter }}"),
    (("报告时间", "Reported at"), "{{ reported_at }}"),
    (("处理工程师", "Engineer"), "{{ engineer }}"),
    (("甲方要求到场时间", "On site as the client asked"), "{{ onsite_requested }}"),
    (("首次响应方式", "Response mode"), "{{ response_mode }}"),
    (("解决时间", "Resolved at"), "{{ resolved_at }}"),
    (("关闭时间", "Closed at"), "{{ closed_at }}"),
]
L_BREACH = ("超时原因：", "Why a clock was breached: ")
L_ROOT = ("根本原因", "Root cause")
H_PREVENT = ("五、预防措施", "5. Measures against recurrence")
H_CONFIRM = ("六、甲方确认", "6. Client's confirmation")
CONFIRM = [
    (("甲方确认人", "Confirmed by"), "{{ confirmed_by }}"),
    (("确认日期", "Date"), "{{ confirmed_on }}"),
    (("甲方意见", "Client's comment"), "{{ confirmation }}"),
]
SIGN_ROLES = [
    (("处理工程师", "Engineer"), "{{ engineer }}"),
    (("甲方确认", "Client's confirmation"), "{{ confirmed_by }}"),
]
H_SLA = ("一、响应时间执行情况", "1. Response times")
SLA_COLS = [
    ("时限", "Clock"),
    ("规定", "Limit"),
    ("到期时间", "Due"),
    ("实际时间", "Actual"),
    ("结果", "Result"),
]
H_ASSESS = ("二、故障评估和测试报告", "2. Assessment and test report")
L_ASSESS = ("故障评估", "Assessment")
L_TEST = ("测试报告", "Test report")
H_SOLUTION = ("三、解决方案", "3. Solution")
H_STEPS = ("四、排错步骤", "4. Troubleshooting steps")
STEP_COLS = [("序号", "No."), ("步骤", "Step")]
H_PAUSES = ("等待甲方（计时暂停）", "Waiting for the client (clocks paused)")
PAUSE_COLS = [("开始", "From"), ("结束", "To"), ("原因", "Reason")]


def _text_box(doc: DocxDocument, var: str) -> None:
    """A one-cell table whose paragraphs come from a list (one paragraph per line)."""
    t = doc.add_table(rows=1, cols=1)
    t.style = "Table Grid"
    cell = t.rows[0].cells[0]
    cell.paragraphs[0].text = f"{{%p for line in {var} %}}"
    cell.add_paragraph("{{ line }}")
    cell.add_paragraph("{%p endfor %}")
    widths(t, [160])


def fault(lang: str) -> DocxDocument:
    """The record of one fault, from what the staff entered."""
    doc = new_document(pick(TITLE, lang), lang)
    draft_notice(doc, lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(55, 105))
    doc.add_heading(pick(H_SLA, lang), level=1)
    t = loop_table(
        doc,
        [pick(c, lang) for c in SLA_COLS],
        "c",
        "clocks",
        ["{{ c.name }}", "{{ c.limit }}", "{{ c.due }}", "{{ c.actual }}", "{{ c.result }}"],
    )
    widths(t, [30, 30, 36, 36, 28])
    doc.add_paragraph("{%p if pauses %}")
    doc.add_paragraph(pick(H_PAUSES, lang))
    t = loop_table(
        doc,
        [pick(c, lang) for c in PAUSE_COLS],
        "p",
        "pauses",
        ["{{ p.start }}", "{{ p.end }}", "{{ p.reason }}"],
    )
    widths(t, [40, 40, 80])
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if breach_cause %}")
    doc.add_paragraph(pick(L_BREACH, lang) + "{{ breach_cause }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_heading(pick(H_ASSESS, lang), level=1)
    doc.add_heading(pick(L_ASSESS, lang), level=2)
    _text_box(doc, "assessment")
    doc.add_heading(pick(L_ROOT, lang), level=2)
    _text_box(doc, "root_cause")
    doc.add_heading(pick(L_TEST, lang), level=2)
    _text_box(doc, "test_report")
    doc.add_heading(pick(H_SOLUTION, lang), level=1)
    _text_box(doc, "solution")
    doc.add_heading(pick(H_STEPS, lang), level=1)
    t = loop_table(
        doc, [pick(c, lang) for c in STEP_COLS], "s", "steps", ["{{ s.no }}", "{{ s.text }}"]
    )
    widths(t, [16, 144])
    doc.add_heading(pick(H_PREVENT, lang), level=1)
    _text_box(doc, "prevention")
    doc.add_heading(pick(H_CONFIRM, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in CONFIRM], mm=(55, 105))
    sign_lines(doc, lang, SIGN_ROLES)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "fault-template", "changeflow.lang": lang})
    return doc
