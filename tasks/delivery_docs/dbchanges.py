"""The database changes a release carries, read from the client's repository (GB/T 8567's
数据库设计说明: what the change does to the database): the migration files the request's
commits touched, read at the release's commit (else the head of the development branch),
and in them the statements that change the schema (``tasks.dbschema``: CREATE/ALTER/DROP/
RENAME of tables, columns and indexes). A file with no such statement (a report query) is
no database change.
"""

from __future__ import annotations

import re
from typing import Any

from changeflow.bilingual import is_zh

from ..dbschema import describe, is_migration, statements

MAX_FILE_BYTES = 256 * 1024


def release_db_changes(repo: Any, sha: str, paths: list[str]) -> list[dict[str, Any]]:
    """[{file, statements}] for the migration files among ``paths`` as they stand at ``sha``
    (a file deleted by then, or holding no schema change, is left out)."""
    from ..gitsync import run_git

    out = []
    for path in sorted({p for p in paths if is_migration(p)}):
        data = run_git(repo, "show", f"{sha}:{path}", check=False)
        if not data or len(data) > MAX_FILE_BYTES:
            continue
        found = statements(data.decode("utf-8", "replace"))
        if found:
            out.append({"file": path, "statements": found})
    return out


def db_changes_markdown(changes: list[dict[str, Any]], commit: str, lang: str) -> str:
    """The 数据库设计 section's part written from the repository (Markdown)."""
    if not changes:
        return ""
    zh = is_zh(lang)

    def cell(s: str) -> str:
        return "`" + s.replace("|", "\\|").replace("`", "'") + "`"

    head = "## 本次发布包含的数据库变更" if zh else "## Database changes in this release"
    intro = (
        f"以下语句取自甲方代码库提交 `{commit[:10]}` 中本次变更涉及的迁移文件，"
        "上线时按此执行：" if zh
        else f"The statements below are read from the migration files this change touched, at"
        f" commit `{commit[:10]}` of the client's repository; they run at go-live:"
    )  # fmt: skip
    cols = ("| 文件 | 变更 |\n|---|---|" if zh else "| File | Change |\n|---|---|")
    rows = [
        f"| {cell(c['file'])} | {describe(s, zh, cell)} |"
        for c in changes
        for s in c["statements"]
    ]
    # the statements under the table, as code (a table column too narrow for them broke
    # them mid-token)
    said = "执行的语句：" if zh else "The statements run:"
    code = "\n".join(s.rstrip(";") + ";" for c in changes for s in c["statements"])
    return (f"{head}\n\n{intro}\n\n{cols}\n" + "\n".join(rows)
            + f"\n\n{said}\n\n```sql\n{code}\n```\n")  # fmt: skip


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_NO_CHANGE = ("无数据库变更", "不涉及数据库", "no database change", "does not change the database")


def data_gaps(body: str, from_repo: bool, lang: str) -> list[str]:
    """What the notes' 数据库设计 section lacks (DBDD essentials): the tables and fields with
    their types (a table), and how the database is migrated; nothing when the notes say the
    change does not touch the database."""
    if not body.strip():
        return []  # the whole section is missing: said once, by the outline
    low = body.lower()
    if any(w in low for w in _NO_CHANGE) and not from_repo:
        return []
    zh = is_zh(lang)
    out = []
    rows = [line for line in body.splitlines() if _TABLE_ROW.match(line)]
    if len(rows) < 3:  # a header, the rule and one row at least
        out.append("数据库设计：表结构（表、字段、类型、说明）" if zh
                   else "Database design: the tables (table, field, type, meaning)")  # fmt: skip
    if not from_repo and not any(w in low for w in ("迁移", "migration", "脚本", "script")):
        out.append("数据库设计：迁移方法（迁移脚本及执行方式）" if zh
                   else "Database design: the migration (script and how it runs)")  # fmt: skip
    return out
