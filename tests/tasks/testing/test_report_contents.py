"""The test report holds what GB/T 8567's test report holds (tests/support/doccheck/kinds.py),
its cases are described in words from the project's cases file (docs/test-cases.md), and a
report whose cases lack steps or expected results is a draft that says what is missing."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.support.delivery import (
    make_project,
    manual_cases,
    point_contract,
    pytest_command,
    to_development,
)
from tests.support.doccheck.kinds import (
    OUTLINES,
    case_rows_complete,
    check_kind,
    is_draft,
    without_section,
)

JUNIT_PLAIN = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="oa" tests="1"><testcase classname="oa.LeaveTest" name="approve" time="1"/>
</testsuite>"""
JUNIT_BY_NAME = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="oa" tests="3">
  <testcase classname="oa.T" name="test_req1_two_levels" time="1"/>
  <testcase classname="oa.T" name="test_req2_sync" time="1"/>
  <testcase classname="oa.T" name="test_req3_report" time="1"/>
</testsuite>"""

CASES = """cases:
  - case: TC-1
    requirement: 1
    title: 请假 4 天经两级审批
    precondition: 员工已登录
    steps: [提交 4 天年假, 查看审批流程]
    input: 4 天
    expected: 部门经理、分管领导两级
    automated: test_leave_days
  - case: TC-2
    requirement: 2
    title: 考勤余额同步
    steps: [审批通过 2 天年假, 查考勤系统]
    expected: 5 分钟内余额减少 2 天
  - case: TC-3
    requirement: 3
    title: 报表与考勤导出一致
    steps: 对比同月数据
    expected: 一致
"""


@pytest.fixture
def complete(submitted: str) -> str:
    """A report every requirement of which has cases with steps and expected results."""
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_PLAIN)], commit="abc1234def",
                    cases=manual_cases(), actor="张伟")  # fmt: skip
    return res.document


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_complete_report_holds_every_part(submitted, lang) -> None:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_PLAIN)], commit="abc1234def",
                    cases=manual_cases(), actor="张伟", lang=lang)  # fmt: skip
    path = Path(res.document)
    assert not is_draft(path)
    assert check_kind(path, "testreport", lang) == []
    assert case_rows_complete(path, lang) == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_sparse_input_makes_a_draft_that_says_what_is_missing(submitted, lang) -> None:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_BY_NAME)], commit="abc1234def", lang=lang)
    path = Path(res.document)
    assert is_draft(path)
    assert check_kind(path, "testreport", lang) == []  # a draft still holds every part ...
    gaps = case_rows_complete(path, lang)
    assert len(gaps) == 6  # ... and each case row says what it lacks
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    lacks = "未写测试步骤、预期结果" if lang == "zh-CN" else "has no steps and expected result"
    assert text.count(lacks) == 3


def test_no_case_at_all_is_a_draft_naming_the_requirements(submitted) -> None:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_PLAIN)], commit="abc1234def")
    text = "\n".join(p.text for p in docx.Document(res.document).paragraphs)
    assert is_draft(Path(res.document))
    for no in (1, 2, 3):
        assert f"需求{no}（" in text and "没有测试用例" in text


def _without(path: Path, heading: str, *, keep_heading: bool) -> bytes:
    return without_section(path, heading, keep_heading=keep_heading)


PARTS = [p for p in OUTLINES["testreport"] if p.name != "defect-statistics"]


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.name)
@pytest.mark.parametrize("keep_heading", [False, True], ids=["removed", "emptied"])
def test_each_part_removed_or_emptied_is_found(complete, tmp_path, part, keep_heading) -> None:
    data = _without(Path(complete), part.zh, keep_heading=keep_heading)
    f = tmp_path / "r.docx"
    f.write_bytes(data)
    found = check_kind(f, "testreport", "zh-CN")
    assert any(line.startswith(f"{part.name}:") for line in found), found


def test_defect_statistics_removed_is_found(complete, tmp_path) -> None:
    f = tmp_path / "r.docx"
    f.write_bytes(_without(Path(complete), "4.4", keep_heading=False))
    assert any(x.startswith("defect-statistics:") for x in check_kind(f, "testreport", "zh-CN"))


def test_a_case_row_without_steps_is_found(complete, tmp_path) -> None:
    d = docx.Document(complete)
    t = next(t for t in d.tables if "测试步骤" in [c.text for c in t.rows[0].cells])
    col = [c.text for c in t.rows[0].cells].index("测试步骤")
    t.rows[1].cells[col].text = ""
    f = tmp_path / "r.docx"
    d.save(str(f))
    assert len(case_rows_complete(f, "zh-CN")) == 1


def test_the_projects_cases_file_describes_the_automated_cases(submitted, tmp_path) -> None:
    """The cases file beside the client's code: its automated case takes the JUnit result,
    its manual cases the results given with the run (--result rows)."""
    from changeflow.tasks.testing import run_tests_from_files

    repo = make_project(tmp_path / "oa", submitted)
    repo.commit(f"{submitted} 测试用例", {"test-cases.yaml": CASES},
                when="2026-07-05T10:00:00+08:00")  # fmt: skip
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    res = run_tests_from_files(
        submitted,
        result_rows=[
            {"case": "TC-2", "result": "通过", "actual": "3 分钟后减少 2 天", "tester": "王芳",
             "date": "2026-07-06"},
            {"case": "TC-3", "result": "不通过", "actual": "差 1 天", "defect": "跨月请假重复计算"},
        ],
        actor="张伟",
    )  # fmt: skip
    rows = {r["no"]: r for r in res.requirements}
    assert [c["case"] for c in rows[1]["cases"]] == ["TC-1 请假 4 天经两级审批"]
    assert rows[1]["result"] == "passed" and rows[2]["result"] == "passed"
    assert rows[3]["result"] == "failed"
    path = Path(res.document)
    assert not is_draft(path) and case_rows_complete(path, "zh-CN") == []
    text = "\n".join(c.text for t in docx.Document(str(path)).tables for r in t.rows
                     for c in r.cells)  # fmt: skip
    assert "前置条件：员工已登录" in text and "1. 提交 4\u00a0天年假" in text
    assert "与预期一致（自动化执行）" in text and "3\u00a0分钟后减少 2\u00a0天" in text
    body = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "跨月请假重复计算" in body  # the defect, in 遇到的问题 and 遗留缺陷


def test_a_result_for_a_case_the_file_does_not_have_is_refused(submitted) -> None:
    from changeflow.errors import InputError
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    with pytest.raises(InputError) as exc:
        run_tests(submitted, junit=[("t.xml", JUNIT_PLAIN)], commit="abc1234def",
                  case_rows=[{"case": "TC-9", "result": "通过"}])  # fmt: skip
    assert "cases[1].requirement" in str(exc.value)
