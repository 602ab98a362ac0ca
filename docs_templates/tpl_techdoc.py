"""Builder of the technical document template (技术文档 / Technical Document).

GB/T 8567's design-description outline (软件设计说明 and 数据库设计说明 essentials): the
sections 引言 (标识, 引用文件), 运行环境, 总体设计, 接口设计, 数据库设计, 安全与权限设计,
性能设计, 部署与运维 and 出错处理 come from the team's Markdown notes
(``tasks.delivery_docs.outline``, 待补充 where the notes say nothing) at the ``⟦notes⟧``
marker; docxtpl places the files
changed (by module, from the linked commits); 回退方案 is placed at ``⟦rollback⟧``.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .parts import draft_notice, revisions, sign_lines, toc

TITLE = ("技术文档", "Technical Document")
NOTES_MARKER = "⟦notes⟧"
MANUAL_MARKER = "⟦manual_notes⟧"
SCREENSHOTS_MARKER = "⟦screenshots⟧"
ROLLBACK_MARKER = "⟦rollback⟧"
CHAPTERS_MARKER = "⟦chapters⟧"  # the static list of chapters (WPS shows no TOC field)
H_REVISIONS = ("修订记录", "Revision record")
H_SIGN = ("编制、审核与批准", "Prepared, reviewed and approved")
SIGN_ROLES = [
    (("编制", "Prepared by"), "{{ author }}"),
    (("审核", "Reviewed by"), ""),
    (("批准", "Approved by"), ""),
]
# styles the Markdown converter uses: kept by trim_styles, removed from the output
MARKDOWN_STYLES = ("Heading 2", "Heading 3", "Heading 4", "List Bullet", "List Bullet 2",
                   "List Bullet 3", "Quote", "Caption")  # fmt: skip
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("文档版本", "Document version"), "{{ version_text }}"),
        (("编制日期", "Date"), "{{ issued }}"),
        (("编制人", "Author"), "{{ author }}"),
        (("计划版本", "Plan version"), "{{ plan_version }}"),
    ],
    # commits, tags and files: for a technical reader, in one appendix at the end
    "h_appendix": ("附录 技术信息", "Appendix: technical record"),
    "appendix_intro": (
        "本附录供甲方技术人员核对程序版本：本次变更涉及的文件、相关提交和发布标签。",
        "For the client's technical staff: the files, commits and release tag of this change.",
    ),
    "h_files": ("变更文件清单", "Files changed"),
    "module_cols": [("模块", "Module"), ("文件数", "Files"), ("文件", "Paths")],
    "h_commits": ("相关提交", "Commits"),
    "commit_cols": [("提交", "Commit"), ("日期", "Date"), ("作者", "Author"), ("说明", "Message")],
    "no_commits": ("（暂无关联的提交）", "(no linked commits yet)"),
    # after the notes' nine chapters (一、引言 ... 九、出错处理, each there or 待补充)
    "h_rollback": ("十、回退方案", "10. Rollback"),
    "h_release": ("发布标签", "Release tag"),
    "release": [
        (("发布标签", "Release tag"), "{{ tag }}"),
        (("发布提交", "Release commit"), "{{ commit }}"),
    ],
    # GB/T 8567's 需求的可追踪性: requirement -> cases -> result -> commits -> manual sections
    "h_trace": ("十一、需求的可追踪性", "11. Requirements traceability"),
    "trace_cols": [
        ("需求", "Req."),
        ("需求描述", "Requirement"),
        ("测试用例（结果）", "Test cases (result)"),
        ("测试结果", "Result"),
        ("用户手册章节", "Manual sections"),
    ],
}


def keep_markdown_styles(doc: DocxDocument) -> None:
    """Paragraphs in every style the Markdown converter uses, inside a block docxtpl drops:
    trim_styles keeps the styles, the rendered document has none of these paragraphs."""
    d.tag(doc, "{%p if false %}")
    for style in MARKDOWN_STYLES:
        doc.add_paragraph(style, style=style)
    d.tag(doc, "{%p endif %}")


def front_matter(doc: DocxDocument, lang: str) -> None:
    """GB/T 8567's front matter: revision record, 编制/审核/批准 and the table of contents
    (a TOC field, and the chapters listed at the marker, filled when rendered)."""
    d.bold_paragraph(doc, d.pick(H_REVISIONS, lang))
    revisions(doc, lang)
    d.bold_paragraph(doc, d.pick(H_SIGN, lang))
    sign_lines(doc, lang, SIGN_ROLES)
    toc(doc, lang, seq="no_chapters")
    doc.add_paragraph(CHAPTERS_MARKER)


def techdoc(lang: str) -> DocxDocument:
    """The technical document after GB/T 8567's design-description outline: 引言 ... 出错处理
    from the notes (at the marker), then 回退方案, the traceability matrix (需求的可追踪性)
    and the appendix (files by module, commits, tag)."""
    doc = new_document(d.pick(TITLE, lang), lang)
    draft_notice(doc, lang)  # a draft lists, at its top, every part still missing
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])
    front_matter(doc, lang)

    doc.add_paragraph(NOTES_MARKER)  # 一、引言 ... 六、出错处理

    doc.add_heading(d.pick(T["h_rollback"], lang), level=1)
    doc.add_paragraph(ROLLBACK_MARKER)

    doc.add_heading(d.pick(T["h_trace"], lang), level=1)
    d.loop_table(doc, [d.pick(c, lang) for c in T["trace_cols"]], "t", "trace",
                 ["{{ t.no }}", "{{ t.text }}", "{{ t.cases }}", "{{ t.result }}",
                  "{{ t.manual }}"], [12, 40, 46, 18, 30.6])  # fmt: skip

    # the one place for commits, tags and files (docs_templates/fit keeps each on one line)
    doc.add_heading(d.pick(T["h_appendix"], lang), level=1)
    doc.add_paragraph(d.pick(T["appendix_intro"], lang))
    d.tag(doc, "{%p if modules %}")
    doc.add_heading(d.pick(T["h_files"], lang), level=2)
    d.loop_table(doc, [d.pick(c, lang) for c in T["module_cols"]], "m", "modules",
                 ["{{ m.name }}", "{{ m.files }}", "{{ m.paths }}"], [35, 20, 91.6])  # fmt: skip
    doc.add_heading(d.pick(T["h_commits"], lang), level=2)
    d.loop_table(doc, [d.pick(c, lang) for c in T["commit_cols"]], "c", "commits",
                 ["{{ c.sha }}", "{{ c.date }}", "{{ c.author }}", "{{ c.subject }}"],
                 [20, 33, 22, 71.6])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_commits"], lang))
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p if tag %}")
    doc.add_heading(d.pick(T["h_release"], lang), level=2)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["release"]])
    d.tag(doc, "{%p endif %}")
    keep_markdown_styles(doc)
    finish(doc, lang)
    write_custom_properties(doc, {"changeflow.kind": "techdoc-template", "changeflow.lang": lang})
    return doc
