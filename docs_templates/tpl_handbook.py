"""Builder of the maintenance handbook and emergency measures (维护文档和应急措施 /
Maintenance Handbook and Emergency Measures): its revision record, the systems and their
configuration, the contacts on both sides and the escalation, the routine procedures (the
plan's check catalogue), backup and restore with the last verified restore, and the
emergency measures for each fault class the contract names (steps, who acts, the target
times from the contract's response rules)."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import pick
from changeflow.wordparts import write_custom_properties

from .blank import finish, new_document
from .tables import bullets, loop_table, pairs, tag

TITLE = ("维护文档和应急措施", "Maintenance Handbook and Emergency Measures")
INFO = [
    (("服务合同", "Contract"), "{{ contract }}"),
    (("委托单位（甲方）", "Client"), "{{ client }}"),
    (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
    (("依据", "Based on"), "{{ basis }}"),
    (("编制日期", "Prepared on"), "{{ as_of }}"),
]
H_REVISIONS = ("修订记录", "Revision record")
REVISION_COLS = [("版本", "Version"), ("日期", "Date"), ("修订内容", "Change"),
                 ("编制人", "By")]  # fmt: skip
H_SYSTEMS = ("一、系统与配置", "1. Systems and configuration")
SYSTEM_COLS = [("系统", "System"), ("地址", "Address"), ("配置", "Configuration"),
               ("甲方负责人", "Owner at the client"),
               ("远程监测", "Watched by probes")]  # fmt: skip
H_CONTACTS = ("二、联系人与升级", "2. Contacts and escalation")
CONTACT_COLS = [("单位", "Side"), ("姓名", "Name"), ("职责", "Role"), ("电话", "Phone"),
                ("邮箱", "Email")]  # fmt: skip
ESCALATION = ("升级顺序：", "Escalation, in order:")
H_ROUTINE = ("三、日常维护规程", "3. Routine procedures")
ROUTINE_INTRO = (
    "每次上门服务时按下表完成到期的检查，逐项记录结果（正常/异常、读数、说明）；结果记入当天的运行日志，"
    "异常即按故障处理并在派工单上注明。",
    "On each visit the checks due below are done and each result recorded (normal or"
    " abnormal, the value, a note); results go into the day's run log, and an abnormal one is"
    " handled as a fault noted on the dispatch order.",
)
ROUTINE_COLS = [("系统", "System"), ("检查项目", "Check"), ("频次", "How often"),
                ("正常标准", "Normal when")]  # fmt: skip
H_BACKUP = ("四、备份与恢复", "4. Backup and restore")
H_EMERGENCY = ("五、应急措施", "5. Emergency measures")
EMERGENCY_INFO = [
    (("适用情形", "When"), "{{ e.when }}"),
    (("负责人", "Who acts"), "{{ e.who }}"),
    (("目标时间", "Target times"), "{{ e.target }}"),
]
STEPS = ("处置步骤：", "Steps:")


def handbook(lang: str) -> DocxDocument:
    doc = new_document(pick(TITLE, lang), lang)
    pairs(doc, [(pick(k, lang), v) for k, v in INFO], mm=(40, 120))
    doc.add_heading(pick(H_REVISIONS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in REVISION_COLS], "v", "revisions",
               ["{{ v.version }}", "{{ v.date }}", "{{ v.change }}", "{{ v.by }}"],
               mm=[20, 30, 80, 30])  # fmt: skip
    doc.add_heading(pick(H_SYSTEMS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in SYSTEM_COLS], "x", "systems",
               ["{{ x.name }}", "{{ x.address }}", "{{ x.configuration }}", "{{ x.owner }}",
                "{{ x.probes }}"], mm=[28, 38, 44, 24, 26])  # fmt: skip
    doc.add_heading(pick(H_CONTACTS, lang), level=1)
    loop_table(doc, [pick(c, lang) for c in CONTACT_COLS], "p", "contacts",
               ["{{ p.side }}", "{{ p.name }}", "{{ p.role }}", "{{ p.phone }}",
                "{{ p.email }}"], mm=[22, 18, 46, 30, 44])  # fmt: skip
    doc.add_paragraph(pick(ESCALATION, lang)).paragraph_format.keep_with_next = True
    bullets(doc, "line", "escalation", "{{ line }}", style="List Number")
    doc.add_heading(pick(H_ROUTINE, lang), level=1)
    doc.add_paragraph(pick(ROUTINE_INTRO, lang))
    loop_table(doc, [pick(c, lang) for c in ROUTINE_COLS], "c", "checks",
               ["{{ c.system }}", "{{ c.check }}", "{{ c.frequency }}", "{{ c.threshold }}"],
               mm=[36, 36, 24, 64])  # fmt: skip
    doc.add_heading(pick(H_BACKUP, lang), level=1)
    bullets(doc, "line", "backup", "{{ line }}")
    doc.add_heading(pick(H_EMERGENCY, lang), level=1)
    tag(doc, "{%p for e in emergencies %}")
    doc.add_heading("{{ e.title }}", level=2).paragraph_format.keep_with_next = True
    pairs(doc, [(pick(k, lang), v) for k, v in EMERGENCY_INFO], mm=(30, 130))
    doc.add_paragraph(pick(STEPS, lang)).paragraph_format.keep_with_next = True
    tag(doc, "{%p for step in e.steps %}")
    doc.add_paragraph("{{ loop.index }}. {{ step }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "handbook-template", "changeflow.lang": lang})
    return doc
