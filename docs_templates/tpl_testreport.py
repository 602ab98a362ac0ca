"""Builder of the test report template (测试报告 / Test Report).

Every value arrives formatted from ``tasks.testing.report_context``; the template only
places text, after GB/T 8567-2006's test report outline: cover, scope and basis, the
client-side environment, the cases, the result per requirement, defects, conclusion,
sign-off of both parties; how the run was made is appendix A.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument

from changeflow.bilingual import is_zh
from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .house import seal_block
from .parts import draft_notice, sign_lines

TITLE = ("测试报告", "Test Report")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("报告版本", "Report version"), "{{ version_text }}（第{{ seq }}次测试）"),
        (("测试期间", "Testing period"), "{{ period }}"),
        (("测试人员", "Testers"), "{{ testers }}"),
        (("测试结论", "Result"), "{{ verdict }}"),
    ],
    "cover_en_version": "{{ version_text }} (test run {{ seq }})",
    "h_intro": ("1　引言", "1 Introduction"),
    "h_ident": ("1.1　标识", "1.1 Identification"),
    "h_system": ("1.2　系统概述", "1.2 System overview"),
    "h_docov": ("1.3　文档概述", "1.3 Document overview"),
    "h_refs": ("2　引用文件", "2 Referenced documents"),
    "h_overview": ("3　测试结果概述", "3 Overview of the test results"),
    "h_assess": ("3.1　对被测软件的总体评估", "3.1 Overall assessment of the software"),
    "h_envimpact": ("3.2　测试环境的影响", "3.2 Impact of the test environment"),
    "h_limits": ("3.3　遗留缺陷与限制", "3.3 Open defects and limitations"),
    "h_advice": ("3.4　改进建议", "3.4 Recommended improvements"),
    "env_cols": [("项目", "Item"), ("内容", "Value")],
    "h_details": ("4　详细的测试结果", "4 Detailed test results"),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("验收标准", "Acceptance criterion"),
        ("测试用例", "Cases"),
        ("结果", "Result"),
        ("手册章节", "Manual sections"),
    ],
    "item_pairs": [
        (("验收标准", "Acceptance criterion"), "{{ it.acceptance }}"),
        (("结果小结", "Summary of results"), "{{ it.summary }}"),
    ],
    "problems": ("遇到的问题：", "Problems encountered:"),
    "deviations": ("与测试用例/过程的偏差：", "Deviations from the test cases/procedures:"),
    "case_cols": [
        ("编号", "No."),
        ("用例名称", "Case"),
        ("前置条件/输入", "Precondition / input"),
        ("测试步骤", "Steps"),
        ("预期结果", "Expected result"),
        ("实际结果", "Actual result"),
        ("结果", "Result"),
    ],
    "no_cases": ("（本需求没有测试用例）", "(no test case for this requirement)"),
    "warnings": (
        "注意：下列用例指向任务书中没有的需求编号，未计入任何需求：",
        "Note: these cases name a requirement number the task book does not have; they count"
        " for no requirement:",
    ),
    "h_defects": (
        "4.{{ items|length + 1 }}　缺陷统计",
        "4.{{ items|length + 1 }} Defect statistics",
    ),
    "defect_cols": [
        ("序号", "No."),
        ("用例", "Case"),
        ("需求", "Req."),
        ("发现于", "Found in"),
        ("现象", "Symptom"),
        ("处理情况", "Status"),
        ("修复提交", "Fix commits"),
    ],
    "no_defects": (
        "本测试周期自动化测试未发现缺陷。",
        "The automated runs of this cycle found no defect.",
    ),
    "h_records": ("5　测试记录", "5 Test record"),
    "record_cols": [
        ("日期时间", "Date/time"),
        ("测试", "Test"),
        ("方式与地点", "How and where"),
        ("执行人", "By"),
        ("用例", "Cases"),
        ("结论", "Result"),
    ],
    "h_notes": ("6　注解", "6 Notes"),
    "h_conclusion": ("测试结论", "Conclusion"),
    "conclusion": [(("测试结论", "Result"), "{{ verdict }}")],
    "h_sign": ("签署", "Sign-off"),
    "sign_roles": [(("测试人员", "Tester"), "{{ testers }}"), (("审核", "Reviewed by"), "")],
    "h_appendix": ("附录 A　自动化测试执行记录", "Appendix A. How the automated run was made"),
    "summary": [
        (("测试方式", "Source"), "{{ source }}"),
        (("测试套件", "Suites"), "{{ suites }}"),
        (("用例总数", "Cases"), "{{ cases }}"),
        (("通过", "Passed"), "{{ passed }}"),
        (("失败", "Failures"), "{{ failures }}"),
        (("错误", "Errors"), "{{ errors }}"),
        (("跳过", "Skipped"), "{{ skipped }}"),
    ],
    "h_env": ("执行环境（乙方）", "Where it ran (contractor)"),
    "h_failed": ("失败用例", "Failed cases"),
    "failed_cols": [
        ("序号", "No."),
        ("测试套件", "Suite"),
        ("用例", "Case"),
        ("类型", "Kind"),
        ("信息", "Message"),
    ],
    "no_failed": ("本次测试没有失败的用例。", "No test case failed in this run."),
    "h_output": ("输出摘录", "Output excerpt"),
    "no_output": ("（测试通过，程序输出由乙方存档备查）", "(passed; the output is kept on file)"),
}


def testreport(lang: str) -> DocxDocument:
    """The test report of one test run of a request at one commit (GB/T 8567-2006 STR)."""
    doc = new_document(d.pick(TITLE, lang), lang)
    P = lambda pair: d.pick(pair, lang)  # noqa: E731
    draft_notice(doc, lang)
    cover = [(P(k), v) for k, v in T["cover"]]
    if not is_zh(lang):
        cover[4] = (cover[4][0], T["cover_en_version"])
    d.pairs(doc, cover)
    doc.add_paragraph("{{ verdict_note }}")

    doc.add_heading(P(T["h_intro"]), level=1)
    doc.add_heading(P(T["h_ident"]), level=2)
    d.bullets(doc, "i", "identification", "{{ i }}")
    doc.add_heading(P(T["h_system"]), level=2)
    doc.add_paragraph("{{ overview }}")
    doc.add_heading(P(T["h_docov"]), level=2)
    doc.add_paragraph("{{ scope }}")
    doc.add_paragraph("{{ doc_overview }}")

    doc.add_heading(P(T["h_refs"]), level=1)
    d.bullets(doc, "b", "basis", "{{ b }}")

    doc.add_heading(P(T["h_overview"]), level=1)
    doc.add_heading(P(T["h_assess"]), level=2)
    doc.add_paragraph("{{ assessment }}")
    doc.add_heading(P(T["h_envimpact"]), level=2)
    doc.add_paragraph("{{ where }}")
    d.tag(doc, "{%p if show_client_env %}")
    env_cols = [P(c) for c in T["env_cols"]]
    d.loop_table(doc, env_cols, "e", "client_env", ["{{ e.name }}", "{{ e.value }}"], [50, 110])
    d.tag(doc, "{%p endif %}")
    doc.add_heading(P(T["h_limits"]), level=2)
    d.bullets(doc, "l", "limits", "{{ l }}")
    doc.add_heading(P(T["h_advice"]), level=2)
    d.bullets(doc, "a", "advice", "{{ a }}")

    doc.add_heading(P(T["h_details"]), level=1)
    d.loop_table(doc, [P(c) for c in T["req_cols"]], "r", "trace",
                 ["{{ r.no }}", "{{ r.text }}", "{{ r.acceptance }}", "{{ r.cases }}",
                  "{{ r.result }}", "{{ r.manual }}"], [12, 36, 34, 40, 16, 22])  # fmt: skip
    d.tag(doc, "{%p if unlinked_note %}")
    doc.add_paragraph("{{ unlinked_note }}")
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p if warnings %}")
    doc.add_paragraph(P(T["warnings"]))
    d.bullets(doc, "w", "warnings", "{{ w }}")
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p for it in items %}")
    doc.add_heading("{{ it.heading }}", level=2)
    d.pairs(doc, [(P(k), v) for k, v in T["item_pairs"]])
    doc.add_paragraph(P(T["problems"]))
    d.bullets(doc, "x", "it.problems", "{{ x }}")
    doc.add_paragraph(P(T["deviations"]))
    d.bullets(doc, "x", "it.deviations", "{{ x }}")
    d.tag(doc, "{%p if it.cases %}")
    d.loop_table(doc, [P(c) for c in T["case_cols"]], "c", "it.cases",
                 ["{{ c.no }}", "{{ c.case }}\n{{ c.how }}", "*pre", "*steps", "{{ c.expected }}",
                  "{{ c.actual }}", "{{ c.result }}"], [16, 28, 26, 34, 26, 24, 14])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(P(T["no_cases"]))
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p endfor %}")

    doc.add_heading(P(T["h_defects"]), level=2)
    d.loop_table(doc, env_cols, "e", "defect_stats", ["{{ e.name }}", "{{ e.value }}"], [50, 110])
    d.tag(doc, "{%p if defects %}")
    d.loop_table(doc, [P(c) for c in T["defect_cols"]], "x", "defects",
                 ["{{ x.no }}", "{{ x.case }}", "{{ x.req }}", "{{ x.found }}", "{{ x.message }}",
                  "{{ x.status }}", "{{ x.fixes }}"], [10, 36, 14, 20, 38, 24, 18])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(P(T["no_defects"]))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(P(T["h_records"]), level=1)
    d.loop_table(doc, [P(c) for c in T["record_cols"]], "x", "records",
                 ["{{ x.when }}", "{{ x.what }}", "{{ x.how }}", "{{ x.who }}", "{{ x.counts }}",
                  "{{ x.result }}"], [26, 22, 44, 20, 34, 14])  # fmt: skip

    doc.add_heading(P(T["h_notes"]), level=1)
    d.bullets(doc, "n", "notes", "{{ n }}")

    doc.add_heading(P(T["h_conclusion"]), level=1)
    d.pairs(doc, [(P(k), v) for k, v in T["conclusion"]])
    doc.add_paragraph("{{ verdict_note }}")

    doc.add_heading(P(T["h_sign"]), level=1)
    sign_lines(doc, lang, T["sign_roles"])
    seal_block(doc, lang)

    doc.add_heading(d.pick(T["h_appendix"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["summary"]])
    doc.add_heading(d.pick(T["h_env"], lang), level=2)
    d.loop_table(doc, env_cols, "e", "environment", ["{{ e.name }}", "{{ e.value }}"], [50, 110])

    doc.add_heading(d.pick(T["h_failed"], lang), level=2)
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

    doc.add_heading(d.pick(T["h_output"], lang), level=2)
    d.tag(doc, "{%p if output %}")
    d.mono_lines(doc, "line", "output")
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_output"], lang))
    d.tag(doc, "{%p endif %}")

    finish(doc, lang)
    write_custom_properties(
        doc, {"changeflow.kind": "testreport-template", "changeflow.lang": lang}
    )
    return doc
