"""Builders of the maintenance plan (日常维护服务计划 / Maintenance Plan), which the client
confirms at the start of the contract year in the statement's table (确认结果 无异议/有异议,
意见, 签字人, 日期; read back by ``CONFIRM_FIELDS``), and of the monthly run log (运行日志 /
Run Log): the day entries and the checks done on the visits."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import bullets, loop_section, loop_table, pairs, tag

TITLE = ("日常维护服务计划", "Maintenance Plan")
INFO = [
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("服务期间", "Contract year"), "{{ period }}"),
    (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
    (("编制日期", "Prepared on"), "{{ as_of }}"),
]
INTRO = (
    "为保障甲方 OA 系统稳定运行，将发生故障的可能性降到最低，乙方按本计划对下列系统进行预防性维护："
    "每次上门服务时按频次完成巡检，逐项记录结果；发现异常即按故障处理，并记入运行日志。",
    "To keep the client's OA running and bring the chance of a failure to the lowest, we"
    " maintain the systems below to this plan: on each visit the checks due are done and each"
    " result recorded; an abnormal result is handled as a fault and written in the run log.",
)
H_SYSTEMS = ("一、维护对象", "1. The systems maintained")
SYSTEM_COLS = [("系统", "System"), ("类型", "Kind"), ("地址", "Address"),
               ("甲方负责人", "Owner at the client")]  # fmt: skip
H_CHECKS = ("二、巡检项目和频次", "2. Checks and how often")
CHECK_COLS = [("序号", "No."), ("系统", "System"), ("检查项目", "Check"), ("频次", "How often"),
              ("正常标准", "Normal when")]  # fmt: skip
H_RULES = ("三、执行说明", "3. How the plan is carried out")
H_CONFIRM = ("四、甲方确认", "4. The client's confirmation")
CONFIRM_INTRO = (
    "请甲方审阅本计划，在下表右栏填写确认结果（“无异议”或“有异议”）、意见、签字人和日期，保存后将本文件发回。"
    "请不要修改左栏的文字和上方的表格。",
    "Please review this plan and fill in the right-hand cells: result ('agreed' or"
    " 'disputed'), remarks, signer and date; save and send this file back. Do not change the"
    " labels on the left or the tables above.",
)
# field -> (zh-CN label, English label): read back by the statement form's labels
# (``tasks.signoff.labels``: 确认结果 and Result are among its spellings of the result)
CONFIRM_FIELDS: dict[str, tuple[str, str]] = {
    "result": ("确认结果", "Result"),
    "remarks": ("意见", "Remarks"),
    "signer": ("签字人", "Signed by"),
    "date": ("日期", "Date"),
}

RUNLOG_TITLE = ("运行日志", "Run Log")
RUNLOG_INFO = [
    (("统计月份", "Month"), "{{ month }}"),
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("编制日期", "Prepared on"), "{{ as_of }}"),
]
H_SUMMARY = ("一、本月概况", "1. The month in brief")
SUMMARY = [
    (("运行日志天数", "Days with a run log"), "{{ s.days }}"),
    (("巡检项次（正常/异常）", "Checks done (normal/abnormal)"), "{{ s.checks }}"),
    (("备份核验天数", "Days the backups were verified"), "{{ s.backups }}"),
    (("巡检发现的故障", "Faults found by the checks"), "{{ s.faults }}"),
    (("缺少运行日志的工作日", "Working days without a run log"), "{{ s.missing }}"),
]
H_DAYS = ("二、每日运行记录", "2. Day by day")
DAY_COLS = [("日期", "Date"), ("记录人", "By"), ("检查情况", "Checks"), ("备份", "Backups"),
            ("故障与事件", "Incidents"), ("变更", "Changes")]  # fmt: skip
H_VISITS = ("三、上门巡检结果", "3. Checks on the visits")
VISIT_COLS = [("日期", "Date"), ("派工单", "Order"), ("系统", "System"), ("检查项目", "Check"),
              ("结果", "Result"), ("读数与说明", "Value and note")]  # fmt: skip
H_PROBES = ("四、远程探测", "4. Remote watch (probes)")
PROBES_INTRO = (
    "乙方从外部定时探测甲方系统（见日常维护服务计划）；可用率按中断时长计算，抖动为未达到开故障单次数的短暂失败。",
    "We probe the client's systems from outside on a schedule (see the maintenance plan);"
    " availability is computed from the time down; a flap is a short failure that did not"
    " reach a fault.",
)
PROBE_COLS = [("系统", "System"), ("探测内容", "What is watched"), ("可用率", "Availability"),
              ("中断时长", "Time down"), ("故障单", "Faults"), ("抖动", "Flaps")]  # fmt: skip
NONE = {
    "days": ("本月没有运行日志。", "No run log this month."),
    "visits": ("本月没有上门巡检记录。", "No checks were recorded on visits this month."),
}


def maintplan(lang: str) -> DocxDocument:
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(50, 110))
    doc.add_paragraph(pick(INTRO, lang))
    doc.add_heading(pick(H_SYSTEMS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in SYSTEM_COLS], "x", "systems",
               ["{{ x.name }}", "{{ x.kind }}", "{{ x.address }}", "{{ x.owner }}"],
               mm=[40, 28, 62, 30])  # fmt: skip
    doc.add_heading(pick(H_CHECKS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in CHECK_COLS], "c", "checks",
               ["{{ c.no }}", "{{ c.system }}", "{{ c.check }}", "{{ c.frequency }}",
                "{{ c.threshold }}"], mm=[12, 34, 34, 22, 58])  # fmt: skip
    doc.add_heading(pick(H_RULES, lang), level=1)
    bullets(doc, "line", "rules", "{{ line }}")
    doc.add_heading(pick(H_CONFIRM, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(CONFIRM_INTRO, lang)).paragraph_format.keep_with_next = True
    t = pairs(doc, [(pick(pair, lang), "") for pair in CONFIRM_FIELDS.values()], mm=(50, 110))
    for row in t.rows[:-1]:
        for cell in row.cells:
            for para in cell.paragraphs:
                para.paragraph_format.keep_with_next = True
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "maintplan-template", "changeflow.lang": lang})
    return doc


def runlog(lang: str) -> DocxDocument:
    doc = new_document(pick(RUNLOG_TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in RUNLOG_INFO], mm=(50, 110))
    doc.add_heading(pick(H_SUMMARY, lang), level=1)
    pairs(doc, [(pick(k, lang), v) for k, v in SUMMARY], mm=(70, 90))
    loop_section(doc, pick(H_DAYS, lang), [pick(c, lang) for c in DAY_COLS], "d", "days",
                 ["{{ d.day }}", "{{ d.author }}", "*checks", "{{ d.backups }}",
                  "{{ d.incidents }}", "{{ d.changes }}"], mm=[20, 14, 38, 22, 28.6, 24],
                 empty=pick(NONE["days"], lang))  # fmt: skip
    loop_section(doc, pick(H_VISITS, lang), [pick(c, lang) for c in VISIT_COLS], "v", "visits",
                 ["{{ v.day }}", "{{ v.order }}", "{{ v.system }}", "{{ v.check }}",
                  "{{ v.result }}", "{{ v.value }}"], mm=[20, 26, 28, 28, 14, 44],
                 empty=pick(NONE["visits"], lang))  # fmt: skip
    tag(doc, "{%p if probes %}")  # only where the contract has probes
    doc.add_heading(pick(H_PROBES, lang), level=1).paragraph_format.keep_with_next = True
    doc.add_paragraph(pick(PROBES_INTRO, lang)).paragraph_format.keep_with_next = True
    loop_table(doc, [pick(c, lang) for c in PROBE_COLS], "p", "probes",
               ["{{ p.system }}", "{{ p.watch }}", "{{ p.availability }}", "{{ p.down }}",
                "{{ p.faults }}", "{{ p.flaps }}"], mm=[26, 50, 22, 26, 18, 18])  # fmt: skip
    tag(doc, "{%p endif %}")
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "runlog-template", "changeflow.lang": lang})
    return doc
