"""Testing stage and go-live: real git repositories, real test commands, real JUnit files,
documents read back with python-docx."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from changeflow.errors import ConflictError, InputError, TransitionError
from tests.support.delivery import (
    RUNNER,
    advance,
    docx_text,
    east_asia_fonts,
    make_project,
    point_contract,
    pytest_command,
    state_of,
    to_development,
)
from tests.support.helpers import counts

JUNIT_OK = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites time="3.5">
  <testsuite name="leave" tests="2" failures="0">
    <properties><property name="java.version" value="17"/></properties>
    <testcase classname="oa.LeaveTest" name="approve" time="1.25"/>
    <testcase classname="oa.LeaveTest" name="skipweekend" time="0.5"><skipped/></testcase>
  </testsuite>
  <testsuite name="report"><testcase classname="oa.ReportTest" name="totals" time="1"/></testsuite>
</testsuites>"""

JUNIT_FAIL = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="审批" tests="99" failures="0" time="0.8" hostname="ci-01">
  <testcase classname="oa.审批" name="同步年假" time="0.3">
    <failure message="期望 5 天 &lt;实际 4&gt; &amp; {{ days }} {% if %}">trace</failure>
  </testcase>
  <testcase classname="oa.审批" name="approver" time="0.1"><error message="NullPointer"/></testcase>
  <testcase classname="oa.审批" name="ok" time="0.4"/>
</testsuite>""".encode()


# --- JUnit parsing ------------------------------------------------------------------------


def test_junit_counts_come_from_the_cases() -> None:
    from changeflow.tasks.testing import parse_junit

    ok = parse_junit(JUNIT_OK, "ok.xml")
    assert (ok.suites, ok.cases, ok.failures, ok.errors, ok.skipped) == (2, 3, 0, 0, 1)
    assert str(ok.duration) == "3.500"
    assert ok.environment["java.version"] == "17"
    bad = parse_junit(JUNIT_FAIL, "bad.xml")  # the attributes say 99 tests, 0 failures
    assert (bad.cases, bad.failures, bad.errors) == (3, 1, 1)
    assert bad.failed[0].name == "同步年假"
    assert bad.failed[0].message == "期望 5 天 <实际 4> & {{ days }} {% if %}"
    assert bad.environment["host"] == "ci-01"


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        (b"", "file", "empty"),
        (b"not xml at all", "line 1", "well-formed"),
        (b"<html><body/></html>", "root", "not JUnit"),
        (b"<testsuite name='x'></testsuite>", "testcase", "no test cases"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;">]><testsuite><testcase name="&lol2;"/></testsuite>',
            "file",
            "DOCTYPE/ENTITY",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<testsuite><testcase name="&x;"/></testsuite>',
            "file",
            "DOCTYPE/ENTITY",
        ),
        (b'<testsuite><testcase name="a" time="soon"/></testsuite>', "testcase a", "seconds"),
    ],
)
def test_junit_refusals(data: bytes, field: str, problem: str) -> None:
    from changeflow.tasks.testing import parse_junit

    with pytest.raises(InputError) as err:
        parse_junit(data, "results.xml")
    assert err.value.source == "results.xml"
    assert err.value.field == field
    assert problem in err.value.problem


def test_junit_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from changeflow.tasks import testing
    from changeflow.tasks.testing import junit

    monkeypatch.setattr(junit, "JUNIT_MAX_BYTES", 1000)
    with pytest.raises(InputError, match="limit"):
        testing.parse_junit(b"<testsuite>" + b" " * 2000 + b"</testsuite>", "big.xml")


def test_junit_in_utf16_with_a_doctype_is_refused() -> None:
    from changeflow.tasks.testing import parse_junit

    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><testsuite/>'
    with pytest.raises(InputError):
        parse_junit(data.encode("utf-16"), "u16.xml")


# --- the testing stage --------------------------------------------------------------------


@pytest.fixture
def project(submitted: str, tmp_path: Path) -> tuple[str, Path]:
    """A request in development whose contract points at a project with a failing test."""
    repo = make_project(tmp_path / "oa", submitted, failing=True)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    return submitted, repo.path


def _worktrees(repo: Path) -> list[str]:
    from changeflow.tasks.testing import git

    return [ln for ln in git(repo, "worktree", "list", "--porcelain").splitlines()
            if ln.startswith("worktree ")]  # fmt: skip


def test_failing_tests_keep_the_request_in_testing_and_say_why(project) -> None:
    from changeflow.tasks.testing import run_tests

    key, repo = project
    res = run_tests(key, actor="张伟")
    assert not res.passed and res.state == "in_testing"
    assert res.exit_code == 1 and res.cases == 2 and res.failures == 1
    assert "test_approver_required" in res.reason and "approver <&> missing" in res.reason
    assert len(_worktrees(repo)) == 1  # the temporary worktree is gone
    text = docx_text(Path(res.document))
    assert "测试报告" in text and key in text and "不通过" in text
    assert "test_approver_required" in text and "approver <&> missing" in text
    assert res.commit not in text and res.commit[:8] not in text and "张伟" in text  # ours
    fonts = east_asia_fonts(Path(res.document))
    assert fonts == {"docDefaults": "SimSun", "Normal": "SimSun", "Heading1": "SimHei"}
    # a second failing run: still in testing, report v2; --reopen sends it back
    again = run_tests(key, reopen=True)
    assert again.seq == 2 and again.state == "in_development"
    from changeflow.tasks.status import request_status

    st = request_status(key)
    assert [r["passed"] for r in st["delivery"]["test_runs"]] == [False, False]
    assert st["timeline"][-1]["to"] == "in_development"
    assert "test run #2" in st["timeline"][-1]["reason"]


def test_the_test_runs_in_a_clean_worktree_at_the_commit(project) -> None:
    """Uncommitted edits in the developer's checkout do not leak into the run."""
    from changeflow.tasks.testing import git, run_tests

    key, repo = project
    (repo / "tests" / "test_leave.py").write_text("def test_fine():\n    pass\n")
    res = run_tests(key)
    assert not res.passed  # the committed (failing) file was tested
    assert res.commit == git(repo, "rev-parse", "HEAD")
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    older = run_tests(key, commit=first[:8])
    assert older.passed and older.commit == first and older.cases == 1


def test_timeout_kills_the_run(project) -> None:
    from changeflow.tasks.testing import run_tests

    key, repo = project
    cmd = f'{sys.executable} -c "import time; print(1, flush=True); time.sleep(60)"'
    res = run_tests(key, command=cmd, timeout=1)
    assert res.timed_out and not res.passed and res.exit_code is None
    assert "timeout" in res.reason
    assert len(_worktrees(repo)) == 1


def test_tiny_runner_writes_junit_through_the_placeholder(submitted, tmp_path) -> None:
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted)
    repo.commit("加检查", {"run_checks.py": RUNNER,
                          "checks.py": "def check_a():\n    assert True\n"})  # fmt: skip
    point_contract(repo.path, test_command=f"{sys.executable} run_checks.py {{junit}}")
    to_development(submitted)
    res = run_tests(submitted, commit="HEAD")
    assert res.passed and res.cases == 1 and res.state == "in_testing"


def test_junit_from_elsewhere_without_a_repository(submitted, tmp_path) -> None:
    from changeflow.tasks.testing import run_tests_from_files

    to_development(submitted)
    f = tmp_path / "TEST-oa.xml"
    f.write_bytes(JUNIT_FAIL)
    res = run_tests_from_files(submitted, [f], commit="abc1234def")
    assert not res.passed and res.commit == "abc1234def" and res.source == "junit"
    text = docx_text(Path(res.document))
    assert "期望 5 天 <实际 4> & {{ days }} {% if %}" in text
    assert "TEST-oa.xml" not in text  # the result files stay in our records
    assert "ci-01" not in text  # the build machine's host stays in our records (client-clean)
    from changeflow.tasks.status import request_status

    assert request_status(submitted)["delivery"]["test_runs"]  # ... which still have the run


def test_refusals_write_nothing(submitted, tmp_path) -> None:
    from changeflow.tasks.testing import run_tests, run_tests_from_files

    before = counts()
    with pytest.raises(TransitionError):  # still 'submitted'
        run_tests_from_files(submitted, [])
    to_development(submitted)
    before = counts()
    with pytest.raises(InputError, match="test_command"):
        run_tests(submitted)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<!DOCTYPE x><testsuite/>")
    with pytest.raises(InputError, match="DOCTYPE"):
        run_tests_from_files(submitted, [bad])
    with pytest.raises(InputError, match="repository"):
        run_tests(submitted, command="true")
    point_contract(tmp_path, test_command="no-such-program-xyz")
    with pytest.raises(InputError):
        run_tests(submitted, commit="HEAD")  # not a git repository
    assert counts() == before and state_of(submitted) == "in_development"


# --- go-live ------------------------------------------------------------------------------


@pytest.fixture
def tested(submitted: str, tmp_path: Path) -> tuple[str, Path]:
    """A request in testing whose newest test run passed at the branch head."""
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    assert run_tests(submitted).passed
    return submitted, repo.path


def test_a_passed_run_with_the_same_inputs_stands(tested) -> None:
    """A second click (or a re-run after a crash) makes no second run or report; a new
    commit, other JUnit files, a failed newest run or ``again`` do run."""
    from changeflow.tasks.testing import run_tests

    key, repo_path = tested
    before = counts()
    same = run_tests(key)
    assert (same.seq, same.unchanged, same.passed) == (1, True, True)
    assert counts() == before
    assert run_tests(key, again=True).seq == 2
    ok = [("a.xml", JUNIT_OK)]
    assert run_tests(key, junit=ok, commit="HEAD").seq == 3
    assert run_tests(key, junit=ok, commit="HEAD").unchanged  # the same file again
    fail = [("b.xml", JUNIT_FAIL)]
    assert not run_tests(key, junit=fail, commit="HEAD").passed  # seq 4
    again = run_tests(key, junit=fail, commit="HEAD")  # a failed run is always run again
    assert (again.seq, again.unchanged) == (5, False)
    from tests.support.gitrepo import GitRepo

    GitRepo(repo_path, init=False).commit(f"{key} 修复：补充校验 @1h", {"oa/check.py": "X = 1\n"})
    assert run_tests(key).seq == 6  # a new commit at the branch head


def test_golive_tags_records_and_moves_to_live(tested) -> None:
    import git as gitpython

    from changeflow.tasks.golive import golive

    key, repo = tested
    res = golive(key, actor="张伟")
    assert res.state == "live" and res.version == 1 and res.tag == f"release/{key}-v1"
    tag = gitpython.Repo(repo).tags[res.tag]
    assert tag.tag is not None, "annotated"
    assert tag.commit.hexsha == res.commit == gitpython.Repo(repo).head.commit.hexsha
    assert tag.tag.tagger.name == "张伟" and "请假审批流程" in tag.tag.message
    kinds = {g["kind"]: g["notes"] for g in res.groups}
    assert kinds["added"] == ["请假审批流程增加分管领导节点"]
    assert kinds["fixed"] == ["审批通过后同步考勤 <年假> & {{ days }} {% if %}"]
    assert kinds["improved"] == ["统计报表查询加索引"]
    text = docx_text(Path(res.document))
    for expected in ("上线记录", "第1版", "张伟", "新增", "修复", "优化",
                     "请假审批流程增加分管领导节点", "<年假> & {{ days }} {% if %}",
                     "回退步骤", "将程序切换回本次上线前的版本", "第1次测试通过"):  # fmt: skip
        assert expected in text, expected
    for ours in (res.tag, res.commit, res.commit[:8], "oa/", "report/"):  # in our records only
        assert ours not in text, ours
    import docx

    notes = [p.text for p in docx.Document(res.document).paragraphs]
    assert "请假审批流程增加分管领导节点" in notes and not any("@2h" in n for n in notes)
    assert "git checkout" not in text and "Li Ming" not in text  # client-clean: 李明
    assert east_asia_fonts(Path(res.document))["docDefaults"] == "SimSun"
    # the same record in English: group titles follow the document's language
    from sqlalchemy import select

    from changeflow.db.delivery import Release
    from changeflow.db.session import transaction
    from changeflow.tasks.golive import render_golive

    with transaction() as s:
        en = docx_text(render_golive(s.scalar(select(Release)), "en"))
    assert "Go-live Record" in en and "New" in en and "Improvement" in en and "新增\n" not in en
    before = counts()
    again = golive(key)  # already live: a re-run reports the release, makes nothing new
    assert (again.unchanged, again.version, again.tag, again.sha256) == (
        True, 1, res.tag, res.sha256
    )  # fmt: skip
    assert counts() == before and not again.tag_created
    with pytest.raises(TransitionError):  # another commit is a new release: test it first
        golive(key, commit="HEAD~1")


def test_golive_refuses_untested_or_failed(submitted, tmp_path) -> None:
    from changeflow.tasks.golive import golive
    from changeflow.tasks.testing import run_tests

    repo = make_project(tmp_path / "oa", submitted, failing=True)
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    with pytest.raises(TransitionError, match="in_development"):
        golive(submitted)
    advance(submitted, "in_testing")
    before = counts()
    with pytest.raises(TransitionError, match="no test run"):
        golive(submitted)
    run_tests(submitted)
    with pytest.raises(TransitionError, match="test_approver_required"):
        golive(submitted)
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    with pytest.raises(TransitionError, match="never tested"):
        golive(submitted, commit=first)
    assert state_of(submitted) == "in_testing"
    assert counts()["request_event"] == before["request_event"]
    assert repo.git("tag", "-l") == ""


def test_golive_stray_tag_conflict_and_rollback_removes_the_tag(tested, monkeypatch) -> None:
    from changeflow.tasks import golive as gl

    key, repo = tested
    from tests.support.gitrepo import GitRepo

    g = GitRepo(repo, init=False)
    first = g.git("rev-list", "--max-parents=0", "HEAD")
    g.git("tag", "-a", "-m", "stray", f"release/{key}-v1", first)
    before = counts()
    with pytest.raises(ConflictError, match="already exists"):
        gl.golive(key)
    assert counts() == before and state_of(key) == "in_testing"
    g.git("tag", "-d", f"release/{key}-v1")

    def boom(**kw):
        raise RuntimeError("crash after tagging")

    monkeypatch.setattr(gl, "GoLiveResult", boom)
    with pytest.raises(RuntimeError):
        gl.golive(key)
    assert g.git("tag", "-l") == "", "the tag made in the failed transaction was deleted"
    assert counts() == before and state_of(key) == "in_testing"


@pytest.mark.parametrize(
    ("subject", "kind", "text"),
    [
        ("CR-2026-0001 新增：请假流程", "added", "请假流程"),
        ("【修复】审批人为空", "fixed", "审批人为空"),
        ("优化 列表加载", "improved", "列表加载"),
        ("feat(leave): add node refs #1", "added", "add node"),
        ("Fix: null approver @1h", "fixed", "null approver"),
        ("update: faster list", "improved", "faster list"),
        ("perf!: index", "improved", "index"),
        ("docs: 用户手册", "docs", "用户手册"),
        ("fixture cleanup", "other", "fixture cleanup"),
        ("[CR-2026-0001] 调整配置", "other", "调整配置"),
    ],
)
def test_release_note_kinds(subject: str, kind: str, text: str) -> None:
    from changeflow.tasks.golive import classify

    assert classify(subject) == (kind, text)


# --- the CLI ------------------------------------------------------------------------------


def test_cli_test_and_golive(tested, cli, tmp_path) -> None:
    key, _ = tested
    code, out, _ = cli("test", key, "--json")  # passed at this commit already: it stands
    assert code == 0 and json.loads(out)["seq"] == 1 and json.loads(out)["unchanged"]
    code, out, _ = cli("test", key, "--again")
    assert code == 0 and "#2" in out and "stands" not in out
    f = tmp_path / "r.xml"
    f.write_bytes(JUNIT_FAIL)
    code, out, _ = cli("test", key, "--junit", str(f), "--commit", "HEAD", "--json")
    assert code == 1 and json.loads(out)["failures"] == 1
    code, _, err = cli("golive", key)
    assert code == 4 and "同步年假" in err
    code, out, _ = cli("test", key, "--json")
    assert code == 0
    code, out, _ = cli("golive", key, "--json", "--actor", "李明")
    data = json.loads(out)
    assert code == 0 and data["state"] == "live" and data["released_by"] == "李明"
    code, out, _ = cli("status", key, "--json")
    delivery = json.loads(out)["delivery"]
    assert [r["passed"] for r in delivery["test_runs"]] == [True, True, False, True]
    assert delivery["releases"][0]["tag"] == f"release/{key}-v1"
    bad = tmp_path / "bad.xml"
    bad.write_text("<nope")
    code, _, err = cli("test", key, "--junit", str(bad))
    assert code == 4  # live: not testable any more
    code, _, err = cli("test", "CR-2099-9999", "--junit", str(bad))
    assert code == 3


# --- requirements traced: cases, manual test plans, the matrix, the report --------------

JUNIT_TRACED = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="oa" time="1">
  <testcase classname="oa.LeaveTest" name="test_req1_four_days_two_levels" time="0.1"/>
  <testcase classname="oa.SyncTest" name="同步年假[需求2]" time="0.1">
    <failure message="余额未减少">trace</failure>
  </testcase>
  <testcase classname="oa.Misc" name="totals" time="0.1">
    <properties><property name="requirement" value="3"/></properties>
  </testcase>
  <testcase classname="oa.Misc" name="frequency3" time="0.1"/>
</testsuite>""".encode()

PLAN = """cases:
  - case: M1
    requirement: 2
    title: 审批通过后考勤余额减少
    steps: |
      1. 申请人提交 2 天年假
      2. 审批人通过
    expected: 5 分钟内考勤系统余额减少 2 天
    actual: 与预期一致
    result: 通过
    tester: 李四
    date: 2026-11-30
"""


def test_cases_are_linked_by_property_or_name(submitted, tmp_path) -> None:
    from sqlalchemy import select

    from changeflow.db.models import Request
    from changeflow.db.session import transaction
    from changeflow.tasks.testing import run_tests
    from changeflow.tasks.testing.trace import traceability

    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_TRACED)], commit="abc1234def")
    rows = {r["no"]: r for r in res.requirements}
    assert rows[1]["result"] == "passed"
    assert rows[2]["result"] == "failed"  # a failing case shows in its requirement's row
    assert rows[2]["cases"][0]["case"] == "oa.SyncTest::同步年假[需求2]"
    assert rows[3]["result"] == "passed"  # by the JUnit property, not "frequency3"
    assert [c["case"] for c in rows[3]["cases"]] == ["oa.Misc::totals"]
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == submitted))
        assert [r["result_text"] for r in traceability(s, req)] == ["通过", "不通过", "通过"]
    text = docx_text(Path(res.document))
    assert "4　详细的测试结果" in text and "不通过" in text
    assert "需求 2 不通过" in text  # the conclusion names it


def test_a_requirement_without_a_case_is_untested_and_the_report_not_passed(
    submitted, tmp_path
) -> None:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    res = run_tests(submitted, junit=[("ok.xml", JUNIT_OK)], commit="abc1234def")
    assert res.passed  # every automated case passed ...
    assert [r["result_text"] for r in res.requirements] == ["未测", "未测", "未测"]
    text = docx_text(Path(res.document))
    assert "测试结论 | 不通过" in text or "不通过" in text.split("\n测试结论\n")[1][:40]
    assert "需求 1、2、3 未测" in text  # ... but nothing checked a requirement: not 通过
    # where the tests ran, said truthfully: no manual case ran in the client's environment
    assert "甲方测试服务器 oa-test（与生产同配置）" not in text
    assert "未在甲方环境中测试" in text
    assert "草稿" in text and "需求1（请假超过 3 天增加分管领导审批节点）没有测试用例" in text


def test_manual_cases_recorded_from_a_test_plan_file(submitted, tmp_path, cli) -> None:
    point_contract(None, test_environment={"浏览器": "Chrome 120（甲方办公电脑）",
                                           "服务器": "甲方测试服务器 oa-test"})  # fmt: skip
    to_development(submitted)
    junit = tmp_path / "t.xml"
    junit.write_bytes(
        JUNIT_TRACED.replace(b"<failure", b"<skipped").replace(b"</failure", b"</skipped")
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    out = cli("test", submitted, "--junit", str(junit), "--cases", str(plan),
              "--commit", "abc1234def", "--json")  # fmt: skip
    assert out[0] == 0, out
    data = json.loads(out[1])
    rows = {r["no"]: r for r in data["requirements"]}
    assert rows[2]["result"] == "passed"  # skipped automated case, passing manual case
    assert [c["case"] for c in rows[2]["cases"]][-1] == "M1 审批通过后考勤余额减少"
    text = docx_text(Path(data["document"]))
    assert "申请人提交 2\u00a0天年假" in text  # a number keeps its unit in a table cell
    assert "\n5\u00a0分钟内考勤系统余额减少 2\u00a0天\n" in text
    assert "甲方测试服务器 oa-test" in text
    assert "全部 3 项需求测试通过" in text
    # a later run without --cases keeps the manual result
    again = cli("test", submitted, "--junit", str(junit), "--commit", "abc1234def", "--again",
                "--json")  # fmt: skip
    assert json.loads(again[1])["requirements"][1]["result"] == "passed"
    code, shown, _ = cli("status", submitted)
    assert code == 0 and "traceability" in shown and "M1" in shown and "需求2 通过" in shown


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        ("cases: []\n", "cases"),
        ("cases:\n  - requirement: 1\n    result: 通过\n", "cases[1].case"),
        ("cases:\n  - case: M1\n    result: 通过\n", "cases[1].requirement"),
        ("cases:\n  - case: M1\n    requirement: 1\n    result: 好\n", "cases[1].result"),
        ("cases:\n  - case: M1\n    requirement: 9\n    result: 通过\n", "cases[1].requirement"),
    ],
)
def test_bad_test_plans_are_refused_writing_nothing(submitted, tmp_path, plan, field) -> None:
    from changeflow.tasks.testing import run_tests_from_files

    to_development(submitted)
    f = tmp_path / "plan.yaml"
    f.write_text(plan, encoding="utf-8")
    junit = tmp_path / "t.xml"
    junit.write_bytes(JUNIT_OK)
    before = counts()
    with pytest.raises(InputError) as exc:
        run_tests_from_files(submitted, [junit], cases_path=f, commit="abc1234def")
    assert field in str(exc.value)
    assert counts() == before


def test_the_english_report_traces_too(submitted) -> None:
    from changeflow.tasks.testing import run_tests

    point_contract(None, test_environment={})
    to_development(submitted)
    res = run_tests(submitted, junit=[("t.xml", JUNIT_TRACED)], commit="abc1234def", lang="en")
    assert [r["result_text"] for r in res.requirements] == ["passed", "failed", "passed"]
    text = docx_text(Path(res.document))
    assert "4 Detailed test results" in text and "requirement(s) 2 failed" in text
    assert "Req. 2" in text and "Sign-off" in text
    assert "nothing was tested in the client's environment" in text


def test_defects_found_and_fixed_in_the_cycle(submitted) -> None:
    from changeflow.tasks.testing import run_tests

    to_development(submitted)
    first = run_tests(submitted, junit=[("t.xml", JUNIT_TRACED)], commit="abc1234def")
    assert not first.passed
    fixed = JUNIT_TRACED.replace('<failure message="余额未减少">trace</failure>'.encode(), b"")
    second = run_tests(submitted, junit=[("t.xml", fixed)], commit="abc1234def")
    assert second.passed and second.seq == 2
    import docx

    d = docx.Document(second.document)
    table = next(t for t in d.tables if [c.text for c in t.rows[0].cells][5:6] == ["处理情况"])
    (row,) = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert row[1] == "oa.SyncTest::同步年假[需求2]" and row[2] == "需求2"
    assert row[3] == "第 1 次测试" and row[4] == "余额未减少"
    assert row[5] == "已修复（第 2 次测试通过）"
    text = docx_text(Path(second.document))
    assert "全部 3 项需求测试通过" in text
