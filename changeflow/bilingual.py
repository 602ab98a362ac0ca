"""One bilingual kit for every layer: the language test, ``pick`` and the label tables a
person reads (states, phases, clocks, severities, outcomes).

A label is a pair ``(中文, English)``. A zh-CN installation shows the Chinese first; where
the house shows both (forms, artifacts, mails), ``both`` gives ``中文 English``. Code that
needs a language-specific word asks this module, never tests ``lang == "zh-CN"`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping

Pair = tuple[str, str]
ZH = "zh-CN"
EN = "en"
LANGS = (ZH, EN)


def is_zh(lang: str | None) -> bool:
    """True for a Chinese installation or document (the default language)."""
    return lang is None or lang == ZH or lang.lower().startswith("zh")


def pick(pair: Pair, lang: str | None) -> str:
    """The label of ``pair`` in ``lang``."""
    return pair[0] if is_zh(lang) else pair[1]


def both(pair: Pair, lang: str | None = ZH, sep: str = " ") -> str:
    """Both labels, the installation's language first (``签发 Issue`` / ``Issue 签发``)."""
    zh, en = pair
    if zh == en:
        return zh
    return f"{zh}{sep}{en}" if is_zh(lang) else f"{en}{sep}{zh}"


def label(table: Mapping[str, Pair], key: str, lang: str | None) -> str:
    """``key``'s label from ``table`` in ``lang``; an unknown key shows as itself."""
    pair = table.get(key)
    return pick(pair, lang) if pair else key


# --- the label tables a person reads ------------------------------------------------------

# the states of a request (development) and of a fault (maintenance)
REQUEST_STATES: dict[str, Pair] = {
    "submitted": ("已提交", "Submitted"),
    "planned": ("已计划", "Planned"),
    "rejected": ("未通过", "Rejected"),
    "approved": ("已批准", "Approved"),
    "in_development": ("开发中", "In development"),
    "in_testing": ("测试中", "In testing"),
    "live": ("已上线", "Live"),
    "accepted": ("已验收", "Accepted"),
    "on_hold": ("暂停", "On hold"),
    "cancelled": ("已取消", "Cancelled"),
    "reported": ("已报告", "Reported"),
    "responded": ("已响应", "Responded"),
    "on_site": ("已到场", "On site"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}
# the phases of a plan
PHASES: dict[str, Pair] = {
    "analysis": ("需求分析", "Analysis"),
    "development": ("设计开发", "Development"),
    "testing": ("测试", "Testing"),
    "golive": ("上线", "Go-live"),
    "acceptance": ("验收", "Acceptance"),
}
# a fault's severity
SEVERITIES: dict[str, Pair] = {
    "crash": ("系统崩溃", "crash"),
    "non_crash": ("非系统崩溃", "non-crash"),
}
# a fault's SLA clocks, and how each counts (keys: ``tasks.sla.ALWAYS`` ...)
CLOCKS: dict[str, Pair] = {
    "response": ("首次响应", "first response"),
    "onsite": ("到场", "on site"),
}
CLOCK_KINDS: dict[str, Pair] = {
    "always": ("全天计时", "around the clock"),
    "service": ("服务时间", "service hours"),
    "working-days": ("工作日全天", "around the clock on working days"),
}
# a clock's state and outcome (keys: ``tasks.sla.MET`` ...; "open" in a monthly statement)
CLOCK_STATES: dict[str, Pair] = {
    "met": ("达标", "met"),
    "breached": ("超时", "breached"),
    "at_risk": ("即将超时", "at risk"),
    "running": ("计时中", "running"),
    "paused": ("暂停", "paused"),
    "open": ("未结", "open"),
}
# the level of an SLA notice
NOTICE_LEVELS: dict[str, Pair] = {"warning": ("预警", "warning"), "breach": ("超时", "breach")}

# --- the board (看板): who a request waits for, its next step, its plan against today -------

# who the next step waits for
BOARD_WAITS: dict[str, Pair] = {
    "us": ("乙方", "us"),
    "client": ("甲方", "the client"),
    "none": ("无", "nobody"),
}
# the next step of a request in each state (``tasks.board.steps`` adds the deployment)
BOARD_NEXT: dict[str, Pair] = {
    "plan": ("编制实施计划和费用预算", "make the implementation plan and cost budget"),
    "issue-plan": ("签发并发送实施计划", "issue the plan and send it to the client"),
    "approve-plan": ("审批实施计划（回签）", "approve the plan (sign it and return it)"),
    "replan": ("按甲方意见修改计划", "revise the plan as the client asked"),
    "kickoff": ("开工（建分支、通知团队）", "kick off (branch, team mail)"),
    "develop": ("开发并测试", "develop, then test"),
    "golive": ("上线", "go live"),
    "issue-acceptance": ("签发验收单", "issue the acceptance certificate"),
    "accept": ("验收（回签验收单）", "accept (sign the certificate and return it)"),
    "resume": ("恢复暂停的工作", "resume the work on hold"),
    "respond": ("首次响应", "first response"),
    "onsite": ("工程师到场", "engineer on site"),
    "resolve": ("解决故障", "resolve the fault"),
    "close": ("关闭故障", "close the fault"),
    "done": ("无（已完成）", "nothing (done)"),
    "assign-service": ("指派工程师", "assign an engineer"),
    "do-service": ("处理并登记完成", "do the work and record it done"),
    "confirm-service": ("申请人确认", "the requester confirms"),
}
# where a hand-in came from
BOARD_CHANNELS: dict[str, Pair] = {
    "hand-in": ("交回页面", "hand-in page"),
    "inbox": ("收件箱", "inbox"),
    "mailbox": ("邮箱", "mailbox"),
}
# the plan's dates against today
BOARD_SCHEDULE: dict[str, Pair] = {
    "late": ("逾期", "late"),
    "on_time": ("按期", "on time"),
    "no_plan": ("尚无计划", "no plan yet"),
}
# the board's headings and column names
BOARD_WORDS: dict[str, Pair] = {
    "title": ("看板", "Board"),
    "as_of": ("截至", "as of"),
    "contract": ("合同", "Contract"),
    "requests": ("进行中的需求", "Open requests"),
    "faults": ("未关闭的故障", "Open faults"),
    "done": ("最近完成", "Recently done"),
    "key": ("编号", "Key"),
    "name": ("名称", "Title"),
    "state": ("状态", "State"),
    "next": ("下一步", "Next"),
    "waits": ("等待", "Waits for"),
    "since": ("自", "since"),
    "plan": ("计划", "Plan"),
    "money": ("费用", "Money"),
    "docs": ("文档", "Documents"),
    "clocks": ("时限", "Clocks"),
    "severity": ("级别", "Severity"),
    "days": ("服务天数", "Service days"),
    "bought": ("购买", "bought"),
    "used": ("已用", "used"),
    "left": ("剩余", "left"),
    "planned": ("已批准未完成", "approved, not done"),
    "awaiting": ("已完成待签", "done, not signed"),
    "fee": ("年费", "Annual fee"),
    "invoiced": ("已开票", "invoiced"),
    "paid": ("已收款", "paid"),
    "outstanding": ("未收", "outstanding"),
    "overdue": ("逾期未收", "overdue"),
    "budget": ("预算", "budget"),
    "approved": ("已批准", "approved"),
    "billed": ("另行计费", "billed beyond the fee"),
    "covered": ("年费覆盖", "covered by the fee"),
    "left_time": ("剩余", "left"),
    "over_by": ("已超", "over by"),
    "none": ("无", "none"),
    "days_unit": ("天", "days"),
    "person_days": ("人日", "person-days"),
    "ends": ("计划完成", "plan ends"),
    "phase_due": ("本阶段截止", "phase due"),
    "handin": ("交回", "Handed in"),
    "channel": ("途径", "Channel"),
    "decision": ("决定", "Decision"),
    "by": ("签署人", "Signed by"),
    "comment": ("甲方意见", "Client's comment"),
    "recorded": ("登记", "Recorded"),
    "approve": ("批准", "approved"),
    "reject": ("不批准", "not approved"),
    "intake": ("任务书已录入", "task book taken in"),
    "services": ("未完结的服务请求", "Open service requests"),
    "category": ("类别", "Category"),
    "requester": ("申请人", "Requested by"),
    "response_due": ("响应时限", "Response due"),
    "urgent": ("紧急", "urgent"),
    "oa_manual": ("使用手册（现行版）", "OA manual (current)"),
}

# --- probes that watch the client's systems (tasks/probes) -------------------------------
# the client's system a probe watches
PROBE_SYSTEMS: dict[str, Pair] = {
    "oa": ("OA 系统", "OA application"),
    "database": ("数据库", "database"),
    "mail": ("邮件服务器", "mail server"),
    "storage": ("文件存储", "file storage"),
    "backup": ("备份", "backup"),
}
# what a failing probe of each kind means (the fault's title)
PROBE_PROBLEMS: dict[str, Pair] = {
    "http": ("无响应", "not answering"),
    "tls": ("证书即将到期", "certificate about to expire"),
    "smtp": ("SMTP 服务无响应", "SMTP not answering"),
    "imap": ("IMAP 服务无响应", "IMAP not answering"),
    "db": ("连接或查询失败", "connection or query failing"),  # after the system's name
    "backup-dir": ("备份文件过期", "backup files out of date"),
    "backup-log": ("备份超期未做", "backup overdue"),
    "restore-log": ("恢复测试超期未做", "restore test overdue"),
}
PROBE_NOTICES: dict[str, Pair] = {"down": ("故障", "down"), "recovered": ("恢复", "recovered")}

# --- the maintenance plan (日常维护服务计划, tasks.maintplan) --------------------------------
# the kinds of the client's systems a plan looks after
PLAN_SYSTEM_KINDS: dict[str, Pair] = {
    "application": ("OA 应用系统", "OA application"),
    "database": ("数据库", "Database"),
    "mail": ("邮件服务器", "Mail server"),
    "storage": ("文件存储", "File storage"),
    "backup": ("备份目标", "Backup target"),
}
# how often a check is done
CHECK_FREQUENCIES: dict[str, Pair] = {
    "visit": ("每次上门", "every visit"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
}
# the catalogue of checks
CHECK_KINDS: dict[str, Pair] = {
    "service": ("服务运行状态", "Service status"),
    "disk": ("磁盘空间", "Disk space"),
    "logs": ("日志空间与错误日志", "Log space and error logs"),
    "db-health": ("数据库运行状况", "Database health"),
    "db-size": ("数据库容量", "Database size"),
    "mail-queue": ("邮件队列", "Mail queue"),
    "backup": ("备份是否成功", "Backup success"),
    "restore-test": ("备份恢复测试", "Restore test"),
    "security-updates": ("安全更新", "Security updates"),
    "accounts": ("用户账号审查", "Accounts review"),
    "certificate": ("证书有效期", "Certificate expiry"),
}
# a check's result
CHECK_RESULTS: dict[str, Pair] = {"normal": ("正常", "normal"), "abnormal": ("异常", "abnormal")}
# the fault classes the contract names, for the emergency measures
EMERGENCY_CLASSES: dict[str, Pair] = {
    "server-crash": ("服务器崩溃", "Server crash"),
    "database-damage": ("数据库损坏", "Database damage"),
    "mail-fault": ("邮件服务器故障", "Mail server fault"),
}
# a person's roles as a contact list shows them
PERSON_ROLES: dict[str, Pair] = {
    "project_lead": ("项目负责人", "project lead"),
    "analyst": ("需求分析", "analyst"),
    "developer": ("开发", "developer"),
    "tester": ("测试", "tester"),
    "engineer": ("维护工程师", "maintenance engineer"),
    "it_admin": ("信息管理员", "IT administrator"),
}

# --- desk: Chinese first on the lead's desk (issue 33) ---------------------------------------

# the steps a lead runs, in the order of a request's and a fault's life: the Chinese label a
# next-step line and a run page show for a deployment, then its name (``flows/deployments.py``)
# as the lead finds it in the UI
STEPS: dict[str, Pair] = {
    "contract": ("合同", "contract"),
    "repo-add": ("登记代码库", "repo-add"),
    "intake": ("录入任务书", "intake"),
    "plan": ("编制计划", "plan"),
    "plan-batch": ("批量编制计划", "plan-batch"),
    "record-decision": ("登记客户决定", "record-decision"),
    "inbox": ("收件箱", "inbox"),
    "mailbox": ("项目邮箱", "mailbox"),
    "client-followup": ("催办甲方", "client-followup"),
    "deemed-acceptance": ("视同验收", "deemed-acceptance"),
    "kickoff": ("开工", "kickoff"),
    "sync": ("同步提交", "sync"),
    "test": ("测试", "test"),
    "docs": ("技术文档和用户手册", "docs"),
    "golive": ("上线", "golive"),
    "acceptance": ("签发验收单", "acceptance"),
    "fault": ("报告故障", "fault"),
    "respond": ("首次响应", "respond"),
    "onsite": ("到场", "onsite"),
    "resolve": ("解决", "resolve"),
    "close": ("关闭故障", "close"),
    "pause": ("暂停计时", "pause"),
    "resume": ("恢复计时", "resume"),
    "dispatch-create": ("生成派工单", "dispatch-create"),
    "dispatch-done": ("派工单完成", "dispatch-done"),
    "run-log-add": ("运行日志", "run-log-add"),
    "sla-watch": ("时限检查", "sla-watch"),
    "dispatch": ("每周派工", "dispatch"),
    "run-log-reminder": ("运行日志提醒", "run-log-reminder"),
    "sla-report": ("服务时限月报", "sla-report"),
    "payment": ("收款登记", "payment"),
    "invoice": ("开票登记", "invoice"),
    "fee-reminder": ("年费提醒", "fee-reminder"),
    "settlement": ("年度结算", "settlement"),
    "backup": ("备份", "backup"),
    "weekly-report": ("项目周报", "weekly-report"),
    "board": ("看板", "board"),
    "hand-in": ("交回文档", "hand-in"),
    "maintplan-check": ("巡检登记", "maintplan-check"),
    "probe-round": ("系统探测", "probe-round"),
    "oa-backup": ("系统备份登记", "oa-backup"),
    "training-plan": ("培训计划", "training-plan"),
    "training-record": ("培训签到登记", "training-record"),
    "oa-manual-merge": ("更新使用手册", "oa-manual-merge"),
    "upgrade-plan": ("升级方案", "upgrade-plan"),
    "service-request": ("服务请求", "service-request"),
    "service-step": ("服务请求处理", "service-step"),
    "service-confirm": ("服务请求确认", "service-confirm"),
}
# what a client's decision, a hand-in or a mailbox/inbox item came to
OUTCOMES: dict[str, Pair] = {
    "approved": ("已批准", "approved"),
    "rejected": ("未通过", "rejected"),
    "accepted": ("已验收", "accepted"),
    "decision": ("已登记决定", "decision recorded"),
    "refused": ("已拒收", "refused"),
    "taskbook": ("任务书已入库", "task book taken in"),
    "task_book": ("任务书已入库", "task book taken in"),
    "intake": ("任务书已入库", "task book taken in"),
    "recorded": ("已登记", "recorded"),
    "duplicate": ("重复，已忽略", "duplicate, ignored"),
    "service": ("服务请求已受理", "service request received"),
    "confirmed": ("申请人已确认", "confirmed by the requester"),
    "skipped": ("已跳过", "skipped"),
    "filed": ("已归档", "filed"),
    "sent": ("已发送", "sent"),
    "failed": ("失败", "failed"),
    "not_sent": ("未发送", "not sent"),
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "passed": ("通过", "passed"),
    "draft": ("草稿", "draft"),
    "issued": ("已签发", "issued"),
    "agreed": ("已确认", "agreed"),
    "disputed": ("有异议", "disputed"),
}


def both_label(table: Mapping[str, Pair], key: object, lang: str | None = ZH) -> str:
    """``key``'s label from ``table``, both languages (``开发中 In development``); an empty
    key is empty, an unknown one shows as itself."""
    text = "" if key is None else str(key)
    pair = table.get(text)
    return both(pair, lang) if pair else text


def state_label(state: object, lang: str | None = ZH) -> str:
    """A request's or fault's state (or a document's: ``已确认 agreed``) for a person:
    ``已批准 Approved``."""
    text = "" if state is None else str(state)
    return both_label(REQUEST_STATES if text in REQUEST_STATES else OUTCOMES, text, lang)


def phase_label(phase: object, lang: str | None = ZH) -> str:
    """A plan phase for a person: ``设计开发 Development``."""
    return both_label(PHASES, phase, lang)


def clock_state_label(status: object, lang: str | None = ZH) -> str:
    """An SLA clock's state for a person: ``超时 breached``."""
    return both_label(CLOCK_STATES, status, lang)


def outcome_label(outcome: object, lang: str | None = ZH) -> str:
    """What an item came to for a person: ``已拒收 refused``."""
    return both_label(OUTCOMES, outcome, lang)


def step_label(deployment: str, lang: str | None = ZH) -> str:
    """A deployment as a lead reads it: ``编制计划 plan``."""
    return both_label(STEPS, deployment, lang)


# the intro a form shows above its fields (keyed by the form model's name; the model's
# docstring stays for developers)
FORM_INTROS: dict[str, Pair] = {
    "TaskBook": (
        "客户的项目任务书：填写后需求进入“已提交”。",
        "A client's project task book: the request starts as submitted.",
    ),
    "RequirementIn": (
        "一条需求：内容、优先级、客户如何验收。",
        "One requirement: what, how urgent, how the client will accept it.",
    ),
    "PlanInput": (
        "编制实施计划和费用预算：先出草稿，审核后勾选签发。",
        "Draft the plan and budget; tick Issue once reviewed.",
    ),
    "EstimateRow": ("一项工作量估算（表格的一行）。", "One work item of the estimate."),
    "PlanBatchInput": (
        "批量编制计划：留空为所有“已提交”的请求。",
        "Draft many plans at once; empty: every submitted request.",
    ),
    "DecisionInput": (
        "登记客户的决定（电话、邮件或盖章文件）。",
        "What the client decided, by phone, mail or on paper.",
    ),
    "SyncInput": (
        "同步客户代码库的提交；留空为所有代码库。",
        "Sync the client repositories' commits; empty: every repository.",
    ),
    "FaultInput": (
        "故障报告：提交后首次响应和到场计时开始。",
        "The fault report: both clocks start.",
    ),
    "PaymentInput": ("收款登记：客户的一笔付款。", "A payment the client made."),
    "InvoiceInput": ("开票登记：我方开具的一张发票。", "An invoice we issued."),
    "WeeklyInput": (
        "项目周报：生成本周周报，勾选发送才发给甲方。",
        "The weekly report; mailed only with Send ticked.",
    ),
    "TestInput": (
        "测试：在发布提交上运行测试命令，或登记 JUnit 结果文件；生成测试报告。",
        "Run the project's tests at the release commit, or record JUnit files.",
    ),
    "ManualResult": ("一条手工测试用例的结果。", "The result of one manual test case."),
    "DocsInput": (
        "技术文档和用户手册：设计说明和截图。",
        "Design notes and screenshots for the technical document and manual.",
    ),
    "InstallRecord": (
        "上线记录：环境检查、备份、步骤、访问测试。",
        "The go-live record: environment, backup, steps, access test.",
    ),
}

# --- service requests (服务请求, tasks/servicereq) ----------------------------------------
SERVICE_CATEGORIES: dict[str, Pair] = {
    "account": ("账号权限", "account/permission"),
    "data": ("数据维护", "data fix"),
    "form": ("表单流程调整", "form/workflow"),
    "howto": ("使用咨询", "how-to question"),
    "other": ("其他", "other"),
}
SERVICE_STATES: dict[str, Pair] = {
    "received": ("已受理", "received"),
    "assigned": ("已指派", "assigned"),
    "in_progress": ("处理中", "in progress"),
    "done": ("已完成，待确认", "done, to be confirmed"),
    "confirmed": ("已确认", "confirmed"),
    "cancelled": ("已取消", "cancelled"),
}

# --- hand-in runs: a service request form, the OA manual after an acceptance -------------
HANDIN_WORDS: dict[str, Pair] = {
    "service": ("受理服务请求", "Service request received"),
    "confirmed": ("确认服务请求", "Service request confirmed"),
    "form": ("服务请求单", "service request form"),
    "manual": ("OA 使用手册", "OA manual"),
    "merged": ("已并入第 {v} 版", "merged into version {v}"),
    "not_merged": (
        "未并入（无使用手册章节，或并入失败：changeflow manual merge）",
        "not merged (no manual chapters, or the merge failed: changeflow manual merge)",
    ),
}

# --- the client's service request form (服务请求单, docs_templates/tpl_servicereq.py) -------
# field -> (the row's label in the form, 中文, English); the reader finds a row by either
SERVICE_FORM_FIELDS: dict[str, Pair] = {
    "contract": ("服务合同", "Contract"),
    "category": ("类别", "Category"),
    "title": ("事项", "What is asked"),
    "description": ("详细描述", "Description"),
    "requester": ("申请人", "Requested by"),
    "department": ("部门", "Department"),
    "urgent": ("是否紧急", "Urgent"),
    "account": ("账号", "Account"),
    "change": ("变更内容", "What changes"),
    "authorised_by": ("授权人", "Authorised by"),
}
# the form's fields for an account/permission change (its second table)
SERVICE_FORM_PERMISSION = ("account", "change", "authorised_by")

# --- what became of a mail (tasks.mail ``MailResult.status``), on a run's card -------------
MAIL_STATUSES: dict[str, Pair] = {
    "sent": ("已发送", "sent"),
    "already-sent": ("已发送过，未重发", "sent before, not again"),
    "not-set-up": ("邮件未配置", "mail not set up"),
    "failed": ("发送失败", "failed"),
}

# What a table cell of a client document says when there is nothing to record (never a
# dash: a dash reads as a value left out)
NOTHING: Pair = ("无", "none")
