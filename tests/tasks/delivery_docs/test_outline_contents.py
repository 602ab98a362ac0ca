"""The technical document and the manual to GB/T 8567's outlines (issue #31): the scope
(标识, 引用文件) written from the request's data, optional sections only when the notes say
something (never a shell), the revision record in the document's words, no placeholder where
the release is not known yet."""

from __future__ import annotations

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

from .test_delivery_docs import NOTES


def test_required_sections_say_what_is_missing_and_optional_ones_are_left_out() -> None:
    from changeflow.tasks.delivery_docs.outline import MANUAL, TECHDOC, compose, fill

    notes = "# 引言\n\n说明。\n\n# 安全与权限设计\n\n只有管理员可以重新同步。\n"
    filled = fill(notes, TECHDOC, "zh-CN")
    text = compose(filled, TECHDOC[:-1], "zh-CN", tail={"intro": "## 引用文件\n\n- 任务书"})
    heads = [line for line in text.split("\n") if line.startswith("# ")]
    assert heads == ["# 一、引言", "# 二、运行环境", "# 三、总体设计", "# 四、接口设计",
                     "# 五、数据库设计", "# 六、安全与权限设计", "# 七、性能设计",
                     "# 八、部署与运维", "# 九、出错处理"]  # GB/T 8567 SDD + DBDD essentials
    assert "说明。\n\n## 引用文件\n\n- 任务书" in text
    assert text.count("待补充") == 7 and "性能设计" in filled.missing
    assert "安全与权限设计" not in filled.missing
    manual = compose(fill("# 申请人\n\n步骤。\n", MANUAL, "zh-CN"), MANUAL, "zh-CN",
                     roles_after="first_use")  # fmt: skip
    heads = [line for line in manual.split("\n") if line.startswith("# ")]
    assert heads == ["# 一、范围", "# 二、软件综述", "# 三、首次使用", "# 四、申请人",
                     "# 五、出错与恢复", "# 六、常见问题", "# 七、快速参考"]
    assert "版本说明" not in manual  # optional, nothing to say: left out (never a shell)


def test_chapter_numbers_past_ten() -> None:
    from changeflow.tasks.delivery_docs.outline import MANUAL, compose, fill, zh_number

    assert [zh_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十",
                                                             "二十三"]  # fmt: skip
    roles = "".join(f"# 角色{n}\n\n步骤。\n\n" for n in range(6))
    heads = [line for line in compose(fill(roles, MANUAL, "zh-CN"), MANUAL, "zh-CN",
                                      roles_after="first_use").split("\n") if line.startswith("# ")]
    assert heads[-1] == "# 十二、快速参考"


@pytest.fixture
def testing(submitted: str, tmp_path: Path) -> str:
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    assert run_tests(submitted).passed
    return submitted


def test_scope_references_revisions_and_release_in_the_documents_words(
    testing: str, tmp_path: Path
) -> None:
    from changeflow.tasks.delivery_docs import make_docs_from_files

    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    shot = tmp_path / "请假单.png"
    shot.write_bytes(png())
    tech, manual = make_docs_from_files(testing, notes_path=notes, screenshot_paths=[shot])
    d = docx.Document(tech.document)
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Heading 2", "标识") in styles and ("Heading 2", "引用文件") in styles
    assert ("Heading 1", "六、安全与权限设计") in styles
    assert ("Heading 1", "八、部署与运维") in styles
    text = docx_text(Path(tech.document))
    assert f"项目任务书 {testing}" in text and "服务合同 OA-2026" in text
    assert "示例软件技术有限公司编制" in text  # our company, from the contract
    revision = next(t for t in d.tables if t.cell(0, 0).text == "版本")
    assert revision.cell(1, 0).text == "第1版"
    m = docx.Document(manual.document)
    cover = {r.cells[0].text: r.cells[1].text for r in m.tables[0].rows}
    assert cover["适用版本"] == "本次变更上线的版本" and cover["承建单位（乙方）"]
    mtext = docx_text(Path(manual.document))
    assert "（无）" not in mtext and "引用文件" in mtext and "报告问题时" in mtext
    assert all(w in mtext for w in ("首次使用", "出错与恢复", "快速参考", "软件综述"))
    assert "待补充" not in mtext
