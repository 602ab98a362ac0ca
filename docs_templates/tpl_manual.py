"""Builder of the user manual template (用户手册 / User Manual).

The features come from the requirements; the operating instructions (the Markdown notes'
user-manual part) and the screenshots are placed by ``tasks.delivery_docs`` at their
marker paragraphs after rendering.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.tasks.wordkit import write_custom_properties

from . import tables as d
from .build import builder, new_document, trim_styles
from .tpl_techdoc import MANUAL_MARKER, SCREENSHOTS_MARKER, keep_markdown_styles

TITLE = ("用户手册", "User Manual")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("文档版本", "Document version"), "v{{ version }}"),
        (("编制日期", "Date"), "{{ issued }}"),
        (("适用版本", "For release"), "{{ release }}"),
    ],
    "h_overview": ("一、概述", "1. Overview"),
    "overview": (
        "本手册说明“{{ title }}”上线后新增和变更的功能及其使用方法。",
        "This manual describes the new and changed functions of '{{ title }}' and how to use them.",
    ),
    "h_features": ("二、功能说明", "2. Functions"),
    "feature": ("功能 {{ r.no }}：{{ r.text }}", "Function {{ r.no }}: {{ r.text }}"),
    "criterion": ("预期效果：{{ r.acceptance }}", "Expected result: {{ r.acceptance }}"),
    "h_howto": ("三、操作说明", "3. How to use"),
    "h_screens": ("四、界面截图", "4. Screenshots"),
    "h_changes": ("五、版本说明", "5. What changed"),
    "no_changes": ("（尚未上线）", "(not released yet)"),
    "h_support": ("六、技术支持", "6. Support"),
    "support": [
        (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
        (("联系电话", "Phone"), "{{ our_phone }}"),
        (("电子邮箱", "Email"), "{{ our_email }}"),
    ],
}


@builder("manual")
def manual(lang: str) -> DocxDocument:
    """The user manual of a request's new and changed functions."""
    doc = new_document(d.pick(TITLE, lang), lang)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])

    doc.add_heading(d.pick(T["h_overview"], lang), level=1)
    doc.add_paragraph(d.pick(T["overview"], lang))
    doc.add_paragraph("{{ description }}")

    doc.add_heading(d.pick(T["h_features"], lang), level=1)
    d.tag(doc, "{%p for r in requirements %}")
    doc.add_heading(d.pick(T["feature"], lang), level=2)
    doc.add_paragraph(d.pick(T["criterion"], lang))
    d.tag(doc, "{%p endfor %}")

    doc.add_heading(d.pick(T["h_howto"], lang), level=1)
    doc.add_paragraph(MANUAL_MARKER)
    doc.add_heading(d.pick(T["h_screens"], lang), level=1)
    doc.add_paragraph(SCREENSHOTS_MARKER)

    doc.add_heading(d.pick(T["h_changes"], lang), level=1)
    d.tag(doc, "{%p if groups %}")
    d.tag(doc, "{%p for g in groups %}")
    d.bold_paragraph(doc, "{{ g.title }}")
    d.bullets(doc, "n", "g.notes", "{{ n }}")
    d.tag(doc, "{%p endfor %}")
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_changes"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_support"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["support"]])
    keep_markdown_styles(doc)
    trim_styles(doc)
    write_custom_properties(doc, {"changeflow.kind": "manual-template", "changeflow.lang": lang})
    return doc
