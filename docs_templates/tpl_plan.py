"""Builder of the plan template (实施计划和费用预算 / Implementation Plan and Cost Budget).

The template holds docxtpl tags only; every number and date arrives formatted from
``tasks.planning.plan_context`` so the document and the database show the same text.
The approval section is a plain two-column table keyed by ``labels.APPROVAL_FIELDS``.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Mm

from changeflow.bilingual import is_zh, pick
from changeflow.wordparts import write_custom_properties

from . import labels
from .blank import finish, new_document
from .house import seal_block
from .parts import sign_lines
from .tables import bold_paragraph, loop_table, pairs

T = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("计划版本", "Plan version"), "{{ version_text }}"),
        (("编制日期", "Issued"), "{{ issued }}"),
        (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
        (
            ("计划周期", "Schedule"),
            "{{ start }}{{ house.to }}{{ end }}",  # 至 / to (wordkit.house_context)
        ),
        (
            ("工期", "Duration"),
            "",  # filled per language below
        ),
        (("预算总额（含税）", "Budget total (incl. tax)"), "¥{{ total }}"),
        (("合同服务天数", "Service days"), "{{ sd_cover }}"),
    ],
    "late": (
        "注意：按现有人员安排，计划完成日 {{ end }} 晚于期望完成日期 {{ desired }}"
        " {{ late.calendar_days }} 个日历日（{{ late.working_days }} 个工作日）。",
        "Note: with the staff available, the plan ends on {{ end }}, {{ late.calendar_days }}"
        " calendar days ({{ late.working_days }} working days) after the desired date"
        " {{ desired }}.",
    ),
    "h_service": ("合同服务天数与费用", "Service days and fee"),
    "h_busy": ("人员在其他工作中的安排", "Staff busy elsewhere"),
    "busy_intro": (
        "以下日期相关人员已被其他已签发/已批准的计划或休假占用，本计划已避开：",
        "On these days the people are held by other issued or approved plans or are away;"
        " this plan works around them:",
    ),
    "busy_cols": [
        ("人员", "Who"),
        ("占用原因", "Held by"),
        ("自", "From"),
        ("至", "To"),
        ("天数", "Days"),
    ],
    "duration": (
        "{{ calendar_days }} 个日历日（{{ working_days }} 个工作日）",
        "{{ calendar_days }} calendar days ({{ working_days }} working days)",
    ),
    "h_scope": ("一、项目范围", "1. Scope"),
    "scope_intro": (
        "本计划覆盖任务书 {{ key }} 中的以下需求：",
        "This plan covers the following requirements of task book {{ key }}:",
    ),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("优先级", "Priority"),
        ("验收标准", "Acceptance criterion"),
    ],
    "h_items": ("二、工作量与费用", "2. Work items and costs"),
    "item_cols": [
        ("序号", "No."),
        ("需求", "Req."),
        ("阶段", "Phase"),
        ("工作内容", "Work"),
        ("角色", "Role"),
        ("人员", "Who"),
        ("人日", "P-days"),
        ("年费内人日", "In fee"),
        ("人日单价（元）", "Day rate (CNY)"),
        ("金额（元）", "Amount (CNY)"),
    ],
    "h_roles": ("按角色汇总", "Totals per role"),
    "h_detail": ("工作量与费用明细", "Work items"),
    "role_cols": [("角色", "Role"), ("人日", "Person-days"), ("金额（元）", "Amount (CNY)")],
    "h_totals": ("费用合计", "Totals"),
    "totals": [
        (("人日合计", "Person-days"), "{{ person_days }}"),
        (("费用小计（不含税）", "Subtotal (excl. tax)"), "¥{{ subtotal }}"),
        (("税金（税率 {{ tax_rate }}）", "Tax ({{ tax_rate }})"), "¥{{ tax }}"),
        (("总计（含税）", "Total (incl. tax)"), "¥{{ total }}"),
        (("大写金额", "Total in Chinese capital numerals"), "人民币{{ total_capital }}"),
    ],
    "h_schedule": ("三、进度安排", "3. Schedule"),
    "schedule_intro": (
        "自 {{ start }} 开始，至 {{ end }} 完成，共 {{ calendar_days }} 个日历日"
        "（{{ working_days }} 个工作日）。进度按工作日排定，已避开法定节假日并计入调休上班日。",
        "From {{ start }} to {{ end }}: {{ calendar_days }} calendar days ({{ working_days }}"
        " working days). Work is placed on working days only, around statutory holidays and"
        " including make-up workdays.",
    ),
    "phase_cols": [("阶段", "Phase"), ("开始", "Start"), ("结束", "End")],
    "h_item_dates": ("工作项进度", "Work item dates"),
    "item_date_cols": [
        ("序号", "No."),
        ("工作内容", "Work"),
        ("人员", "Who"),
        ("开始", "Start"),
        ("结束", "End"),
    ],
    "h_milestones": ("里程碑", "Milestones"),
    "milestone_cols": [("里程碑", "Milestone"), ("日期", "Date")],
    "prov_title": ("注意：部分日期为暂定", "Note: some dates are provisional"),
    "h_assumptions": ("四、假设与前提", "4. Assumptions"),
    "h_exclusions": ("五、不包含的内容", "5. Exclusions"),
    "h_deliverables": ("六、交付物", "6. Deliverables"),
    "deliv_cols": [("序号", "No."), ("交付物", "Deliverable")],
    "h_team": ("七、项目组织与沟通", "7. Team and communication"),
    "team_cols": [
        ("角色", "Role"),
        ("姓名", "Name"),
        ("单位", "Side"),
        ("电话", "Phone"),
        ("电子邮箱", "Email"),
    ],
    "h_comm": ("沟通方式", "Communication"),
    "h_risks": ("八、风险与应对", "8. Risks"),
    "h_payment": ("九、付款方式", "9. Payment"),
    "h_prepared": ("编制与审核", "Prepared and reviewed"),
    "sign_roles": [(("编制", "Prepared by"), "{{ prepared_by }}"), (("审核", "Reviewed by"), "")],
    "h_approval": ("十、甲方审批", "10. Client approval"),
    "seal_intro": ("双方签章：", "Signatures and seals of both parties:"),
    "approval_intro": (
        "请在下表右栏填写决定（“同意”或“不同意”）、审批人、日期和意见，保存后将本文件发回。"
        "请不要修改左栏的文字。",
        "Please fill in the right-hand cells (decision 'approve' or 'reject', approver, date,"
        " comment), save and send this file back. Do not change the labels on the left.",
    ),
}


def plan(lang: str) -> DocxDocument:
    """The plan and budget we send; the client fills its approval table and returns it."""
    doc = new_document(pick(labels.PLAN_TITLE, lang), lang)
    cover = [(pick(k, lang), v) for k, v in T["cover"]]
    cover[8] = (cover[8][0], pick(T["duration"], lang))
    pairs(doc, cover, mm=(55, 105))

    doc.add_paragraph("{%p if late %}")
    doc.add_paragraph(pick(T["late"], lang)).runs[0].bold = True
    doc.add_paragraph("{%p endif %}")

    doc.add_paragraph("{%p if provisional %}")
    p = doc.add_paragraph()
    run = p.add_run("* " + pick(T["prov_title"], lang) + "（{{ provisional_years }}）"
                    if is_zh(lang) else "* " + pick(T["prov_title"], lang)
                    + " ({{ provisional_years }})")  # fmt: skip
    run.bold = True
    doc.add_paragraph("{{ provisional_note }}")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading(pick(T["h_scope"], lang), level=1)
    doc.add_paragraph(pick(T["scope_intro"], lang))
    loop_table(
        doc,
        [pick(c, lang) for c in T["req_cols"]],
        "r",
        "requirements",
        ["{{ r.no }}", "{{ r.text }}", "{{ r.priority }}", "{{ r.acceptance }}"],
        mm=[12, 66, 18, 64],
    )

    doc.add_heading(pick(T["h_items"], lang), level=1)
    # the totals first, under the section heading: on the first page with the cover and
    # the scope; the items that make them up follow
    doc.add_heading(pick(T["h_totals"], lang), level=2)
    pairs(doc, [(pick(k, lang), v) for k, v in T["totals"]], mm=(55, 91.6))
    doc.add_heading(pick(T["h_detail"], lang), level=2)
    loop_table(
        doc,
        [pick(c, lang) for c in T["item_cols"]],
        "it",
        "items",
        [
            "{{ it.seq }}",
            "{{ it.req }}",
            "{{ it.phase }}",
            "{{ it.title }}",
            "{{ it.role }}",
            "{{ it.assignee }}",
            "{{ it.person_days }}",
            "{{ it.covered }}",
            "{{ it.rate }}",
            "{{ it.amount }}",
        ],
        # each column as wide as its widest value (an amount, 需求分析师) on one line, the
        # work item takes the rest; 8 pt so a row mostly holds on two lines
        mm=[9, 9, 15, 34.6, 17, 9, 9, 12, 15, 17]
        if is_zh(lang)
        else [9, 10.5, 13, 31.1, 16, 9, 14, 12, 15, 17],  # Req. and P-days whole
        size=8,
    )
    doc.add_heading(pick(T["h_roles"], lang), level=2)
    loop_table(
        doc,
        [pick(c, lang) for c in T["role_cols"]],
        "ro",
        "roles",
        ["{{ ro.role }}", "{{ ro.person_days }}", "{{ ro.amount }}"],
        mm=[55, 45.6, 46],
    )
    doc.add_paragraph("{%p if sd %}")
    doc.add_heading(pick(T["h_service"], lang), level=2)
    doc.add_paragraph("{{ sd_note }}")
    sd_cols = [pick(("项目", "Item"), lang), pick(("数值", "Value"), lang)]
    loop_table(doc, sd_cols, "s", "sd", ["{{ s.label }}", "{{ s.value }}"], mm=[80, 80])
    doc.add_paragraph("{%p endif %}")

    doc.add_heading(pick(T["h_schedule"], lang), level=1)
    doc.add_paragraph(pick(T["schedule_intro"], lang))
    loop_table(
        doc,
        [pick(c, lang) for c in T["phase_cols"]],
        "ph",
        "phases",
        ["{{ ph.phase }}", "{{ ph.start }}", "{{ ph.end }}"],
        mm=[60, 50, 50],
    )
    doc.add_heading(pick(T["h_milestones"], lang), level=2)
    loop_table(
        doc,
        [pick(c, lang) for c in T["milestone_cols"]],
        "m",
        "milestones",
        ["{{ m.name }}", "{{ m.day }}"],
        mm=[80, 80],
    )
    doc.add_heading(pick(T["h_item_dates"], lang), level=2)
    loop_table(
        doc,
        [pick(c, lang) for c in T["item_date_cols"]],
        "it",
        "items",
        ["{{ it.seq }}", "{{ it.title }}", "{{ it.assignee }}", "{{ it.start }}", "{{ it.end }}"],
        mm=[10, 60.6, 16, 30, 30],  # a date (2026年12月10日) on one line
    )

    doc.add_paragraph("{%p if busy %}")
    doc.add_heading(pick(T["h_busy"], lang), level=2)
    doc.add_paragraph(pick(T["busy_intro"], lang))
    loop_table(
        doc,
        [pick(c, lang) for c in T["busy_cols"]],
        "b",
        "busy",
        ["{{ b.who }}", "{{ b.what }}", "{{ b.from }}", "{{ b.to }}", "{{ b.days }}"],
        mm=[22, 46.6, 29, 29, 20],
    )
    doc.add_paragraph("{%p endif %}")

    doc.add_heading(pick(T["h_assumptions"], lang), level=1)
    doc.add_paragraph("{%p for a in assumptions %}")
    doc.add_paragraph("{{ a }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading(pick(T["h_exclusions"], lang), level=1)
    doc.add_paragraph("{%p for a in exclusions %}")
    doc.add_paragraph("{{ a }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading(pick(T["h_deliverables"], lang), level=1)
    loop_table(doc, [pick(c, lang) for c in T["deliv_cols"]], "d", "deliverables",
               ["{{ d.no }}", "{{ d.name }}"], mm=[16, 144])  # fmt: skip
    doc.add_heading(pick(T["h_team"], lang), level=1)
    loop_table(doc, [pick(c, lang) for c in T["team_cols"]], "m", "team",
               ["{{ m.role }}", "{{ m.name }}", "{{ m.unit }}", "{{ m.phone }}", "{{ m.email }}"],
               mm=[32, 22, 14, 34, 58])  # fmt: skip
    doc.add_heading(pick(T["h_comm"], lang), level=2)
    doc.add_paragraph("{%p for a in communication %}")
    doc.add_paragraph("{{ a }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading(pick(T["h_risks"], lang), level=1)
    doc.add_paragraph("{%p for a in risks %}")
    doc.add_paragraph("{{ a }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading(pick(T["h_payment"], lang), level=1)
    doc.add_paragraph("{%p for a in payment %}")
    doc.add_paragraph("{{ a }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    bold_paragraph(doc, pick(T["h_prepared"], lang))
    sign_lines(doc, lang, T["sign_roles"])

    doc.add_paragraph("{%p if not draft %}")
    doc.add_heading(pick(T["h_approval"], lang), level=1)
    doc.add_paragraph(pick(T["approval_intro"], lang))
    approval = [(pick(pair, lang), "") for pair in labels.APPROVAL_FIELDS.values()]
    t = pairs(doc, approval, mm=(55, 105))
    t.rows[-1].height = Mm(24)
    doc.add_paragraph(pick(T["seal_intro"], lang))
    seal_block(doc, lang)
    doc.add_paragraph("{%p endif %}")
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "plan-template", "changeflow.lang": lang})
    return doc
