"""The steps a lead once needed a shell for, as flows with bilingual forms: the contract (YAML
text, its repository included), adding a repository, dispatch orders (create, done) and the
daily run log (a fault's steps are with the fault, in ``flows.maintenance``).

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

from .common import BY, hand_in_line, md, next_line, outcome, publish_markdown, refused
from .forms import flow
from .mail import send_field

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
    from changeflow.tasks.gitsync import register_repository

    try:
        repo = register_repository(location, contract=contract_code, name=name or None)
        repo_name, where = repo["name"], repo["location"]
    except ChangeflowError as exc:
        return refused("repo-add", exc, contract_code)
    publish_markdown(
        f"repo-{repo_name}",
        f"# 代码库 Repository {md(repo_name)}\n- 位置 Location: `{md(where)}`\n"
        + next_line("sync"),
        "Repository added",
    )
    return outcome(f"代码库已登记 Repository added: {repo_name} ({contract_code})")


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
    from .mail import mail_failed, mail_markdown, mail_note, send_task

    try:
        r = create_dispatch(kind=kind.split(" ")[0], planned_start=planned_start, staff=staff,
                            title=title, work_content=work_content, requests=requests or [],
                            actor=done_by, channel="ui", source="Prefect form")  # fmt: skip
        link = document_link(r["document"], f"派工单 Dispatch order {r['number']}")
        mail = r["mail"] = send_task(r, send, done_by)
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
    return outcome(f"派工单已生成 Dispatch order {r['number']} ({kind})" + mail_note(mail), r)


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

    from .mail import mail_failed, mail_markdown, mail_note, send_task

    try:
        r = complete_dispatch(number, actual_start=actual_start, actual_end=actual_end,
                              work_content=work_content or None, actor=done_by,
                              channel="ui")  # fmt: skip
        mail = r["mail"] = send_task(r, send, done_by)
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
    return outcome(f"派工单已完成 Dispatch order {number} done" + mail_note(mail), r)


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
