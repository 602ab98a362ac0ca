"""The install/upgrade record of a go-live (安装/升级记录) and what goes with it: the
rollback plan (the contract's default steps, or the design notes' own), the database
changes read from the design notes, and what the record still lacks (a draft until then).

Split from ``tasks.golive``, which re-exports the public names.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import pick
from changeflow.db.models import Request
from changeflow.errors import InputError

from .inputs import clean_text

DEFAULT_ROLLBACK = {
    "zh-CN": [
        "通知甲方项目负责人及相关用户，暂停与本次变更相关的业务操作。",
        "停止 OA 应用服务，备份当前数据库和附件目录。",
        "将程序切换回本次上线前的版本，重新部署（版本标签见技术文档附录）。",
        "如本次上线包含数据库变更，用上线前的备份恢复数据库。",
        "重启服务，验证登录、待办和审批流程正常。",
        "在上线记录中注明回退时间和原因，并通知甲方回退完成。",
    ],
    "en": [
        "Tell the client's project lead and the users concerned; pause the affected work.",
        "Stop the OA application service; back up the current database and attachments.",
        "Switch back to the version before this go-live and deploy it (tags: technical document).",
        "If this release changed the database, restore the backup taken before the go-live.",
        "Restart the service; check login, to-do lists and the approval workflows.",
        "Write the time and the reason of the rollback on this record; tell the client.",
    ],
}


def rollback_steps(
    settings: dict[str, Any], lang: str, *, tag: str, previous: str | None, commit: str
) -> list[str]:
    steps = settings.get("rollback_steps") or DEFAULT_ROLLBACK[lang]
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise InputError("contract settings", "rollback_steps", "must be a list of texts")
    prev = previous or pick(("上一版本", "the previous version"), lang)
    return [
        clean_text(s, 1000).replace("{tag}", tag).replace("{previous}", prev)
        .replace("{commit}", commit[:10])
        for s in steps
    ]  # fmt: skip


ROLLBACK_TRIGGER = (
    "上线后访问测试不通过，或出现影响业务的严重故障且 30 分钟内不能修复，由双方负责人商定后回退。",
    "The access test after the release fails, or a serious fault that stops the business cannot"
    " be fixed within 30 minutes: the two leads agree and roll back.",
)


def install_record(data: Any, source: str = "--install") -> dict[str, Any]:
    """The install/upgrade record of a go-live (the contract's rule: prepare and check the
    environment, back up, install or upgrade, test access), from a mapping::

        engineer: 张伟
        checks: [生产服务器磁盘空间充足, 应用与数据库版本与测试环境一致]
        backup: {by: 张伟, at: 2026-12-04 19:00, where: 甲方备份服务器 /backup/oa/20261204}
        steps: [{at: "19:10", action: 执行迁移脚本, by: 张伟}, ...]
        access: {by: 王芳, at: 2026-12-04 19:50, result: 登录、提交请假单、审批均正常}

    Every field is optional here; what is missing makes the go-live record a draft."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(source, "install", "must be a mapping (engineer, checks, backup ...)")

    def text(v: Any, field: str, limit: int = 500) -> str:
        if v is None:
            return ""
        if isinstance(v, dict | list):
            raise InputError(source, field, "must be a text")
        return clean_text(str(v), limit)

    def block(name: str, keys: tuple[str, ...]) -> dict[str, str]:
        v = data.get(name) or {}
        if not isinstance(v, dict):
            raise InputError(source, name, f"must be a mapping ({', '.join(keys)})")
        return {k: text(v.get(k), f"{name}.{k}") for k in keys}

    checks = data.get("checks") or []
    if not isinstance(checks, list):
        raise InputError(source, "checks", "must be a list of texts")
    steps = data.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(x, dict) for x in steps):
        raise InputError(source, "steps", "must be a list of {at, action, by}")
    return {
        "engineer": text(data.get("engineer"), "engineer", 120),
        "checks": [text(c, f"checks[{i}]") for i, c in enumerate(checks, start=1) if c],
        "backup": block("backup", ("by", "at", "where")),
        "steps": [
            {k: text(x.get(k), f"steps[{i}].{k}") for k in ("at", "action", "by")}
            for i, x in enumerate(steps, start=1)
        ],
        "access": block("access", ("by", "at", "result")),
    }


def _table_line(line: str) -> list[str] | None:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return None
    cells = [c.strip().strip("`").strip() for c in line.strip("|").split("|")]
    if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
        return None
    return cells


def design_section(session: Session, req: Request, key: str) -> str:
    """A section (``data``, ``deploy``, ``rollback``) of the design notes the newest technical
    document was made from (Markdown; empty when none)."""
    from changeflow.db.models import Document

    doc = session.scalar(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == "techdoc")
        .order_by(Document.version.desc(), Document.id.desc())
        .limit(1)
    )
    return str(((doc.meta or {}).get("sections") or {}).get(key, "")) if doc is not None else ""


def design_rollback(session: Session, req: Request) -> list[str]:
    """The design notes' rollback steps (their list items), this release's own plan."""
    out = []
    for line in design_section(session, req, "rollback").splitlines():
        m = re.match(r"^\s*(?:\d+[.)、]|[-*+])\s+(.*)$", line)
        if m:
            out.append(m.group(1).replace("`", "").strip())
        elif line.strip() and out:
            out[-1] += line.strip()
    return out


def _techdoc_meta(session: Session, req: Request) -> dict[str, Any]:
    from changeflow.db.models import Document

    doc = session.scalar(
        select(Document)
        .where(Document.request_id == req.id, Document.kind == "techdoc")
        .order_by(Document.version.desc(), Document.id.desc())
        .limit(1)
    )
    return dict(doc.meta or {}) if doc is not None else {}


_FIELD_HEADS = ("字段", "列", "field", "column")


def database_changes(session: Session, req: Request, lang: str = "zh-CN") -> list[str] | None:
    """The data section of the newest technical document's design notes, as lines (a row of
    a table of fields as 表.字段 类型：说明, a row of another table (indexes ...) as its
    header's cells with its values; a paragraph as one line; the notes' subheadings left out),
    then the schema changes read from the client's repository when the document was made, in
    words with their file; None when neither says anything of the data."""
    body = design_section(session, req, "data")
    from .dbschema import describe

    zh = lang != "en"
    repo = [  # in words (表 leave 新增字段 ...), the file it is in named
        f"{describe(st, zh)}（{c.get('file', '')}）"
        if zh
        else f"{describe(st, zh)} ({c.get('file', '')})"
        for c in (_techdoc_meta(session, req).get("db_changes") or [])
        for st in c.get("statements", [])
    ]
    if not body.strip() and not repo:
        return None
    out: list[str] = []
    head: list[str] | None = None  # the header of the table being read
    prose = False  # the line before continues a paragraph
    for raw in body.splitlines():
        cells = _table_line(raw)
        if cells is None:
            line = raw.strip().replace("`", "")
            if raw.strip().startswith("|"):  # a table's rule row
                continue
            if not line or line.startswith("#"):
                head, prose = None, False
                continue
            if prose and out:
                out[-1] += line
            else:
                out.append(line)
            prose = True
            continue
        prose = False
        if head is None:
            head = cells
            continue
        if len(cells) >= 4 and head[1].lower() in _FIELD_HEADS:
            out.append(f"{cells[0]}.{cells[1]} {cells[2]}：{cells[3]}")
        elif len(head) == len(cells):
            out.append("；".join(f"{h} {c}" for h, c in zip(head, cells, strict=True) if c))
        else:
            out.append("；".join(c for c in cells if c))
    return out + repo


def install_missing(install: dict[str, Any], db_changes: list[str] | None, lang: str) -> list[str]:
    """What the install record still lacks (the go-live record is a draft until it has it)."""
    out = []
    if not install.get("checks"):
        out.append(
            pick(("上线前生产环境检查未记录", "no check of the production environment"), lang)
        )
    b = install.get("backup") or {}
    if not all(b.get(k) for k in ("by", "at", "where")):
        out.append(
            pick(
                (
                    "生产系统与数据备份未确认（备份人、时间、存放位置）",
                    "the production backup is not confirmed (who, when, where kept)",
                ),
                lang,
            )
        )
    if not install.get("steps"):
        out.append(
            pick(
                ("实施步骤（时间、内容、执行人）未记录", "no steps performed (time, action, who)"),
                lang,
            )
        )
    a = install.get("access") or {}
    if not all(a.get(k) for k in ("by", "at", "result")):
        out.append(
            pick(
                (
                    "上线后访问测试未记录（测试人、时间、结果）",
                    "no access test after the release (who, when, result)",
                ),
                lang,
            )
        )
    if db_changes is None:
        out.append(
            pick(
                (
                    "设计说明未写数据设计：本次是否有数据库变更待确认",
                    "the design notes have no data section: database changes unknown",
                ),
                lang,
            )
        )
    return out  # fmt: skip
