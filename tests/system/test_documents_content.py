"""Every document a client receives says only what a client may read (tests/support/doccheck/
content.py): the demo's documents of every kind and a weekly report, in both languages; and
the check fails when a leak is put back (a time token, a raw git author, a machine path, a
command, an internal kind name), on hand-made documents and on real ones with the filter off.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

from tests.support.doccheck.content import Finding, check_content, contract_names

# every kind the demo issues to the client (its returned copies are the client's own files)
DEMO_KINDS = {
    "plan", "plan-draft", "testreport", "techdoc", "manual", "golive", "acceptance",
    "fault-record", "dispatch", "weekly-report", "sla-report",
}  # fmt: skip
RETURNED = {"plan-returned", "acceptance-returned", "dispatch-returned"}


def _report(found: dict[str, list[Finding]]) -> str:
    return "\n".join(f"{name}: {f}" for name, fs in found.items() for f in fs)


def _english_copies(key: str, folder: Path) -> dict[str, Path]:
    """The demo's documents rendered again in English from the same records (the demo
    itself runs in Chinese): what a client with an English contract receives."""
    from sqlalchemy import select

    from changeflow.cli.demo.sample import design_notes
    from changeflow.db.delivery import TestRun
    from changeflow.db.maintenance import Fault
    from changeflow.db.models import Request
    from changeflow.db.planning import Plan
    from changeflow.db.session import transaction
    from changeflow.db.types import utcnow
    from changeflow.tasks.acceptance import certificate_context
    from changeflow.tasks.delivery_docs.context import docs_context
    from changeflow.tasks.delivery_docs.making import outlined
    from changeflow.tasks.delivery_docs.notes import split_notes
    from changeflow.tasks.delivery_docs.render import render_doc
    from changeflow.tasks.golive import latest_release, render_golive
    from changeflow.tasks.maintenance import fault_record, list_dispatch, sla_report_document
    from changeflow.tasks.maintenance.dispatch import _issue_dispatch_document
    from changeflow.tasks.planning.document import render_plan
    from changeflow.tasks.testing import render_report
    from changeflow.tasks.weekly import make_report
    from changeflow.tasks.wordkit import render

    out: dict[str, bytes] = {}
    with transaction() as s:
        req = s.scalar(select(Request).where(Request.key == key))
        plan = s.scalar(select(Plan).where(Plan.request_id == req.id).order_by(Plan.version))
        out["plan"] = render_plan(plan, lang="en")
        out["plan-draft"] = render_plan(plan, lang="en", draft=True)
        run = s.scalar(select(TestRun).where(TestRun.request_id == req.id))
        out["testreport"] = render_report(run, "en")
        out["golive"] = render_golive(latest_release(s, req), "en")
        ctx = certificate_context(s, req, 1, "en", utcnow())
        out["acceptance"] = render("acceptance", ctx, lang="en", title=f"Acceptance {key}")
        dctx, when = docs_context(s, req, "en")
        design, manual = split_notes(design_notes())
        from changeflow.tasks.delivery_docs import making

        # the traceability matrix, as making the documents gives it to the technical document
        trace = making.trace_rows(s, req, "en", None)
        for kind, part in (("techdoc", design), ("manual", manual)):
            shape = outlined(kind, part, dctx, "en")
            kctx = dctx | {"trace": trace} if kind == "techdoc" else dctx
            out[kind] = render_doc(kind, kctx, version=1, lang="en", when=when,
                                   notes=shape.notes, screenshots=(), author="张伟",
                                   rollback=shape.rollback)  # fmt: skip
        fault_key = s.scalar(select(Request.key).join(Fault, Fault.request_id == Request.id))
    paths = {k: folder / f"{k}.docx" for k in out}
    for k, data in out.items():
        paths[k].write_bytes(data)
    from changeflow.db.store import store_root

    paths["fault-record"] = store_root() / fault_record(fault_key, lang="en")["path"]
    order = list_dispatch()[-1]  # the month's last visit
    with transaction() as s:
        from changeflow.db.maintenance import DispatchOrder
        from changeflow.db.store import document_path

        o = s.scalar(select(DispatchOrder).where(DispatchOrder.number == order["number"]))
        paths["dispatch"] = document_path(_issue_dispatch_document(s, o, "en"))
    from changeflow.cli.demo.days import FIRST

    month = FIRST.strftime("%Y-%m")  # the month the demo replays
    sla = sla_report_document(month, lang="en")
    paths["sla-report"] = store_root() / sla["path"]
    from changeflow.tasks.weekly.week import week_of

    last_friday = FIRST.replace(day=27)  # the demo month's last weekly report
    paths["weekly-report"] = Path(make_report(week_of(last_friday), "DEMO", lang="en")["document"])
    return paths


@pytest.mark.prefect
@pytest.mark.slow
def test_every_demo_document_is_ready_to_send(demo_run, cf_home, tmp_path, monkeypatch) -> None:
    """The whole demo (zh-CN), every document kind, then the same records in English: no
    leak in any of them, the file names of one scheme, the certificate listing them."""
    from changeflow.tasks.documents import document_filename
    from tests.support.demo import demo_copy

    run = demo_copy(demo_run, tmp_path / "demo-out", monkeypatch)  # the session's one demo
    key = run.keys["main"]
    docs = [d for d in run.documents if str(d["path"]).endswith(".docx")]
    kinds = {d["kind"] for d in docs}
    assert kinds >= DEMO_KINDS, DEMO_KINDS - kinds
    allow = contract_names()
    from changeflow.cli.demo.sample import design_notes

    # the install record quotes the design notes' database changes (the client's own tables
    # and fields, by the names its system uses)
    names = {"golive": [*allow, design_notes()]}
    found = {
        Path(d["path"]).name: check_content(d["path"], "zh-CN", names.get(d["kind"], allow))
        for d in docs
        if d["kind"] in DEMO_KINDS | RETURNED
    }
    assert not any(found.values()), _report(found)
    # one file-name scheme: <subject>-<name>-v<version>.docx, the name in Chinese
    for d in docs:
        if d["kind"] in DEMO_KINDS and d.get("request"):
            assert Path(d["path"]).name == document_filename(
                d["request"], d["kind"], d["version"], "zh-CN"
            ), d
    cert = next(d for d in docs if d["kind"] == "acceptance")
    listed = "\n".join(c.text for t in docx.Document(cert["path"]).tables for r in t.rows
                       for c in r.cells)  # fmt: skip
    for name in ("实施计划和费用预算", "测试报告", "技术文档", "用户手册", "上线记录"):
        file = f"{key}-{name}-v1.docx"
        assert file in listed and any(Path(d["path"]).name == file for d in docs), file
    # the same records in English
    english = _english_copies(key, tmp_path)
    assert set(english) >= DEMO_KINDS
    found = {k: check_content(p, "en", allow) for k, p in english.items()}
    assert not any(found.values()), _report(found)
    assert english["fault-record"].name.endswith("-fault-record-v1.docx")  # versions per language
    assert english["weekly-report"].name.startswith("DEMO-") and "weekly-report-v" in (
        english["weekly-report"].name
    )


# --- a weekly report: both languages, and the leaks put back -------------------------------


@pytest.fixture
def week_project(submitted: str, db: str, tmp_path: Path) -> dict[str, Any]:
    """test_weekly's project (2026-W40, time tokens in every message) with one more commit by
    an author nobody in the contract has, and one with a conventional prefix."""
    from tests.support.gitrepo import GitRepo
    from tests.tasks.weekly.helpers import make_project, sync_repo

    project = make_project(submitted, db, tmp_path)
    repo: GitRepo = project["repo"]
    repo.commit(f"fix(sync): 年假余额为空时报错 refs #{int(submitted[-4:])} @2h30m", {"g.txt": "1"},
                author=("Wang Lei", "wang.lei@freelance.example"),
                when="2026-09-29T15:00:00+08:00")  # fmt: skip
    sync_repo(repo.path, db)
    return project


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_weekly_report_is_client_clean(week_project, lang) -> None:
    from changeflow.tasks import weekly

    r = weekly.make_report("2026-W40", "DEMO", lang=lang, actor="李明")
    # test_weekly's hostile message "<script>&amp;" stays text: its words are allowed here
    found = check_content(r["document"], lang, [*contract_names(), "script", "amp"])
    assert found == [], "\n".join(map(str, found))
    text = "\n".join(c.text for t in docx.Document(r["document"]).tables for row in t.rows
                     for c in row.cells)  # fmt: skip
    if lang == "zh-CN":
        # a category, no link, no time token, no git name
        assert "修复：年假余额为空时报错（乙方）" in text
        assert "审批流程联调（张伟）" in text
    else:
        assert "Bug fix: 年假余额为空时报错 (Contractor)" in text
    assert "Wang Lei" not in text and "@2h" not in text


def test_weekly_leaks_are_found_when_the_filter_is_off(week_project, monkeypatch) -> None:
    """The same report with the filter taken out of the weekly document: the check finds the
    time tokens, the raw prefix and the raw git name (so it can fail)."""
    from changeflow.tasks import weekly
    from changeflow.tasks.weekly import document

    monkeypatch.setattr(document, "change_line", lambda message, lang: message)
    monkeypatch.setattr(document, "actor_shown", lambda who, lang, known=None: who)
    r = weekly.make_report("2026-W40", "DEMO", lang="zh-CN", actor="李明")
    found = check_content(r["document"], "zh-CN", [*contract_names(), "script", "amp"])
    kinds = {(f.kind, f.found.strip()) for f in found}
    assert ("time-token", "@8h") in kinds and ("time-token", "@2h30m") in kinds
    assert any(k == "commit-prefix" for k, _ in kinds)
    assert ("english", "Wang") in kinds and ("english", "Lei") in kinds


# --- the check itself on hand-made documents ------------------------------------------------


def _doc(paragraphs: list[str], cells: list[str] = (), header: str = "", code: str = "") -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if cells:
        t = d.add_table(rows=1, cols=len(cells))
        for c, text in zip(t.rows[0].cells, cells, strict=True):
            c.text = text
    if header:
        d.sections[0].header.paragraphs[0].text = header
    if code:
        run = d.add_paragraph().add_run(code)
        run.font.name = "Consolas"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _kinds(tmp_path: Path, data: bytes, lang: str = "zh-CN") -> set[str]:
    f = tmp_path / "x.docx"
    f.write_bytes(data)
    return {x.kind for x in check_content(f, lang, ["示例集团有限公司", "李明"])}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("新增：请假统计报表 @3h", "time-token"),
        ("CR-2026-0001 修复 refs #1 @1h", "time-token"),
        ("feat: 请假统计报表", "commit-prefix"),
        ("说明 refs #12", "commit-prefix"),
        ("测试命令 <checkout>/.venv/bin/python3 run_checks.py {junit}", "path"),
        ("测试命令 <checkout>/.venv/bin/python3 run_checks.py {junit}", "placeholder"),
        ("测试命令 <checkout>/.venv/bin/python3 run_checks.py {junit}", "command"),
        ("代码仓库 /tmp/pytest-of-root/oa", "path"),
        ("代码仓库 C:\\work\\oa", "path"),
        ("请用 changeflow calendar import FILE.yaml 导入", "command"),
        ("操作系统 Linux-6.1.0-x86_64-with-glibc2.36", "build-machine"),
        ("Python 3.11.2", "build-machine"),
        ("文档 testreport v1", "kind-name"),
        ("acceptance-returned v1", "kind-name"),
        ("验收 plan v1", "kind-name"),
        ("已提交 → 已计划（changeflow）", "system-as-person"),
        ("作者 Li Ming", "english"),
        ("工作区 git worktree (clean checkout of the commit)", "english"),
        ("3 checks, 0 failed", "english"),
    ],
)
def test_the_check_finds_each_leak(tmp_path, text, kind) -> None:
    assert kind in _kinds(tmp_path, _doc([text]))
    assert kind in _kinds(tmp_path, _doc(["正文"], cells=["项目", text]))  # in a table
    assert kind in _kinds(tmp_path, _doc(["正文"], header=text))  # in a header


def test_clean_text_passes(tmp_path) -> None:
    ok = _doc(
        ["新增：请假超过 3 天增加分管领导审批节点（李明）",
         "CR-2026-0001 的发布标签 release/CR-2026-0001-v1，提交 4d6aa67a2d",
         "变更文件 oa/leave/flow.py、接口 GET /api/attendance/balance/{工号}",
         "浏览器：Chrome 120（Windows 10），OA 系统，SLA 月度服务对账单，JUnit 结果文件",
         "联系 li.ming@contractor.example，第 1 页 共 3 页"],
        cells=["示例集团有限公司", "CR-2026-0001-测试报告-v1.docx"],
        code="def approvers(days):\n    return ['dept_manager']",
    )  # fmt: skip
    assert _kinds(tmp_path, ok) == set()
    # code is code: English there is fine, a machine path is not
    assert _kinds(tmp_path, _doc(["正文"], code="/home/dev/.venv/bin/python3 x.py")) >= {
        "path",
        "command",
    }


def test_english_is_only_a_finding_in_chinese_documents(tmp_path) -> None:
    en = _doc(
        ["New: leave report (Li Ming)", "Test report v1", "Bug fix: null balance", "User manual v1"]
    )
    assert _kinds(tmp_path, en, "en") == set()
    assert "english" in _kinds(tmp_path, en, "zh-CN")


def test_a_golive_record_with_a_raw_commit_is_cleaned(testing_live) -> None:
    """A commit with a time token, a link and an unknown git author goes live: the record
    shows the change, the category and 乙方; the check passes on it."""
    path, text = testing_live
    assert check_content(path, "zh-CN", contract_names()) == []
    assert "| 乙方 | 修复：考勤同步失败时重试" in text  # author column, then the change
    assert "| 张伟 | 新增：请假审批增加分管领导节点" in text
    assert "@45m" not in text and "Chen Jing" not in text and "refs #" not in text


@pytest.fixture
def testing_live(submitted, tmp_path) -> tuple[Path, str]:
    """A request whose commits (on its cr/ branch) carry time tokens, links, a raw prefix
    and an author nobody in the contract has, tested with pytest and put live."""
    from changeflow.tasks.golive import golive
    from changeflow.tasks.testing import run_tests
    from tests.support.delivery import PASSING_TEST, point_contract, pytest_command, to_development
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "oa")
    repo.commit("初始化 OA 项目", {"tests/test_base.py": PASSING_TEST},
                when="2026-07-01T10:00:00+08:00")  # fmt: skip
    repo.branch(f"cr/{submitted}")
    repo.commit(f"{submitted} 新增：请假审批增加分管领导节点 @2h", {"oa/flow.py": "N = 2\n"},
                author=("Zhang Wei", "zhang.wei@contractor.example"),
                when="2026-07-02T10:00:00+08:00")  # fmt: skip
    repo.commit(f"fix: 考勤同步失败时重试 ({submitted}) @45m", {"oa/retry.py": "R = 3\n"},
                author=("Chen Jing", "chen.jing@elsewhere.example"),
                when="2026-07-03T10:00:00+08:00")  # fmt: skip
    point_contract(repo.path, test_command=pytest_command())
    to_development(submitted)
    assert run_tests(submitted, commit="HEAD").passed
    res = golive(submitted, actor="张伟")
    d = docx.Document(res.document)
    text = "\n".join(" | ".join(c.text for c in r.cells) for t in d.tables for r in t.rows)
    text += "\n".join(p.text for p in d.paragraphs)
    return Path(res.document), text
