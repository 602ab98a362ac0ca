"""Schema changes in a client's migration files, read as the statements that change the
schema and said in words for a record a client reads (表 leave 新增字段 vp_approver). Shared
by the technical document's 数据库设计 (``delivery_docs.dbchanges``) and the go-live record's
数据库变更 (``golive_install``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

MAX_STATEMENTS = 40
# where a project keeps its schema changes: any .sql file, and the usual migration folders
_MIGRATION_DIRS = ("migrations", "migration", "migrate", "alembic", "versions", "flyway",
                   "liquibase", "changelog", "schema")  # fmt: skip
_DDL = re.compile(
    r"^\s*(create\s+(?:unique\s+)?(?:table|index|view|sequence)|alter\s+table|drop\s+"
    r"(?:table|index|view|column)|rename\s+table|comment\s+on|op\.(?:add_column|drop_column|"
    r"create_table|drop_table|create_index|drop_index|alter_column|rename_table))\b",
    re.IGNORECASE,
)


def is_migration(path: str) -> bool:
    p = PurePosixPath(path)
    if p.suffix.lower() == ".sql":
        return True
    return p.suffix.lower() in (".py", ".xml", ".yaml", ".yml") and any(
        part.lower() in _MIGRATION_DIRS for part in p.parts[:-1]
    )


def statements(text: str) -> list[str]:
    """The schema-changing statements of a migration file, one line each (comments and
    queries left out), in the file's order."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    out: list[str] = []
    current: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r"--.*$", "", raw).strip()
        if not line or line.startswith("#"):
            continue
        if current:
            current.append(line)
        elif _DDL.match(line):
            current = [line]
        if current and (
            line.endswith(";") or (current[0].startswith("op.") and line.endswith(")"))
        ):
            out.append(" ".join(current).rstrip(";").strip())
            current = []
    if current:
        out.append(" ".join(current).rstrip(";").strip())
    return out[:MAX_STATEMENTS]


_IDENT = r"[`\"\[]?([\w.]+)[`\"\]]?"
# One table: a statement's form (matched from its start, any case), and its words in
# Chinese and English; the groups fill {0}, {1}, {2}. The first form that matches wins.
_FORMS: list[tuple[str, str, str]] = [
    (rf"alter\s+table\s+{_IDENT}\s+add\s+(?:column\s+)?{_IDENT}\s+([\w]+(?:\([\d,\s]+\))?)",
     "表 {0} 新增字段 {1}（{2}）", "table {0}: new field {1} ({2})"),
    (rf"alter\s+table\s+{_IDENT}\s+drop\s+(?:column\s+)?{_IDENT}",
     "表 {0} 删除字段 {1}", "table {0}: field {1} removed"),
    (rf"alter\s+table\s+{_IDENT}\s+(?:modify|alter|change)\s+(?:column\s+)?{_IDENT}",
     "表 {0} 修改字段 {1}", "table {0}: field {1} changed"),
    (rf"alter\s+table\s+{_IDENT}\s+rename\s+(?:to\s+)?{_IDENT}",
     "表 {0} 改名为 {1}", "table {0} renamed {1}"),
    (rf"alter\s+table\s+{_IDENT}", "表 {0} 结构调整", "table {0}: structure changed"),
    (rf"create\s+(?:unique\s+)?index\s+{_IDENT}\s+on\s+{_IDENT}\s*\(([^)]*)\)",
     "表 {1} 新增索引 {0}（{2}）", "table {1}: new index {0} ({2})"),
    (rf"create\s+table\s+(?:if\s+not\s+exists\s+)?{_IDENT}", "新建表 {0}", "new table {0}"),
    (rf"create\s+view\s+{_IDENT}", "新建视图 {0}", "new view {0}"),
    (rf"drop\s+table\s+(?:if\s+exists\s+)?{_IDENT}", "删除表 {0}", "table {0} removed"),
    (rf"drop\s+index\s+{_IDENT}", "删除索引 {0}", "index {0} removed"),
    (r"op\.add_column\(\s*['\"](\w+)['\"].*?Column\(\s*['\"](\w+)['\"]",
     "表 {0} 新增字段 {1}", "table {0}: new field {1}"),
    (r"op\.drop_column\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]",
     "表 {0} 删除字段 {1}", "table {0}: field {1} removed"),
    (r"op\.create_table\(\s*['\"](\w+)['\"]", "新建表 {0}", "new table {0}"),
    (r"op\.create_index\(\s*['\"](\w+)['\"]\s*,\s*['\"](\w+)['\"]",
     "表 {1} 新增索引 {0}", "table {1}: new index {0}"),
]  # fmt: skip
_WORDS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(f"^{form}", re.IGNORECASE), (zh, en)) for form, zh, en in _FORMS
]


def describe(statement: str, zh: bool, mark: Callable[[str], str] = str) -> str:
    """A schema change in words (表 leave 新增字段 vp_approver（varchar(50)）), each name
    through ``mark`` (Markdown: as code); a statement of another form as it is."""
    for pattern, (z, e) in _WORDS:
        m = pattern.match(statement.strip())
        if m:
            cols = [mark(re.sub(r"\s+", "", g)) if g else "" for g in m.groups()]
            return (z if zh else e).format(*cols)
    return statement
