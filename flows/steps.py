"""The steps a lead once needed a shell for, as flows with bilingual forms: the contract (YAML
text, its repository included), adding a repository, moving a fault on (respond, on site,
resolve, close, pause, resume), dispatch orders (create, done) and the daily run log.

Each run is named ``<step> <key>``, ends with one bilingual line as its state message, and
publishes a markdown artifact ending with "下一步 Next:". The project's own errors (bad
input, wrong state, unknown key) fail the run with that one line and an artifact, never a
traceback. Thin: every step calls the same public domain function as the CLI.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from changeflow.errors import ChangeflowError

from .common import hand_in_line, md, next_line, outcome, publish_markdown, refused
from .forms import flow
from .mail import send_field

KEY = Field(title="编号 Key", description="例如 CR-2026-0001 / e.g. CR-2026-0001",
            min_length=3, max_length=30)  # fmt: skip
BY = Field("project lead", title="经办人 Done by", max_length=120)
AT = Field(None, title="时间 At", description="留空为现在 / empty: now (Asia/Shanghai)")


# --- contract and repositories ------------------------------------------------------------


@flow(name="contract", flow_run_name="contract", log_prints=True)
def contract(
    yaml_text: str = Field(
        title="合同 YAML Contract (YAML)",
        description="与 examples/contract.yaml 同样的内容（客户、人员、合同，含代码库 repo:）"
        " / the same content as examples/contract.yaml: clients, people, contracts with their"
        " repository as repo:",
        min_length=1,
        max_length=200_000,
    ),
) -> Any:
    """Create or update the clients, people and contracts of a YAML text (one transaction)."""
    from changeflow.tasks.contracts import load_contract_file

    try:
        with tempfile.TemporaryDirectory(prefix="changeflow-form-") as tmp:
            path = Path(tmp) / "contract.yaml"
            path.write_text(yaml_text, encoding="utf-8")
            done = load_contract_file(path)
    except ChangeflowError as exc:
        return refused("contract", exc)
    codes = ", ".join(done.get("contracts", [])) or "-"
    publish_markdown(
        "contract",
        "\n".join(
            [
                f"# 合同 Contract {md(codes)}",
                f"- 客户 Clients: {md(', '.join(done.get('clients', [])) or '-')}",
                f"- 人员 Staff: {md(', '.join(done.get('staff', [])) or '-')}",
                next_line("intake", "录入任务书 / take in a task book:"),
            ]
        ),
        "Contract loaded",
    )
    return outcome(f"合同已保存 Contract saved: {codes}", done)


@flow(name="repo-add", flow_run_name="repo-add {contract_code}", log_prints=True)
def repo_add(
    contract_code: str = Field(title="合同编号 Contract", min_length=1, max_length=60),
    location: str = Field(
        title="代码库 Repository",
        description="本机 git 克隆的路径或要镜像的 URL / a local clone's path or a URL to mirror",
        min_length=1,
        max_length=1000,
    ),
    name: str = Field("", title="简称 Short name", max_length=60),
) -> Any:
    """Register a client repository for the git sync."""
    from sqlalchemy import select

    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.errors import NotFoundError
    from changeflow.tasks.gitsync import add_repository

    try:
        with transaction() as s:
            c = s.scalar(select(Contract).where(Contract.code == contract_code))
            if c is None:
                raise NotFoundError(f"no contract {contract_code}")
            repo = add_repository(
                s, location, name=name or None, client_id=c.client_id, contract_id=c.id
            )
            repo_name, where = repo.name, repo.location
    except ChangeflowError as exc:
        return refused("repo-add", exc, contract_code)
    publish_markdown(
        f"repo-{repo_name}",
        f"# 代码库 Repository {md(repo_name)}\n- 位置 Location: `{md(where)}`\n"
        + next_line("sync"),
        "Repository added",
    )
    return outcome(f"代码库已登记 Repository added: {repo_name} ({contract_code})")


# --- fault steps -------------------------------------------------------------------------

NEXT_OF = {"respond": "onsite", "onsite": "resolve", "resolve": "close", "close": None,
           "pause": "resume", "resume": "respond"}  # fmt: skip
VERB = {"respond": "已响应 Responded", "onsite": "已到场 On site", "resolve": "已解决 Resolved",
        "close": "已关闭 Closed", "pause": "已暂停计时 Paused",
        "resume": "已恢复计时 Resumed"}  # fmt: skip
Mode = Literal["phone 电话", "remote 远程", "onsite 现场"]


def _fault_artifact(step: str, view: dict[str, Any]) -> None:
    key = view.get("key", "")
    lines = [f"# {md(key)} · {VERB[step]}", f"- 状态 State: **{view.get('state', '')}**"]
    for clock in ("response", "onsite"):
        c = view.get(clock)
        if isinstance(c, dict):
            lines.append(f"- {clock}: {c.get('status', '')} · due {c.get('due_local', '')}")
    publish_markdown(f"{step}-{key}", "\n".join(lines) + next_line(NEXT_OF[step]), VERB[step])


def _stamp(step: str, key: str, at: datetime | None, note: str, by: str, mode: str = "") -> Any:
    from changeflow.tasks.maintenance import stamp

    try:
        view = stamp(key, step, at=at, mode=mode.split(" ")[0], note=note, actor=by,
                     channel="ui")  # fmt: skip
    except ChangeflowError as exc:
        return refused(step, exc, key)
    _fault_artifact(step, view)
    return outcome(f"{key}: {VERB[step]} -> {view.get('state', '')}", view)


@flow(name="respond", flow_run_name="respond {key}", log_prints=True)
def respond(
    key: str = KEY,
    mode: Mode = Field("phone 电话", title="响应方式 How"),
    at: datetime | None = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    done_by: str = BY,
) -> Any:
    """First response to a fault (the response clock stops)."""
    return _stamp("respond", key, at, note, done_by, mode)


@flow(name="onsite", flow_run_name="onsite {key}", log_prints=True)
def onsite(
    key: str = KEY,
    at: datetime | None = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    done_by: str = BY,
) -> Any:
    """The engineer arrived on site (the on-site clock stops)."""
    return _stamp("onsite", key, at, note, done_by)


def _details(key: str, by: str, **fields: str) -> None:
    """The fault record's parts entered on a step's form (empty fields change nothing)."""
    from changeflow.tasks.maintenance import record_fault_details

    given = {k: v for k, v in fields.items() if v and v.strip()}
    if given:
        record_fault_details(key, actor=by, **given)


@flow(name="resolve", flow_run_name="resolve {key}", log_prints=True)
def resolve(
    key: str = KEY,
    at: datetime | None = AT,
    note: str = Field("", title="处理结果 Resolution", max_length=2000),
    root_cause: str = Field("", title="根本原因 Root cause", max_length=4000),
    solution: str = Field("", title="解决方案 Solution", max_length=4000),
    prevention: str = Field("", title="预防措施 Prevention", max_length=4000),
    done_by: str = BY,
) -> Any:
    """The fault is resolved (with its root cause, solution and prevention, when known)."""
    out = _stamp("resolve", key, at, note, done_by)
    try:
        _details(key, done_by, root_cause=root_cause, solution=solution, prevention=prevention)
    except ChangeflowError as exc:
        return refused("resolve", exc, key)
    return out


@flow(name="close", flow_run_name="close {key}", log_prints=True)
def close(
    key: str = KEY,
    at: datetime | None = AT,
    note: str = Field("", title="说明 Note", max_length=2000),
    confirmed_by: str = Field("", title="甲方确认人 Confirmed by (client)", max_length=120),
    confirmed_on: str = Field("", title="确认日期 Confirmed on", max_length=40),
    confirmation: str = Field("", title="甲方意见 Client's comment", max_length=2000),
    done_by: str = BY,
) -> Any:
    """Close a resolved fault (with the client's confirmation of the fix)."""
    out = _stamp("close", key, at, note, done_by)
    try:
        _details(key, done_by, confirmed_by=confirmed_by, confirmed_on=confirmed_on,
                 confirmation=confirmation)  # fmt: skip
    except ChangeflowError as exc:
        return refused("close", exc, key)
    return out


@flow(name="pause", flow_run_name="pause {key}", log_prints=True)
def pause(
    key: str = KEY,
    reason: str = Field(
        "等待客户 waiting for the client", title="原因 Reason", min_length=1, max_length=500
    ),
    at: datetime | None = AT,
    done_by: str = BY,
) -> Any:
    """Stop the running clocks while we wait for the client."""
    from changeflow.tasks.maintenance import pause as _pause

    try:
        view = _pause(key, at=at, reason=reason, actor=done_by, channel="ui")
    except ChangeflowError as exc:
        return refused("pause", exc, key)
    _fault_artifact("pause", view)
    return outcome(f"{key}: {VERB['pause']} -> {view.get('state', '')}", view)


@flow(name="resume", flow_run_name="resume {key}", log_prints=True)
def resume(
    key: str = KEY,
    reason: str = Field("客户已答复 client answered", title="原因 Reason", max_length=500),
    at: datetime | None = AT,
    done_by: str = BY,
) -> Any:
    """Restart the clocks; the due times move by the time paused."""
    from changeflow.tasks.maintenance import resume as _resume

    try:
        view = _resume(key, at=at, reason=reason, actor=done_by, channel="ui")
    except ChangeflowError as exc:
        return refused("resume", exc, key)
    _fault_artifact("resume", view)
    return outcome(f"{key}: {VERB['resume']} -> {view.get('state', '')}", view)


# --- dispatch orders and the run log -------------------------------------------------------

DispatchKind = Literal["remote 远程", "emergency 紧急", "change 变更", "weekly-visit 每周上门"]


@flow(name="dispatch-create", flow_run_name="dispatch-create {kind}", log_prints=True)
def dispatch_create(
    kind: DispatchKind = Field(title="类型 Kind"),
    planned_start: datetime = Field(title="计划开始 Planned start"),
    staff: list[str] = Field(title="工程师 Engineers", min_length=1, max_length=10),
    title: str = Field("", title="标题 Title", max_length=300),
    work_content: str = Field("", title="工作内容 Work", max_length=5000),
    requests: list[str] | None = Field(None, title="相关编号 Request keys"),
    done_by: str = BY,
    send: bool = send_field(),
) -> Any:
    """A dispatch order with its document for the client to sign."""
    from changeflow.tasks.maintenance import create_dispatch

    from .common import document_link
    from .mail import mail_failed, mail_markdown, send_task

    try:
        r = create_dispatch(kind=kind.split(" ")[0], planned_start=planned_start, staff=staff,
                            title=title, work_content=work_content, requests=requests or [],
                            actor=done_by, channel="ui", source="Prefect form")  # fmt: skip
        link = document_link(r["document"], f"派工单 Dispatch order {r['number']}")
        mail = r["mail"] = send_task(r["document"], send, done_by)
    except ChangeflowError as exc:
        return refused("dispatch-create", exc)
    publish_markdown(
        f"dispatch-{r['number']}",
        f"# 派工单 Dispatch order {md(r['number'])}\n- 文档 Document: {link}\n"
        + mail_markdown(mail)
        + next_line("dispatch-done", "完成后 / when the work is done,"),
        "Dispatch order",
    )
    failed = mail_failed("dispatch-create", mail, r["number"])
    if failed is not None:
        return failed
    return outcome(f"派工单已生成 Dispatch order {r['number']} ({kind})", r)


@flow(name="dispatch-done", flow_run_name="dispatch-done {number}", log_prints=True)
def dispatch_done(
    number: str = Field(title="派工单号 Order number", min_length=3, max_length=40),
    actual_start: datetime = Field(title="实际开始 Started"),
    actual_end: datetime = Field(title="实际结束 Ended"),
    work_content: str = Field("", title="工作内容 Work done", max_length=5000),
    done_by: str = BY,
    send: bool = send_field(),
) -> Any:
    """Record when the work of a dispatch order was actually done."""
    from changeflow.tasks.maintenance import complete_dispatch

    from .mail import mail_failed, mail_markdown, send_task

    try:
        r = complete_dispatch(number, actual_start=actual_start, actual_end=actual_end,
                              work_content=work_content or None, actor=done_by,
                              channel="ui")  # fmt: skip
        mail = r["mail"] = send_task(r["document"], send, done_by) if r.get("document") else None
    except ChangeflowError as exc:
        return refused("dispatch-done", exc, number)
    failed = mail_failed("dispatch-done", mail, number)
    if failed is not None:
        return failed
    publish_markdown(
        f"dispatch-done-{number}",
        f"# 派工单 Dispatch order {md(number)}: 已完成 done\n"
        + mail_markdown(mail)
        + next_line(None, hand_in_line("派工单", "dispatch order")),
        "Dispatch done",
    )
    return outcome(f"派工单已完成 Dispatch order {number} done", r)


@flow(name="run-log-add", flow_run_name="run-log-add {day}", log_prints=True)
def run_log_add(
    day: date = Field(title="日期 Day"),
    author: str = Field(title="填写人 Written by", min_length=1, max_length=120),
    checks: list[str] | None = Field(None, title="巡检项目 Checks done"),
    backups_verified: bool = Field(False, title="已核对备份 Backups verified"),
    incidents: str = Field("", title="异常 Incidents", max_length=5000),
    changes: str = Field("", title="变更 Changes", max_length=5000),
    replace: bool = Field(False, title="覆盖当天记录 Replace the day's entry"),
) -> Any:
    """The run log (运行日志) of one service day."""
    from changeflow.tasks.maintenance import add_run_log

    try:
        r = add_run_log(day=day, author=author, checks=checks or [],
                        backups_verified=backups_verified, incidents=incidents, changes=changes,
                        replace=replace)  # fmt: skip
    except ChangeflowError as exc:
        return refused("run-log-add", exc, str(day))
    publish_markdown(
        f"run-log-{day}",
        f"# 运行日志 Run log {day}\n- 填写人 By: {md(author)}\n" + next_line(None),
        "Run log",
    )
    return outcome(f"运行日志已记录 Run log recorded: {day}", r)
