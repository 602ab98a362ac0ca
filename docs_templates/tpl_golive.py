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

TITLE = ("上线记录", "Go-live Record")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("上线版本", "Version"), "{{ version_text }}"),
        (("上线时间（北京时间）", "Date and time (Asia/Shanghai)"), "{{ released_at }}"),
        (("实施人", "Done by"), "{{ released_by }}"),
        (("测试结论", "Tests"), "{{ tests }}"),
        (("测试环境（合同约定）", "Test environment (as agreed)"), "{{ test_environment }}"),
    ],
    "h_notes": ("一、发布说明", "1. Release notes"),
    "no_notes": ("（本次发布没有提交说明）", "(no commit messages in this release)"),
    "h_commits": ("二、变更明细", "2. Changes included"),
    "commit_cols": [
        ("序号", "No."),
        ("日期", "Date"),
        ("作者", "Author"),
        ("变更内容", "Change"),
    ],
    "h_rollback": ("三、回退步骤", "3. Rollback steps"),
    "h_confirm": ("四、上线确认", "4. Confirmation"),
    "confirm_intro": (
        "乙方实施人 {{ released_by }} 已按上述内容完成上线；甲方确认上线结果后签章。",
        "{{ released_by }} (contractor) made the release above; the client confirms the"
        " result by signing below.",
    ),
}


def golive(lang: str) -> DocxDocument:
    """The record of one go-live: what went live, when, by whom, and how to roll back."""
    doc = new_document(d.pick(TITLE, lang), lang)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])

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
    d.bullets(doc, "s", "rollback", "{{ s }}", style="List Number")

    doc.add_heading(d.pick(T["h_confirm"], lang), level=1)
    doc.add_paragraph(d.pick(T["confirm_intro"], lang))
    seal_block(doc, lang)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "golive-template", "changeflow.lang": lang})
    return doc
