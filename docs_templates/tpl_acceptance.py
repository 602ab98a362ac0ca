"""Builder of the acceptance certificate template (验收单 / Acceptance Certificate).

The deliverables (documents with their versions, the release tag) sit in tables, which
the signature's canonical content covers: the client cannot change them in the returned
file. The sign-off table's labels are context values (``tasks.signoff.printed_labels``)
so they always match what the returned-document reader (tasks/signoff/) recognises.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocxDocument
from docx.shared import Mm

from changeflow.wordparts import write_custom_properties

from . import tables as d
from .blank import finish, new_document
from .house import seal_block

TITLE = ("验收单", "Acceptance Certificate")
# field -> (zh-CN, en); the labels the client sees in the sign-off table.
SIGNOFF_FIELDS: dict[str, tuple[str, str]] = {
    "decision": ("验收结论", "Acceptance decision"),
    "approver": ("验收人", "Accepted by"),
    "date": ("日期", "Date"),
    "comment": ("意见", "Comment"),
}
# Where a request goes when it is not accepted; read from the same table.
RETURN_TO = ("退回至（测试/开发）", "Return to (testing/development)")
# The client's conclusion per requirement row: a column of the requirements table whose
# cells the client ticks (tasks/signoff reads it back by this header; the rest of the row
# stays signed), with the two choices it offers.
ROW_DECISION = ("验收结论", "Acceptance")
ROW_DECISION_VALUES: dict[str, tuple[str, str]] = {
    "passed": ("通过", "passed"),
    "failed": ("不通过", "failed"),
}
ROW_BOXES = ("☐通过 ☐不通过", "☐ passed ☐ failed")
T: dict[str, Any] = {
    "cover": [
        (("请求编号", "Request"), "{{ key }}"),
        (("项目名称", "Project"), "{{ title }}"),
        (("委托单位（甲方）", "Client"), "{{ client }}"),
        (("服务合同", "Contract"), "{{ contract }}"),
        (("验收单版本", "Certificate version"), "{{ version_text }}"),
        (("上线版本", "Release"), "{{ release }}"),
        (("上线时间（北京时间）", "Went live (Asia/Shanghai)"), "{{ released_at }}"),
        (("乙方项目负责人", "Our project lead"), "{{ our_lead }}"),
        (("甲方项目负责人", "Client's project lead"), "{{ client_lead }}"),
        (("签发日期", "Issued"), "{{ issued }}"),
    ],
    "h_basis": ("验收依据", "Basis of acceptance"),
    "h_members": ("验收组成员", "Acceptance members"),
    "member_cols": [
        ("角色", "Role"),
        ("姓名", "Name"),
        ("单位", "Organisation"),
        ("签字", "Signature"),
    ],
    "h_reqs": ("一、需求与测试结果", "1. Requirements and their test results"),
    "req_cols": [
        ("序号", "No."),
        ("需求描述", "Requirement"),
        ("验收标准", "Acceptance criterion"),
        ("用例数", "Cases"),
        ("测试结果", "Test result"),
        ROW_DECISION,
    ],
    "h_deliverables": ("二、交付物清单", "2. Deliverables"),
    "deliv_cols": [
        ("序号", "No."),
        ("交付物", "Deliverable"),
        ("文件名", "File name"),
        ("版本", "Version"),
    ],
    "h_tests": ("三、测试与上线", "3. Tests and go-live"),
    "tests": [
        (("测试结论", "Tests"), "{{ tests }}"),
    ],
    "h_open": ("遗留问题及约定完成日期", "Open items and agreed dates"),
    "open_cols": [("遗留问题", "Open item"), ("责任方", "Owner"), ("约定完成日期", "Agreed date")],
    "no_open": ("无遗留问题：全部需求测试通过。", "No open item: every requirement passed."),
    "h_handover": ("移交清单（文档、源代码、培训）", "Handover (documents, source code, training)"),
    "h_maint": ("维护期", "Maintenance"),
    "h_settle": ("费用结算", "Settlement"),
    "h_signoff": ("四、甲方验收", "4. Client's acceptance"),
    "seal_intro": ("双方签章：", "Signatures and seals of both parties:"),
    "signoff_intro": (
        "请在“一、需求与测试结果”表的“验收结论”一栏逐项勾选“通过”或“不通过”（把 ☐ 改为 ☑），"
        "再在下表右栏填写{{ l_decision }}（“通过”或“不通过”）、{{ l_approver }}、日期和意见；"
        "不通过时请写明原因，并在“退回至”一栏填写“测试”或“开发”。保存后将本文件发回。"
        "请不要修改左栏文字和上面的表格。",
        "Please tick 'passed' or 'failed' on every row of table 1 under 'Acceptance' (turn ☐"
        " into ☑), then fill in the right-hand cells below: {{ l_decision }} ('accept' or"
        " 'reject'),"
        " {{ l_approver }}, date and comment; when not accepted, give the reasons and write"
        " 'testing' or 'development' under 'Return to'. Save and send this file back. Do not"
        " change the labels on the left or the tables above.",
    ),
}


def acceptance(lang: str) -> DocxDocument:
    """The certificate we issue after go-live; the client signs it off and returns it."""
    doc = new_document(d.pick(TITLE, lang), lang)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["cover"]])
    doc.add_heading(d.pick(T["h_basis"], lang), level=2)
    d.bullets(doc, "b", "basis", "{{ b }}")
    doc.add_heading(d.pick(T["h_members"], lang), level=2)
    d.loop_table(doc, [d.pick(c, lang) for c in T["member_cols"]], "m", "members",
                 ["{{ m.role }}", "{{ m.name }}", "{{ m.unit }}", ""],
                 [40, 30, 50, 40])  # fmt: skip

    doc.add_heading(d.pick(T["h_reqs"], lang), level=1)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["req_cols"]],
        "r",
        "requirements",
        [
            "{{ r.no }}",
            "{{ r.text }}",
            "{{ r.acceptance }}",
            "{{ r.cases }}",
            "{{ r.result }}",
            d.pick(ROW_BOXES, lang),
        ],
        [10, 43, 40, 13, 18, 36],
    )

    doc.add_heading(d.pick(T["h_deliverables"], lang), level=1)
    d.loop_table(
        doc,
        [d.pick(c, lang) for c in T["deliv_cols"]],
        "x",
        "deliverables",
        ["{{ x.no }}", "{{ x.name }}", "{{ x.file }}", "{{ x.version }}"],
        [10, 40, 70, 26.6],
        size=8,
    )

    doc.add_heading(d.pick(T["h_tests"], lang), level=1)
    d.pairs(doc, [(d.pick(k, lang), v) for k, v in T["tests"]])

    doc.add_heading(d.pick(T["h_open"], lang), level=2)
    d.loop_section(doc, None, [d.pick(c, lang) for c in T["open_cols"]], "o", "open_items",
                   ["{{ o.item }}", "{{ o.owner }}", "{{ o.due }}"], [100, 25, 35],
                   empty=d.pick(T["no_open"], lang))  # fmt: skip
    doc.add_heading(d.pick(T["h_handover"], lang), level=2)
    d.bullets(doc, "h", "handover", "{{ h }}")
    doc.add_heading(d.pick(T["h_maint"], lang), level=2)
    doc.add_paragraph("{{ maintenance }}")
    doc.add_heading(d.pick(T["h_settle"], lang), level=2)
    doc.add_paragraph("{{ settlement }}")

    doc.add_heading(d.pick(T["h_signoff"], lang), level=1)
    doc.add_paragraph(d.pick(T["signoff_intro"], lang))
    rows = [(f"{{{{ l_{name} }}}}", "") for name in SIGNOFF_FIELDS]
    rows.append((d.pick(RETURN_TO, lang), ""))
    t = d.pairs(doc, rows)
    t.rows[3].height = Mm(24)
    doc.add_paragraph(d.pick(T["seal_intro"], lang))
    seal_block(doc, lang)
    finish(doc, lang)
    write_custom_properties(
        doc, {"changeflow.kind": "acceptance-template", "changeflow.lang": lang}
    )
    return doc
