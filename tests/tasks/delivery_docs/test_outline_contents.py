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
    point_contract,
    pytest_command,
    to_development,
)

from .test_delivery_docs import NOTES


def test_optional_sections_are_left_out_and_required_ones_say_what_is_missing() -> None:
    from changeflow.tasks.delivery_docs.outline import MANUAL, TECHDOC, compose, fill

    notes = "# 引言\n\n说明。\n\n# 安全与权限设计\n\n只有管理员可以重新同步。\n"
    filled = fill(notes, TECHDOC, "zh-CN")
    text = compose(filled, TECHDOC[:-1], "zh-CN", tail={"intro": "## 引用文件\n\n- 任务书"})
    heads = [line for line in text.split("\n") if line.startswith("# ")]
    assert heads[0] == "# 一、引言" and "# 二、总体设计" in heads  # 运行环境: nothing, left out
    assert any(h.endswith("安全与权限设计") for h in heads)
    assert not any("性能" in h or "运行环境" in h for h in heads)
    assert "说明。\n\n## 引用文件\n\n- 任务书" in text
    assert "待补充" in text and "接口设计" in filled.missing  # required and missing: said
    manual = compose(fill("# 申请人\n\n步骤。\n", MANUAL, "zh-CN"), MANUAL, "zh-CN",
                     roles_after="first_use")  # fmt: skip
    heads = [line for line in manual.split("\n") if line.startswith("# ")]
    assert heads[:3] == ["# 一、引言", "# 二、运行环境", "# 三、申请人"]  # roles after env
    assert not any(w in manual for w in ("首次使用", "出错与恢复", "快速参考"))


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
    extra = "# 安全与权限设计\n\n只有管理员可以重新同步。\n\n"
    notes.write_text(NOTES.replace("# 部署与配置", extra + "# 部署与配置"), encoding="utf-8")
    tech, manual = make_docs_from_files(testing, notes_path=notes)
    d = docx.Document(tech.document)
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Heading 2", "标识") in styles and ("Heading 2", "引用文件") in styles
    assert ("Heading 1", "五、安全与权限设计") in styles
    assert ("Heading 1", "六、部署与配置") in styles
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
    assert not any(w in mtext for w in ("首次使用", "快速参考", "待补充"))
