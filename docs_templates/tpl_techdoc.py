"""Builder of the technical document template (技术文档 / Technical Document).

docxtpl places the request, plan, modules and commits; the design notes (Markdown written
by the team) are turned into real Word structure by ``tasks.delivery_docs`` at the
``⟦notes⟧`` marker paragraph after rendering.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.tasks.wordkit import write_custom_properties

from . import tables as d
from .build import builder, new_document, trim_styles

TITLE = ("技术文档", "Technical Document")
NOTES_MARKER = "⟦notes⟧"
MANUAL_MARKER = "⟦manual_notes⟧"
SCREENSHOTS_MARKER = "⟦screenshots⟧"
# styles the Markdown converter uses: kept by trim_styles, removed from the output
MARKDOWN_STYLES = ("Heading 2", "Heading 3", "Heading 4", "List Bullet", "List Bullet 2",
                   "List Bullet 3", "Quote", "Caption")  # fmt: skip
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("文档版本", "Document version"), "v{{ version }}"),
        (("编制日期", "Date"), "{{ issued }}"),
        (("编制人", "Author"), "{{ author }}"),
        (("计划版本", "Plan version"), "{{ plan_version }}"),
        (("上线版本", "Release"), "{{ release }}"),
    ],
    "h_overview": ("一、概述", "1. Overview"),
    "h_reqs": ("二、需求", "2. Requirements"),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("验收标准", "Acceptance criterion"),
    ],
    "h_plan": ("三、实施计划", "3. Plan"),
    "phase_cols": [("阶段", "Phase"), ("开始", "Start"), ("结束", "End")],
    "item_cols": [
        ("序号", "No."),
        ("工作内容", "Work"),
        ("角色", "Role"),
        ("人员", "Who"),
        ("人日", "Person-days"),
    ],
    "no_plan": ("（尚无实施计划）", "(no plan yet)"),
    "h_design": ("四、设计说明", "4. Design notes"),
    "h_modules": ("五、变更的模块", "5. Modules changed"),
    "module_cols": [("模块", "Module"), ("文件数", "Files"), ("文件", "Paths")],
    "h_commits": ("相关提交", "Commits"),
    "commit_cols": [("提交", "Commit"), ("日期", "Date"), ("作者", "Author"), ("说明", "Message")],
    "no_commits": ("（暂无关联的提交）", "(no linked commits yet)"),
    "h_release": ("六、测试与上线", "6. Tests and release"),
    "release": [
        (("测试结论", "Tests"), "{{ tests }}"),
        (("发布标签", "Release tag"), "{{ tag }}"),
        (("发布提交", "Release commit"), "{{ commit }}"),
    ],
    "h_rollback": ("回退步骤", "Rollback steps"),
}


def keep_markdown_styles(doc: DocxDocument) -> None:
    """Paragraphs in every style the Markdown converter uses, inside a block docxtpl drops:
    trim_styles keeps the styles, the rendered document has none of these paragraphs."""
    d.tag(doc, "{%p if false %}")
    for style in MARKDOWN_STYLES:
        doc.add_paragraph(style, style=style)
    d.tag(doc, "{%p endif %}")


@builder("techdoc")
def techdoc(lang: str) -> DocxDocument:
    """The technical document of a request: requirements, plan, design, modules, release."""
    doc = new_document(d.pick(TITLE, lang), lang)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])

    doc.add_heading(d.pick(T["h_overview"], lang), level=1)
    doc.add_paragraph("{{ description }}")

    doc.add_heading(d.pick(T["h_reqs"], lang), level=1)
    d.loop_table(doc, [d.pick(c, lang) for c in T["req_cols"]], "r", "requirements",
                 ["{{ r.no }}", "{{ r.text }}", "{{ r.acceptance }}"], [12, 80, 68])  # fmt: skip

    doc.add_heading(d.pick(T["h_plan"], lang), level=1)
    d.tag(doc, "{%p if phases %}")
    d.loop_table(doc, [d.pick(c, lang) for c in T["phase_cols"]], "ph", "phases",
                 ["{{ ph.phase }}", "{{ ph.start }}", "{{ ph.end }}"], [60, 50, 50])  # fmt: skip
    doc.add_paragraph("")
    d.loop_table(doc, [d.pick(c, lang) for c in T["item_cols"]], "it", "items",
                 ["{{ it.seq }}", "{{ it.title }}", "{{ it.role }}", "{{ it.assignee }}",
                  "{{ it.person_days }}"], [12, 70, 28, 25, 25])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_plan"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_design"], lang), level=1)
    doc.add_paragraph(NOTES_MARKER)

    doc.add_heading(d.pick(T["h_modules"], lang), level=1)
    d.tag(doc, "{%p if modules %}")
    d.loop_table(doc, [d.pick(c, lang) for c in T["module_cols"]], "m", "modules",
                 ["{{ m.name }}", "{{ m.files }}", "{{ m.paths }}"], [35, 20, 105])  # fmt: skip
    doc.add_heading(d.pick(T["h_commits"], lang), level=2)
    d.loop_table(doc, [d.pick(c, lang) for c in T["commit_cols"]], "c", "commits",
                 ["{{ c.sha }}", "{{ c.date }}", "{{ c.author }}", "{{ c.subject }}"],
                 [22, 30, 24, 84])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_commits"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_release"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["release"]])
    d.tag(doc, "{%p if rollback %}")
    doc.add_heading(d.pick(T["h_rollback"], lang), level=2)
    d.bullets(doc, "s", "rollback", "{{ s }}", style="List Number")
    d.tag(doc, "{%p endif %}")
    keep_markdown_styles(doc)
    trim_styles(doc)
    write_custom_properties(doc, {"changeflow.kind": "techdoc-template", "changeflow.lang": lang})
    return doc
