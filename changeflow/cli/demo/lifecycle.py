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
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .client import fill_form, inbox_pass, newest_document, tick_rows, to_inbox
from .common import DemoRun, examples_dir
from .sample import (
    LI_MING,
    ZHANG_WEI,
    design_notes,
    project_file,
    sample_commit,
    sample_git,
    sample_screenshot,
)

# --- the stages ---------------------------------------------------------------------------

# The estimate the lead enters in the plan form: the three requirements of the task book.
ESTIMATES = [
    (None, "analysis", "analyst", "1", "李明", "需求确认与方案设计"),
    (1, "development", "developer", "2", "张伟", "分管领导审批节点"),
    (2, "development", "developer", "1.5", "张伟", "考勤年假余额同步"),
    (3, "development", "developer", "1.5", "张伟", "请假统计报表"),
    (None, "testing", "tester", "1", "张伟", "集成测试与用户测试"),
    (None, "golive", "engineer", "0.5", "张伟", "上线部署"),
    (None, "acceptance", "project_lead", "0.5", "李明", "验收"),
]


# the cases file's manual cases, as the client's tester records them in the test environment
MANUAL_RESULTS = [
    {"case": "TC-2-2", "result": "通过", "tester": "王芳",
     "actual": "审批通过 3 分钟后考勤系统余额由 10 天减为 8 天"},
    {"case": "TC-3-2", "result": "通过", "tester": "王芳",
     "actual": "11 月 6 个部门的请假天数与考勤导出一致"},
]  # fmt: skip


def _when(run: DemoRun, name: str) -> datetime:
    """When the act ``name`` happens in the replayed month (``month``)."""
    from .days import fixed_acts

    return run.times.get(name) or fixed_acts()[name]


def step_plan(run: DemoRun) -> None:
    from changeflow.flows.plan import EstimateRow, PlanInput, plan

    from .days import text

    key = run.keys["main"]
    rows = [EstimateRow(requirement=r, phase=ph, role=role, person_days=d, assignee=who,
                        title=title) for r, ph, role, d, who, title in ESTIMATES]  # fmt: skip
    form = PlanInput(key=key, issue=True, estimates_table=rows, at=text(_when(run, "plan")))
    result = plan(request=form, planned_by="李明")
    if result.get("state") is None:
        raise RuntimeError(f"plan refused: {result}")
    what = f"¥{result['total']}, {result['start']} - {result['end']}; {result['state']}"
    run.step("plan", f"{key} plan v{result['version']}", what)


def step_approval(run: DemoRun) -> None:
    """王芳 signs the plan on the day she decides, fills the approval table and mails it
    back; the inbox records it as of the time the mail arrived."""
    from changeflow.docs_templates.labels import APPROVAL_FIELDS

    from .days import as_of

    key = run.keys["main"]
    received = _when(run, "approval")
    zh = {name: pair[0] for name, pair in APPROVAL_FIELDS.items()}
    filled = fill_form(newest_document(key, "plan"), {
        zh["decision"]: "同意",
        zh["approver"]: "王芳",
        zh["date"]: received.date().isoformat(),
        zh["comment"]: "同意按计划实施，请按期交付。",
    })  # fmt: skip
    to_inbox(filled, f"{key}-实施计划-回签.docx")
    with as_of(received, "returned plan"):
        inbox_pass(run, "returned plan")


def step_repository(run: DemoRun) -> None:
    """The client's OA project in ``<out>/repo`` (its first commit from October); the
    contract names it and its tests."""
    import shutil

    import yaml

    from changeflow.tasks.contracts import load_contract_file

    from .days import at

    repo = run.out / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    sample_git(repo, "init", "-q", "-b", "main")
    start = at(date(2026, 10, 12), "09:30")
    # The project before the request: the department approves all leave; no checks yet.
    files = {rel: project_file(rel) for rel in ("README.md", "oa/__init__.py",
             "oa/leave/__init__.py", "oa/leave/sync.py", "run_checks.py")}  # fmt: skip
    files["oa/leave/flow.py"] = 'def approvers(days):\n    return ["dept_manager"]\n'
    files["checks.py"] = project_file("checks.py").split("\n\n\ndef check_long")[0] + "\n"
    sample_commit(repo, "初始化 OA 项目", files, start, LI_MING)
    spec = yaml.safe_load((examples_dir() / "contract.yaml").read_text(encoding="utf-8"))
    k = spec["contracts"][0]
    k["repo"] = str(repo)
    k.setdefault("settings", {})["test_command"] = f"{sys.executable} run_checks.py {{junit}}"
    path = run.out / "contract.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_contract_file(path)
    run.step("repository", "sample OA project", f"repo (contract {k['code']} names it)")


def _work(key: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The commits of each planned work item (by its title), in order: message (without the
    time log) and files; each by the item's assignee."""
    flow_py, checks = project_file("oa/leave/flow.py"), project_file("checks.py")
    sync_py, report_sql = project_file("oa/leave/sync.py"), project_file("report/leave_stats.sql")
    return {
        "需求确认与方案设计": [
            (f"{key} 文档：需求确认与方案设计（需求1-3）",
             {"docs/design-notes.md": design_notes()}),
        ],
        "分管领导审批节点": [
            (f"{key} 新增：请假超过 3 天增加分管领导审批节点（需求1）",
             {"oa/leave/flow.py": flow_py,
              "db/2026_leave_vp.sql": project_file("db/2026_leave_vp.sql")}),
            (f"{key} 测试：两级审批与余额、报表检查用例（需求1）",
             {"checks.py": checks, "test-cases.yaml": project_file("test-cases.yaml")}),
        ],
        "考勤年假余额同步": [
            (f"{key} 修复：审批通过后同步考勤年假余额（需求2）",
             {"oa/leave/sync.py": sync_py + "\n"}),
            (f"{key} 修复：与考勤接口联调，余额不为负（需求2）",
             {"oa/leave/sync.py": sync_py + "\n\ndef never_negative(balance):\n"
              "    return max(balance, 0)\n"}),
        ],
        "请假统计报表": [
            (f"{key} 新增：请假统计报表，按部门、按月（需求3）",
             {"report/leave_stats.sql": report_sql}),
            (f"{key} 优化：统计报表查询加索引（需求3）",
             {"report/leave_stats.sql": report_sql
              + "CREATE INDEX leave_dept ON leave(dept);\n"}),
        ],
    }  # fmt: skip


def _hours(h: Decimal) -> str:
    whole, minutes = int(h), int((h - int(h)) * 60)
    return f"@{whole}h{minutes}m" if minutes else f"@{whole}h"


def _people() -> dict[str, tuple[str, str]]:
    return {"张伟": ZHANG_WEI, "李明": LI_MING}


def plan_commits(key: str, items: list[dict[str, Any]]) -> list[tuple[datetime, str, dict, tuple]]:
    """Each item's commits on its planned days, in the order of the plan: a person works 8
    hours a day (the weekly report's person-day), an item takes the hours left on its days;
    a commit logs that day's hours on the item. Work is committed at 12:00 (a morning's) or
    17:00, on Fridays by 14:30 (before the weekly report at 15:00)."""
    from .days import at, working_days

    work, people = _work(key), _people()
    used: dict[tuple[str, date], Decimal] = {}
    commits = []
    for it in items:
        todo = list(work.get(it["title"] or "", []))
        who = it.get("assignee") or "张伟"
        if not todo or it.get("start") is None:
            continue
        left = Decimal(it["person_days"]) * 8
        days = working_days(date.fromisoformat(it["start"]), date.fromisoformat(it["end"]))
        slots = []
        for day in days:
            free = Decimal(8) - used.get((who, day), Decimal(0))
            take = min(free, left)
            if take <= 0:
                continue
            used[(who, day)] = used.get((who, day), Decimal(0)) + take
            left -= take
            slots.append((day, take, used[(who, day)]))
        for i, (day, hours, upto) in enumerate(slots):
            mine = todo[i:] if i == len(slots) - 1 else todo[i : i + 1]
            friday = day.weekday() == 4
            hhmm = (
                ("11:30" if friday else "12:00") if upto <= 4 else ("14:30" if friday else "17:00")
            )
            for j, (message, files) in enumerate(mine):
                logged = hours if j == 0 else Decimal(0)
                text = f"{message} {_hours(logged)}" if logged else message
                when = at(day, hhmm) + timedelta(minutes=5 * j)
                commits.append((when, text, files, people.get(who, ZHANG_WEI)))
    commits.sort(key=lambda c: c[0])
    return commits


def schedule_development(run: DemoRun, schedule: dict[str, Any]) -> None:
    """From the frozen schedule: the commits on the planned days (``plan_commits``), a sync
    after each day's work, the user manual on the test day's morning, the test, the technical
    document that afternoon, go-live
    in the evening of the go-live day, the certificate on the acceptance day (after
    go-live), 王芳's signature the next working day."""
    from .days import at, next_working_day

    items = schedule["items"]
    commits = plan_commits(run.keys["main"], items)
    run.times["commits"] = commits
    phase_day = {it["phase"]: date.fromisoformat(it["start"]) for it in reversed(items)}
    test_day = phase_day["testing"]
    golive_day = phase_day["golive"]
    cert_day = max(phase_day.get("acceptance", golive_day), next_working_day(golive_day))
    run.times |= {
        "manual": at(test_day, "09:00"),
        "test": at(test_day, "10:00"),
        "docs": at(test_day, "15:00"),
        "golive": at(golive_day, "19:30"),
        "acceptance": at(cert_day, "10:00"),
        "signed": at(next_working_day(cert_day), "16:30"),
    }
    if run.timeline is not None:
        for day in sorted({c[0].date() for c in commits}):
            last = max(c[0] for c in commits if c[0].date() == day)
            run.timeline.add(last + timedelta(minutes=15), f"commits {day}", _day_of_work(day))
        for name, fn in (("manual", step_manual), ("test", step_test), ("docs", step_docs),
                         ("golive", step_golive), ("acceptance", step_acceptance)):  # fmt: skip
            run.timeline.add(run.times[name], name, fn)


def step_kickoff(run: DemoRun) -> None:
    from changeflow.tasks.kickoff import kickoff

    from .days import text

    res = kickoff(run.keys["main"], actor="李明", channel="ui", at=text(_when(run, "kickoff")))
    run.step("kickoff", f"branch {res['branch']}",
             f"{res['planned_start']} - {res['planned_end']}; {res['state']}")  # fmt: skip
    schedule_development(run, _frozen_schedule(run.keys["main"]))


def _frozen_schedule(key: str) -> dict[str, Any]:
    from sqlalchemy import select

    from changeflow.db.approval import Kickoff
    from changeflow.db.models import Request
    from changeflow.db.session import transaction

    with transaction() as s:
        k = s.scalars(
            select(Kickoff).join(Request, Kickoff.request_id == Request.id)
            .where(Request.key == key).order_by(Kickoff.id.desc())
        ).first()  # fmt: skip
        assert k is not None, f"{key} has no kick-off"
        return dict(k.schedule)


def _commit_until(run: DemoRun, last: datetime) -> int:
    """Make the planned commits dated up to ``last`` on cr/<key>; how many were made."""
    key = run.keys["main"]
    repo = run.out / "repo"
    sample_git(repo, "checkout", "-q", f"cr/{key}")
    todo = [c for c in run.times.get("commits", []) if c[0] <= last]
    for when, message, files, author in todo:
        sample_commit(repo, message, files, when, author)
    run.times["commits"] = [c for c in run.times.get("commits", []) if c[0] > last]
    return len(todo)


def _day_of_work(day: date) -> Any:
    def event(run: DemoRun) -> None:
        from .days import at

        made = _commit_until(run, at(day, "23:59"))
        head = sample_git(run.out / "repo", "log", "-1", "--format=%h %s")
        run.step("commits", f"{day}: {made} commit(s) on cr/{run.keys['main']}", head)
        _sync(run, run.now)

    return event


def step_commits(run: DemoRun) -> None:
    """Development on cr/<key> (every planned commit, dated on its planned day): Chinese
    messages naming the request and the requirement they implement (需求N, traced in the
    matrix), time logs, by the contract's people."""
    from datetime import UTC

    key = run.keys["main"]
    made = _commit_until(run, datetime.max.replace(tzinfo=UTC))
    head = sample_git(run.out / "repo", "log", "-1", "--format=%h %s")
    run.step("commits", f"{made} commits on cr/{key}", head)


def _sync(run: DemoRun, when: datetime) -> None:
    from changeflow.flows.sync import SyncInput, sync

    from .days import as_of

    with as_of(when, "sync"):
        res = sync(params=SyncInput())
    for r in res["repositories"]:
        run.step("sync", r["repository"], f"{r['new']} new commits, {r['linked']} links,"
                 f" {r['time_entries']} time entries; {', '.join(r['requests'])}")  # fmt: skip


def step_sync(run: DemoRun) -> None:
    commits = [c[0] for c in run.times.get("commits", [])] or [_when(run, "kickoff")]
    _sync(run, max(commits) + timedelta(minutes=30))


def step_test(run: DemoRun) -> None:
    from changeflow.flows.delivery import ManualResult, TestInput, test

    from .days import text

    day = run.times["test"].date().isoformat()
    # the cases file's manual cases, run by the client's tester in their test environment
    manual = [ManualResult(**r, date=day) for r in MANUAL_RESULTS]
    form = TestInput(key=run.keys["main"], manual_results=manual, at=text(run.times["test"]))
    r = test(request=form, tested_by="张伟")
    run.step("test", f"test run #{r['seq']} at {r['commit'][:10]}", f"{r['reason']}; {r['state']}")


def _docs(run: DemoRun, kind: str, when: str) -> None:
    from changeflow.flows.delivery import DELIVERY_DIR, DocsInput, docs
    from changeflow.settings import get_settings

    from .days import text

    folder = get_settings().inbox / DELIVERY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # one screen per role's chapter of the manual (申请人, 审批人, 管理员)
    shots = {"请假单界面.png": "form", "审批界面.png": "approve", "同步管理界面.png": "sync"}
    for name, screen in shots.items():
        (folder / name).write_bytes(sample_screenshot(screen, get_settings().lang))
    notes = design_notes()
    form = DocsInput(key=run.keys["main"], notes_markdown=notes, screenshots=list(shots),
                     kinds=[kind], at=text(run.times[when]))  # fmt: skip
    for r in docs(request=form, written_by="张伟"):
        run.step(when, f"{r['kind']} v{r['version']}", Path(r["document"]).name)


def step_manual(run: DemoRun) -> None:
    """The user manual, written the morning of the test day before the tests run: the test
    report's cases cite its chapters (as a real project drafts its manual before testing)."""
    _docs(run, "manual", "manual")


def step_docs(run: DemoRun) -> None:
    """The technical document, the afternoon after the test: its traceability matrix shows
    the test's results."""
    _docs(run, "techdoc", "docs")


def step_golive(run: DemoRun) -> None:
    from changeflow.flows.delivery import (
        GoLiveInput,
        InstallAccess,
        InstallBackup,
        InstallRecord,
        InstallStep,
        golive,
    )

    from .days import text

    day = run.times["golive"].date().isoformat()
    install = InstallRecord(  # the engineer's install record of the evening's upgrade
        engineer="张伟",
        checks=["生产服务器磁盘空间、内存充足", "OA 应用与数据库版本与甲方测试环境一致",
                "考勤系统接口账号在生产环境可用", "已通知各部门 19:00-20:00 暂停提交请假单"],
        backup=InstallBackup(by="张伟", at=f"{day} 19:00",
                             where="甲方备份服务器（OA 程序目录与 OA 数据库全量备份）"),
        steps=[InstallStep(at=f"{day} 19:10", action="执行数据库迁移脚本，请假表新增两个字段",
                           by="张伟"),
               InstallStep(at=f"{day} 19:20", action="发布新版本程序包并重启 OA 应用服务",
                           by="张伟"),
               InstallStep(at=f"{day} 19:30", action="设置分管领导审批阈值 3 天及考勤系统地址",
                           by="张伟")],
        access=InstallAccess(by="王芳", at=f"{day} 19:45",
                             result="登录、提交 4 天请假单、两级审批、余额同步均正常"),
    )  # fmt: skip
    form = GoLiveInput(key=run.keys["main"], install=install, at=text(run.times["golive"]))
    r = golive(request=form, released_by="张伟")
    run.step("golive", r["tag"], f"{r['released_at']} (Asia/Shanghai), {r['commits']} commits;"
             f" {r['state']}")  # fmt: skip


def step_acceptance(run: DemoRun) -> None:
    """The certificate is issued the working day after go-live; 王芳 ticks 通过 on every
    requirement row, signs it off (通过) the day after and mails it back."""
    from changeflow.flows.delivery import AcceptanceInput, acceptance

    from .days import later, text

    key = run.keys["main"]
    r = acceptance(request=AcceptanceInput(key=key, at=text(run.times["acceptance"])),
                   issued_by="李明")  # fmt: skip
    run.step("acceptance", f"certificate v{r['version']}",
             f"{len(r['deliverables'])} deliverables")  # fmt: skip
    later(run, run.times["signed"], "certificate signed", _certificate_signed(Path(r["document"])))


def _certificate_signed(document: Path) -> Any:
    def event(run: DemoRun) -> None:
        _sign_certificate(run, document)

    return event


def _sign_certificate(run: DemoRun, document: Path) -> None:
    from changeflow.tasks.signoff import printed_labels

    from .days import as_of

    key = run.keys["main"]
    signed = run.times["signed"]
    labels = printed_labels("zh-CN")
    filled = fill_form(document, {
        labels["decision"]: "通过",
        labels["approver"]: "王芳",
        labels["date"]: signed.date().isoformat(),
        labels["comment"]: "功能符合验收标准，同意验收。",
    })  # fmt: skip
    to_inbox(tick_rows(filled), f"{key}-验收单-回签.docx")
    with as_of(signed, "returned certificate"):
        inbox_pass(run, "returned certificate")


LIFECYCLE = [
    step_plan,
    step_approval,
    step_repository,
    step_kickoff,
    step_commits,
    step_sync,
    step_manual,
    step_test,
    step_docs,
    step_golive,
    step_acceptance,
]
