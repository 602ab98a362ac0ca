"""The demo's lifecycle stages after intake: plan, the client's approval by a returned
document, kick-off, commits in a sample repository, sync, tests, documents, go-live and
acceptance by a returned certificate.

Each stage calls what a lead uses (the flows of the Prefect UI; the inbox for returned
documents), on the demo's own database under ``<out>/var``. The sample client project is
a real git repository in ``<out>/repo`` with Chinese commit messages that name the request,
time logs (``@2h``) and a tiny test runner that writes JUnit XML.
"""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from changeflow.demo import DemoRun

TEST_RUNNER = '''\
"""Runs every check_* function of checks.py and writes a JUnit XML report."""
import sys
import time
from xml.sax.saxutils import quoteattr

import checks

cases = []
for name in sorted(n for n in dir(checks) if n.startswith("check_")):
    started = time.perf_counter()
    try:
        getattr(checks, name)()
        cases.append((name, None, time.perf_counter() - started))
    except AssertionError as exc:
        cases.append((name, str(exc) or "assertion failed", time.perf_counter() - started))
failed = [c for c in cases if c[1] is not None]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="utf-8"?>\\n')
    out.write(f'<testsuite name="oa-checks" tests="{len(cases)}" failures="{len(failed)}">')
    for name, message, seconds in cases:
        out.write(f'<testcase classname="checks" name="{name}" time="{seconds:.3f}">')
        if message is not None:
            out.write(f"<failure message={quoteattr(message)}/>")
        out.write("</testcase>")
    out.write("</testsuite>")
print(f"{len(cases)} checks, {len(failed)} failed")
sys.exit(1 if failed else 0)
'''

CHECKS = '''\
"""Checks of the leave workflow (the client project's own tests)."""
from oa.leave import flow, sync


def check_long_leave_needs_vp():
    assert flow.approvers(4) == ["dept_manager", "vice_president"]


def check_short_leave_dept_only():
    assert flow.approvers(2) == ["dept_manager"]


def check_balance_sync():
    assert sync.remaining(10, 4) == 6
'''

FLOW_PY = '''\
def approvers(days):
    """Leave longer than 3 days also needs the vice president."""
    return ["dept_manager", "vice_president"] if days > 3 else ["dept_manager"]
'''

SYNC_PY = """\
def remaining(balance, taken):
    return balance - taken
"""

REPORT_SQL = "SELECT dept, month, SUM(days) FROM leave GROUP BY dept, month;\n"

NOTES = """# 总体设计

请假流程由 **审批引擎** 按请假天数选择审批人：3 天以内只需部门经理，超过 3 天增加
*分管领导* 节点。配置文件为 `oa/leave/flow.py`。

## 数据表

| 字段 | 类型 | 说明 |
|---|---|---|
| leave_id | int | 请假单编号 |
| days | decimal(4,1) | 请假天数 |
| balance | decimal(4,1) | 年假余额 |

## 审批规则

1. 提交请假单
2. 部门经理审批
3. 超过 3 天：分管领导审批
   - 审批通过后 5 分钟内同步考勤系统
   - 失败时重试 3 次并通知管理员

```python
def approvers(days):
    return ["dept_manager", "vice_president"] if days > 3 else ["dept_manager"]
```

> 调休上班日按工作日计算请假天数。

# 用户手册

## 提交请假

1. 打开 **OA → 人事 → 请假**。
2. 选择请假类型，填写起止日期，系统自动计算天数。
3. 点击“提交”，在“我的申请”中查看审批进度。

## 查看统计报表

- 人事部在 **报表 → 请假统计** 中按部门、按月查看。
"""


ZHANG_WEI = ("Zhang Wei", "zhang.wei@contractor.example")
LI_MING = ("Li Ming", "li.ming@contractor.example")


def _git(repo: Path, *args: str, when: datetime | None = None, stdin: str | None = None,
         author: tuple[str, str] = ZHANG_WEI) -> str:  # fmt: skip
    import subprocess

    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    name, email = author
    proc = subprocess.run(
        ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", *args],
        cwd=repo,
        input=stdin.encode("utf-8") if stdin is not None else None,
        capture_output=True,
        env=env,
        check=True,
    )
    return proc.stdout.decode("utf-8", "replace").strip()


def _commit(repo: Path, message: str, files: dict[str, str], when: datetime,
            author: tuple[str, str]) -> None:  # fmt: skip
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        _git(repo, "add", "--", rel)
    _git(repo, "commit", "-q", "-F", "-", when=when, stdin=message, author=author)


def _to_inbox(data: bytes, name: str) -> Path:
    """Drop a file into the inbox as a client's mail would (old enough to be taken)."""
    from changeflow.settings import get_settings

    inbox = get_settings().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def _fill(path: Path, values: dict[str, str]) -> bytes:
    """Type into the right-hand cells of a sign-off table (label -> value), as in Word."""
    import docx

    d = docx.Document(str(path))
    for table in d.tables:
        for row in table.rows:
            label = row.cells[0].text.strip()
            if label in values and len(row.cells) == 2:
                row.cells[1].text = values[label]
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _newest_document(key: str, kind: str) -> Path:
    from sqlalchemy import select

    from changeflow.db.models import Document, Request
    from changeflow.db.session import transaction
    from changeflow.db.store import document_path

    with transaction() as s:
        doc = s.scalars(
            select(Document)
            .join(Request)
            .where(Request.key == key, Document.kind == kind)
            .order_by(Document.version.desc())
        ).first()
        assert doc is not None, f"{key} has no {kind}"
        return document_path(doc)


def _inbox_pass(run: DemoRun, what: str) -> dict[str, Any]:
    from changeflow.flows.approval import inbox

    report = inbox()
    for item in report["items"]:
        run.step("inbox", what, f"{item['file']}: {item['detail']}")
    return report


# --- the stages ---------------------------------------------------------------------------


def step_plan(run: DemoRun) -> None:
    from changeflow.flows.plan import PlanInput, plan

    key = run.keys["main"]
    result = plan(request=PlanInput(key=key), planned_by="李明")
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

    from changeflow.demo import _examples
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file

    repo = run.out / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    start = datetime.now(get_settings().tz).replace(hour=9, minute=30) - timedelta(days=20)
    _commit(repo, "初始化 OA 项目", {
        "README.md": "# OA 系统\n", "oa/__init__.py": "", "oa/leave/__init__.py": "",
        "oa/leave/flow.py": 'def approvers(days):\n    return ["dept_manager"]\n',
        "oa/leave/sync.py": SYNC_PY, "run_checks.py": TEST_RUNNER,
        "checks.py": CHECKS.split("\n\n\ndef check_long")[0] + "\n",
    }, start, LI_MING)  # fmt: skip
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
    """Development on cr/<key>: Chinese messages naming the request, time logs."""
    from changeflow.settings import get_settings

    key = run.keys["main"]
    repo = run.out / "repo"
    _git(repo, "checkout", "-q", f"cr/{key}")
    tz = get_settings().tz  # commit times as the developers in Shanghai made them
    day = datetime.now(tz).replace(hour=10, minute=0, second=0, microsecond=0)
    zw, lm = (
        ("Zhang Wei", "zhang.wei@contractor.example"),
        ("Li Ming", "li.ming@contractor.example"),
    )
    work = [
        (f"{key} 新增：请假超过 3 天增加分管领导审批节点 @3h", {"oa/leave/flow.py": FLOW_PY,
         "checks.py": CHECKS}, zw, 4),
        (f"{key} 修复：审批通过后同步考勤年假余额 @2h30m", {"oa/leave/sync.py": SYNC_PY + "\n"},
         zw, 3),
        (f"{key} 新增：请假统计报表（按部门、按月） @4h", {"report/leave_stats.sql": REPORT_SQL},
         zw, 2),
        (f"优化：统计报表查询加索引 refs #{key.rsplit('-', 1)[1].lstrip('0')} @1h",
         {"report/leave_stats.sql": REPORT_SQL + "CREATE INDEX leave_dept ON leave(dept);\n"},
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
    from changeflow.flows.delivery import TestInput, test

    r = test(request=TestInput(key=run.keys["main"]), tested_by="张伟")
    run.step("test", f"test run #{r['seq']} at {r['commit'][:10]}", f"{r['reason']}; {r['state']}")


def step_docs(run: DemoRun) -> None:
    from changeflow.flows.delivery import DELIVERY_DIR, DocsInput, docs
    from changeflow.settings import get_settings

    folder = get_settings().inbox / DELIVERY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "请假单界面.png").write_bytes(_screenshot())
    form = DocsInput(key=run.keys["main"], notes_markdown=NOTES, screenshots=["请假单界面.png"])
    for r in docs(request=form, written_by="张伟"):
        run.step("docs", f"{r['kind']} v{r['version']}", Path(r["document"]).name)


def step_golive(run: DemoRun) -> None:
    from changeflow.flows.delivery import GoLiveInput, golive

    r = golive(request=GoLiveInput(key=run.keys["main"]), released_by="张伟")
    run.step("golive", r["tag"], f"{r['released_at']} (Asia/Shanghai), {r['commits']} commits;"
             f" {r['state']}")  # fmt: skip


def step_acceptance(run: DemoRun) -> None:
    """The certificate is issued; 王芳 signs it off (通过) and mails it back."""
    from changeflow.flows.delivery import AcceptanceInput, acceptance
    from changeflow.tasks.signoff import printed_labels as signoff_labels
    from changeflow.tasks.signoff import today_local

    key = run.keys["main"]
    r = acceptance(request=AcceptanceInput(key=key), issued_by="李明")
    run.step("acceptance", f"certificate v{r['version']}",
             f"{len(r['deliverables'])} deliverables")  # fmt: skip
    labels = signoff_labels("zh-CN")
    filled = _fill(Path(r["document"]), {
        labels["decision"]: "通过",
        labels["approver"]: "王芳",
        labels["date"]: today_local().isoformat(),
        labels["comment"]: "功能符合验收标准，同意验收。",
    })  # fmt: skip
    _to_inbox(filled, f"{key}-验收单-回签.docx")
    _inbox_pass(run, "returned certificate")


def _screenshot() -> bytes:
    """A picture of the leave form (drawn, as the demo has no browser)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    fig = plt.figure(figsize=(6.4, 4), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 640)
    ax.set_ylim(400, 0)
    ax.axis("off")
    ax.add_patch(Rectangle((0, 0), 640, 400, color="#f3f6fa"))
    ax.add_patch(Rectangle((0, 0), 640, 48, color="#1f4e79"))
    ax.text(16, 30, "OA  Leave request", color="white", fontsize=14)
    for i, label in enumerate(("Type", "From", "To", "Days")):
        ax.text(40, 100 + i * 50, label, fontsize=11)
        ax.add_patch(Rectangle((140, 80 + i * 50), 300, 30, fill=False, ec="#888888"))
    ax.add_patch(Rectangle((140, 300), 120, 36, color="#2e7d32"))
    ax.text(172, 324, "Submit", color="white", fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


LIFECYCLE = [
    step_plan,
    step_approval,
    step_repository,
    step_kickoff,
    step_commits,
    step_sync,
    step_test,
    step_golive,
    step_docs,
    step_acceptance,
]
