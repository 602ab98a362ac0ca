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

TITLE = ("测试报告", "Test Report")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("报告版本", "Report version"), "{{ version_text }}（第{{ seq }}次测试）"),
        (("测试时间", "Tested at"), "{{ tested_at }}"),
        (("测试人员", "Tester"), "{{ tester }}"),
        (("测试结论", "Result"), "{{ verdict }}"),
    ],
    "cover_en_version": "{{ version_text }} (test run {{ seq }})",
    "h_scope": ("一、测试范围与依据", "1. Scope and basis"),
    "basis": ("测试依据：", "Basis:"),
    "h_client_env": ("二、测试环境", "2. Test environment"),
    "client_env_note": (
        "测试在甲方环境（合同约定）中进行：",
        "The tests ran in the client's environment agreed in the contract:",
    ),
    "env_cols": [("项目", "Item"), ("内容", "Value")],
    "h_cases": ("三、测试用例", "3. Test cases"),
    "case_cols": [
        ("编号", "No."),
        ("需求", "Req."),
        ("用例", "Case"),
        ("步骤/预期", "Steps / expected"),
        ("结果", "Result"),
    ],
    "no_cases": ("（没有关联到需求的测试用例）", "(no test case linked to a requirement)"),
    "warnings": (
        "注意：下列用例指向任务书中没有的需求编号，未计入任何需求：",
        "Note: these cases name a requirement number the task book does not have; they count"
        " for no requirement:",
    ),
    "h_reqs": ("四、需求测试结果", "4. Result per requirement"),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("验收标准", "Acceptance criterion"),
        ("测试用例", "Cases"),
        ("结果", "Result"),
        ("手册章节", "Manual sections"),
    ],
    "h_defects": ("五、缺陷及修复情况", "5. Defects found and fixed"),
    "defect_cols": [
        ("序号", "No."),
        ("用例", "Case"),
        ("需求", "Req."),
        ("发现于", "Found in"),
        ("现象", "Symptom"),
        ("处理情况", "Status"),
        ("修复提交", "Fix commits"),
    ],
    "no_defects": ("本测试周期未发现缺陷。", "No defect was found in this test cycle."),
    "h_conclusion": ("六、测试结论", "6. Conclusion"),
    "conclusion": [(("测试结论", "Result"), "{{ verdict }}")],
    "h_sign": ("七、签署", "7. Sign-off"),
    "h_appendix": ("附录 A　执行记录", "Appendix A. How the run was made"),
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
    """The test report of one test run of a request at one commit."""
    doc = new_document(d.pick(TITLE, lang), lang)
    cover = [(d.pick(k, lang), v) for k, v in T["cover"]]
    if not is_zh(lang):
        cover[4] = (cover[4][0], T["cover_en_version"])
    d.pairs(doc, cover)
    doc.add_paragraph("{{ verdict_note }}")

    doc.add_heading(d.pick(T["h_scope"], lang), level=1)
    doc.add_paragraph("{{ scope }}")
    doc.add_paragraph(d.pick(T["basis"], lang))
    d.bullets(doc, "b", "basis", "{{ b }}")

    doc.add_heading(d.pick(T["h_client_env"], lang), level=1)
    doc.add_paragraph(d.pick(T["client_env_note"], lang))
    env_cols = [d.pick(c, lang) for c in T["env_cols"]]
    d.loop_table(doc, env_cols, "e", "client_env", ["{{ e.name }}", "{{ e.value }}"], [50, 110])

    doc.add_heading(d.pick(T["h_cases"], lang), level=1)
    d.tag(doc, "{%p if case_rows %}")
    d.loop_table(doc, [d.pick(c, lang) for c in T["case_cols"]], "c", "case_rows",
                 ["{{ c.no }}", "{{ c.req }}", "{{ c.case }}", "*steps", "{{ c.result }}"],
                 [14, 16, 50, 62, 18])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_cases"], lang))
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p if unlinked_note %}")
    doc.add_paragraph("{{ unlinked_note }}")
    d.tag(doc, "{%p endif %}")
    d.tag(doc, "{%p if warnings %}")
    doc.add_paragraph(d.pick(T["warnings"], lang))
    d.bullets(doc, "w", "warnings", "{{ w }}")
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_reqs"], lang), level=1)
    d.loop_table(doc, [d.pick(c, lang) for c in T["req_cols"]], "r", "trace",
                 ["{{ r.no }}", "{{ r.text }}", "{{ r.acceptance }}", "{{ r.cases }}",
                  "{{ r.result }}", "{{ r.manual }}"], [12, 36, 34, 40, 16, 22])  # fmt: skip

    doc.add_heading(d.pick(T["h_defects"], lang), level=1)
    d.tag(doc, "{%p if defects %}")
    d.loop_table(doc, [d.pick(c, lang) for c in T["defect_cols"]], "x", "defects",
                 ["{{ x.no }}", "{{ x.case }}", "{{ x.req }}", "{{ x.found }}", "{{ x.message }}",
                  "{{ x.status }}", "{{ x.fixes }}"], [10, 36, 14, 20, 38, 24, 18])  # fmt: skip
    d.tag(doc, "{%p else %}")
    doc.add_paragraph(d.pick(T["no_defects"], lang))
    d.tag(doc, "{%p endif %}")

    doc.add_heading(d.pick(T["h_conclusion"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["conclusion"]])
    doc.add_paragraph("{{ verdict_note }}")

    doc.add_heading(d.pick(T["h_sign"], lang), level=1)
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
