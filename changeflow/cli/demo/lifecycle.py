"""The demo's lifecycle stages after intake: plan, the client's approval by a returned
document, kick-off, commits in a sample repository, sync, tests, documents, go-live and
acceptance by a returned certificate, in the README's order (docs before go-live).

Each stage calls what a lead uses (the flows of the Prefect UI; the inbox for returned
documents), on the demo's own database under ``<out>/var``. The sample client project
(``sample``: the files of ``examples/client-project/``) is a real git repository in
``<out>/repo`` with Chinese commit messages that name the request, time logs (``@2h``) and a
tiny test runner that writes JUnit XML.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

from .client import _fill, _inbox_pass, _newest_document, _tick_rows, _to_inbox
from .common import DemoRun, _examples
from .sample import LI_MING, _commit, _git, _screenshot, design_notes, project_file

# --- the stages ---------------------------------------------------------------------------


def step_plan(run: DemoRun) -> None:
    from changeflow.flows.plan import PlanInput, plan

    key = run.keys["main"]
    result = plan(request=PlanInput(key=key, issue=True), planned_by="李明")
    what = f"¥{result['total']}, {result['start']} - {result['end']}; {result['state']}"
    run.step("plan", f"{key} plan v{result['version']}", what)


def step_approval(run: DemoRun) -> None:
    """王芳 fills the plan's approval table and mails it back; the inbox records it."""
    from changeflow.docs_templates.labels import APPROVAL_FIELDS
    from changeflow.tasks.signoff import today_local

    key = run.keys["main"]
    zh = {name: pair[0] for name, pair in APPROVAL_FIELDS.items()}
    filled = _fill(_newest_document(key, "plan"), {
        zh["decision"]: "同意",
        zh["approver"]: "王芳",
        zh["date"]: today_local().isoformat(),
        zh["comment"]: "同意按计划实施，请按期交付。",
    })  # fmt: skip
    _to_inbox(filled, f"{key}-实施计划-回签.docx")
    _inbox_pass(run, "returned plan")


def step_repository(run: DemoRun) -> None:
    """The client's OA project in ``<out>/repo``; the contract names it and its tests."""
    import shutil

    import yaml

    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file

    repo = run.out / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    start = datetime.now(get_settings().tz).replace(hour=9, minute=30) - timedelta(days=20)
    # The project before the request: the department approves all leave; no checks yet.
    files = {rel: project_file(rel) for rel in ("README.md", "oa/__init__.py",
             "oa/leave/__init__.py", "oa/leave/sync.py", "run_checks.py")}  # fmt: skip
    files["oa/leave/flow.py"] = 'def approvers(days):\n    return ["dept_manager"]\n'
    files["checks.py"] = project_file("checks.py").split("\n\n\ndef check_long")[0] + "\n"
    _commit(repo, "初始化 OA 项目", files, start, LI_MING)
    spec = yaml.safe_load((_examples() / "contract.yaml").read_text(encoding="utf-8"))
    k = spec["contracts"][0]
    k["repo"] = str(repo)
    k.setdefault("settings", {})["test_command"] = f"{sys.executable} run_checks.py {{junit}}"
    path = run.out / "contract.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_contract_file(path)
    run.step("repository", "sample OA project", f"{repo} (contract {k['code']} names it)")


def step_kickoff(run: DemoRun) -> None:
    from changeflow.tasks.kickoff import kickoff

    res = kickoff(run.keys["main"], actor="李明", channel="ui")
    run.step("kickoff", f"branch {res['branch']}",
             f"{res['planned_start']} - {res['planned_end']}; {res['state']}")  # fmt: skip


def step_commits(run: DemoRun) -> None:
    """Development on cr/<key>: Chinese messages naming the request and the requirement
    they implement (需求N, traced in the matrix), time logs."""
    from changeflow.settings import get_settings

    key = run.keys["main"]
    repo = run.out / "repo"
    flow_py, checks = project_file("oa/leave/flow.py"), project_file("checks.py")
    sync_py, report_sql = project_file("oa/leave/sync.py"), project_file("report/leave_stats.sql")
    _git(repo, "checkout", "-q", f"cr/{key}")
    tz = get_settings().tz  # commit times as the developers in Shanghai made them
    day = datetime.now(tz).replace(hour=10, minute=0, second=0, microsecond=0)
    zw, lm = (
        ("Zhang Wei", "zhang.wei@contractor.example"),
        ("Li Ming", "li.ming@contractor.example"),
    )
    work = [
        (f"{key} 新增：请假超过 3 天增加分管领导审批节点（需求1） @3h",
         {"oa/leave/flow.py": flow_py, "checks.py": checks,
          "test-cases.yaml": project_file("test-cases.yaml")}, zw, 4),
        (f"{key} 修复：审批通过后同步考勤年假余额（需求2） @2h30m",
         {"oa/leave/sync.py": sync_py + "\n"}, zw, 3),
        (f"{key} 新增：请假统计报表，按部门、按月（需求3） @4h",
         {"report/leave_stats.sql": report_sql}, zw, 2),
        (f"优化：统计报表查询加索引 refs #{key.rsplit('-', 1)[1].lstrip('0')} @1h",
         {"report/leave_stats.sql": report_sql + "CREATE INDEX leave_dept ON leave(dept);\n"},
         lm, 1),
    ]  # fmt: skip
    for message, files, author, days_ago in work:
        _commit(repo, message, files, day - timedelta(days=days_ago), author)
    run.step(
        "commits", f"{len(work)} commits on cr/{key}", _git(repo, "log", "-1", "--format=%h %s")
    )


def step_sync(run: DemoRun) -> None:
    from changeflow.flows.sync import SyncInput, sync

    res = sync(params=SyncInput())
    for r in res["repositories"]:
        run.step("sync", r["repository"], f"{r['new']} new commits, {r['linked']} links,"
                 f" {r['time_entries']} time entries; {', '.join(r['requests'])}")  # fmt: skip


def step_test(run: DemoRun) -> None:
    from changeflow.flows.delivery import ManualResult, TestInput, test
    from changeflow.settings import get_settings

    day = datetime.now(get_settings().tz).date().isoformat()
    # the cases file's manual cases, run by the client's tester in their test environment
    manual = [
        ManualResult(case="TC-2-2", result="通过", tester="王芳", date=day,
                     actual="审批通过 3 分钟后考勤系统余额由 10 天减为 8 天"),
        ManualResult(case="TC-3-2", result="通过", actual="11 月 6 个部门的请假天数与考勤导出一致",
                     tester="王芳", date=day),
    ]  # fmt: skip
    r = test(request=TestInput(key=run.keys["main"], manual_results=manual), tested_by="张伟")
    run.step("test", f"test run #{r['seq']} at {r['commit'][:10]}", f"{r['reason']}; {r['state']}")


def step_docs(run: DemoRun) -> None:
    from changeflow.flows.delivery import DELIVERY_DIR, DocsInput, docs
    from changeflow.settings import get_settings

    folder = get_settings().inbox / DELIVERY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "请假单界面.png").write_bytes(_screenshot())
    notes = design_notes()
    form = DocsInput(key=run.keys["main"], notes_markdown=notes, screenshots=["请假单界面.png"])
    for r in docs(request=form, written_by="张伟"):
        run.step("docs", f"{r['kind']} v{r['version']}", Path(r["document"]).name)


def step_golive(run: DemoRun) -> None:
    from changeflow.flows.delivery import (
        GoLiveInput,
        InstallAccess,
        InstallBackup,
        InstallRecord,
        InstallStep,
        golive,
    )
    from changeflow.settings import get_settings

    day = datetime.now(get_settings().tz).date().isoformat()
    install = InstallRecord(  # the engineer's install record of the evening's upgrade
        engineer="张伟",
        checks=["生产服务器磁盘空间、内存充足", "OA 应用与数据库版本与甲方测试环境一致",
                "考勤系统接口账号在生产环境可用", "已通知各部门 19:00-20:00 暂停提交请假单"],
        backup=InstallBackup(by="张伟", at=f"{day} 19:00",
                             where="甲方备份服务器 oa-backup（OA 程序目录与 oa 数据库全量备份）"),
        steps=[InstallStep(at=f"{day} 19:10", action="执行数据库迁移脚本，leave 表新增两个字段",
                           by="张伟"),
               InstallStep(at=f"{day} 19:20", action="发布新版本程序包并重启 OA 应用服务",
                           by="张伟"),
               InstallStep(at=f"{day} 19:30", action="设置分管领导审批阈值 3 天及考勤系统地址",
                           by="张伟")],
        access=InstallAccess(by="王芳", at=f"{day} 19:45",
                             result="登录、提交 4 天请假单、两级审批、余额同步均正常"),
    )  # fmt: skip
    r = golive(request=GoLiveInput(key=run.keys["main"], install=install), released_by="张伟")
    run.step("golive", r["tag"], f"{r['released_at']} (Asia/Shanghai), {r['commits']} commits;"
             f" {r['state']}")  # fmt: skip


def step_acceptance(run: DemoRun) -> None:
    """The certificate is issued; 王芳 ticks 通过 on every requirement row, signs it off
    (通过) and mails it back."""
    from changeflow.flows.delivery import AcceptanceInput, acceptance
    from changeflow.tasks.signoff import printed_labels, today_local

    key = run.keys["main"]
    r = acceptance(request=AcceptanceInput(key=key), issued_by="李明")
    run.step("acceptance", f"certificate v{r['version']}",
             f"{len(r['deliverables'])} deliverables")  # fmt: skip
    labels = printed_labels("zh-CN")
    filled = _fill(Path(r["document"]), {
        labels["decision"]: "通过",
        labels["approver"]: "王芳",
        labels["date"]: today_local().isoformat(),
        labels["comment"]: "功能符合验收标准，同意验收。",
    })  # fmt: skip
    _to_inbox(_tick_rows(filled), f"{key}-验收单-回签.docx")
    _inbox_pass(run, "returned certificate")


LIFECYCLE = [
    step_plan,
    step_approval,
    step_repository,
    step_kickoff,
    step_commits,
    step_sync,
    step_test,
    step_docs,
    step_golive,
    step_acceptance,
]
