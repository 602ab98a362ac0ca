"""Flow ``plan``: make the next version of a request's implementation plan and cost budget
(实施计划和费用预算) and show the budget in the Prefect UI.

``plan-batch`` drafts the plans of every waiting request (or a list of keys) in one run.

Thin on purpose: the domain work is ``tasks.planning.make_plan`` (one transaction with the
document and the request's move to ``planned``); the flow wraps it as a task and publishes a
table artifact (one row per work item plus the totals) and a markdown summary.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.bilingual import phase_label, state_label
from changeflow.db.types import utcnow
from changeflow.errors import ChangeflowError, InputError

from .common import (
    AT_FIELD,
    AT_LABEL,
    REQUEST_KEY,
    document_link,
    hand_in_line,
    md,
    next_line,
    outcome,
    publish_markdown,
    publish_table,
    refused,
    run_name,
    timed_name,
    was_sent,
)
from .forms import flow
from .mail import SEND_HELP, SEND_TITLE, mail_failed, mail_markdown, mail_note, send_task


class EstimateRow(BaseModel):
    """One work item of the estimate, as a row of the form's table."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requirement: int | None = Field(None, title="需求序号 Requirement no. (空: 整个请求)")
    phase: Literal["analysis", "development", "testing", "golive", "acceptance"] = Field(
        title="阶段 Phase"
    )
    role: str = Field(title="角色 Role", min_length=1, max_length=40)
    person_days: str = Field(title="人日 Person-days", min_length=1, max_length=10)
    assignee: str | None = Field(None, title="人员 Who", max_length=120)
    title: str | None = Field(None, title="工作内容 Work", max_length=200)


class PlanInput(BaseModel):
    """The form a project lead fills in the UI ("Custom run")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    start: date | None = Field(
        None,
        title="开始日期 Start date",
        description="留空则为下一个工作日 / empty: the next working day",
    )
    estimates_yaml: str | None = Field(
        None,
        title="工作量估算 YAML Estimates (YAML)",
        description=(
            "留空则按合同的估算标准从需求生成 / empty: from the requirements through the"
            " contract's estimation defaults (changeflow plan KEY --export-estimates FILE)"
        ),
        max_length=200_000,
    )
    estimates_table: list[EstimateRow] = Field(
        default_factory=list,
        title="工作量估算表 Estimates (table)",
        description="每行一项工作 / one work item a row (instead of the YAML)",
        max_length=500,
    )
    lang: Literal["zh-CN", "en"] = Field("zh-CN", title="文档语言 Document language")
    issue: bool = Field(
        False,
        title="签发 Issue (sign: the version the client approves)",
        description=(
            "不勾选：生成草稿供审核（未签名，不可发送或审批）；勾选：签发最新草稿 / unticked: a"
            " draft to review (unsigned, not sendable or approvable); ticked: issue it"
        ),
    )

    send: bool = Field(False, title=SEND_TITLE, description=SEND_HELP)
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]

    @field_validator("start")
    @classmethod
    def _not_in_the_past(cls, v: date | None) -> date | None:

        from changeflow.settings import get_settings

        today = utcnow().astimezone(get_settings().tz).date()
        if v is not None and v < today:
            raise ValueError(
                f"开始日期 Start date {v} 已过去 is in the past (today is {today}); leave it"
                " empty for the next working day"
            )
        return v


def form_estimates(request: PlanInput) -> tuple[bytes | None, str]:
    """The estimates the form carries (YAML text or table rows) as an estimates file."""
    import yaml

    if request.estimates_yaml and request.estimates_table:
        raise InputError(
            "Prefect form", "estimates_table", "fill in the YAML or the table, not both"
        )
    if request.estimates_table:
        rows = [r.model_dump(exclude_none=True) for r in request.estimates_table]
        doc = {"request": request.key, "items": rows}
        return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"), "Prefect form: table"
    if request.estimates_yaml:
        return request.estimates_yaml.encode("utf-8"), "Prefect form: estimates_yaml"
    return None, "defaults"


def _make_plan(request: PlanInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.planning import make_plan

    data, source = form_estimates(request)
    return make_plan(
        request.key,
        estimates=data,
        estimates_source=source,
        start=request.start,
        lang=request.lang,
        actor=actor,
        channel="ui",
        issue=request.issue,
        at=request.at,
        at_field=AT_LABEL,
    )


make_plan_task = task(_make_plan, name="make-plan", cache_policy=NO_CACHE)


def budget_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The budget as table rows: the work items, then subtotal, tax and total."""
    rows: list[dict[str, Any]] = []
    for it in result["items"]:
        star = "*" if it["provisional"] else ""
        rows.append(
            {
                "序号 No.": it["seq"],
                "需求 Req.": it["requirement"] or "",
                "阶段 Phase": it["phase"],
                "角色 Role": it["role"],
                "人员 Who": it["assignee"] or "TBD",
                "人日 Person-days": it["person_days"],
                "年费内 Covered": it.get("covered_days", "0"),
                "单价 Day rate": it["day_rate"],
                "金额 Amount": it["amount"],
                "开始 Start": it["start"] + star,
                "结束 End": it["end"] + star,
            }
        )
    blank = dict.fromkeys(rows[0], "") if rows else {}
    for label, value in (
        ("小计 Subtotal", result["subtotal"]),
        (f"税金 Tax {result['tax_rate']}", result["tax"]),
        ("总计 Total", result["total"]),
    ):
        rows.append(blank | {"阶段 Phase": label, "金额 Amount": value})
    rows[-1]["人日 Person-days"] = result["person_days"]
    return rows


def summary_markdown(result: dict[str, Any]) -> str:
    from changeflow.tasks.calendar import PROVISIONAL_NOTE
    from changeflow.tasks.money import fmt

    star = "*" if result["provisional"] else ""
    doc = document_link(result["document"], f"{result['key']} plan v{result['version']}.docx")
    lines = [
        f"# {result['key']} 实施计划和费用预算 v{result['version']}"
        + (" （草稿 DRAFT）" if result.get("status") == "draft" else ""),
        "",
        f"- 总计（含税）Total incl. tax: **¥{fmt(result['total'])}**"
        f" （人民币{result['total_capital']}）",
        f"- 小计 Subtotal ¥{fmt(result['subtotal'])} · 税金 Tax ¥{fmt(result['tax'])}"
        f" · 人日 Person-days {result['person_days']}",
        f"- 周期 Schedule: {result['start']} — {result['end']}{star}"
        f", {result['calendar_days']} 日历日 calendar days, {result['working_days']}"
        " 工作日 working days",
        f"- 状态 State: **{state_label(result['state'])}** · 文档 Document: {doc}",
        "",
        "| 阶段 Phase | 开始 Start | 结束 End |",
        "|---|---|---|",
        *[
            f"| {phase_label(p)} | {v['start']} | {v['end']}{'*' if v['provisional'] else ''} |"
            for p, v in result["phases"].items()
        ],
    ]
    if result["provisional"]:
        lines += ["", f"\\* {PROVISIONAL_NOTE['zh-CN']}", "", f"\\* {PROVISIONAL_NOTE['en']}"]
    sd = result.get("service_days")
    if sd:
        lines += [
            "",
            f"- 合同服务天数 Service days ({md(sd['period'])}): 剩余 left {sd['before']} →"
            f" {sd['after']}; 本计划使用 uses {sd['uses']}; 年费覆盖 covered {sd['covered']}"
            f" · 另行计费 billed {sd['billed']} 人日 person-days",
        ]
    late = result.get("late")
    if late:
        lines += [
            "",
            f"**晚于期望日期 Misses the desired date {late['desired']}** by"
            f" {late['calendar_days']} 日历日 calendar days ({late['working_days']}"
            " 工作日 working days)",
        ]
    for b in result.get("busy_elsewhere") or []:
        lines.append(
            f"- {md(b['who'])} 其他安排 busy elsewhere {b['from']} — {b['to']}: {md(b['what'])}"
        )
    return "\n".join(lines)


@flow(name="plan", flow_run_name=run_name("plan", "request", "key"), log_prints=True)
def plan(
    request: PlanInput,
    planned_by: str = Field("", title="编制人 Planned by", max_length=120),
) -> dict[str, Any]:
    """Draft plan version n+1 with its Word document (草稿); with "issue" ticked, sign it:
    the version the client approves, and the request moves to 'planned'."""
    try:
        result = make_plan_task(request, planned_by)
        mail = send_task(result, request.send, planned_by, what="plan", hint="tick 签发 Issue too")
    except ChangeflowError as exc:
        return refused("plan", exc, request.key)
    result["mail"] = mail
    slug = f"plan-{result['key']}"
    publish_table(slug + "-budget", budget_rows(result), f"Budget of {result['key']}")
    publish_markdown(
        slug,
        summary_markdown(result)
        + mail_markdown(mail)
        + "\n"
        + (
            next_line(
                "plan",
                "审核草稿（可修改工作量估算），然后勾选“签发 Issue”再运行 / review the draft"
                " (edit the estimates if needed), then run plan again with Issue ticked:",
            )
            if result.get("status") == "draft"
            else next_line(
                "kickoff",
                hand_in_line("计划", "plan", was_sent(mail)) + "; 然后 then",
            )
        ),
        f"计划 Plan v{result['version']}",
    )
    failed = mail_failed("plan", mail, result["key"])
    if failed is not None:
        return failed
    return outcome(
        f"{result['key']} 计划 plan v{result['version']}: ¥{result['total']},"
        f" {result['start']} - {result['end']} -> {state_label(result['state'])}" + mail_note(mail),
        result,
    )


class PlanBatchInput(BaseModel):
    """The form for drafting many plans at once."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    request_keys: list[Annotated[str, Field(min_length=3, max_length=20)]] = Field(
        default_factory=list,
        title="请求编号 Request keys",
        description=(
            "留空则为所有“已提交”的开发和变更请求 / empty: every development and change"
            " request still in 'submitted'"
        ),
        max_length=5000,
    )
    lang: Literal["zh-CN", "en"] = Field("zh-CN", title="文档语言 Document language")
    issue: bool = Field(
        False, title="逐个签发 Issue each in turn (each schedules around the ones before)"
    )


def _plan_many(batch: PlanBatchInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.planbatch import plan_many

    return plan_many(
        batch.request_keys or None,
        lang=batch.lang,
        actor=actor,
        channel="ui",
        issue=batch.issue,
    ).as_dict()


plan_many_task = task(_plan_many, name="make-plans", cache_policy=NO_CACHE)


@flow(name="plan-batch", flow_run_name=timed_name("plan-batch"), log_prints=True)
def plan_batch(
    batch: PlanBatchInput,
    planned_by: str = Field("", title="编制人 Planned by", max_length=120),
) -> dict[str, Any]:
    """Plans for every waiting request (or the keys given), each with its Word document;
    fails at the end, naming them, if any could not be planned; the rest are made."""

    report = plan_many_task(batch, planned_by)
    items = report["items"]
    if items:
        publish_table(
            "plan-batch",
            [
                {
                    "请求 Key": i["key"],
                    "结果 Outcome": i["outcome"],
                    "版本 Version": i["version"] or "",
                    "总计 Total": i["total"] or "",
                    "说明 Detail": i["detail"],
                }
                for i in items
            ],
            f"Plans: {report['planned']} made, {report['unchanged']} unchanged,"
            f" {report['refused']} refused",
        )
    print(
        f"plans made {report['planned']}, unchanged {report['unchanged']},"
        f" refused {report['refused']}"
    )
    bad = [i for i in items if i["outcome"] == "refused"]
    if bad:
        raise InputError(
            "plan-batch",
            "request_keys",
            f"{len(bad)} request(s) not planned: "
            + "; ".join(f"{i['key']}: {i['detail']}" for i in bad[:20])
            + ("; ..." if len(bad) > 20 else ""),
        )
    return report
