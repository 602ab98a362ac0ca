"""Field labels of the task-book form, in both languages; the parser and the builder share
them so a label renamed here changes both."""

from __future__ import annotations

# field -> (zh-CN label, English label)
TASKBOOK_FIELDS: dict[str, tuple[str, str]] = {
    "project": ("项目名称", "Project name"),
    "client": ("委托单位", "Client"),
    "contact": ("联系人", "Contact person"),
    "phone": ("联系电话", "Phone"),
    "email": ("电子邮箱", "Email"),
    "requested_by": ("提出人", "Requested by"),
    "date": ("提出日期", "Date"),
    "kind": ("需求类型", "Request type"),
    "priority": ("优先级", "Priority"),
    "desired_date": ("期望完成日期", "Desired completion date"),
    "background": ("项目背景", "Background"),
}
REQUIREMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "no": ("序号", "No."),
    "text": ("需求描述", "Requirement"),
    "priority": ("优先级", "Priority"),
    "acceptance": ("验收标准", "Acceptance criterion"),
}
ATTACHMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "no": ("序号", "No."),
    "name": ("附件名称", "Attachment"),
}
TITLE = ("项目任务书", "Project Task Book")
HEADINGS = {
    "basic": ("基本信息", "Basic information"),
    "requirements": ("需求清单", "Requirements"),
    "attachments": ("附件清单", "Attachments"),
}
HINT = (
    "填写说明：请在各表格右侧或空行中填写；日期写作 2026年11月20日（或 2026-11-20）；"
    "需求类型填“开发”或“变更”；优先级填“高”“中”“低”。需求行不够时请在表格中插入行。"
    "填好后由提出部门负责人在文末签字、盖章。",
    "How to fill in: type into the empty cells; dates as 20 November 2026 or 2026-11-20;"
    " request type 'development' or 'change'; priority 'high', 'medium' or 'low'. Insert table"
    " rows for more requirements. The requesting department's head signs and stamps at the end.",
)
# the task book's own number and version (written by the client) and the requesting
# department's signature block
TASKBOOK_NUMBER = (
    "任务书编号：＿＿＿＿＿＿　　版本：＿＿＿＿",
    "Task book no.: ________   Version: ____",
)
TASKBOOK_SIGN_HEAD = ("提出部门签章", "Requesting department")
TASKBOOK_SIGN_ROWS = (
    ("部门负责人签字", "Head of department (signature)"),
    ("部门盖章", "Department seal"),
    ("日期", "Date"),
)

# The plan (实施计划和费用预算). Its approval section is a plain two-column table keyed by
# these labels: the client fills the right-hand cells; the approval step reads them back by
# label (a plain table survives a re-save in Word, WPS and LibreOffice).
PLAN_TITLE = ("实施计划和费用预算", "Implementation Plan and Cost Budget")
APPROVAL_FIELDS: dict[str, tuple[str, str]] = {
    "decision": ("决定（同意/不同意）", "Decision (approve/reject)"),
    "approver": ("审批人", "Approver"),
    "date": ("日期", "Date"),
    "comment": ("意见", "Comment"),
}
APPROVAL_VALUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # decision -> accepted spellings (zh-CN, en)
    "approve": (("同意",), ("approve", "approved")),
    "reject": (("不同意",), ("reject", "rejected")),
}

# The seal block (签章栏) of a deliverable both parties sign: the plan, the test report, the
# go-live record, the acceptance certificate (docs_templates/house.seal_block). The
# returned-document reader (tasks/signoff/labels.is_seal_block) knows it by these labels
# and masks what is written and stamped in it.
SEAL_CORNER = ("签章", "Sign-off")
SEAL_PARTIES: dict[str, tuple[str, str]] = {
    "client": ("甲方（委托单位）", "Client (Party A)"),
    "contractor": ("乙方（承建单位）", "Contractor (Party B)"),
}
SEAL_ROWS: dict[str, tuple[str, str]] = {
    "name": ("单位名称", "Company"),
    "sign": ("签字", "Signature"),
    "seal": ("盖章", "Seal"),
    "date": ("日期", "Date"),
}


# --- both parties (issue #30): our company (乙方) named beside the client -----------------
# A cover's client row (value ``{{ client }}``) is followed by this row (tables.pairs);
# the header's second line names both (house.header, wordkit.house_context).
CONTRACTOR_COVER = ("承建单位（乙方）", "Contractor")
HEADER_PARTIES = (
    "甲方：{client}　乙方：{contractor}",
    "Client: {client}　Contractor: {contractor}",
)
HEADER_CLIENT_ONLY = ("甲方：{client}", "Client: {client}")
