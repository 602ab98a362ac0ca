"""The technical document (GB/T 8567 软件设计说明 + 数据库设计说明 essentials) and the user
manual (用户手册) hold every required part (tests/support/doccheck/kinds.py): made from the
demo's notes they pass the check, each part taken out again is found; sparse notes give a
draft that lists what is missing, never an empty shell sent as final; the database changes
the release carries are read from the client's repository."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from tests.support.delivery import (
    docx_text,
    make_project,
    png,
    point_contract,
    pytest_command,
    to_development,
)
from tests.support.doccheck.kinds import OUTLINES, check_kind, is_draft, without_section

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SHOTS = ("请假单界面.png", "审批界面.png", "同步管理界面.png")  # one per role's chapter


@pytest.fixture
def testing(submitted: str, tmp_path: Path) -> str:
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted)
    repo.commit(  # the request's migration, on its development branch
        f"{submitted} 新增：分管领导字段迁移脚本",
        {"db/2026_leave_vp.sql": "-- 新增字段\nALTER TABLE leave ADD COLUMN vp_approver"
         " varchar(50) NULL;\nSELECT 1;\n"},
        author=("Zhang Wei", "zhang.wei@contractor.example"),
        when="2026-07-05T10:00:00+08:00",
    )  # fmt: skip
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    assert run_tests(submitted).passed
    return submitted


def _make(key: str, notes: str, *, shots: tuple[str, ...] = SHOTS, draft: bool = False) -> dict:
    from changeflow.tasks.delivery_docs import check_screenshot, make_docs

    pictures = [check_screenshot(png(), name) for name in shots]
    return {r.kind: r for r in make_docs(key, notes=notes, screenshots=pictures, draft=draft)}


def _demo_notes() -> str:
    return (EXAMPLES / "design-notes.md").read_text(encoding="utf-8")


def _without_label(path: Path, label: str) -> bytes:
    """The document without a front-matter label paragraph (修订记录, 目录 ...)."""
    d = docx.Document(str(path))
    for p in d.paragraphs:
        if p.text.strip() == label:
            p._p.getparent().remove(p._p)
            break
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _without_pictures(path: Path, chapter: str) -> bytes:
    """The document with the pictures of one chapter taken out."""
    d = docx.Document(str(path))
    inside = False
    for p in d.paragraphs:
        if p.style is not None and p.style.name == "Heading 1":
            inside = p.text.endswith(chapter)
        elif inside:
            for drawing in p._p.findall(".//" + docx.oxml.ns.qn("w:drawing")):
                drawing.getparent().remove(drawing)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["techdoc", "manual"])
def test_the_demos_notes_give_every_part_and_each_part_taken_out_is_found(
    testing: str, tmp_path: Path, kind: str
) -> None:
    made = _make(testing, _demo_notes())
    doc = made[kind]
    assert not doc.draft and not doc.missing
    path = Path(doc.document)
    assert not is_draft(path)
    assert check_kind(path, kind, "zh-CN") == []
    broken = tmp_path / "broken.docx"
    for part in OUTLINES[kind]:
        if part.level == 0:
            broken.write_bytes(_without_label(path, part.zh))
            assert f"{part.name}: missing" in " ".join(check_kind(broken, kind, "zh-CN"))
            continue
        heading = next(p.text for p in docx.Document(str(path)).paragraphs
                       if p.style is not None and p.style.name == f"Heading {part.level}"
                       and part.zh in p.text)  # fmt: skip
        broken.write_bytes(without_section(path, heading))
        assert f"{part.name}: missing" in check_kind(broken, kind, "zh-CN")[0], part.name
        broken.write_bytes(without_section(path, heading, keep_heading=True))
        assert f"{part.name}: empty" in check_kind(broken, kind, "zh-CN"), part.name
    # a chapter whose text is 待补充 again (its subsections aside)
    d = docx.Document(str(path))
    paras = d.paragraphs
    first = next(i for i, p in enumerate(paras) if p.style.name == "Heading 1"
                 and p.text.endswith(("引言", "范围")))  # fmt: skip
    paras[first + 1].text = "待补充"
    buf = io.BytesIO()
    d.save(buf)
    broken.write_bytes(buf.getvalue())
    said = check_kind(broken, kind, "zh-CN")
    assert said == [f"{'introduction' if kind == 'techdoc' else 'scope'}: says 待补充"], said
    if kind == "manual":  # a role's chapter without its screenshot
        broken.write_bytes(_without_pictures(path, "审批人"))
        assert check_kind(broken, kind, "zh-CN") == ["role '五、审批人': no screenshot"]
    else:  # the database design without its table of fields
        d = docx.Document(str(path))
        for t in d.tables:
            if t.cell(0, 1).text == "字段":
                t._tbl.getparent().remove(t._tbl)
        buf = io.BytesIO()
        d.save(buf)
        broken.write_bytes(buf.getvalue())
        assert check_kind(broken, kind, "zh-CN") == ["database: no table with 字段, 类型"]


def test_the_database_design_lists_the_releases_schema_changes_from_the_repository(
    testing: str,
) -> None:
    tech = _make(testing, _demo_notes())["techdoc"]
    d = docx.Document(tech.document)
    heads = [p.text for p in d.paragraphs if p.style is not None and p.style.name.startswith("H")]
    at = heads.index("本次发布包含的数据库变更")  # in the database design, after the notes'
    assert heads[at - 3 : at] == ["五、数据库设计", "索引", "迁移"]
    rows = [[c.text for c in r.cells] for t in d.tables if t.cell(0, 0).text == "文件"
            for r in t.rows[1:]]  # fmt: skip
    # each change in words beside its file, then the statements as code under the table
    assert ["db/2026_leave_vp.sql", "表 leave 新增字段 vp_approver（varchar(50)）"] in rows
    assert ["report/stats.sql", "表 leave 新增索引 i（day）"] in rows
    text = "\n".join(p.text for p in d.paragraphs)
    after = text[text.index("执行的语句") :]
    assert "ALTER TABLE leave ADD COLUMN vp_approver varchar(50) NULL;" in after
    assert "CREATE INDEX i ON leave(day);" in after
    assert "SELECT" not in after  # a query is no schema change


def test_sparse_notes_give_a_draft_that_lists_what_is_missing(testing: str, tmp_path: Path) -> None:
    from changeflow.errors import InputError

    sparse = (
        "# 总体设计\n\n审批引擎。\n\n# 数据库设计\n\n新增字段 vp。\n\n"
        "# 用户手册\n\n## 审批人\n\n点“同意”。\n"
    )
    with pytest.raises(InputError) as err:
        _make(testing, sparse, shots=())
    for word in ("运行环境", "安全与权限设计", "性能设计", "部署与运维", "数据库设计：表结构",
                 "首次使用", "出错与恢复", "快速参考"):  # fmt: skip
        assert word in str(err.value), word
    # a role chapter without its screenshot is named like a missing section
    assert "“审批人”一章的界面截图" in str(err.value)
    made = _make(testing, sparse, shots=(), draft=True)
    assert any("“审批人”一章的界面截图" in m for m in made["manual"].missing)
    for kind, doc in made.items():
        path = Path(doc.document)
        assert doc.draft and is_draft(path)
        text = docx_text(path)
        for gap in doc.missing:  # the notice at the top names each gap
            assert gap in text.split("请求编号")[0], gap
        found = check_kind(path, kind, "zh-CN")
        assert found and not any("draft:" in f for f in found)
    tech = made["techdoc"].missing
    assert "数据库设计" not in tech and "数据库设计：表结构（表、字段、类型、说明）" in tech
    assert "数据库设计：迁移方法（迁移脚本及执行方式）" not in tech  # the repository has it


def test_migration_statements_and_data_gaps() -> None:
    from changeflow.tasks.dbschema import describe, is_migration, statements
    from changeflow.tasks.delivery_docs.dbchanges import data_gaps

    assert is_migration("db/x.sql") and is_migration("migrations/versions/0001_a.py")
    assert not is_migration("oa/leave/flow.py") and not is_migration("README.md")
    sql = ("/* 说明 */\n-- 注释\nALTER TABLE leave\n  ADD COLUMN a int; -- 行尾\n"
           "SELECT * FROM leave;\ncreate unique index u on leave(a);\n")  # fmt: skip
    assert statements(sql) == [
        "ALTER TABLE leave ADD COLUMN a int",
        "create unique index u on leave(a)",
    ]
    said = [describe(s, zh=True) for s in statements(sql)]
    assert said == ["表 leave 新增字段 a（int）", "表 leave 新增索引 u（a）"]
    assert describe("ALTER TABLE `leave` DROP COLUMN b", zh=False) == "table leave: field b removed"
    assert describe("GRANT x", zh=True) == "GRANT x"  # another form: as it is
    alembic = "def upgrade():\n    op.add_column('leave', sa.Column('a', sa.Integer()))\n"
    assert statements(alembic) == ["op.add_column('leave', sa.Column('a', sa.Integer()))"]
    table = "| 表 | 字段 | 类型 |\n|---|---|---|\n| leave | a | int |\n"
    assert data_gaps(table + "\n迁移脚本 a.sql。", False, "zh-CN") == []
    assert data_gaps(table, False, "en") == [
        "Database design: the migration (script and how it runs)"
    ]
    assert data_gaps("字段 a。", True, "zh-CN") == ["数据库设计：表结构（表、字段、类型、说明）"]
    assert data_gaps("本次无数据库变更。", False, "zh-CN") == []
