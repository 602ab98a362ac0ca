"""Training (培训) and the OA manual (使用手册) as flows with bilingual forms: a session
planned with its sign-in sheet, a session held recorded by hand (the returned sheet comes in
through the inbox like every signed document), the OA manual merged from the accepted
requests. Thin: each calls the same public domain function as the CLI; the project's own
errors fail the run with one line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from changeflow.errors import ChangeflowError

from .common import AT_FIELD, AT_LABEL, BY, md, next_line, outcome, publish_markdown, refused
from .forms import flow


class TrainingPlan(BaseModel):
    """What a training session is (培训计划)."""

    topic: str = Field(title="培训主题 Topic", min_length=1, max_length=300)
    departments: list[str] = Field(title="参训部门 Departments", min_length=1, max_length=30)
    starts_at: datetime = Field(title="开始时间 Starts")
    ends_at: datetime = Field(title="结束时间 Ends")
    place: str = Field(title="培训地点 Place", min_length=1, max_length=200)
    trainer: str = Field(title="培训讲师 Trainer", min_length=1, max_length=120)
    materials: list[str] = Field(
        default_factory=list, title="培训材料（手册章节） Materials (manual chapters)"
    )
    seats: int = Field(20, title="签到行数 Rows on the sign-in sheet", ge=1, le=200)
    contract: str | None = Field(None, title="服务合同 Contract")


@flow(name="training-plan", flow_run_name="training-plan", log_prints=True)
def training_plan(
    session: TrainingPlan,
    done_by: str = BY,
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> Any:
    """A training session planned, with its signed sign-in sheet (培训签到表)."""
    from changeflow.tasks.training import plan_training

    from .common import document_link

    try:
        r = plan_training(**session.model_dump(), actor=done_by, channel="ui",
                          source="Prefect form", at=at, at_field=AT_LABEL)  # fmt: skip
    except ChangeflowError as exc:
        return refused("training-plan", exc)
    link = document_link(r["document"], f"培训签到表 Sign-in sheet {r['number']}")
    publish_markdown(
        f"training-{r['number']}",
        f"# 培训 Training {md(r['number'])}\n- 主题 Topic: {md(r['topic'])}\n"
        f"- 签到表 Sign-in sheet: {link}\n"
        + next_line("training-record", "培训后 / after the session,"),
        "Training session",
    )
    return outcome(f"培训已计划 Training {r['number']} planned", r, name=f"training {r['number']}")


@flow(name="training-record", flow_run_name="training-record {number}", log_prints=True)
def training_record(
    number: str = Field(title="培训编号 Session no.", min_length=3, max_length=40),
    attendees: list[str] = Field(
        title="参训人员（姓名/部门） Attendees (name/department)", min_length=1, max_length=200
    ),
    satisfaction: int | None = Field(None, title="满意度 Satisfaction (1-5)", ge=1, le=5),
    feedback: str = Field("", title="培训反馈 Feedback", max_length=4000),
    minutes: int | None = Field(
        None, title="服务分钟（与计划不同时） Minutes (if not as planned)", ge=1, le=1440
    ),
    done_by: str = BY,
) -> Any:
    """A session held, its attendance typed in from the paper sheet."""
    from changeflow.tasks.training import record_by_hand

    try:
        r = record_by_hand(
            number, attendees=attendees, satisfaction=satisfaction, feedback=feedback,
            minutes=minutes, actor=done_by, channel="ui",
        )  # fmt: skip
    except ChangeflowError as exc:
        return refused("training-record", exc, number)
    return outcome(
        f"培训已登记 Training {r['number']} held: {r['attended']} 人 attended,"
        f" {r['service_minutes']} 分钟 min", r,
    )  # fmt: skip


@flow(name="oa-manual-merge", flow_run_name="oa-manual-merge", log_prints=True)
def oa_manual_merge(
    contract: str | None = Field(None, title="服务合同 Contract"),
    lang: str = Field("zh-CN", title="语言 Language", pattern="^(zh-CN|en)$"),
    done_by: str = BY,
) -> Any:
    """The accepted requests' manual chapters merged into the OA manual's next version."""
    from changeflow.tasks.oamanual import merge_accepted

    from .common import document_link

    try:
        r = merge_accepted(contract, lang=lang, actor=done_by)
    except ChangeflowError as exc:
        return refused("oa-manual-merge", exc)
    if not r["new"]:
        return outcome(f"使用手册无新内容 OA manual v{r['version']}: nothing new to merge", r)
    publish_markdown(
        f"oa-manual-{r['contract']}".lower(),
        f"# 使用手册 OA manual v{r['version']}\n- 并入 Merged: {md(', '.join(r['merged']))}\n"
        f"- 文档 Document: {document_link(r['document'])}\n",
        "OA manual",
    )
    return outcome(f"使用手册第{r['version']}版 OA manual v{r['version']}: "
                   f"{', '.join(r['merged'])}", r)  # fmt: skip


class UpgradePlan(BaseModel):
    """An install or upgrade of a server or the OA platform (升级方案)."""

    target: Literal["server", "platform"] = Field(title="升级对象 Upgraded (server/platform)")
    title: str = Field(title="变更事项 Change", min_length=1, max_length=300)
    system: str = Field("", title="系统/服务器 System or server", max_length=200)
    from_version: str = Field("", title="当前版本 From version", max_length=60)
    to_version: str = Field("", title="目标版本 To version", max_length=60)
    checks: list[str] = Field(title="环境检查 Environment check", min_length=1)
    steps: list[str] = Field(title="升级步骤 Steps", min_length=1)
    rollback: list[str] = Field(title="回退方案 Rollback", min_length=1)
    tests: list[str] = Field(title="访问测试 Access test", min_length=1)
    window_start: datetime = Field(title="停机开始 Downtime starts")
    window_end: datetime = Field(title="停机结束 Downtime ends")
    contract: str | None = Field(None, title="服务合同 Contract")


@flow(name="upgrade-plan", flow_run_name="upgrade-plan", log_prints=True)
def upgrade_plan(
    upgrade: UpgradePlan,
    done_by: str = BY,
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> Any:
    """An install or upgrade with its signed plan for the client's approval."""
    from changeflow.tasks.upgrades import plan_upgrade

    from .common import document_link

    try:
        r = plan_upgrade(**upgrade.model_dump(), actor=done_by, channel="ui",
                         source="Prefect form", at=at, at_field=AT_LABEL)  # fmt: skip
    except ChangeflowError as exc:
        return refused("upgrade-plan", exc)
    link = document_link(r["document"], f"升级方案 Upgrade plan {r['number']}")
    publish_markdown(
        f"upgrade-{r['number']}".lower(),
        f"# 升级方案 Upgrade plan {md(r['number'])}\n- 文档 Document: {link}\n"
        "- 下一步 Next: 甲方签字后放入收件箱 / the client's signed plan goes to the inbox\n",
        "Upgrade plan",
    )
    return outcome(f"升级方案已生成 Upgrade plan {r['number']}", r, name=f"upgrade {r['number']}")
