"""Builder of the test report template (测试报告 / Test Report).

Every value arrives formatted from ``tasks.testing.report_context``; the template only
places text: cover, summary, environment, requirements checked, failed cases, output.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.tasks.wordkit import write_custom_properties

from . import tables as d
from .build import builder, new_document, trim_styles

TITLE = ("测试报告", "Test Report")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("报告版本", "Report version"), "v{{ version }}（第 {{ seq }} 次测试）"),
        (("测试时间", "Tested at"), "{{ tested_at }}"),
        (("测试人员", "Tester"), "{{ tester }}"),
        (("测试结论", "Result"), "{{ verdict }}"),
    ],
    "cover_en_version": "v{{ version }} (test run {{ seq }})",
    "h_summary": ("一、测试概要", "1. Summary"),
    "summary": [
        (("测试方式", "Source"), "{{ source }}"),
        (("测试命令", "Command"), "{{ command }}"),
        (("被测提交", "Commit tested"), "{{ commit }}"),
        (("代码仓库", "Repository"), "{{ repository }}"),
        (("测试套件", "Suites"), "{{ suites }}"),
        (("用例总数", "Cases"), "{{ cases }}"),
        (("通过", "Passed"), "{{ passed }}"),
        (("失败", "Failures"), "{{ failures }}"),
        (("错误", "Errors"), "{{ errors }}"),
        (("跳过", "Skipped"), "{{ skipped }}"),
        (("耗时", "Duration"), "{{ duration }}"),
        (("退出码", "Exit code"), "{{ exit_code }}"),
    ],
    "verdict_note": ("{{ verdict_note }}", "{{ verdict_note }}"),
    "h_env": ("二、测试环境", "2. Environment"),
    "env_cols": [("项目", "Item"), ("内容", "Value")],
    "h_reqs": ("三、需求与验收标准", "3. Requirements and acceptance criteria"),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("验收标准", "Acceptance criterion"),
    ],
    "h_failed": ("四、失败用例", "4. Failed cases"),
    "failed_cols": [
        ("序号", "No."),
        ("测试套件", "Suite"),
        ("用例", "Case"),
        ("类型", "Kind"),
        ("信息", "Message"),
    ],
    "no_failed": ("本次测试没有失败的用例。", "No test case failed in this run."),
    "h_output": ("五、输出摘录", "5. Output excerpt"),
    "no_output": ("（无输出）", "(no output)"),
    "h_files": ("附：JUnit 结果文件", "Appendix: JUnit result files"),
    "file_cols": [("文件", "File"), ("SHA-256", "SHA-256")],
}


@builder("testreport")
def testreport(lang: str) -> DocxDocument:
    """The test report of one test run of a request at one commit."""
    doc = new_document(d.pick(TITLE, lang), lang)
    cover = [(d.pick(k, lang), v) for k, v in T["cover"]]
    if lang != "zh-CN":
        cover[4] = (cover[4][0], T["cover_en_version"])
    d.pairs(doc, cover)
    doc.add_paragraph("{{ verdict_note }}")

    doc.add_heading(d.pick(T["h_summary"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["summary"]])

    doc.add_heading(d.pick(T["h_env"], lang), level=1)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["env_cols"]],
        "e",
        "environment",
        ["{{ e.name }}", "{{ e.value }}"],
        [50, 110],
    )

    doc.add_heading(d.pick(T["h_reqs"], lang), level=1)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["req_cols"]],
        "r",
        "requirements",
        ["{{ r.no }}", "{{ r.text }}", "{{ r.acceptance }}"],
        [12, 80, 68],
    )

    doc.add_heading(d.pick(T["h_failed"], lang), level=1)
    d.tag(doc, "{%p if failed %}")
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["failed_cols"]],
        "f",
        "failed",
        ["{{ f.no }}", "{{ f.suite }}", "{{ f.name }}", "{{ f.kind }}", "{{ f.message }}"],
        [12, 35, 40, 15, 58],
    )
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_failed"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_output"], lang), level=1)
    d.tag(doc, "{%p if output %}")
    d.mono_lines(doc, "line", "output")
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_output"], lang))
    d.tag(doc, "{%p endif %}")

    d.tag(doc, "{%p if junit_files %}")
    doc.add_heading(d.pick(T["h_files"], lang), level=2)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["file_cols"]],
        "j",
        "junit_files",
        ["{{ j.name }}", "{{ j.sha256 }}"],
        [60, 100],
    )
    d.tag(doc, "{%p endif %}")
    trim_styles(doc)
    write_custom_properties(
        doc, {"changeflow.kind": "testreport-template", "changeflow.lang": lang}
    )
    return doc
