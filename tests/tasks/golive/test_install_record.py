"""The go-live record is an install/upgrade record (tests/support/doccheck/kinds.py): the
environment check, the production backup confirmed (who, when, where kept), the steps with
times and who, the access test after, the rollback trigger and steps, the database changes
the design notes' data section names, the engineer by name. Without them it is a draft that
lists what is missing."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from changeflow.errors import InputError
from tests.support.delivery import (
    EXAMPLES,
    make_project,
    manual_cases,
    png,
    point_contract,
    pytest_command,
    to_development,
)
from tests.support.doccheck.kinds import OUTLINES, check_kind, is_draft, without_section

INSTALL = {
    "engineer": "张伟",
    "checks": ["生产服务器磁盘空间充足", "应用与数据库版本与测试环境一致"],
    "backup": {"by": "张伟", "at": "2026-07-06 19:00", "where": "甲方备份服务器 oa-backup"},
    "steps": [
        {"at": "19:10", "action": "执行迁移脚本", "by": "张伟"},
        {"at": "19:20", "action": "发布程序包并重启", "by": "张伟"},
    ],
    "access": {"by": "王芳", "at": "2026-07-06 19:45", "result": "登录、提交、审批正常"},
}


def _tested(key: str, tmp_path: Path, *, notes: bool) -> None:
    from changeflow.tasks.delivery_docs import make_docs
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", key)
    point_contract(repo.path, test_command=pytest_command())
    to_development(key)
    assert run_tests(key, actor="张伟", cases=manual_cases()).passed
    if notes:  # the demo's notes, with a screenshot for each role's chapter of the manual
        from changeflow.tasks.delivery_docs import check_screenshot

        shots = [check_screenshot(png(), n) for n in ("请假单界面.png", "审批界面.png",
                                                       "同步管理界面.png")]  # fmt: skip
        make_docs(key, notes=(EXAMPLES / "design-notes.md").read_text(encoding="utf-8"),
                  screenshots=shots)  # fmt: skip


def _text(path: str) -> str:
    d = docx.Document(path)
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_complete_install_record(submitted, tmp_path, lang) -> None:
    from changeflow.tasks.golive import golive

    _tested(submitted, tmp_path, notes=True)
    res = golive(submitted, actor="张伟", install=INSTALL, lang=lang)
    path = Path(res.document)
    assert not is_draft(path)
    assert check_kind(path, "golive", lang) == []
    text = _text(res.document)
    assert "甲方备份服务器 oa-backup" in text and "执行迁移脚本" in text and "王芳" in text
    assert "leave.vp_approver varchar(50)" in text  # from the design notes' data section
    if lang == "zh-CN":  # the notes' index table in words, the repository's schema change after
        assert "表 leave；索引 leave_dept；字段 dept" in text and "## " not in text
        assert "表 leave 新增索引 i（day）（report/stats.sql）" in text  # from the repository
    assert "新增字段可为空，不影响旧版本，无需回退数据库。" in text  # the design's rollback


def test_without_the_record_it_is_a_draft_listing_what_is_missing(submitted, tmp_path) -> None:
    from changeflow.tasks.golive import golive

    _tested(submitted, tmp_path, notes=False)
    res = golive(submitted, actor="张伟")
    path = Path(res.document)
    assert is_draft(path)
    text = _text(res.document)
    for missing in ("上线前生产环境检查未记录", "生产系统与数据备份未确认", "实施步骤",
                    "上线后访问测试未记录", "设计说明未写数据设计"):  # fmt: skip
        assert missing in text


@pytest.mark.parametrize(
    ("install", "field"),
    [
        (["x"], "install"),
        ({"backup": "张伟"}, "backup"),
        ({"steps": ["19:10 迁移"]}, "steps"),
        ({"checks": "磁盘"}, "checks"),
    ],
)
def test_a_bad_install_record_is_refused(submitted, tmp_path, install, field) -> None:
    from changeflow.tasks.golive import install_record

    with pytest.raises(InputError) as exc:
        install_record(install)
    assert field in str(exc.value)


@pytest.mark.parametrize("part", OUTLINES["golive"], ids=lambda p: p.name)
def test_each_part_removed_is_found(submitted, tmp_path, part) -> None:
    from changeflow.tasks.golive import golive

    _tested(submitted, tmp_path, notes=True)
    res = golive(submitted, actor="张伟", install=INSTALL)
    data = without_section(Path(res.document), part.zh)
    f = tmp_path / "g.docx"
    f.write_bytes(data)
    assert any(x.startswith(f"{part.name}:") for x in check_kind(f, "golive", "zh-CN"))
