"""Flows of the client's approval: ``record-decision`` (the lead's form), ``inbox`` (every
five minutes over the inbox folder) and ``kickoff``.

No run waits for a client: decisions take days and are recorded in the database by whichever
door they come through; ``kickoff`` then starts from the record.

Evidence in the form: the Prefect UI cannot upload files, so a lead saves the scan (PDF,
image) or the mail (.eml/.msg) into ``<inbox>/evidence/`` (the inbox is a shared folder)
and types its file name in the form. The inbox flow does not touch that subfolder; after the
decision is recorded the file is archived in the document store with its sha256 and moved to
``<inbox>/evidence/done/``.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, field_validator

from changeflow.bilingual import MAIL_STATUSES, both_label, outcome_label, state_label
from changeflow.errors import ChangeflowError, InputError
from changeflow.settings import get_settings

from .common import (
    AT_FIELD,
    AT_LABEL,
    REQUEST_KEY,
    REQUEST_KEY_BARE,
    bilingual_choice,
    code_of,
    md,
    next_line,
    outcome,
    publish_markdown,
    publish_table,
    refused,
    run_name,
    timed_name,
)
from .forms import flow
from .mail import mail_note

EVIDENCE_DIR = "evidence"


class DecisionInput(BaseModel):
    """What the client decided, as the lead records it from a call, a mail or paper."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    decision: Literal["approve 同意", "reject 不同意"] = Field(title="决定 Decision")

    @field_validator("decision", mode="before")
    @classmethod
    def _bilingual(cls, v: object) -> object:
        return bilingual_choice(v, ("approve 同意", "reject 不同意"))

    approver: str = Field(
        title="审批人 Approver", description="甲方审批人姓名", min_length=1, max_length=120
    )
    decided_on: date = Field(title="日期 Date of the decision")
    comment: str = Field("", title="意见 Comment", max_length=4000)
    evidence_file: str | None = Field(
        None,
        title="证据文件 Evidence file",
        description=(
            "在交回页面上传扫描件或邮件（.pdf .png .jpg .tif .eml .msg）后填写其编号（或收件箱"
            " evidence 文件夹中的文件名） / hand the scan or mail in on the hand-in page and"
            " enter its upload id (or a file name in the inbox's evidence folder)"
        ),
        max_length=200,
    )
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]


def evidence_path(name: str) -> Path:
    """An upload id from the hand-in page, or the named file inside ``<inbox>/evidence/``;
    nothing outside them is ever read."""
    if name.isdigit():
        from changeflow.tasks.uploads import upload_path

        return upload_path(int(name), "evidence")
    folder = (get_settings().inbox / EVIDENCE_DIR).resolve()
    src = "decision form"
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise InputError(src, "evidence_file", "give only a file name from the evidence folder")
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        present = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        hint = f" (there: {', '.join(present[:10])})" if present else " (the folder is empty)"
        raise InputError(src, "evidence_file", f"'{name}' is not in {folder}{hint}")
    return path


def _record(form: DecisionInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.inputs import read_limited
    from changeflow.tasks.signoff import record_decision

    path = evidence_path(form.evidence_file) if form.evidence_file else None
    data = read_limited(path) if path else None
    result = record_decision(
        form.key,
        code_of(form.decision),
        form.approver,
        form.decided_on,
        form.comment,
        data,
        path.name if path else None,
        actor=actor,
        channel="ui",
        at=form.at,
        at_field=AT_LABEL,
    )
    in_folder = path is not None and path.parent.name == EVIDENCE_DIR
    if path is not None and in_folder and path.exists():
        done = path.parent / "done"
        done.mkdir(exist_ok=True)
        os.replace(path, done / path.name)
    return result.as_dict()


record_task = task(_record, name="record-decision", cache_policy=NO_CACHE)


@flow(
    name="record-decision",
    flow_run_name=run_name("record-decision", "decision", "key"),
    log_prints=True,
)
def record_decision(
    decision: DecisionInput,
    recorded_by: str = Field("", title="经办人 Recorded by", max_length=120),
) -> dict[str, Any]:
    """Record a client's decision given by phone, mail or on paper (盖章扫描件)."""
    try:
        res = record_task(decision, recorded_by)
    except ChangeflowError as exc:
        return refused("record-decision", exc, decision.key)
    verb = "同意 approved" if res["decision"] == "approve" else "不同意 not approved"
    lines = [
        f"# {res['key']} · {res['kind']} v{res['version']}: {verb}",
        f"- 审批人 Approver: {md(res['approver'])}",
        f"- 日期 Date: {res['decided_on']}",
        f"- 意见 Comment: {md(res['comment']) or '—'}",
        f"- 状态 State: **{state_label(res['state'])}**",
        f"- 证据 Evidence: {res['evidence'] or '—'}"
        + (f" (sha256 `{res['evidence_sha256']}`)" if res["evidence_sha256"] else ""),
    ]
    if res["duplicate"]:
        lines.insert(1, "_已记录过，未重复记录 Already recorded: nothing new._")
    if res["state"] == "approved":
        lines.append(next_line("kickoff", "开始开发 / start development:"))
    elif res["state"] == "accepted":
        lines.append(next_line(None, "需求已验收 the request is accepted"))
    else:
        lines.append(next_line("plan", "按客户意见修改 / revise as the client asked:"))
    publish_markdown(f"decision-{res['key']}", "\n".join(lines), "客户决定 Client decision")
    return outcome(f"{res['key']}: {verb}（{res['approver']}）-> {state_label(res['state'])}", res)


def _inbox(folder: str | None) -> dict[str, Any]:
    from changeflow.tasks.inbox import process_inbox

    return process_inbox(Path(folder) if folder else None).as_dict()


inbox_task = task(_inbox, name="inbox-pass", cache_policy=NO_CACHE)


@flow(name="inbox", flow_run_name=timed_name("inbox"), log_prints=True)
def inbox(
    folder: str | None = Field(
        None, title="收件箱 Inbox folder", description="留空用设置 / empty: the configured inbox"
    ),
) -> dict[str, Any]:
    """Every file a client sent: task books to intake, returned documents to approval,
    anything else refused (moved to refused/ beside its reason); fails if any was refused."""
    report = inbox_task(folder)
    items = report["items"]
    if items:
        publish_table(
            "inbox",
            [
                {
                    "文件 File": i["file"],
                    "结果 Outcome": outcome_label(i["outcome"]),
                    "请求 Key": i["key"] or "",
                    "说明 Detail": i["detail"],
                }
                for i in items
            ],
            f"Inbox pass over {report['folder']}",
        )
    for i in items:
        print(f"{i['file']}: {outcome_label(i['outcome'])}: {i['detail']}")
    from .board import report_hand_ins

    report_hand_ins(items, "inbox")  # each recorded file: a run named for it, the board
    bad = [i for i in items if i["outcome"] in ("refused", "retry")]
    if bad:
        raise InputError(
            report["folder"],
            "files",
            f"{len(bad)} file(s) not taken: "
            + "; ".join(f"{i['file']}: {outcome_label(i['outcome'])}: {i['detail']}" for i in bad),
        )
    return outcome(
        f"收件箱 inbox: {len(items)} 个文件 files"
        + "".join(f"; {i['file']}: {outcome_label(i['outcome'])}" for i in items[:5]),
        report,
    )


def _kickoff(key: str, actor: str, at: str = "") -> dict[str, Any]:
    from changeflow.tasks.kickoff import kickoff as run

    return run(key, actor=actor, channel="ui", at=at, at_field=AT_LABEL)


kickoff_task = task(_kickoff, name="kickoff", cache_policy=NO_CACHE)


@flow(name="kickoff", flow_run_name="kickoff {key}", log_prints=True)
def kickoff(
    key: str = Field(**REQUEST_KEY_BARE),  # type: ignore[arg-type]
    started_by: str = Field("", title="经办人 Started by", max_length=120),
    at: str = Field(**AT_FIELD),  # type: ignore[arg-type]
) -> dict[str, Any]:
    """Start development of an approved request: branch cr/<key>, frozen dates, team mail."""
    try:
        res = kickoff_task(key, started_by, at)
    except ChangeflowError as exc:
        return refused("kickoff", exc, key)
    mail = res["mail"]
    lines = [
        f"# {key} · 开始开发 Kick-off",
        f"- 分支 Branch: `{res['branch']}` ({res['base_commit'][:10]}) in {md(res['repo'])}",
        f"- 计划 Schedule: {res['planned_start']} — {res['planned_end']}"
        + (f" (moved from {res['shifted_from']})" if res["shifted_from"] else ""),
        f"- 团队 Team: {', '.join(res['team'])}",
        f"- 邮件 Mail: {both_label(MAIL_STATUSES, mail['status'])} {md(mail.get('error', ''))}",
        f"- 状态 State: **{state_label(res['state'])}**",
        next_line("sync", "团队推送提交后 / once the team pushed commits,"),
    ]
    publish_markdown(f"kickoff-{key}", "\n".join(lines), "Kick-off")
    if mail["status"] not in ("sent", "already-sent", "not-set-up"):
        return refused(
            "kickoff",
            InputError(
                key,
                "mail",
                f"development started, but the team mail was not sent: {mail['error']};"
                " run kickoff again once mail works",
            ),
            key,
        )
    return outcome(
        f"{key} 已开工 started: 分支 branch {res['branch']} -> {state_label(res['state'])}"
        + mail_note(mail),
        res,
    )
