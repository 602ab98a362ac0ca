"""``changeflow init --example``: a workspace a newcomer can start from, in the current folder.

It lays out what the README's walkthrough uses, so every command of it runs as written:

* ``contract.yaml``: the sample contract naming both parties (the client 甲方 with its
  contacts, our company 乙方 with address, contact and phone), the client's repository and
  a test command that runs that repository's tests;
* ``taskbook.docx`` and ``taskbook.yaml``: the client's task book (项目任务书), one content in
  two formats (taking in the second after the first is refused as a duplicate);
* ``maintplan.yaml``: the maintenance plan (日常维护服务计划) of the client's systems and the
  checks on each visit (``changeflow maintplan load maintplan.yaml``);
* ``design.md``: the developers' design notes and user manual (``changeflow docs --notes``);
* ``screens/``: the screenshots its manual's role chapters show (``--screenshot screens``;
  drawn: the example has no OA to photograph);
* ``oa/``: the client's OA project, a git repository whose history is made on the spot by the
  contract's people: the project on ``main``, and the development of the first request on
  ``cr/CR-<year>-0001`` (the branch kick-off keeps: the work has started), commits naming the
  request and the requirement they implement (需求N) with time logs (``@3h``).

Nothing is overwritten: when one of these exists the command refuses, naming it.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from changeflow.errors import InputError

REPO = "oa"
SCREENS = "screens"
FILES = ("contract.yaml", "taskbook.docx", "taskbook.yaml", "design.md", "maintplan.yaml", REPO,
         SCREENS)  # fmt: skip

# Our company (乙方), as the contract names it beside the client.
CONTRACTOR = {
    "name": "示例软件技术有限公司",
    "address": "北京市海淀区中关村南大街 5 号 8 层",
    "contact": "李明",
    "phone": "010-8200-0001",
}


def _screens(folder: Path) -> None:
    """The screens design.md's role chapters show, drawn as the demo draws them."""
    from changeflow.cli.demo.sample import sample_screenshot
    from changeflow.settings import get_settings

    folder.mkdir()
    screens = {"请假单界面.png": "form", "审批界面.png": "approve", "同步管理界面.png": "sync"}
    for name, screen in screens.items():
        (folder / name).write_bytes(sample_screenshot(screen, get_settings().lang))


def first_key() -> str:
    """The key the first task book taken in this year gets in a fresh workspace."""
    from changeflow.settings import get_settings

    return f"CR-{datetime.now(get_settings().tz).year}-0001"


def _contract(repo: Path) -> str:
    """The sample contract (its comments kept) with both parties, the client's repository
    and the test command that runs that repository's tests."""
    from changeflow.cli.demo.common import examples_dir

    text = (examples_dir() / "contract.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    out = [
        "# The example workspace's contract (changeflow init --example): load it with",
        "#   changeflow contract load contract.yaml",
        "# Both parties: the client (甲方) under clients:, our company (乙方) as contractor:.",
    ]
    test = f"{shlex.quote(sys.executable)} run_checks.py {{junit}}"
    for line in lines:
        if line.startswith("#"):
            continue
        if line.strip().startswith("repo:"):
            out.append(f"    repo: {json.dumps(str(repo), ensure_ascii=False)}"
                       "   # the client's OA repository (./oa here)")  # fmt: skip
            continue
        out.append(line)
        if line.strip().startswith("our_lead:") and "contractor:" not in text:
            out.append("    contractor:                    # our company (乙方)")
            out += [
                f"      {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in CONTRACTOR.items()
            ]
        if line.strip() == "settings:" and "test_command:" not in text:
            out.append(f"      test_command: {json.dumps(test, ensure_ascii=False)}"
                       "   # the repository's tests, JUnit XML to {junit}")  # fmt: skip
    return "\n".join(out) + "\n"


def _history(repo: Path, key: str) -> list[str]:
    """The client's project on ``main`` and the request's development on ``cr/<key>``."""
    from changeflow.cli.demo.sample import (
        LI_MING,
        ZHANG_WEI,
        project_file,
        sample_commit,
        sample_git,
    )
    from changeflow.settings import get_settings

    repo.mkdir(parents=True)
    sample_git(repo, "init", "-q", "-b", "main")
    tz = get_settings().tz
    day = datetime.now(tz).replace(hour=10, minute=0, second=0, microsecond=0)
    base = {rel: project_file(rel) for rel in ("README.md", "oa/__init__.py",
            "oa/leave/__init__.py", "oa/leave/sync.py", "run_checks.py")}  # fmt: skip
    base["oa/leave/flow.py"] = 'def approvers(days):\n    return ["dept_manager"]\n'
    checks = project_file("checks.py")
    base["checks.py"] = checks.split("\n\n\ndef check_long")[0] + "\n"
    sample_commit(repo, "初始化 OA 项目", base, day - timedelta(days=30), LI_MING)
    sample_commit(repo, "文档：补充 OA 项目说明", {"README.md": project_file("README.md") +
            "\n请假流程：oa/leave/；检查：python run_checks.py junit.xml\n"},
            day - timedelta(days=25), ZHANG_WEI)  # fmt: skip
    sample_git(repo, "checkout", "-q", "-b", f"cr/{key}")
    report_sql = project_file("report/leave_stats.sql")
    number = key.rsplit("-", 1)[1].lstrip("0")
    work = [
        (f"{key} 新增：请假超过 3 天增加分管领导审批节点（需求1） @3h",
         {"oa/leave/flow.py": project_file("oa/leave/flow.py"), "checks.py": checks},
         ZHANG_WEI, 4),
        (f"{key} 修复：审批通过后同步考勤年假余额（需求2） @2h30m",
         {"oa/leave/sync.py": project_file("oa/leave/sync.py") + "\n"}, ZHANG_WEI, 3),
        (f"{key} 新增：请假统计报表，按部门、按月（需求3） @4h",
         {"report/leave_stats.sql": report_sql}, ZHANG_WEI, 2),
        (f"优化：统计报表查询加索引 refs #{number} @1h",
         {"report/leave_stats.sql": report_sql + "CREATE INDEX leave_dept ON leave(dept);\n"},
         LI_MING, 1),
    ]  # fmt: skip
    for message, files, author, days_ago in work:
        sample_commit(repo, message, files, day - timedelta(days=days_ago), author)
    sample_git(repo, "checkout", "-q", "main")
    return [m for m, *_ in work]


def lay_out(folder: Path) -> dict[str, Any]:
    """Lay the example workspace out in ``folder`` (nothing overwritten)."""
    from changeflow.cli.demo.common import examples_dir

    taken = [name for name in FILES if (folder / name).exists()]
    if taken:
        raise InputError(
            str(folder / taken[0]),
            "init --example",
            f"already exists: the example workspace needs an empty folder ({', '.join(FILES)}"
            " are made)",
        )
    if shutil.which("git") is None:
        raise InputError("init --example", "git", "the sample repository needs git on PATH")
    key = first_key()
    examples = examples_dir()
    repo = (folder / REPO).resolve()
    made: list[str] = []
    try:
        commits = _history(repo, key)
        made.append(REPO)
        for name in ("taskbook.docx", "taskbook.yaml", "maintplan.yaml"):
            shutil.copyfile(examples / name, folder / name)
            made.append(name)
        shutil.copyfile(examples / "design-notes.md", folder / "design.md")
        made.append("design.md")
        _screens(folder / SCREENS)
        made.append(SCREENS)
        (folder / "contract.yaml").write_text(_contract(repo), encoding="utf-8")
        made.append("contract.yaml")
    except BaseException:  # nothing half-written: take away what this run made
        for name in [*made, REPO]:
            path = folder / name
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise
    return {
        "folder": str(folder.resolve()),
        "files": list(FILES),
        "repository": str(repo),
        "branch": f"cr/{key}",
        "commits": commits,
        "key": key,
    }
