"""Every flow a project lead can run, in one list: the source of ``prefect.yaml`` and of
``changeflow up``.

Adding a flow to the UI is one line in ``DEPLOYMENTS``; then regenerate ``prefect.yaml`` with
``python -m changeflow.flows.deployments --write`` (a test fails while they differ).

Entrypoints are paths relative to the folder holding ``flows/`` (the checkout), and the pull
step moves a flow run into ``$CHANGEFLOW_ROOT`` on the machine running it, so neither this list
nor ``prefect.yaml`` holds an absolute path: any checkout on any worker machine works.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from . import (
    approval,
    board,
    delivery,
    intake,
    mail,
    maintenance,
    maintplan,
    money,
    ops,
    plan,
    probes,
    servicereq,
    steps,
    sync,
    training,
    weekly,
)

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment

TZ = "Asia/Shanghai"
WORK_POOL = "changeflow"
ROOT_ENV = "CHANGEFLOW_ROOT"
ROOT = Path(__file__).resolve().parent.parent  # the folder holding flows/
PREFECT_YAML = ROOT / "prefect.yaml"
PULL_STEPS: list[dict[str, Any]] = [
    {
        "prefect.deployments.steps.set_working_directory": {
            "directory": "{{ $" + ROOT_ENV + " }}",
        }
    }
]


@dataclass(frozen=True)
class Every:
    """A schedule in Shanghai time: a cron line, or an interval in seconds."""

    cron: str | None = None
    seconds: int | None = None

    def as_yaml(self) -> dict[str, Any]:
        if self.cron:
            return {"cron": self.cron, "timezone": TZ}
        return {"interval": self.seconds, "timezone": TZ}

    def as_prefect(self) -> Any:
        from prefect.schedules import Cron, Interval

        return Cron(self.cron, timezone=TZ) if self.cron else Interval(self.seconds, timezone=TZ)


@dataclass(frozen=True)
class Deployment:
    """One flow as a deployment."""

    flow: Flow[..., Any]
    name: str
    description: str
    schedule: Every | None = None
    titles: dict[str, str] = field(default_factory=dict)  # form labels the flow lacks

    @property
    def ui_name(self) -> str:
        """The deployment's name in the UI: its number in a lead's day, the Chinese label,
        then the short name (``03 录入任务书 intake``), so the A-Z list reads in the order of
        a request's and a fault's life and a Chinese lead finds the step by its word."""
        from changeflow.bilingual import STEPS

        no = ORDER.get(self.name)
        zh = STEPS.get(self.name, ("", ""))[0]
        return " ".join(p for p in (f"{no:02d}" if no else "", zh, self.name) if p)

    @property
    def ref(self) -> str:
        """``module:function``, e.g. ``changeflow.flows.intake:intake``."""
        return f"{self.flow.fn.__module__}:{self.flow.fn.__name__}"

    @property
    def entrypoint(self) -> str:
        """File entrypoint relative to the checkout, e.g. ``flows/intake.py:intake``."""
        module, func = self.ref.split(":")
        rel = module.removeprefix("changeflow.").replace(".", "/")
        return f"{rel}.py:{func}"


# The order a lead meets the steps in (the UI lists deployments A-Z: the number sorts them):
# a request from the contract to acceptance, what comes back from the client, faults and
# the service's routine, money, the machine. Numbers leave gaps for steps to come.
ORDER: dict[str, int] = {
    "contract": 1, "repo-add": 2, "intake": 3, "plan": 4, "plan-batch": 5,
    "record-decision": 6, "kickoff": 7, "sync": 8, "test": 9, "docs": 10, "golive": 11,
    "acceptance": 12, "deemed-acceptance": 13, "inbox": 14, "mailbox": 15,
    "client-followup": 16, "weekly-report": 17,
    "board": 18, "hand-in": 19,
    "fault": 20, "respond": 21, "onsite": 22, "resolve": 23, "close": 24, "pause": 25,
    "resume": 26, "sla-watch": 27, "dispatch-create": 28, "dispatch-done": 29, "dispatch": 30,
    "run-log-add": 31, "run-log-reminder": 32, "sla-report": 33, "maintplan-check": 34,
    "probe-round": 35, "oa-backup": 36, "training-plan": 37, "training-record": 38,
    "oa-manual-merge": 39, "upgrade-plan": 44, "service-request": 45, "service-step": 46,
    "service-confirm": 47,
    "payment": 40, "invoice": 41, "fee-reminder": 42, "settlement": 43,
    "backup": 50,
}  # fmt: skip

# Schedules the lead asked for (Shanghai time); service hours are 09:00-17:30 Mon-Fri.
EVERY_FIVE_MINUTES = Every(seconds=300)  # inbox, sla-watch
HOURLY_IN_SERVICE_HOURS = Every(cron="0 9-17 * * 1-5")  # sync
FRIDAY_AFTERNOON = Every(cron="0 15 * * 5")  # weekly-report
MONDAY_MORNING = Every(cron="30 8 * * 1")  # dispatch
NIGHTLY = Every(cron="30 2 * * *")  # backup
FIVE_MINUTES_IN_SERVICE_HOURS = Every(cron="*/5 9-17 * * 1-5")  # mailbox
WORKING_MORNINGS = Every(cron="30 9 * * 1-5")  # client-followup

# (flow, deployment name, what a lead reads in the UI, schedule)
DEPLOYMENTS: tuple[Deployment, ...] = (
    Deployment(
        steps.contract,
        "contract",
        "合同：粘贴 YAML 新建或更新客户、人员、合同（含代码库 repo:）。 Create or update the"
        " clients, people and contracts from YAML text, the repository included.",
    ),
    Deployment(
        steps.repo_add,
        "repo-add",
        "登记客户代码库，供同步提交使用。 Register a client repository for the git sync.",
    ),
    Deployment(
        intake.intake,
        "intake",
        "录入项目任务书，需求进入“已提交”。 Take in a client's task book: the request starts "
        "in 'submitted'.",
        titles={"taskbook": "项目任务书 Task book"},
    ),
    Deployment(
        plan.plan,
        "plan",
        "编制实施计划和费用预算（新版本及其 Word 文档）。 Make the next version of a request's "
        "implementation plan and cost budget, with its Word document.",
        titles={"request": "计划内容 Plan request"},
    ),
    Deployment(
        plan.plan_batch,
        "plan-batch",
        "批量编制计划：所有“已提交”的请求（或所列编号）各出一版计划和 Word 文档。 Draft the "
        "plans of every request still in 'submitted' (or of the keys given), each with its "
        "Word document.",
        titles={"batch": "批量内容 Batch"},
    ),
    Deployment(
        approval.record_decision,
        "record-decision",
        "登记客户的审批决定（电话、邮件或盖章扫描件）。 Record a client's decision given by "
        "phone, mail or on paper.",
        titles={"decision": "客户决定 Client decision"},
    ),
    Deployment(
        approval.inbox,
        "inbox",
        "处理收件箱：任务书入库、回签文件登记审批、其余拒收并说明原因。 Take in every file a "
        "client sent: task books, returned documents; refuse the rest with a reason.",
        EVERY_FIVE_MINUTES,
    ),
    Deployment(
        mail.mailbox,
        "mailbox",
        "读取项目邮箱：回复邮件的附件经收件箱同样的检查登记（任务书入库、回签文件登记决定），邮件归档并回信。"
        " Read the project's mailbox: each reply's attachment through the inbox's checks, the"
        " mail filed and the sender answered.",
        FIVE_MINUTES_IN_SERVICE_HOURS,
    ),
    Deployment(
        mail.client_followup,
        "client-followup",
        "等待甲方：未回复的计划或验收单提醒一次（通知我方负责人），重发失败邮件，列出按合同视同验收的请求。"
        " Waiting for the client: one reminder, failed mails again, deemed acceptances due.",
        WORKING_MORNINGS,
    ),
    Deployment(
        mail.deemed_acceptance,
        "deemed-acceptance",
        "按合同“逾期视同验收”条款登记验收（发出日期和提醒为证据）。 Record an acceptance deemed"
        " given by the contract's clause, with the dates and the reminder as evidence.",
    ),
    Deployment(
        approval.kickoff,
        "kickoff",
        "已批准的需求开工：建分支 cr/<编号>、冻结日期、通知团队。 Start development of an "
        "approved request: branch, frozen dates, team mail.",
    ),
    Deployment(
        sync.sync,
        "sync",
        "同步客户代码库的提交，关联到需求并汇总开发进度。 Sync the client repositories' commits, "
        "link them to requests and publish development progress.",
        HOURLY_IN_SERVICE_HOURS,
        titles={"params": "同步选项 Sync options"},
    ),
    Deployment(
        maintenance.fault,
        "fault",
        "报告故障（系统崩溃/非崩溃），开始首次响应和到场计时。 Report a fault; both response "
        "clocks start.",
        titles={"report": "故障报告 Fault report"},
    ),
    Deployment(
        maintenance.respond,
        "respond",
        "故障首次响应（电话/远程/现场），响应计时停止。 First response to a fault.",
    ),
    Deployment(
        maintenance.onsite,
        "onsite",
        "工程师到场，到场计时停止。 The engineer arrived on site.",
    ),
    Deployment(
        maintenance.resolve,
        "resolve",
        "故障已解决。 The fault is resolved.",
    ),
    Deployment(
        maintenance.close,
        "close",
        "关闭已解决的故障。 Close a resolved fault.",
    ),
    Deployment(
        maintenance.pause,
        "pause",
        "等待客户时暂停计时。 Pause the clocks while waiting for the client.",
    ),
    Deployment(
        maintenance.resume,
        "resume",
        "恢复计时（截止时间顺延）。 Resume the clocks; due times move on.",
    ),
    Deployment(
        servicereq.service_request,
        "service-request",
        "受理服务请求（账号权限、数据维护、表单流程调整、使用咨询、其他），开始响应计时。"
        " Receive a service request; its response clock starts.",
        titles={"request": "服务请求 Service request"},
    ),
    Deployment(
        servicereq.service_step,
        "service-step",
        "服务请求：指派工程师、登记工时、完成。 Assign, record worked time, mark done.",
    ),
    Deployment(
        servicereq.service_confirm,
        "service-confirm",
        "申请人确认服务请求已完成，工时计入服务天数。 The requester confirms; the time counts.",
    ),
    Deployment(
        steps.dispatch_create,
        "dispatch-create",
        "生成派工单（远程/紧急/变更/上门）及其签字文档。 A dispatch order with its document.",
    ),
    Deployment(
        steps.dispatch_done,
        "dispatch-done",
        "登记派工单的实际工作时间。 Record when a dispatch order's work was done.",
    ),
    Deployment(
        training.training_plan,
        "training-plan",
        "计划一次培训并生成培训签到表。 Plan a training session with its sign-in sheet.",
        titles={"session": "培训计划 Training session"},
    ),
    Deployment(
        training.training_record,
        "training-record",
        "按纸质签到表登记培训的参训人员和反馈（回签的 Word 签到表经收件箱登记）。 Record a"
        " session held from its paper sheet (a returned Word sheet comes in through the inbox).",
    ),
    Deployment(
        training.upgrade_plan,
        "upgrade-plan",
        "服务器或 OA 平台的安装/升级方案（环境检查、步骤、回退、访问测试、停机窗口），供甲方审批。"
        " An install or upgrade plan for the client's approval.",
        titles={"upgrade": "升级方案 Upgrade plan"},
    ),
    Deployment(
        training.oa_manual_merge,
        "oa-manual-merge",
        "把已验收请求的手册章节并入 OA 系统使用手册的新版本。 Merge the accepted requests'"
        " manual chapters into the OA manual's next version.",
    ),
    Deployment(
        steps.run_log_add,
        "run-log-add",
        "填写某服务日的运行日志。 The run log of one service day.",
    ),
    Deployment(
        maintplan.maintplan_check,
        "maintplan-check",
        "登记上门巡检某项的结果（正常/异常、读数、说明），异常即开故障。 Record one check's result"
        " on a visit; an abnormal one opens a fault.",
        titles={"entry": "巡检结果 Check result"},
    ),
    Deployment(
        maintenance.sla_watch,
        "sla-watch",
        "每 5 分钟检查响应时限：到 80% 预警、超时通知值班人员，各一次。 Warn the duty staff "
        "at 80% of a clock and at the breach, once each.",
        EVERY_FIVE_MINUTES,
    ),
    Deployment(
        probes.probe_round,
        "probe-round",
        "每 5 分钟探测客户系统（OA、证书、邮件、数据库、备份）：连续失败开故障单并通知值班人员"
        "一次，恢复时记入故障单。 Every 5 minutes, probe the client's systems; N failures in a "
        "row open a fault and tell the duty staff once; the recovery is noted on the fault.",
        EVERY_FIVE_MINUTES,
    ),
    Deployment(
        probes.oa_backup,
        "oa-backup",
        "登记客户 OA 系统的一次备份或恢复测试（内容、位置、时间、核验人、恢复用时）。 Record a "
        "backup of the client's OA system or a restore test of one.",
        titles={"entry": "OA 系统备份 OA backup"},
    ),
    Deployment(
        maintenance.dispatch,
        "dispatch",
        "按合同生成每周固定上门服务的派工单。 Dispatch orders for each contract's weekly fixed "
        "on-site visit.",
        MONDAY_MORNING,
    ),
    Deployment(
        maintenance.run_log_reminder,
        "run-log-reminder",
        "提醒未填写运行日志的工作日。 Remind the duty staff of working days without a run log.",
        Every(cron="0 18 * * 1-5"),
    ),
    Deployment(
        maintenance.sla_report,
        "sla-report",
        "SLA 月报：达标率、平均与最长响应时间、超时及原因。 Monthly SLA report: met %, average "
        "and worst times, breaches with causes.",
        Every(cron="0 9 1 * *"),
    ),
    Deployment(
        money.payment,
        "payment",
        "收款登记：日期、金额、方式（支票及支票号、现金、转账）。 Record a payment the client made:"
        " date, amount, cheque with its number, cash or bank transfer.",
        titles={"payment": "收款 Payment"},
    ),
    Deployment(
        money.invoice,
        "invoice",
        "开票登记：发票号、日期、金额。 Record an invoice we issued: number, date, amount.",
        titles={"invoice": "发票 Invoice"},
    ),
    Deployment(
        money.fee_reminder,
        "fee-reminder",
        "年费到期提醒：到期前及逾期时提醒我方项目负责人，各一次。 Remind our project lead before"
        " an instalment of the annual fee falls due and when it is overdue, once each.",
        WORKING_MORNINGS,
    ),
    Deployment(
        money.settlement,
        "settlement",
        "年度服务结算单：费用、服务天数、故障时限、项目开发、续约日期；合同年度最后一个月自动生成，"
        "也可随时生成。 The year's settlement for the client to confirm: made in the contract"
        " year's last month, and on demand.",
        Every(cron="0 9 20 * *"),
    ),
    Deployment(
        ops.backup,
        "backup",
        "灾难恢复备份：数据库与文档库，按保留份数清理。 Nightly disaster-recovery backup of the "
        "database and document store, with retention.",
        NIGHTLY,
    ),
    Deployment(
        weekly.weekly_report,
        "weekly-report",
        "项目周报：每天 15:00 触发，仅在报告日（周五，节假日顺延至本周最后一个工作日）生成并发给"
        "甲方项目负责人。 Weekly report to the client's project lead: triggered daily at 15:00,"
        " made and mailed only on the week's report day.",
        Every(cron="0 15 * * *"),  # not FRIDAY_AFTERNOON: a Friday off moves the report earlier
        titles={"params": "周报选项 Weekly report options"},
    ),
    Deployment(
        delivery.test,
        "test",
        "测试：在发布提交的干净工作区运行项目测试（或登记 JUnit 结果），生成测试报告。 Run the"
        " project's tests at the release commit (or record JUnit files); write the test report.",
        titles={"request": "测试内容 Test request"},
    ),
    Deployment(
        delivery.docs,
        "docs",
        "生成技术文档和用户手册（设计说明 Markdown、变更模块、截图）。 Make the technical document"
        " and the user manual (Markdown design notes, modules changed, screenshots).",
        titles={"request": "文档内容 Documents"},
    ),
    Deployment(
        delivery.golive,
        "golive",
        "上线：在测试通过的提交上打标签 release/<编号>-v<n>，生成上线记录。 Go live: tag the tested"
        " commit release/<key>-v<n> and write the go-live record.",
        titles={"request": "上线内容 Go-live"},
    ),
    Deployment(
        delivery.acceptance,
        "acceptance",
        "签发验收单（交付物与版本、签署表）；回签文件经收件箱登记。 Issue the acceptance"
        " certificate; the client's returned copy is recorded from the inbox.",
        titles={"request": "验收单 Acceptance certificate"},
    ),
    Deployment(
        board.board,
        "board",
        "看板：所有进行中的需求和故障的状态、下一步、等待谁、计划进度、时限、服务天数与费用、文档链接；"
        "每步结束和每次交回自动刷新，每小时一次，也可随时运行。 The board: every open request and"
        " fault with its state, next step and who it waits for; refreshed by every step and"
        " hand-in, hourly and on demand.",
        Every(cron="0 * * * *"),
    ),
    Deployment(
        board.hand_in,
        "hand-in",
        "交回记录：交回页面、收件箱和邮箱每登记一份回签文件或任务书即自动运行一次，运行名写明登记了什么；"
        "也可按编号查看最近一次交回。 What a hand-in recorded, as a run named for it (run by the"
        " hand-in page, the inbox and the mailbox; by hand: a request's latest hand-in).",
    ),
)


def by_name() -> dict[str, Deployment]:
    return {d.name: d for d in DEPLOYMENTS}


def deployment_ref(name: str) -> str:
    """``flow/deployment`` as Prefect names it, for ``run_deployment`` and the API
    (``deployment_ref("intake")`` -> ``intake/03 录入任务书 intake``)."""
    d = by_name()[name]
    return f"{d.flow.name}/{d.ui_name}"


def prefect_yaml_data() -> dict[str, Any]:
    """``prefect.yaml`` as data: a process work pool and a portable pull step."""
    import prefect

    deployments = []
    for d in DEPLOYMENTS:
        item: dict[str, Any] = {
            "name": d.ui_name,
            "entrypoint": d.entrypoint,
            "description": d.description,
            "tags": ["changeflow"],
            "work_pool": {"name": WORK_POOL},
            "schedules": [d.schedule.as_yaml()] if d.schedule else [],
            "enforce_parameter_schema": ENFORCE_PARAMETER_SCHEMA,
        }
        deployments.append(item)
    return {
        "name": "changeflow",
        "prefect-version": prefect.__version__,
        "build": None,
        "push": None,
        "pull": PULL_STEPS,
        "deployments": deployments,
    }


HEADER = """\
# Generated from flows/deployments.py: python -m changeflow.flows.deployments --write
# Work pool: prefect work-pool create changeflow --type process (changeflow up --worker does it)
# Each worker machine sets CHANGEFLOW_ROOT to its checkout (the folder holding flows/).
"""


def render_prefect_yaml() -> str:
    import yaml

    data = prefect_yaml_data()
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


def prefect_yaml_problems(path: Path = PREFECT_YAML) -> list[str]:
    """What differs between ``prefect.yaml`` and this list (empty when they agree)."""
    import yaml

    if not path.is_file():
        return [f"{path}: missing; run python -m changeflow.flows.deployments --write"]
    on_disk = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    wanted = prefect_yaml_data()
    problems = []
    for key in ("pull", "build", "push"):
        if on_disk.get(key) != wanted[key]:
            problems.append(f"{path}: '{key}' differs from flows/deployments.py")
    have = {d.get("name"): d for d in on_disk.get("deployments") or []}
    want = {d["name"]: d for d in wanted["deployments"]}
    for name in sorted(want.keys() - have.keys()):
        problems.append(f"{path}: deployment '{name}' missing")
    for name in sorted(have.keys() - want.keys()):
        problems.append(f"{path}: deployment '{name}' is not in flows/deployments.py")
    for name in sorted(want.keys() & have.keys()):
        for key, value in want[name].items():
            if have[name].get(key) != value:
                problems.append(f"{path}: deployment '{name}' field '{key}' differs")
    return problems


def field_title(param: inspect.Parameter) -> tuple[str | None, str | None]:
    """(title, description) a parameter declares: ``= Field(title=...)``, ``Annotated[...,
    Field(title=...)]``, or a pydantic model's ``model_config["title"]``."""
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo

    infos = [param.default] if isinstance(param.default, FieldInfo) else []
    ann = param.annotation
    if get_origin(ann) is Annotated:
        infos += [m for m in get_args(ann)[1:] if isinstance(m, FieldInfo)]
        ann = get_args(ann)[0]
    for info in infos:
        if info.title:
            return info.title, info.description
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.model_config.get("title"), None
    return None, None


def form_schema(flow: Flow[..., Any], titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The flow's parameter schema as the UI gets it from us.

    Prefect 3.9 titles top-level parameters with their Python names and drops a ``Field``'s
    title; we put the declared bilingual title back (or the registry's, for a parameter typed
    by a model without one) so the form's labels read 中文 English.
    """
    schema = flow.parameters.model_dump_for_openapi()
    for name, param in inspect.signature(flow.fn).parameters.items():
        prop = schema.get("properties", {}).get(name)
        title, description = field_title(param)
        title = title or (titles or {}).get(name)
        if prop is not None and title:
            prop["title"] = title
            if description and not prop.get("description"):
                prop["description"] = description
    date_boxes(schema)
    mark_required(schema)
    plain_optionals(schema)
    chinese_intros(schema)
    return schema


REQUIRED_MARK = " *"


def chinese_intros(schema: dict[str, Any]) -> None:
    """Each form's intro Chinese first (``bilingual.FORM_INTROS``), not the model's English
    docstring."""
    from changeflow.bilingual import FORM_INTROS, both

    for name, part in (schema.get("definitions") or {}).items():
        if name in FORM_INTROS:
            part["description"] = both(FORM_INTROS[name])


def date_boxes(schema: dict[str, Any]) -> None:
    """A date field (``date`` or ``date | None``) as a text box typed ``YYYY-MM-DD``, its format
    and an example in its label (``common.DATE_HINT``), as the time fields are: the UI's date
    picker shows and takes MM/DD/YYYY. The flow reads the text with pydantic; a malformed date
    fails the run with one line naming the field by this label (``flows.forms``)."""
    from .common import DATE_HINT

    for part in [schema, *(schema.get("definitions") or {}).values()]:
        props = part.get("properties") or {}
        for name, prop in list(props.items()):
            if not isinstance(prop, dict):
                continue
            options = prop.get("anyOf") or []
            typed = [o for o in options if o.get("type") != "null"]
            if options and len(typed) == 1 and typed[0].get("format") == "date":
                box = {k: v for k, v in prop.items() if k != "anyOf"} | {"type": "string"}
                if box.get("default", "") is None:
                    del box["default"]  # empty box: not given (``forms.drop_blanks``)
            elif prop.get("format") == "date" and prop.get("type") == "string":
                box = {k: v for k, v in prop.items() if k != "format"}
            else:
                continue
            title = str(box.get("title") or name)
            if DATE_HINT not in title:
                box["title"] = title + DATE_HINT
            if box.get("description", "").strip() == "YYYY-MM-DD":
                del box["description"]  # the label says it now
            props[name] = box


def plain_optionals(schema: dict[str, Any]) -> None:
    """An optional text or number field as a plain box, empty by default: the UI draws
    ``str | None`` with a "str | None" switch a lead has to understand; the flow reads an
    empty box as "not given" (``flows.forms.drop_blanks``)."""
    for part in [schema, *(schema.get("definitions") or {}).values()]:
        for name, prop in (part.get("properties") or {}).items():
            options = prop.get("anyOf") if isinstance(prop, dict) else None
            if not options or len(options) != 2:
                continue
            typed = [o for o in options if o.get("type") != "null"]
            if len(typed) != 1 or typed[0].get("type") not in ("string", "integer", "number"):
                continue
            if typed[0].get("format"):  # a date or time: its own form field type
                continue
            plain = {k: v for k, v in prop.items() if k != "anyOf"} | typed[0]
            if plain.get("default", "") is None:
                del plain["default"]
            part["properties"][name] = plain


# The server does not check a run's parameters against the form (each deployment's
# ``enforce_parameter_schema`` is false): it would refuse the form before any run with
# "Validation failed for field 'taskbook'. Failure reason: 'project' is a required property".
# The flow checks the same with pydantic and fails the run with one line in the form's labels
# (``flows.forms.FormFlow``: "项目名称 Project: 必填 Field required"). The schema keeps its
# ``required`` lists: without them the UI marks every field "(Optional)".
ENFORCE_PARAMETER_SCHEMA = False


def mark_required(schema: dict[str, Any]) -> None:
    """Required fields end their label with " *" (the UI does not mark them), in the form
    and in every model it uses."""
    for part in [schema, *(schema.get("definitions") or {}).values()]:
        props = part.get("properties") or {}
        for name in part.get("required") or []:
            prop = props.get(name)
            if isinstance(prop, dict):
                title = prop.get("title") or name
                if not title.endswith(REQUIRED_MARK):
                    prop["title"] = title + REQUIRED_MARK


def portable_pull() -> Any:
    """Deployment storage whose only job is the pull step of ``prefect.yaml`` (the code is
    already on every worker machine: nothing to download)."""
    from prefect.runner.storage import RunnerStorage

    class PortablePull(RunnerStorage):
        pull_interval = None
        destination = ROOT

        def set_base_path(self, path: Path) -> None:
            return None

        async def pull_code(self) -> None:
            return None

        def to_pull_step(self) -> list[dict[str, Any]]:
            return PULL_STEPS

        def __eq__(self, other: object) -> bool:
            return type(other).__name__ == "PortablePull"

        __hash__ = object.__hash__

    return PortablePull()


def runner_deployments(work_pool: str | None = None) -> list[RunnerDeployment]:
    """The deployments as Prefect objects: served in-process, or for a work pool's workers.

    Entrypoints are computed relative to the checkout, whatever the current directory.
    """
    from prefect.utilities.callables import ParameterSchema

    out = []
    for d in DEPLOYMENTS:
        rd = d.flow.to_deployment(
            name=d.ui_name,
            description=d.description,
            tags=["changeflow"],
            schedules=[d.schedule.as_prefect()] if d.schedule else [],
            enforce_parameter_schema=ENFORCE_PARAMETER_SCHEMA,
            _sync=True,  # also inside an event loop (the executor)
        )
        rd.entrypoint = d.entrypoint
        rd._parameter_openapi_schema = ParameterSchema(**form_schema(d.flow, d.titles))
        if work_pool:
            rd.work_pool_name = work_pool
            rd.storage = portable_pull()
            rd._path = None
        out.append(rd)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Write or check prefect.yaml from the registry.")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="rewrite prefect.yaml")
    g.add_argument("--check", action="store_true", help="exit 1 if prefect.yaml differs")
    args = p.parse_args(argv)
    if args.write:
        PREFECT_YAML.write_text(render_prefect_yaml(), encoding="utf-8")
        print(f"wrote {PREFECT_YAML}")
        return 0
    if args.check:
        problems = prefect_yaml_problems()
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    sys.stdout.write(render_prefect_yaml())
    return 0


if __name__ == "__main__":
    sys.exit(main())
