"""The traceability matrix to the user manual (requirement -> cases -> result -> commits ->
manual sections), and the warning for a test case naming a requirement the task book does
not have (never dropped silently)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.delivery import docx_text, to_development

JUNIT_UNKNOWN = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="oa" time="1">
  <testcase classname="oa.LeaveTest" name="test_req1_four_days_two_levels" time="0.1"/>
  <testcase classname="oa.SyncTest" name="test_req2_balance" time="0.1"/>
  <testcase classname="oa.Report" name="test_req3_totals" time="0.1"/>
  <testcase classname="oa.Export" name="test_req9_export_excel" time="0.1"/>
</testsuite>"""

NOTES = """# 引言

设计。

# 总体设计

审批引擎。

# 接口设计

考勤接口。

# 数据设计

新增字段。

# 部署与配置

配置。

# 出错处理

重试。

# 回退方案

1. 回退到上一发布标签。

# 用户手册

## 引言

本手册。

## 运行环境

Chrome。

## 申请人

### 提交超过 3 天的请假单（需求1）

1. 打开 **OA → 请假**。

### 查看剩余年假

对应需求：需求2

## 审批人

1. 点击“同意”。

对应需求：1

## 管理员

Requirements: 3, 9

## 常见问题

问：答。
"""


@pytest.fixture
def tested(submitted: str) -> str:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    assert run_tests(submitted, junit=[("t.xml", JUNIT_UNKNOWN)], commit="abc1234def").passed
    return submitted


def test_a_case_naming_an_unknown_requirement_is_warned_everywhere(submitted, cli, tmp_path):
    from changeflow.tasks.status import request_status
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_UNKNOWN)], commit="abc1234def")
    [w] = res.warnings
    assert "oa.Export::test_req9_export_excel" in w and "需求9" in w and "requirement 9" in w
    assert [r["result"] for r in res.requirements] == ["passed", "passed", "passed"]
    assert all("req9" not in c["case"] for r in res.requirements for c in r["cases"])
    text = docx_text(Path(res.document))
    assert "未计入任何需求" in text and "test_req9_export_excel" in text
    assert "需求9\n" not in text  # not listed as a case of a requirement 9 in the table
    assert request_status(submitted)["delivery"]["warnings"] == [w]
    junit = tmp_path / "t.xml"
    junit.write_bytes(JUNIT_UNKNOWN)
    code, out, err = cli("test", submitted, "--junit", str(junit), "--commit", "abc1234def",
                         "--again")  # fmt: skip
    assert code == 0, err
    assert "warning:" in out and "test_req9_export_excel" in out


def test_the_matrix_links_requirements_to_manual_sections(tested, tmp_path, cli) -> None:
    from changeflow.tasks.delivery_docs import make_docs
    from changeflow.tasks.status import request_status

    made = make_docs(tested, notes=NOTES, notes_name="notes.md", draft=True)  # sparse notes
    results = {r.kind: r for r in made}
    manual = results["manual"]
    assert manual.covers == {
        "1": ["四、申请人 › 提交超过 3 天的请假单（需求1）", "五、审批人"],
        "2": ["四、申请人 › 查看剩余年假"],
        "3": ["六、管理员"],
    }
    assert any("requirement 9" in w for w in manual.warnings)  # the manual names 9 too
    st = request_status(tested)["delivery"]
    lines = st["traceability"].splitlines()
    assert lines[0].endswith("manual 四、申请人 › 提交超过 3 天的请假单（需求1）、五、审批人")
    assert lines[2].endswith("manual 六、管理员")
    assert st["matrix"][1]["manual"] == ["四、申请人 › 查看剩余年假"]
    # the technical document's 需求的可追踪性 carries the same matrix
    tech = docx_text(Path(results["techdoc"].document))
    assert "十一、需求的可追踪性" in tech and "用户手册章节" in tech
    assert "四、申请人 › 查看剩余年假" in tech and "oa.SyncTest::test_req2_balance（通过）" in tech
    # a test report made after the manual shows the sections in its result per requirement
    from changeflow.tasks.testing import run_tests

    again = run_tests(tested, junit=[("t.xml", JUNIT_UNKNOWN)], commit="abc1234def", again=True)
    report = docx_text(Path(again.document))
    assert "手册章节" in report and "六、管理员" in report
    code, out, err = cli("status", tested)
    assert code == 0, err
    assert "manual 六、管理员" in out


def test_a_report_before_any_manual_says_so(tested) -> None:
    from changeflow.tasks.status import request_status
    from changeflow.tasks.testing import latest_run  # noqa: F401

    st = request_status(tested)["delivery"]
    assert st["matrix"][0]["manual"] == [] and st["matrix"][0]["manual_made"] is False
    from sqlalchemy import select

    from changeflow.db.delivery import TestRun
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    with transaction() as s:
        run = s.scalars(select(TestRun).order_by(TestRun.id.desc())).first()
        path = document_path(run.document)
    assert "（测试时手册尚未编写）" in docx_text(path)


def test_coverage_markers() -> None:
    from changeflow.tasks.delivery_docs.outline import coverage
    from changeflow.tasks.testing import name_pattern

    text = "# 三、申请人\n\n对应需求：需求1、2\n\n## 导出 [REQ-3]\n\n正文提到需求4，不算。\n"
    assert coverage(text, name_pattern({})) == {
        1: ["三、申请人"], 2: ["三、申请人"], 3: ["三、申请人 › 导出 [REQ-3]"]
    }  # fmt: skip


def test_a_screenshot_named_in_a_chapter_stands_there_with_its_caption(tested, tmp_path):
    """![caption](file.png) in a role chapter places that uploaded screenshot there, numbered
    and captioned; the others stay in the appendix, numbered on."""
    import docx

    from changeflow.tasks.delivery_docs import check_screenshot, make_docs
    from tests.support.delivery import png

    notes = NOTES.replace(
        "1. 打开 **OA → 请假**。\n",
        "1. 打开 **OA → 请假**。\n\n![新建请假单界面](请假单.png)\n\n![外部图片](http://x/y.png)\n",
    )
    shots = [check_screenshot(png(), "请假单.png"), check_screenshot(png(300, 150), "审批.png")]
    [manual] = make_docs(tested, notes=notes, screenshots=shots, kinds=("manual",), draft=True)
    d = docx.Document(manual.document)
    texts = [p.text for p in d.paragraphs]
    body = len(texts) - texts[::-1].index("一、范围") - 1  # after the list of chapters
    chapter = texts.index("四、申请人", body)
    first = texts.index("图 1  新建请假单界面")
    assert chapter < first < texts.index("五、审批人", body)  # in the applicant's chapter
    assert "[外部图片]" in texts  # an image that is not a screenshot: its alt text only
    appendix = texts.index("附录　界面截图")
    assert texts.index("图 2  审批") > appendix
    assert len(d.inline_shapes) == 2
    # every screenshot placed in a chapter: no empty appendix
    [again] = make_docs(tested, notes=notes, screenshots=shots[:1], kinds=("manual",),
                         draft=True)
    texts = [p.text for p in docx.Document(again.document).paragraphs]
    assert "图 1  新建请假单界面" in texts
    assert "附录　界面截图" not in texts, texts
