"""What the weekly report's tests share: the people, Shanghai times, a project with its
git history, a week built, the .docx read back, the SMTP mailbox."""

from __future__ import annotations

import email
import socket
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx

from tests.support.gitrepo import GitRepo

SH = ZoneInfo("Asia/Shanghai")
ZW = ("Zhang Wei", "zhang.wei@contractor.example")  # 张伟 (git alias "Zhang Wei")
LM = ("liming", "ming.li@contractor.example")  # 李明 (git aliases liming / ming.li@...)
D = date.fromisoformat


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def move_request(key: str, target: str, when: str, actor: str = "李明") -> None:
    from changeflow.db.lifecycle import load_for_update, transition
    from changeflow.db.session import transaction

    with transaction() as s:
        req = load_for_update(s, key)
        transition(s, req, target, actor=actor, reason=f"to {target}", at=at(when))


def sync_repo(path: Path, url: str) -> None:
    from changeflow.tasks import gitsync

    gitsync.sync(str(path), url=url)


def make_project(key: str, db: str, tmp_path: Path) -> dict[str, Any]:
    """CR in development since 2026-09-14 with plan v1 (default estimates) and a git history
    across the Mid-autumn and National Day holidays of 2026, in Chinese."""
    from changeflow.tasks.planning import make_plan

    plan = make_plan(
        key, start=D("2026-09-14"), lang="zh-CN", actor="李明", issue=True, backdated=True
    )
    move_request(key, "approved", "2026-09-11T10:00:00")
    move_request(key, "in_development", "2026-09-14T09:00:00")
    repo = GitRepo(tmp_path / "oa")
    c = repo.commit
    c(
        f"{key} 请假审批：增加分管领导审批节点 @6h",
        {"a.txt": "1"},
        author=ZW,
        when="2026-09-14T10:00:00+08:00",
    )
    c(
        f"{key} 需求分析：整理请假流程 @4h",
        {"b.txt": "1"},
        author=LM,
        when="2026-09-15T11:00:00+08:00",
    )
    c(f"{key} 考勤接口对接 @8h", {"a.txt": "2"}, author=ZW, when="2026-09-18T16:00:00+08:00")
    # Sunday 2026-09-20 is a make-up workday (National Day), after W38's Friday report
    c(
        f"{key} 调休日：修复审批节点排序 @7h",
        {"a.txt": "3"},
        author=ZW,
        when="2026-09-20T14:00:00+08:00",
    )
    c(f"{key} 年假余额同步 @8h", {"c.txt": "1"}, author=ZW, when="2026-09-22T10:00:00+08:00")
    c(
        f"{key} 单元测试 <script>&amp; @3h",
        {"c.txt": "2"},
        author=ZW,
        when="2026-09-28T15:30:00+08:00",
    )
    c(f"{key} 审批流程联调 @8h", {"d.txt": "1"}, author=ZW, when="2026-09-29T10:00:00+08:00")
    c(
        f"{key} 统计报表：按部门汇总 @6h",
        {"e.txt": "1"},
        author=ZW,
        when="2026-09-30T10:00:00+08:00",
    )
    c(f"{key} 假期中处理紧急问题 @2h", {"e.txt": "2"}, author=LM, when="2026-10-03T20:00:00+08:00")
    c("无关提交：更新依赖", {"f.txt": "1"}, author=ZW, when="2026-09-29T11:00:00+08:00")
    sync_repo(repo.path, db)
    return {"key": key, "plan": plan, "repo": repo, "url": db}


def read_docx(path: str) -> tuple[str, list[list[list[str]]], Any]:
    d = docx.Document(path)
    text = "\n".join(p.text for p in d.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return text, tables, d


def build_week(week: str, client: str = "DEMO") -> dict[str, Any]:
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly
    from changeflow.tasks.directory import find_client

    with transaction() as s:
        return weekly.build_week(s, find_client(s, client), week)


def build_week_at(week: str, when: str, client: str = "DEMO") -> dict[str, Any]:
    from changeflow.db.session import transaction
    from changeflow.tasks import weekly
    from changeflow.tasks.directory import find_client

    with transaction() as s:
        return weekly.build_week(s, find_client(s, client), week, now=at(when))


class Mailbox:
    """Every message the SMTP server accepted: (envelope sender, recipients, raw bytes)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def parsed(self, i: int = -1) -> email.message.EmailMessage:
        return email.message_from_bytes(self.messages[i][2], policy=policy.default)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SMTP_USER, SMTP_PASSWORD = "lead-mailer", "s3cret-do-not-log"


def report_row(report_id: int) -> Any:
    from changeflow.db.session import transaction
    from changeflow.db.weekly import WeeklyReport

    with transaction() as s:
        row = s.get(WeeklyReport, report_id)
        s.expunge(row)
        return row
