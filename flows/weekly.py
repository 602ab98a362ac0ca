"""Flow ``weekly-report``: the weekly report (项目周报) to each client's project lead.

Schedule: the deployment fires **every day at 15:00 Asia/Shanghai** (cron ``0 15 * * *``;
a run the scheduler creates counts as ``scheduled=True``), and
``tasks.weekly.should_send_now`` decides per client: only on the week's report day (Friday;
the last working day before it when Friday is a day off, e.g. Wednesday 2026-09-30 for
National Day; never on a holiday), at or after the report time, and only if the week was
not mailed yet. A plain Friday cron would miss the weeks whose Friday is a holiday; weekends
are included because a make-up workday (调休) can be a week's only working day. A contract
with another report time (``settings.weekly_report_cron``, e.g. ``30 16 * * 4``) needs a
schedule at that time too (``30 16 * * *``); the other trigger is a no-op for that client.

A scheduled run is idempotent: it reuses the report the schedule already made for the week
(a retried run sends that one, whose mail key is already recorded) instead of making a new
version. A run by hand makes a new version every time and mails it only when "send" is
ticked (off by default) and the week was not mailed yet (or with ``resend``: a deliberate
correction). A send failure is retried by the task; then the run fails while the report
stays stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from .common import (
    AT_FIELD,
    AT_LABEL,
    document_link,
    outcome,
    publish_markdown,
    publish_table,
    timed_name,
)
from .forms import flow


class WeeklyInput(BaseModel):
    """The form a project lead fills in the UI ("Custom run")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="项目周报 Weekly")

    week: str | None = Field(
        None,
        title="周次 Week",
        description="ISO 周，如 2026-W48；留空为本周 / ISO week like 2026-W48; empty: this week",
        pattern=r"^\d{4}-[Ww]\d{2}$",
    )
    client: str | None = Field(
        None,
        title="委托单位 Client",
        description="代码、名称或编号；留空为全部客户 / code, name or id; empty: every client",
        max_length=200,
    )
    send: bool = Field(
        False,
        title="发送邮件 Send mail",
        description="手动运行默认不发送；定时运行在报告日发送 / a run by hand does not mail"
        " unless ticked; the scheduled run mails on the report day",
    )
    resend: bool = Field(
        False,
        title="重发新版本 Resend",
        description="本周已发送过时仍发送新版本（更正）/ mail the new version of a week "
        "already mailed (a correction)",
    )
    lang: Literal["zh-CN", "en"] = Field("zh-CN", title="语言 Language")
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]
    scheduled: bool = Field(
        False,
        title="按计划运行 Scheduled",
        description="仅在报告日的报告时间之后、本周未发送时生成并发送 / only on the report day, "
        "after the report time, when the week was not mailed yet",
    )
    smtp_password_block: str | None = Field(
        None,
        title="SMTP 密码 Secret 块 SMTP password block",
        description="Prefect Secret 块名称；留空用环境变量 / a Prefect Secret block name; empty: "
        "CHANGEFLOW_SMTP_PASSWORD",
        max_length=120,
    )
    mail_retries: int = Field(2, ge=0, le=10, title="邮件重试次数 Mail retries")
    retry_delay_seconds: float = Field(30, ge=0, le=3600, title="重试间隔秒 Retry delay (s)")


def _make(week: str | None, client: str | None, lang: str, scheduled: bool,
          at: str = "") -> list[dict[str, Any]]:  # fmt: skip
    from changeflow.tasks import weekly

    if scheduled:
        return weekly.scheduled_reports(lang=lang, client=client)
    made = weekly.make_report(week, client, lang=lang, actor="prefect", trigger="ui", at=at,
                              at_field=AT_LABEL)  # fmt: skip
    return [made]


def _send(report_id: int, resend: bool, password_block: str | None) -> dict[str, Any]:
    """The password is read here, inside the task: it is never a parameter Prefect stores."""
    from changeflow.tasks import weekly

    password = None
    if password_block:
        from prefect.blocks.system import Secret

        password = str(Secret.load(password_block).get())
    return weekly.send_report(report_id, resend=resend, password=password)


make_task = task(_make, name="make-weekly-report", cache_policy=NO_CACHE)
send_task = task(_send, name="send-weekly-report", cache_policy=NO_CACHE)


def _clients(client: str | None) -> list[str | None]:
    """One client, or every client with a contract (a run by hand without a client)."""
    if client:
        return [client]
    from sqlalchemy import select

    from changeflow.db.models import Client, Contract
    from changeflow.db.session import transaction

    with transaction() as s:
        return list(
            s.scalars(
                select(Client.code).where(Client.id.in_(select(Contract.client_id))).distinct()
            )
        )


def _auto_scheduled() -> bool:
    """True for a run the Prefect scheduler created from the deployment's cron: such a run
    behaves as ``scheduled=True`` whatever its parameters say, so the daily trigger can
    never mail a report on a day that is not the report day."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return bool(ctx and ctx.flow_run and getattr(ctx.flow_run, "auto_scheduled", False))


@flow(name="weekly-report", flow_run_name=timed_name("weekly-report"), log_prints=True)
def weekly_report(params: WeeklyInput = WeeklyInput()) -> dict[str, Any]:
    """Make the week's report per client, publish it, and mail it to the client's lead."""
    scheduled = params.scheduled or _auto_scheduled()
    if scheduled:
        made = make_task(params.week, params.client, params.lang, True)
    else:
        made = []
        for code in _clients(params.client):
            made += make_task(params.week, code, params.lang, False, params.at)
    if not made:
        return outcome(
            "本次无周报 no weekly report due now（非报告日、未到时间或已发送 not a report day,"
            " before the report time, or sent）",
            {"reports": []},
        )
    sender = send_task.with_options(
        retries=params.mail_retries, retry_delay_seconds=params.retry_delay_seconds
    )
    out: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    for r in made:
        publish_markdown(
            f"weekly-{r['client']}-{r['week']}",
            r["markdown"] + f"\n\n- 文档 Document: {document_link(r['document'])}",
            "项目周报 Weekly",
        )
        mail: dict[str, Any] | None = None
        if params.send or scheduled:  # only the scheduled run sends by itself
            state = sender(r["id"], params.resend, params.smtp_password_block, return_state=True)
            if state.is_completed():
                mail = state.result()
            else:
                mail = {"sent": False, "status": "failed", "reason": str(state.message or "")}
                failures.append(RuntimeError(f"{r['client']} {r['week']}: {mail['reason']}"))
        out.append(
            {
                "client": r["client"],
                "week": r["week"],
                "version": r["version"],
                "document": r["document"],
                "sha256": r["sha256"],
                "mail": mail,
            }
        )
    publish_table(
        "weekly-reports",
        [
            {
                "委托单位 Client": o["client"],
                "周次 Week": o["week"],
                "版本 Version": o["version"],
                "邮件 Mail": (o["mail"] or {}).get("status", "not-sent"),
                "文档 Document": Path(o["document"]).name,  # the link is on the report card
            }
            for o in out
        ],
        "项目周报 Weekly reports",
    )
    if failures:  # the reports stay stored; the run fails visibly
        raise RuntimeError("weekly report mail failed: " + "; ".join(map(str, failures)))
    sent = sum(1 for o in out if (o["mail"] or {}).get("sent"))
    names = ", ".join(f"{o['client']} {o['week']} v{o['version']}" for o in out)
    return outcome(
        f"周报 weekly report: {len(out)} 份 made ({names}); 已发送 sent {sent}", {"reports": out}
    )
