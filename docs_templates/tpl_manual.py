"""Builder of the user manual template (用户手册 / User Manual).

GB/T 8567's user-manual outline: 范围 (标识, 引用文件), 软件综述, 首次使用 (accounts and
permissions), a chapter per role (申请人, 审批人, 管理员 ..., each with its screenshots),
出错与恢复, 常见问题, 快速参考 and 版本说明 come from the notes' user-manual part
(``tasks.delivery_docs.outline``, 待补充 where the notes say nothing) at the marker; the
captioned screenshots and the support contacts follow.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .parts import draft_notice
from .tpl_techdoc import MANUAL_MARKER, SCREENSHOTS_MARKER, front_matter, keep_markdown_styles

TITLE = ("用户手册", "User Manual")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("文档版本", "Document version"), "{{ version_text }}"),
        (("编制日期", "Date"), "{{ issued }}"),
        (("适用版本", "For release"), "{{ release }}"),
    ],
    "h_screens": ("附录　界面截图", "Appendix. Screenshots"),
    "h_support": ("技术支持", "Support"),
    # GB/T 8567's 帮助和问题报告: how to report a problem
    "report": (
        "使用中遇到问题，请联系乙方项目负责人。报告问题时请说明使用的功能和操作步骤、出现的提示"
        "（可附界面截图）和发生时间；系统故障按服务合同约定的响应时间处理。",
        "If something goes wrong, contact our project lead: say which function and steps you"
        " used, what the system showed (a screenshot helps) and when; a system fault is handled"
        " within the response times of the service contract.",
    ),
    "support": [
        (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
        (("联系电话", "Phone"), "{{ our_phone }}"),
        (("电子邮箱", "Email"), "{{ our_email }}"),
    ],
}


def manual(lang: str) -> DocxDocument:
    """The user manual of a request's new and changed functions."""
    doc = new_document(d.pick(TITLE, lang), lang)
    draft_notice(doc, lang)  # a draft lists, at its top, every part still missing
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])
    front_matter(doc, lang)

    doc.add_paragraph(MANUAL_MARKER)  # 范围 ... a chapter per role ... 快速参考, 版本说明
    doc.add_heading(d.pick(T["h_screens"], lang), level=1)
    doc.add_paragraph(SCREENSHOTS_MARKER)

    doc.add_heading(d.pick(T["h_support"], lang), level=1)
    doc.add_paragraph(d.pick(T["report"], lang))
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["support"]])
    keep_markdown_styles(doc)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "manual-template", "changeflow.lang": lang})
    return doc
