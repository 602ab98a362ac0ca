"""Builder of the go-live record template (上线记录 / Go-live Record).

Values arrive formatted from ``tasks.golive.golive_context``: the release (version, tag,
commit, time in Asia/Shanghai, who), the release notes grouped by kind, the commits
included, the tests that passed, and the rollback steps.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .house import seal_block
from .parts import draft_notice

TITLE = ("上线记录", "Go-live Record")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("上线版本", "Version"), "{{ version_text }}"),
        (("上线时间（北京时间）", "Date and time (Asia/Shanghai)"), "{{ released_at }}"),
        (("实施工程师", "Engineer"), "{{ engineer }}"),
        (("测试结论", "Tests"), "{{ tests }}"),
        (("测试环境（合同约定）", "Test environment (as agreed)"), "{{ test_environment }}"),
    ],
    "h_checks": ("一、上线前环境检查", "1. Environment check before the release"),
    "h_backup": ("二、生产系统与数据备份确认", "2. Production backup confirmed"),
    "backup": [
        (("备份人", "Backed up by"), "{{ backup_by }}"),
        (("备份时间", "When"), "{{ backup_at }}"),
        (("备份存放位置", "Where it is kept"), "{{ backup_where }}"),
    ],
    "h_db": ("三、数据库变更", "3. Database changes"),
    "h_steps": ("四、实施步骤", "4. Steps performed"),
    "step_cols": [("时间", "Time"), ("步骤", "Step"), ("执行人", "By")],
    "h_access": ("五、上线后访问测试", "5. Access test after the release"),
    "access": [
        (("测试人", "Tested by"), "{{ access_by }}"),
        (("测试时间", "When"), "{{ access_at }}"),
        (("测试结果", "Result"), "{{ access_result }}"),
    ],
    "h_notes": ("六、发布说明", "6. Release notes"),
    "no_notes": ("（本次发布没有提交说明）", "(no commit messages in this release)"),
    "h_commits": ("七、变更明细", "7. Changes included"),
    "commit_cols": [
        ("序号", "No."),
        ("日期", "Date"),
        ("作者", "Author"),
        ("变更内容", "Change"),
    ],
    "h_rollback": ("八、回退条件与回退步骤", "8. Rollback trigger and steps"),
    "trigger": ("回退条件：", "When to roll back: "),
    "steps_intro": ("回退步骤：", "Rollback steps:"),
    "h_confirm": ("九、上线确认", "9. Confirmation"),
    "confirm_intro": (
        "乙方实施工程师 {{ engineer }} 已按上述内容完成上线；甲方确认上线结果后签章。",
        "{{ engineer }} (the contractor's engineer) made the release above; the client"
        " confirms the result by signing below.",
    ),
}


def golive(lang: str) -> DocxDocument:
    """The record of one go-live: what went live, when, by whom, and how to roll back."""
    doc = new_document(d.pick(TITLE, lang), lang)
    draft_notice(doc, lang)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])

    doc.add_heading(d.pick(T["h_checks"], lang), level=1)
    d.bullets(doc, "c", "checks", "{{ c }}")
    doc.add_heading(d.pick(T["h_backup"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["backup"]])
    doc.add_heading(d.pick(T["h_db"], lang), level=1)
    d.bullets(doc, "x", "db_changes", "{{ x }}")
    doc.add_heading(d.pick(T["h_steps"], lang), level=1)
    d.loop_table(doc, [d.pick(c, lang) for c in T["step_cols"]], "s", "steps",
                 ["{{ s.at }}", "{{ s.action }}", "{{ s.by }}"], [34, 96, 30])  # fmt: skip
    doc.add_heading(d.pick(T["h_access"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["access"]])

    doc.add_heading(d.pick(T["h_notes"], lang), level=1)
    d.tag(doc, "{%p if groups %}")
    d.tag(doc, "{%p for g in groups %}")
    d.bold_paragraph(doc, "{{ g.title }}")
    d.bullets(doc, "n", "g.notes", "{{ n }}")
    d.tag(doc, "{%p endfor %}")
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_notes"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_commits"], lang), level=1)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["commit_cols"]],
        "c",
        "commits",
        ["{{ c.no }}", "{{ c.date }}", "{{ c.author }}", "{{ c.subject }}"],
        [10, 33, 22, 81.6],  # widths from the content when rendered (docs_templates.fit)
    )

    doc.add_heading(d.pick(T["h_rollback"], lang), level=1)
    doc.add_paragraph(d.pick(T["trigger"], lang) + "{{ rollback_trigger }}")
    doc.add_paragraph(d.pick(T["steps_intro"], lang))
    d.bullets(doc, "s", "rollback", "{{ s }}", style="List Number")

    doc.add_heading(d.pick(T["h_confirm"], lang), level=1)
    doc.add_paragraph(d.pick(T["confirm_intro"], lang))
    seal_block(doc, lang)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "golive-template", "changeflow.lang": lang})
    return doc
