"""The client-clean filter (tasks.documents.clean) and the one file-name scheme
(tasks.documents.names), unit by unit; the documents themselves are checked in
tests/system/test_documents_content.py."""

from __future__ import annotations

import re

import pytest

from changeflow.tasks.documents import (
    change_line,
    describe,
    document_filename,
    document_label,
    is_system,
    kind_name,
    machine_leaks,
    scrub_paths,
    strip_tokens,
)


@pytest.mark.parametrize(
    ("message", "kind", "text"),
    [
        ("CR-2026-0001 新增：请假超过 3 天增加分管领导审批节点 @3h", "added",
         "请假超过 3 天增加分管领导审批节点"),
        ("CR-2026-0001 修复：审批通过后同步考勤年假余额 @2h30m", "fixed",
         "审批通过后同步考勤年假余额"),
        ("优化：统计报表查询加索引 refs #1 @1h", "improved", "统计报表查询加索引"),
        ("feat(leave): 分管领导节点 [CR-2026-0001] @45m", "added", "分管领导节点"),
        ("fix: 年假余额为空时报错 (refs #12)", "fixed", "年假余额为空时报错"),
        ("perf: 报表查询加索引 @1.5", "improved", "报表查询加索引"),
        ("refactor!: 审批规则集中到一处", "improved", "审批规则集中到一处"),
        ("【修复】导出乱码 CR-2026-0002", "fixed", "导出乱码"),
        ("docs: 部署说明", "docs", "部署说明"),
        ("chore: 升级依赖 @10m", "other", "升级依赖"),
        ("调整请假页面文字 @1h", "other", "调整请假页面文字"),
        ("修复了一个问题", "other", "修复了一个问题"),  # no separator: not a prefix
    ],
)  # fmt: skip
def test_messages_become_change_descriptions(message: str, kind: str, text: str) -> None:
    change = describe(message)
    assert (change.kind, change.text) == (kind, text)
    for lang in ("zh-CN", "en"):
        line = change_line(message, lang)
        assert "@" not in line and "CR-2026" not in line and "#" not in line
        assert not re.match(r"(?i)(feat|fix|perf|refactor|docs|chore)\b", line)  # as Fix: too


def test_categories_in_the_documents_language() -> None:
    msg = "CR-2026-0001 新增：请假统计报表 @4h"
    assert change_line(msg, "zh-CN") == "新增：请假统计报表"
    assert change_line(msg, "en") == "New: 请假统计报表"
    assert change_line("fix: null balance @2h", "en") == "Bug fix: Null balance"
    assert change_line("perf: faster report", "en").startswith("Improvement: ")
    assert change_line("Merge branch 'cr/CR-2026-0001'", "zh-CN") == "合并开发分支"
    assert change_line("CR-2026-0001 调整页面文字 @1h", "zh-CN") == "调整页面文字"  # no prefix
    assert change_line("chore: 升级依赖", "zh-CN") == "其他：升级依赖"


def test_time_tokens_and_links_go_but_e_mails_and_numbers_stay() -> None:
    assert strip_tokens("联系 li.ming@contractor.example @2h") == "联系 li.ming@contractor.example"
    assert strip_tokens("超过 3 天（CR-2026-0001）@1h30m") == "超过 3 天"
    assert strip_tokens("版本 v1.2 @3") == "版本 v1.2"


def test_the_link_pattern_is_the_git_syncs() -> None:
    """The filter removes what the git sync reads as a link: one pattern, in gitsync."""
    from changeflow.tasks.documents import clean
    from changeflow.tasks.gitsync import linking

    time_token, links = clean._git_tokens()
    assert [p.pattern for p in links] == list(linking.DEFAULT_LINK_PATTERNS)
    assert time_token is linking.TIME_TOKEN
    from pathlib import Path

    src = Path(clean.__file__).read_text(encoding="utf-8")
    assert r"CR-\d{4}-\d{4}" not in src  # not copied


def test_the_system_and_unknown_people() -> None:
    from changeflow.tasks.documents import actor_shown, person_shown

    assert is_system("changeflow") and is_system("changeflow (flow)") and is_system("schedule")
    assert not is_system("张伟")
    known = {"张伟": "张伟", "李明": "李明"}
    assert actor_shown("changeflow", "zh-CN", known) == "系统"
    assert actor_shown("changeflow", "en", known) == "System"
    assert actor_shown("张伟", "zh-CN", known) == "张伟"
    assert actor_shown("Li Ming", "zh-CN", known) == person_shown("zh-CN") == "乙方"
    assert actor_shown("root", "en", known) == "Contractor"


def test_git_identities_are_the_contracts_people(contract) -> None:
    """A commit author is shown by the staff name of the contract (e-mail, git alias, unique
    name); an identity nobody in the contract has is 乙方, never the raw git name."""
    from changeflow.db.session import transaction
    from changeflow.tasks.documents import Names

    with transaction() as s:  # examples/contract.yaml: 李明 (git alias "Li Ming"), 张伟
        names = Names(s, "zh-CN")
        assert names.author("Li Ming", "ming@laptop.local") == "李明"  # by alias
        assert names.author("zw", "Zhang.Wei@contractor.example") == "张伟"  # by e-mail
        assert names.author("张伟", "") == "张伟"
        assert names.author("Wang Qiang", "wq@elsewhere.example") == "乙方"
        assert names.actor("changeflow") == "系统"
        assert Names(s, "en").author("Wang Qiang", "") == "Contractor"


def test_machine_facts_are_found_and_scrubbed() -> None:
    cmd = "<checkout>/.venv/bin/python3 run_checks.py {junit}"
    leaks = machine_leaks(cmd)
    assert "{junit}" in leaks and any(".venv" in x for x in leaks)
    assert machine_leaks("请用 changeflow calendar import FILE.yaml 导入")
    assert machine_leaks("仓库 /tmp/pytest-1/oa")
    assert machine_leaks("新增：请假统计报表") == []
    assert scrub_paths('File "/tmp/x/oa/leave/flow.py", line 3') == 'File "flow.py", line 3'
    assert scrub_paths("期望 5 天 {{ days }}") == "期望 5 天 {{ days }}"  # a message stays
    from changeflow.tasks.testing.report import program_shown

    assert program_shown("<checkout>/.venv/bin/python3 run_checks.py {junit}", "zh-CN") == (
        "自动化测试程序 run_checks.py"
    )
    assert program_shown("python -m pytest --junitxml={junit}", "en") == (
        "the project's own automated tests"
    )


def test_kind_names_and_labels() -> None:
    assert kind_name("testreport", "zh-CN") == "测试报告"
    assert document_label("testreport", 1, "zh-CN") == "测试报告 第1版"
    assert document_label("acceptance-returned", 1, "zh-CN") == "验收单（甲方回签） 第1版"
    assert document_label("acceptance-returned", 1, "en").startswith("Acceptance certificate")
    assert kind_name("something-new", "zh-CN") == "文档"  # never the internal kind string


def test_one_file_name_scheme_safe_on_windows() -> None:
    assert document_filename("CR-2026-0001", "plan", 1, "zh-CN") == (
        "CR-2026-0001-实施计划和费用预算-v1.docx"
    )
    assert document_filename("CR-2026-0001", "plan", 1, "en") == (
        "CR-2026-0001-implementation-plan-v1.docx"
    )
    assert document_filename("DEMO-2026-W48", "weekly-report", 2, "zh-CN") == (
        "DEMO-2026-W48-项目周报-v2.docx"
    )
    assert document_filename("CR-2026-0001", "testreport-pdf", 1, "en", "pdf") == (
        "CR-2026-0001-test-report-v1.pdf"
    )
    from changeflow.tasks.documents.names import KIND_NAMES

    for kind in KIND_NAMES:
        for lang in ("zh-CN", "en"):
            name = document_filename('A/B\\C:D*E?"F<G>H|', kind, 3, lang)
            assert not re.search(r'[\\/:*?"<>|\s（）]', name), name
            assert name.endswith("-v3.docx") and name.count("v3") == 1
            from changeflow.db.store import safe_name

            assert safe_name(name) == name  # the store keeps it as it is
