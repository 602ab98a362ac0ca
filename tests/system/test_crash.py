"""Crash safety: SIGKILL the process at every commit boundary of every stage, run the stage
again, and compare with a run that was never interrupted.

Each stage runs as the real ``changeflow`` command in a subprocess with
``CHANGEFLOW_FAULT_INJECT`` set (changeflow/faults.py): ``before-commit#N`` dies with the
N-th transaction flushed (its files in the store) but not committed, ``after-commit#N`` right
after the N-th commit. The points are enumerated until the stage finishes without reaching
one. After each crash the same command runs again; then the rows of every table, the files
in the store, the git branches and commits and the mails sent must equal the clean run, and
``changeflow doctor`` must find nothing wrong.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MAX_POINTS = 8


def changeflow(
    *args: str, fault: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CHANGEFLOW_FAULT_INJECT", None)
    if fault:
        env["CHANGEFLOW_FAULT_INJECT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "changeflow", *args],
        capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT,
    )  # fmt: skip


class World:
    """Home folder, client repository and mail sink: what a stage can change."""

    def __init__(self, home: Path, repo: Path, sink: Any) -> None:
        self.home, self.repo, self.sink = home, repo, sink

    def snapshot(self, dest: Path) -> None:
        from changeflow.db.session import dispose_engines

        dispose_engines()
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(self.home, dest / "home")
        shutil.copytree(self.repo, dest / "repo", symlinks=True)
        (dest / "mails").write_text(str(len(self.sink.messages)))

    def restore(self, src: Path) -> None:
        from changeflow.db.session import dispose_engines

        dispose_engines()
        shutil.rmtree(self.home)
        shutil.rmtree(self.repo)
        shutil.copytree(src / "home", self.home)
        shutil.copytree(src / "repo", self.repo, symlinks=True)
        del self.sink.messages[int((src / "mails").read_text()) :]

    def state(self) -> dict[str, Any]:
        """Everything a duplicate would show in: counts per table, files, refs, mails."""
        import git

        from changeflow.db import all_models  # noqa: F401
        from changeflow.db.base import Base
        from changeflow.db.models import RequestEvent
        from changeflow.db.session import dispose_engines, transaction
        from changeflow.settings import get_settings

        dispose_engines()
        with transaction() as s:
            rows = {
                t.name: s.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables
                if t.name != "alembic_version"
            }
            events = [
                (e.request_id, e.from_state, e.to_state)
                for e in s.scalars(select(RequestEvent).order_by(RequestEvent.id))
            ]
        store = get_settings().store_dir
        files = sorted(
            p.relative_to(store).as_posix()
            for p in store.rglob("*")
            if p.is_file() and not p.name.endswith(".tmp")
        )
        r = git.Repo(self.repo)
        return {
            "rows": rows,
            "events": events,
            "files": files,
            "branches": sorted(h.name for h in r.heads),
            "tags": sorted(t.name for t in r.tags),
            "commits": int(r.git.rev_list("--all", "--count")),
            "mails": len(self.sink.messages),
        }


@pytest.fixture
def world(cf_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import git

    from changeflow.settings import reset_settings
    from tests.support.smtp import Sink, free_port, start_smtp

    sink = Sink()
    port = free_port()
    ctl = start_smtp(sink, port)
    monkeypatch.setenv("CHANGEFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CHANGEFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CHANGEFLOW_MAIL_FROM", "changeflow@contractor.example")
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    reset_settings()
    repo = git.Repo.init(tmp_path / "oa-repo", initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "李明")
        cw.set_value("user", "email", "li.ming@contractor.example")
    (tmp_path / "oa-repo" / "README.md").write_text("OA 系统\n", encoding="utf-8")
    repo.index.add(["README.md"])
    repo.index.commit("初始提交")
    yield World(cf_home, Path(repo.working_tree_dir), sink)
    ctl.stop()


def _setup(world: World) -> str:
    from changeflow.db.migrate import upgrade
    from changeflow.db.models import Contract
    from changeflow.db.session import transaction
    from changeflow.settings import get_settings
    from changeflow.tasks.contracts import load_contract_file
    from changeflow.tasks.signoff.keys import ensure_secret

    upgrade(get_settings().db_url)
    ensure_secret()
    load_contract_file(EXAMPLES / "contract.yaml")
    with transaction() as s:
        s.scalar(select(Contract).where(Contract.code == "OA-2026")).repo_path = str(world.repo)
    return "CR-2026-0001"


def _returned_plan(tmp: Path, key: str) -> str:
    from tests.support.approval import fill, plan_path

    path = tmp / "returned-plan.docx"
    path.write_bytes(fill(plan_path(key)))
    return str(path)


def _develop(world: World, key: str) -> None:
    """What the developers do between kick-off and sync: commit on the request's branch
    (a linked message with logged time, the client project's checks and their runner)."""
    import git

    from tests.support.delivery import RUNNER

    repo = git.Repo(world.repo)
    repo.git.checkout(f"cr/{key}")
    files = {
        "run_checks.py": RUNNER,
        # one check per requirement of the task book (the number in the name traces it)
        "checks.py": "".join(
            f"def check_leave_req{n}():\n    assert 1 + 2 == 3\n\n\n" for n in (1, 2, 3)
        ),
        "oa/leave.py": "NODES = ['dept', 'vp']\n",
    }
    for name, text in files.items():
        (world.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (world.repo / name).write_text(text, encoding="utf-8")
    repo.index.add(list(files))
    repo.index.commit(f"{key} 新增：请假审批流程增加分管领导节点 @2h")


def _returned_certificate(tmp: Path, key: str) -> str:
    from changeflow.db.models import Document, Request
    from changeflow.db.session import dispose_engines, transaction
    from changeflow.db.store import document_path
    from tests.support.delivery import fill_certificate

    dispose_engines()
    with transaction() as s:
        doc = s.scalar(
            select(Document)
            .join(Request, Document.request_id == Request.id)
            .where(Request.key == key, Document.kind == "acceptance")
            .order_by(Document.id.desc())
        )
        assert doc is not None
        source = document_path(doc)
    path = tmp / "returned-certificate.docx"
    path.write_bytes(fill_certificate(source))
    return str(path)


@dataclass(frozen=True)
class Stage:
    """A stage: its command (built when it runs, from the state before it); what a re-run
    may answer besides success when the first run had in fact finished; and what people do
    outside changeflow before it (not part of the crash)."""

    name: str
    args: Callable[[Path, str], list[str]]
    already: tuple[str, ...] = ()
    prepare: Callable[[World, str], None] | None = None


def _screenshots(tmp: Path) -> list[str]:
    """``--screenshot`` for each role chapter's picture the notes show (a final manual)."""
    from tests.support.delivery import manual_screenshots

    return [a for p in manual_screenshots(tmp / "shots") for a in ("--screenshot", str(p))]


TEST_COMMAND = f"{sys.executable} run_checks.py {{junit}}"
STAGES: list[Stage] = [
    Stage("intake", lambda tmp, key: ["intake", str(EXAMPLES / "taskbook.docx")],
          ("already taken in",)),
    Stage("plan", lambda tmp, key: ["plan", key, "--issue"]),
    Stage("approve", lambda tmp, key: ["approve", _returned_plan(tmp, key)]),
    # The team mail is sent at most once: a run killed after claiming it cannot know whether
    # the SMTP server took it, so the re-run says so instead of sending again.
    Stage("kickoff", lambda tmp, key: ["kickoff", key], ("team mail not sent",)),
    Stage("sync", lambda tmp, key: ["sync"], prepare=_develop),
    Stage("test", lambda tmp, key: ["test", key, "--command", TEST_COMMAND]),
    Stage("docs", lambda tmp, key: ["docs", key, "--notes", str(EXAMPLES / "design-notes.md"),
                                    *_screenshots(tmp)]),
    Stage("golive", lambda tmp, key: ["golive", key]),
    Stage("acceptance", lambda tmp, key: ["acceptance", key]),
    Stage("accept", lambda tmp, key: ["accept", _returned_certificate(tmp, key)]),
]  # fmt: skip


def _diff(want: Any, got: Any) -> Any:
    if isinstance(want, dict):
        return {k: (want.get(k), got.get(k)) for k in want if want.get(k) != got.get(k)}
    return (want, got)


def _doctor() -> list[str]:
    from changeflow.db.session import dispose_engines
    from changeflow.tasks.doctor import diagnose

    dispose_engines()
    return [f"{c.name}: {p}" for c in diagnose().checks for p in c.problems]


def _points() -> list[str]:
    return [f"{kind}#{n}" for n in range(1, MAX_POINTS + 1)
            for kind in ("before-commit", "after-commit")]  # fmt: skip


@pytest.mark.parametrize("stage", [s.name for s in STAGES])
def test_kill_at_every_commit_boundary_then_rerun(
    stage: str, world: World, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    key = _setup(world)
    # bring the world to the state before ``stage`` with clean runs (in-process: faster; the
    # stage itself runs as its own process below, so that it can be killed)
    for st in STAGES:
        if st.prepare:
            st.prepare(world, key)
        if st.name == stage:
            break
        code, _, err = cli(*st.args(tmp_path, key))
        assert code == 0, (st.name, err)
    before = tmp_path / "before"
    world.snapshot(before)
    args = st.args(tmp_path, key)
    already = st.already

    clean = changeflow(*args)
    assert clean.returncode == 0, clean.stderr
    want = world.state()
    assert _doctor() == []

    failures: list[str] = []
    tried: list[str] = []
    for point in _points():
        world.restore(before)
        crash = changeflow(*args, fault=point)
        if crash.returncode != -signal.SIGKILL:
            assert crash.returncode == 0, (point, crash.stderr)
            if point.startswith("before-commit"):
                break  # fewer commits than this: no later point exists either
            continue
        tried.append(point)
        again = changeflow(*args)
        ok_again = again.returncode == 0 or any(a in again.stderr for a in already)
        got = world.state()
        problems = []
        if not ok_again:
            problems.append(f"re-run exit {again.returncode}: {again.stderr.strip()[-300:]}")
        if got["mails"] > want["mails"]:
            problems.append(f"{got['mails']} mails sent, a clean run sends {want['mails']}")
        got["mails"] = want["mails"]  # fewer is the at-most-once rule (see STAGES)
        if got != want:
            diff = {k: _diff(want[k], got[k]) for k in want if want[k] != got[k]}
            problems.append(f"differs from a clean run: {diff}")
        report = _doctor()
        if report:
            problems.append(f"doctor: {report}")
        if problems:
            failures.append(f"{stage} killed at {point}: " + "; ".join(problems))
    assert tried, "no commit boundary was reached"
    assert failures == [], "\n".join(failures)


def test_fault_switch_is_inert_without_the_variable(db: str) -> None:
    from changeflow import faults

    faults.checkpoint("before-commit")  # no variable: nothing happens
    os.environ[faults.ENV] = "some-other-point"
    try:
        faults.checkpoint("before-commit")
    finally:
        del os.environ[faults.ENV]


def test_checkpoint_kills_at_the_chosen_occurrence(tmp_path: Path) -> None:
    code = (
        "from changeflow import faults\n"
        "for i in range(5):\n"
        "    print(i, flush=True)\n"
        "    faults.checkpoint('stage:step')\n"
    )
    env = {**os.environ, "CHANGEFLOW_FAULT_INJECT": "stage:step#3"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == -signal.SIGKILL and proc.stdout.split() == ["0", "1", "2"]
