"""Builder of the weekly report template (项目周报 / Weekly Project Report).

The template holds docxtpl tags only; every value arrives formatted from
``tasks.weekly.report_context``. The page is A4 portrait (wordkit sets it on every
document); cells that list several lines (commits, stage changes) loop over paragraphs
inside the cell. The progress chart is a marker paragraph that
``tasks.weekly.render_report`` replaces with the picture (wordkit's ``post`` hook).
"""

from __future__ import annotations

from docx.document import Document as DocxDocument

from changeflow.bilingual import is_zh, pick
from changeflow.wordparts import write_custom_properties

from . import weekly_tables as tables  # the tables, declared once
from .blank import finish, new_document
from .tables import loop_table, pairs, widths

SIZE = 8.5  # the weekly report's tables are dense: a size smaller than the other documents'

TITLE = ("项目周报", "Weekly Project Report")
T = {
    "cover": [
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("报告周次", "Week"), "{{ week_text }}"),
        (("统计期间", "Period covered"), "{{ period }}"),
        (("报告时间", "Report due"), "{{ report_day }}"),
        (("报告版本", "Version"), "{{ version_text }}（{{ generated }} 生成）"),
        (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
        (("甲方项目负责人", "Client's project lead"), "{{ client_lead }}"),
    ],
    "cover_as_of": (
        ("进度截至", "Progress as of"),
        (
            "{{ as_of }}{% if days_to_come %}（本周尚有 {{ days_to_come }} 天未到，"
            "以后的版本替代本版本）{% endif %}",
            "{{ as_of }}{% if days_to_come %} ({{ days_to_come }} day(s) of the week still to"
            " come; a later version replaces this one){% endif %}",
        ),
    ),
    "cover_en_version": "{{ version_text }} (made {{ generated }})",
    "h_summary": ("一、本周概况", "1. Summary"),
    "summary": (
        "本周共 {{ working_days }} 个工作日（休息日：{{ days_off }}）。统计期间涉及 "
        "{{ n_requests }} 个开发需求、{{ n_visits }} 次派工服务、{{ n_faults }} 个故障，"
        "代码提交 {{ commits }} 次，登记工时 {{ hours }} 小时"
        "（{{ person_days }} 人日，按每人日 {{ hours_per_day }} 小时计），"
        "参与人员 {{ n_people }} 人。",
        "{{ working_days }} working days this week (days off: {{ days_off }}). The period covers"
        " {{ n_requests }} development request(s), {{ n_visits }} dispatch order(s) and"
        " {{ n_faults }} fault(s), {{ commits }} commit(s), {{ hours }} hours logged"
        " ({{ person_days }} person-days at {{ hours_per_day }} hours a day), {{ n_people }}"
        " people.",
    ),
    "empty": (
        "本统计期间没有代码提交、工时、阶段变化或文档记录。",
        "Nothing was recorded in this period: no commits, hours, stage changes or documents.",
    ),
    "h_watch": ("系统监测、巡检与备份", "Systems watched, checks and backups"),
    "h_calendar": ("二、工作日历", "2. Working days"),
    "h_daily": ("三、每日开发情况", "3. Daily development status"),
    "h_service": ("四、本周服务", "4. Service this week"),
    "h_visits": ("派工服务", "Dispatch orders"),
    "no_visits": ("本周没有派工服务。", "No dispatch order this week."),
    "h_faults": ("故障", "Faults"),
    "no_faults": ("本周没有故障。", "No fault this week."),
    "h_progress": ("五、需求进度", "5. Progress of each request"),
    "no_progress": ("本周没有进行中的开发需求。", "No development request in progress this week."),
    "h_chart": ("进度图（计划与实际累计人日）", "Progress chart (planned vs actual person-days)"),
    "h_milestones": ("里程碑", "Milestones"),
    "milestones_intro": (
        "列出本期至下周末到期、本期完成或已延误的里程碑（完整清单见实施计划）。",
        "Milestones due from the period start to the end of next week, done in the period, or"
        " late (the full list is in the plan).",
    ),
    "h_people": ("六、参与人员", "6. People involved"),
    "no_people": (
        "本周没有人员登记工时或提交代码。", "No one logged hours or committed code this week."
    ),
    "h_risks": ("七、风险与问题", "7. Risks and issues"),
    "no_risks": ("暂无。", "None."),
    "h_next": ("八、下周计划", "8. Plan for next week"),
    "next_intro": (
        "{{ next_week }}计划进行的工作：",
        "Work planned for {{ next_week }}:",
    ),
    "no_next": ("下周无计划工作项。", "No planned work items next week."),
    "prov_title": ("注意：部分日期为暂定", "Note: some dates are provisional"),
    # the week's service requests (服务请求, tasks/servicereq/reports.py)
    "h_services": ("本周服务请求", "Service requests this week"),
    "services_cols": [
        ("编号", "Key"),
        ("类别", "Category"),
        ("事项", "Request"),
        ("申请人", "Requested by"),
        ("状态", "State"),
        ("服务时间（分钟）", "Service time (min)"),
    ],
}


def weekly(lang: str) -> DocxDocument:
    """The weekly report our project lead sends the client's project lead on Fridays."""
    doc = new_document(pick(TITLE, lang), lang)
    cover = [(pick(k, lang), v) for k, v in T["cover"]]
    if not is_zh(lang):
        cover[5] = (cover[5][0], T["cover_en_version"])
    cover.append((pick(T["cover_as_of"][0], lang), pick(T["cover_as_of"][1], lang)))
    pairs(doc, cover, mm=(45, 115))

    doc.add_heading(pick(T["h_summary"], lang), level=1)
    doc.add_paragraph(pick(T["summary"], lang))
    doc.add_paragraph("{%p if empty %}")
    doc.add_paragraph(pick(T["empty"], lang)).runs[0].bold = True
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if provisional %}")
    doc.add_paragraph("* " + pick(T["prov_title"], lang)).runs[0].bold = True
    doc.add_paragraph("{{ provisional_note }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if watch %}")  # the week's watch of the client's systems
    doc.add_heading(pick(T["h_watch"], lang), level=2).paragraph_format.keep_with_next = True
    doc.add_paragraph("{%p for line in watch %}")
    doc.add_paragraph("{{ line }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")

    doc.add_paragraph("{%p if services %}")
    doc.add_heading(pick(T["h_services"], lang), level=2)
    services = loop_table(
        doc,
        [pick(c, lang) for c in T["services_cols"]],
        "s",
        "services",
        ["{{ s.key }}", "{{ s.category }}", "{{ s.title }}", "{{ s.requester }}",
         "{{ s.state }}", "{{ s.minutes }}"],
    )  # fmt: skip
    widths(services, [26, 22, 50, 20, 22, 20])
    doc.add_paragraph("{%p endif %}")
    doc.add_heading(pick(T["h_calendar"], lang), level=1)
    tables.CALENDAR.build(doc, lang, SIZE)
    doc.add_heading(pick(T["h_daily"], lang), level=1)
    tables.DAILY.build(doc, lang, SIZE)
    doc.add_heading(pick(T["h_service"], lang), level=1)
    doc.add_heading(pick(T["h_visits"], lang), level=2)
    tables.VISITS.build(doc, lang, SIZE, empty=T["no_visits"])
    doc.add_heading(pick(T["h_faults"], lang), level=2)
    tables.FAULTS.build(doc, lang, SIZE, empty=T["no_faults"])
    doc.add_heading(pick(T["h_progress"], lang), level=1)
    tables.PROGRESS.build(doc, lang, SIZE, empty=T["no_progress"])
    doc.add_paragraph("{%p if has_chart %}")
    doc.add_heading(pick(T["h_chart"], lang), level=2)
    doc.add_paragraph("{{ chart }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if milestones %}")
    doc.add_heading(pick(T["h_milestones"], lang), level=2)
    doc.add_paragraph(pick(T["milestones_intro"], lang))
    doc.add_paragraph("{%p endif %}")
    tables.MILESTONES.build(doc, lang, SIZE)
    doc.add_heading(pick(T["h_people"], lang), level=1)
    tables.PEOPLE.build(doc, lang, SIZE, empty=T["no_people"])
    doc.add_paragraph("{%p if training_line %}")  # the week's training sessions (培训)
    doc.add_paragraph("{{ training_line }}")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading(pick(T["h_risks"], lang), level=1)
    doc.add_paragraph("{%p for x in risks %}")
    doc.add_paragraph("{{ x }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if not risks %}")
    doc.add_paragraph(pick(T["no_risks"], lang))
    doc.add_paragraph("{%p endif %}")

    doc.add_heading(pick(T["h_next"], lang), level=1)
    doc.add_paragraph("{%p if next_items %}")
    doc.add_paragraph(pick(T["next_intro"], lang))
    doc.add_paragraph("{%p endif %}")
    tables.NEXT.build(doc, lang, SIZE)
    doc.add_paragraph("{%p if not next_items %}")
    doc.add_paragraph(pick(T["no_next"], lang))
    doc.add_paragraph("{%p endif %}")
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "weekly-template", "changeflow.lang": lang})
    return doc
