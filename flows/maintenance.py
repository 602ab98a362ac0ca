"""Maintenance flows: ``fault`` (report a fault from the UI form) and its steps (``respond``,
``onsite``, ``resolve``, ``close``, ``pause``, ``resume``: a fault's flows in one room),
``sla-watch`` (every 5 minutes), ``dispatch`` (the weekly fixed visits), ``run-log-reminder``
and ``sla-report`` (monthly).

Thin on purpose: the work is in ``tasks.maintenance`` (each step one transaction with its
audit record); the flows wrap those functions as tasks and publish what a lead reads in the
UI. Bad input raises ``InputError`` in the task, so the run ends Failed with that message
and nothing is written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.bilingual import (
    CLOCKS,
    SEVERITIES,
    both_label,
    clock_state_label,
    outcome_label,
    state_label,
)
from changeflow.errors import ChangeflowError

from .common import (
    AT,
    AT_FIELD,
    AT_LABEL,
    BY,
    KEY,
    WHEN_HINT,
    bilingual_choice,
    code_of,
    md,
    next_line,
    outcome,
    publish_markdown,
    publish_table,
    refused,
    rename_run,
    timed_name,
)
from .forms import flow
from .mail import mail_markdown, send_field, send_task


def _unit(fn: Any, name: str) -> Any:
    return task(fn, name=name, cache_policy=NO_CACHE)


class FaultInput(BaseModel):
    """The fault report form (故障报告)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="故障报告 Fault")

    severity: Literal["crash 系统崩溃", "non-crash 非系统崩溃"] = Field(
        title="故障级别 Severity",
        description=(
            "crash 系统崩溃 (30 分钟响应 / 6 小时到场)；non-crash 非系统崩溃"
            " (1 小时服务时间 / 24 小时工作日)"
        ),
    )
    title: str = Field(title="故障现象 What is wrong", min_length=1, max_length=300)
    system: str = Field("", title="系统/模块 System", max_length=120)
    description: str = Field("", title="详细描述 Description", max_length=20_000)
    reporter: str = Field("", title="报告人 Reported by", max_length=120)
    reported_at: str = Field(
        "",
        title=f"报告时间 Reported at{WHEN_HINT}",
        max_length=40,
    )
    contract: str | None = Field(None, title="服务合同 Contract", description="留空为当前合同")
    engineer: str | None = Field(None, title="值班工程师 Engineer on duty", max_length=120)
    onsite_by: str = Field(
        "",
        max_length=40,
        title="甲方要求到场时间 On site as the client asks"
        "（YYYY-MM-DD HH:MM，例 2026-12-04 18:00）",
        description="根据甲方要求；留空按合同时限 / empty: the contract's time",
    )

    @field_validator("severity", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, ("crash 系统崩溃", "non-crash 非系统崩溃"))


@flow(name="fault", flow_run_name=timed_name("fault"), log_prints=True)
def fault(
    report: FaultInput,
    taken_by: str = Field("", title="经办人 Taken by", max_length=120),
) -> dict[str, Any]:
    """Record a fault reported by phone or mail; both response clocks start."""
    from changeflow.tasks.maintenance import report_fault

    try:
        r = _unit(report_fault, "report-fault")(
            severity=code_of(report.severity),
            title=report.title,
            reported_at=report.reported_at,
            system=report.system,
            description=report.description,
            reporter=report.reporter,
            contract=report.contract,
            engineer=report.engineer,
            onsite_by=report.onsite_by or None,
            actor=taken_by,
            channel="ui",
            source="Prefect form",
        )
    except ChangeflowError as exc:
        return refused("fault", exc)
    # the key exists only now: the run list shows "fault GZ-2026-0001" from here on, while the
    # run still works (it was "fault 12-06 10:05" until the fault was recorded)
    try:
        rename_run(f"fault {r.key}")
    except Exception as exc:  # a name is a view: the fault is recorded either way
        print(f"运行未改名 run not renamed: {exc}")
    v = r.view
    mark = {True: " \\* 暂定 provisional", False: ""}
    from changeflow.tasks.maintenance.notices import overdue_line

    late = overdue_line(r.overdue, r.notice)
    publish_markdown(
        f"fault-{r.key}",
        "\n".join(
            [
                f"# {r.key} · {md(r.title)}",
                *([f"> **{md(late)}**", ""] if late else []),
                f"- 级别 Severity: **{both_label(SEVERITIES, v['severity'])}**"
                f"  系统 System: {md(v['system'] or '-')}",
                f"- 报告时间 Reported: {v['reported_at']}",
                f"- 首次响应 First response due: **{v['response']['due_local']}**"
                f"{mark[v['response']['provisional']]}",
                f"- 到场 On site due: **{v['onsite']['due_local']}**"
                f"{mark[v['onsite']['provisional']]}",
            ]
        )
        + next_line("respond", "工程师响应后登记 / once the engineer has responded,"),
        "故障已报告 Fault reported",
    )
    return outcome(
        f"{r.key} 已报告 reported: response due {v['response']['due_local']}, on site"
        f" {v['onsite']['due_local']}" + (f"; {late}" if late else ""),
        v,
        name=f"fault {r.key}",
    )


# --- a fault's steps -------------------------------------------------------------------------

NEXT_OF = {"respond": "onsite", "onsite": "resolve", "resolve": "close", "close": None,
           "pause": "resume", "resume": "respond"}  # fmt: skip
VERB = {"respond": "已响应 Responded", "onsite": "已到场 On site", "resolve": "已解决 Resolved",
        "close": "已关闭 Closed", "pause": "已暂停计时 Paused",
        "resume": "已恢复计时 Resumed"}  # fmt: skip
Mode = Literal["phone 电话", "remote 远程", "onsite 现场"]


def _fault_artifact(step: str, view: dict[str, Any]) -> None:
    key = view.get("key", "")
    lines = [f"# {md(key)} · {VERB[step]}", f"- 状态 State: **{state_label(view.get('state'))}**"]
    for clock in ("response", "onsite"):
        c = view.get(clock)
        if isinstance(c, dict):
            lines.append(
                f"- {both_label(CLOCKS, clock)}: {clock_state_label(c.get('status'))}"
                f" · 截止 due {c.get('due_local', '')}"
            )
    publish_markdown(f"{step}-{key}", "\n".join(lines) + next_line(NEXT_OF[step]), VERB[step])


def _stamp(step: str, key: str, at: str | None, note: str, by: str, mode: str = "") -> Any:
    from changeflow.tasks.maintenance import stamp

    try:
        view = stamp(key, step, at=at, mode=mode.split(" ")[0], note=note, actor=by,
                     channel="ui")  # fmt: skip
    except ChangeflowError as exc:
        return refused(step, exc, key)
    _fault_artifact(step, view)
    return outcome(f"{key}: {VERB[step]} -> {state_label(view.get('state'))}", view)


def _hold(step: str, key: str, at: str | None, reason: str, by: str) -> Any:
    """Pause or resume the clocks of a fault."""
    from changeflow.tasks.maintenance import pause, resume

    try:
        view = (pause if step == "pause" else resume)(
            key, at=at, reason=reason, actor=by, channel="ui"
        )
    except ChangeflowError as exc:
        return refused(step, exc, key)
    _fault_artifact(step, view)
    return outcome(f"{key}: {VERB[step]} -> {state_label(view.get('state'))}", view)


@flow(name="respond", flow_run_name="respond {key}", log_prints=True)
def respond(
    key: str = KEY,
    mode: Mode = Field("phone 电话", title="响应方式 How"),
    at: str = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    done_by: str = BY,
) -> Any:
    """First response to a fault (the response clock stops)."""
    return _stamp("respond", key, at, note, done_by, mode)


@flow(name="onsite", flow_run_name="onsite {key}", log_prints=True)
def onsite(
    key: str = KEY,
    at: str = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    done_by: str = BY,
) -> Any:
    """The engineer arrived on site (the on-site clock stops)."""
    return _stamp("onsite", key, at, note, done_by)


def _details(key: str, by: str, **fields: str) -> None:
    """The fault record's parts entered on a step's form (empty fields change nothing);
    the steps: one per line, or separated by ；/;."""
    import re

    from changeflow.tasks.maintenance import record_fault_details

    given: dict[str, Any] = {k: v for k, v in fields.items() if v and v.strip()}
    if "steps" in given:
        given["steps"] = [x.strip() for x in re.split(r"[\n；;]+", given["steps"]) if x.strip()]
    if given:
        record_fault_details(key, actor=by, **given)


@flow(name="resolve", flow_run_name="resolve {key}", log_prints=True)
def resolve(
    key: str = KEY,
    at: str = AT,
    note: str = Field("", title="处理结果 Resolution", max_length=2000),
    assessment: str = Field("", title="故障评估 Assessment", max_length=4000),
    root_cause: str = Field("", title="根本原因 Root cause", max_length=4000),
    solution: str = Field("", title="解决方案 Solution", max_length=4000),
    steps: str = Field(
        "",
        title="排错步骤 Troubleshooting steps（每步一行或用；分隔 one per line or ;)",
        max_length=20_000,
    ),
    test_report: str = Field("", title="测试情况 Test report", max_length=4000),
    breach_cause: str = Field(
        "",
        title="超时原因 Breach cause（仅超时时填写 only when a clock was breached)",
        max_length=4000,
    ),
    prevention: str = Field("", title="预防措施 Prevention", max_length=4000),
    done_by: str = BY,
) -> Any:
    """The fault is resolved, with the fault record's parts known now (assessment, root
    cause, solution, steps, tests, breach cause, prevention: empty fields change nothing)."""
    out = _stamp("resolve", key, at, note, done_by)
    if out.is_failed():
        return out
    try:
        _details(
            key, done_by, assessment=assessment, root_cause=root_cause, solution=solution,
            steps=steps, test_report=test_report, breach_cause=breach_cause,
            prevention=prevention,
        )  # fmt: skip
    except ChangeflowError as exc:
        return refused("resolve", exc, key)
    return out


@flow(name="close", flow_run_name="close {key}", log_prints=True)
def close(
    key: str = KEY,
    at: str = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    confirmed_by: str = Field("", title="甲方确认人 Confirmed by (client)", max_length=120),
    confirmed_on: str = Field("", title="确认日期 Confirmed on", max_length=40),
    confirmation: str = Field("", title="甲方意见 Client's comment", max_length=2000),
    breach_cause: str = Field(
        "", title="超时原因 Breach cause（解决时未填时 if not given on resolve)", max_length=4000
    ),
    prevention: str = Field("", title="预防措施 Prevention", max_length=4000),
    done_by: str = BY,
) -> Any:
    """Close a resolved fault (with the client's confirmation of the fix; the breach cause
    and prevention if they were not given on resolve)."""
    out = _stamp("close", key, at, note, done_by)
    if out.is_failed():
        return out
    try:
        _details(key, done_by, confirmed_by=confirmed_by, confirmed_on=confirmed_on,
                 confirmation=confirmation, breach_cause=breach_cause,
                 prevention=prevention)  # fmt: skip
    except ChangeflowError as exc:
        return refused("close", exc, key)
    return out


@flow(name="pause", flow_run_name="pause {key}", log_prints=True)
def pause(
    key: str = KEY,
    reason: str = Field(
        "等待客户 waiting for the client", title="原因 Reason", min_length=1, max_length=500
    ),
    at: str = AT,
    done_by: str = BY,
) -> Any:
    """Stop the running clocks while we wait for the client."""
    return _hold("pause", key, at, reason, done_by)


@flow(name="resume", flow_run_name="resume {key}", log_prints=True)
def resume(
    key: str = KEY,
    reason: str = Field("客户已答复 client answered", title="原因 Reason", max_length=500),
    at: str = AT,
    done_by: str = BY,
) -> Any:
    """Restart the clocks; the due times move by the time paused."""
    return _hold("resume", key, at, reason, done_by)


@flow(name="sla-watch", flow_run_name=timed_name("sla-watch"), log_prints=True)
def sla_watch(
    dry_run: bool = Field(
        False,
        title="仅检查不发送 Check only",
        description="列出将发送的预警，不写入也不发送 / list what would be sent, send nothing",
    ),
) -> dict[str, Any]:
    """Every 5 minutes: warn the duty staff before a breach (at 80 %) and at the breach."""
    from changeflow.tasks.maintenance import sla_watch as watch

    out = _unit(watch, "sla-watch")(dry_run=dry_run)
    rows = [{**n, "结果 Result": outcome_label("sent")} for n in out["sent"]]
    rows += [{**n, "结果 Result": outcome_label("failed")} for n in out["failed"]]
    if rows:
        publish_table("sla-watch", rows, "SLA notices of this run")
    line = (
        f"时限检查 SLA watch: {out['checked']} 个未关闭故障 open fault(s);"
        f" 已发送 sent {len(out['sent'])}, 失败 failed {len(out['failed'])}"
    )
    if out["failed"]:
        raise RuntimeError(
            f"{len(out['failed'])} SLA notice(s) not sent: {out['failed'][0]['error']}"
        )
    return outcome(line, out)


@flow(name="dispatch", flow_run_name=timed_name("dispatch"), log_prints=True)
def dispatch(
    days_ahead: int = Field(7, title="提前天数 Days ahead", ge=0, le=31),
) -> dict[str, Any]:
    """Dispatch orders for each contract's fixed weekly visit (e.g. Wednesday 14:00)."""
    from changeflow.tasks.maintenance import plan_weekly_visits

    out = _unit(plan_weekly_visits, "plan-weekly-visits")(days_ahead=days_ahead)
    rows = [
        {"number": o["number"], "contract": o["contract"], "planned_start": o["planned_start"],
         "staff": ", ".join(o["staff"]), "document": o["document"]}
        for o in out["created"]
    ]  # fmt: skip
    rows += [{"contract": x["contract"], "planned_start": str(x["day"]), "note": x["why"]}
             for x in out["skipped"]]  # fmt: skip
    if rows:
        publish_table("dispatch-weekly", rows, "Weekly visits")
    print(f"{len(out['created'])} created, {len(out['existing'])} existed, "
          f"{len(out.get('moved', []))} moved off a day off, "
          f"{len(out['skipped'])} skipped (day off)")  # fmt: skip
    return out


@flow(name="run-log-reminder", flow_run_name=timed_name("run-log-reminder"), log_prints=True)
def run_log_reminder(
    lookback_days: int = Field(7, title="回看天数 Days to look back", ge=1, le=31),
) -> dict[str, Any]:
    """Remind the duty staff of working days without a run log (运行日志), once per day."""
    from changeflow.tasks.maintenance import run_log_reminder as remind

    out = _unit(remind, "run-log-reminder")(lookback_days=lookback_days)
    print(f"reminders sent for {sum(len(x['days']) for x in out['sent'])} day(s)")
    if out["failed"]:
        raise RuntimeError(f"run-log reminder not sent: {out['failed'][0]['error']}")
    return out


@flow(name="sla-report", flow_run_name=timed_name("sla-report"), log_prints=True)
def sla_report(
    month: str | None = Field(
        None,
        title="月份 Month",
        description="YYYY-MM；留空为上个月 / empty: last month",
        pattern=r"^\d{4}-\d{2}$",
    ),
    contract: str | None = Field(None, title="服务合同 Contract"),
    send: bool = send_field(),
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> dict[str, Any]:
    """Monthly SLA report: met %, average and worst times, breaches with their causes, and
    the Word statement for the client (对账单)."""
    from changeflow.db.types import utcnow
    from changeflow.settings import get_settings
    from changeflow.tasks.maintenance import report_markdown, sla_report_document

    if not month:
        first = utcnow().astimezone(get_settings().tz).date().replace(day=1)
        month = (first - timedelta(days=1)).strftime("%Y-%m")
    r = _unit(sla_report_document, "sla-report")(month, contract, at=at, at_field=AT_LABEL)
    mail = r["mail"] = send_task(r, send, "sla-report", "path")
    text = (
        report_markdown(r)
        + f"\n\n对账单 Statement: `{r['path']}` (v{r['version']})\n"
        + mail_markdown(mail)
        + ("\n下一步 Next: send the statement to the client to confirm." if not mail else "")
    )
    publish_markdown(f"sla-report-{month}", text, f"SLA report {month}")
    if mail and mail.get("state") == "failed":
        raise RuntimeError(f"SLA statement made, but its mail failed: {mail['error']}")
    return r
