"""The lead's day in the Prefect UI, in a real headless Chromium, from a fresh work folder.

The test does what the README tells a new lead to do, and nothing a lead would not: in an
empty folder ``changeflow init``, then ``changeflow up`` (no absolute home anywhere, so every
place is the folder's default ``./var``). Everything else happens in the browser, in the
Prefect UI's forms and on the document service's hand-in page: the contract (YAML pasted,
the client repository's path in it), one request from the task book to accepted (intake,
plan issued, the signed plan downloaded from its artifact link and filled in as a client
does, handed in, kickoff, commits in a real git repository, sync, test, docs, golive,
acceptance, the signed certificate handed in), then a fault through its steps. At the end
the work folder's database holds all of it and the checkout holds no ``var/``.

Runs are followed through the Prefect API (their states polled, never a fixed sleep); the
seconds from Submit to Completed of each step are printed as a table. Screenshots go to the
test's temporary folder, or with ``CHANGEFLOW_UPDATE_SCREENSHOTS=1`` into ``docs/ui-*.png``
(the README's and docs/deployment.md's pictures). Every request to a non-local address is
blocked (the UI bundle calls an analytics host).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHANGEFLOW_CHROMIUM", "/usr/bin/chromium")
UPDATE_DOCS = os.environ.get("CHANGEFLOW_UPDATE_SCREENSHOTS") == "1"
TIMEOUT_MS = 60_000
RUN_TIMEOUT = 240  # seconds from Submit to a final state, on a loaded 2-core machine


def _missing() -> str | None:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright library is not installed (pip install -e '.[test]')"
    return None


if _missing():
    pytest.skip(_missing(), allow_module_level=True)


def _local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in ("127.0.0.1", "localhost", "::1")


# --- the lead's machine: a work folder, ``changeflow init``, ``changeflow up`` ---------------


@dataclass
class Up:
    work: Path
    ui: str  # http://127.0.0.1:P
    api: str
    docs: str  # the document service
    process: subprocess.Popen[bytes]
    out: Path
    smtp: Any = None
    timings: list[tuple[str, float, float]] = field(default_factory=list)

    def log_tail(self) -> str:
        parts = [self.out.read_text(errors="replace")[-1500:]]
        serve = self.work / "var" / "prefect" / "serve.log"
        if serve.exists():
            parts.append(serve.read_text(errors="replace")[-3000:])
        return "\n".join(parts)


def _lead_env(tmp_path: Path, smtp_port: int) -> dict[str, str]:
    """The environment of a lead's terminal: nothing of the test's own changeflow or Prefect
    settings, only the mail server a real installation configures."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHANGEFLOW_", "PREFECT_"))}  # fmt: skip
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # Prefect's own profile, not ours
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "CHANGEFLOW_SMTP_HOST": "127.0.0.1",
        "CHANGEFLOW_SMTP_PORT": str(smtp_port),
        "CHANGEFLOW_MAIL_FROM": "changeflow@contractor.example",
        # a wide terminal: up's "Home <folder>" line stays one line however long the test's
        # folder is (an xdist worker's is longer: .../popen-gw1/...)
        "COLUMNS": "200",
    }
    return env


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    from tests.support.prefect import free_port
    from tests.support.smtp import Sink, start_smtp

    sink = Sink()
    smtp_port = free_port()
    smtp = start_smtp(sink, smtp_port)
    work = tmp_path / "work"
    work.mkdir()
    env = _lead_env(tmp_path, smtp_port)
    done = subprocess.run([sys.executable, "-m", "changeflow", "init"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    port, docs_port = free_port(), free_port()
    out = tmp_path / "up.out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "changeflow", "up", "--port", str(port),
             "--docs-port", str(docs_port)],
            cwd=work, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches only ``up``, as from a terminal
        )  # fmt: skip
    u = Up(work, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/api",
           f"http://127.0.0.1:{docs_port}", proc, out, sink)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Ctrl-C to stop" not in out.read_text(errors="replace"):
            assert proc.poll() is None, f"up exited:\n{u.log_tail()}"
            assert time.monotonic() < deadline, f"up not ready:\n{u.log_tail()}"
            time.sleep(0.3)
        assert f"Home {work / 'var'}" in out.read_text()
        yield u
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C: running flows finish, then it stops
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        smtp.stop()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = ROOT / "docs" if UPDATE_DOCS else tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def page(up: Up) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r: Any) -> None:
        if _local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )  # fmt: skip
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", route)
        pg = context.new_page()
        pg.goto(f"{up.ui}/v2/deployments")
        yield pg
        browser.close()
    print(f"blocked {len(blocked)} non-local request(s): {sorted(set(blocked))[:3]}")


# --- what a lead does in the UI ------------------------------------------------------------


def open_form(pg: Any, up: Up, deployment: str) -> None:
    """Deployments -> search by the step's short name -> the deployment (listed under its UI
    name, e.g. "03 录入任务书 intake") -> Run -> Custom run."""
    from playwright.sync_api import expect

    from changeflow.flows.deployments import by_name

    box = pg.get_by_role
    pg.goto(f"{up.ui}/v2/deployments")
    box("textbox", name="Search deployments").fill(deployment)
    name = by_name()[deployment].ui_name
    link = box("table").get_by_role("link", name=name, exact=True).first
    # the list may show "Loading" longer than expect's 5 s on a loaded machine
    expect(link).to_have_attribute("href", re.compile("/deployments/deployment/"),
                                   timeout=TIMEOUT_MS)  # fmt: skip
    pg.goto(up.ui + link.get_attribute("href"))
    box("button", name="Run", exact=True).click()
    box("menuitem", name="Custom run").click()


def submit(pg: Any, up: Up, step: str) -> Any:
    """Click Submit; follow the run through the Prefect API until it is final; open its page
    once its name is ``step`` (``<step> <key>``, or a regex). Returns the final flow run."""
    from playwright.sync_api import expect
    from prefect.client.orchestration import get_client

    box = pg.get_by_role
    # Prefect's server on SQLite answers 503 when its own database is momentarily locked
    # (PrefectHQ/prefect#18934); the UI keeps the form and the lead clicks Submit again.
    for _attempt in range(3):
        with pg.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/create_flow_run")
        ) as created:
            clicked = time.monotonic()
            box("button", name="Submit").click()
        if created.value.status != 503:
            break
        time.sleep(2)
    assert created.value.status == 201, created.value.text()
    run_id = created.value.json()["id"]
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(run_id)
            if run.state is not None and run.state.is_final():
                break
            assert time.monotonic() - clicked < RUN_TIMEOUT, (
                f"{step}: {run.state_name} after {RUN_TIMEOUT} s\n{up.log_tail()}")  # fmt: skip
            time.sleep(0.25)
    seen = time.monotonic() - clicked
    assert run.state.is_completed(), f"{step}: {run.state.name}: {run.state.message}"
    server = (run.end_time - run.created).total_seconds() if run.end_time else float("nan")
    name = run.name
    assert re.fullmatch(step, name) if step.startswith("^") else name.startswith(step), name
    up.timings.append((name, seen, server))
    pg.goto(f"{up.ui}/v2/runs/flow-run/{run_id}")
    expect(box("navigation", name="breadcrumb").get_by_text(name, exact=True)).to_be_visible()
    expect(box("main").get_by_text("Completed", exact=True).first).to_be_visible()
    return run


def artifact(pg: Any, key: str) -> None:
    """The run page's Artifacts tab, then the markdown artifact ``key``."""
    pg.get_by_role("tab", name="Artifacts").click()
    pg.get_by_role("link", name=re.compile(rf"^MARKDOWN {re.escape(key)}(?![-\w])")).first.click()


def download(pg: Any, link_name: re.Pattern[str], docs: str) -> bytes:
    """Follow a document link of the artifact as the browser does; the file's bytes."""
    from playwright.sync_api import expect

    link = pg.get_by_role("link", name=link_name).first
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith(f"{docs}/documents/"), href  # by id on the document service
    with pg.expect_download() as got:
        link.click(modifiers=[])
    path = got.value.path()
    return Path(path).read_bytes()


def hand_in(pg: Any, up: Up, name: str, data: bytes, expect_text: str, shot: Path | None) -> None:
    from playwright.sync_api import expect

    pg.goto(f"{up.docs}/hand-in")
    pg.select_option("#what", "returned")
    pg.set_input_files("#file", files=[{"name": name, "buffer": data,
                                        "mimeType": "application/octet-stream"}])  # fmt: skip
    pg.fill("#by", "李明")
    pg.get_by_role("button", name="交回 Hand in").click()
    expect(pg.locator("#result")).to_contain_text(expect_text)
    if shot is not None:
        pg.screenshot(path=str(shot), full_page=True)


def screenshot_id(pg: Any, up: Up, path: Path) -> str:
    """Hand in a screenshot on the hand-in page; the upload id it answers with."""
    from playwright.sync_api import expect

    pg.goto(f"{up.docs}/hand-in")
    pg.select_option("#what", "screenshot")
    pg.set_input_files("#file", files=[{"name": path.name, "buffer": path.read_bytes(),
                                        "mimeType": "image/png"}])  # fmt: skip
    pg.fill("#by", "李明")
    pg.get_by_role("button", name="交回 Hand in").click()
    expect(pg.locator("#result")).to_contain_text("recorded as upload")
    text = pg.locator("#result").inner_text()
    return re.search(r"recorded as upload (\d+)", text).group(1)  # type: ignore[union-attr]


def contract_yaml(repo: Path) -> str:
    """examples/contract.yaml with the client repository and its test command filled in, as
    the lead pastes it into the contract form."""
    from tests.support.delivery import pytest_command

    text = (ROOT / "examples" / "contract.yaml").read_text(encoding="utf-8")
    text = text.replace("    repo: null ", f"    repo: {json.dumps(str(repo))} ", 1)
    text = text.replace("    settings:\n", f"    settings:\n      test_command: "
                        f"{json.dumps(pytest_command())}\n", 1)  # fmt: skip
    assert str(repo) in text and "test_command" in text
    return text


def client_repository(path: Path) -> Any:
    """The client's OA project: a real git repository with its tests named by requirement."""
    from tests.support.gitrepo import GitRepo

    repo = GitRepo(path)
    repo.commit("初始化 OA 项目", {"oa/__init__.py": "", "README.md": "# OA\n",
                                   "tests/__init__.py": ""},
                when="2026-11-02T10:00:00+08:00")  # fmt: skip
    return repo


# --- the test ---------------------------------------------------------------------------------


def test_a_lead_runs_a_request_and_a_fault_from_the_ui_alone(
    up: Up, page: Any, shots: Path, tmp_path: Path
) -> None:
    import docx
    from playwright.sync_api import expect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from changeflow.flows.deployments import DEPLOYMENTS
    from changeflow.wordparts import read_custom_properties
    from tests.support.approval import fill
    from tests.support.delivery import fill_certificate, manual_screenshots

    checkout_var = ROOT / "var"
    had_var = checkout_var.exists()
    pg = page
    box = pg.get_by_role
    repo = client_repository(tmp_path / "oa")
    with temporary_settings({PREFECT_API_URL: up.api}):
        # Deployments: every step is listed (10 a page: found with the search box)
        table = box("table")
        search = box("textbox", name="Search deployments")
        expect(pg.get_by_text(f"{len(DEPLOYMENTS)} Deployments")).to_be_visible()
        for d in DEPLOYMENTS:
            search.fill(d.name)
            expect(table.get_by_role("link", name=d.ui_name, exact=True).first).to_be_visible()
        search.fill("")  # the first page: the day's steps in their order, Chinese first
        expect(table.get_by_role("link", name="01 合同 contract", exact=True)).to_be_visible()
        expect(table.get_by_role("link", name="03 录入任务书 intake", exact=True)).to_be_visible()
        pg.screenshot(path=str(shots / "ui-deployments.png"))

        # contract: the sample contract's YAML with the client's repository
        open_form(pg, up, "contract")
        box("textbox", name="合同 YAML Contract (YAML)").fill(contract_yaml(repo.path))
        submit(pg, up, "contract")

        # intake: the task book typed into the form
        open_form(pg, up, "intake")
        project = "OA 会议室预约 Meeting-room booking"
        expect(box("main").get_by_text("项目任务书 Task book *", exact=True)).to_be_visible()
        box("textbox", name="项目名称 Project").fill(project)
        box("textbox", name="委托单位 Client").fill("示例集团有限公司")
        box("textbox", name="联系人 Contact person").fill("王芳")
        box("textbox", name="提出人 Requested by").fill("王芳")
        # typed as text, as the label says (no MM/DD/YYYY picker)
        box("textbox", name=re.compile("^提出日期 Date（YYYY-MM-DD，例 ")).fill("2026-11-30")
        box("button", name="Select 优先级 Priority").first.click()
        expect(box("option", name="中 medium")).to_be_visible()  # choices in both languages
        box("option", name="高 high").click()
        box("button", name="Add item").first.click()
        box("spinbutton", name="序号 No.").fill("1")
        requirement = "会议室在线预约与冲突检查 (online booking)"
        box("textbox", name="需求描述 Requirement").fill(requirement)
        box("textbox", name="经办人 Taken in by (Optional)").fill("李明")
        pg.screenshot(path=str(shots / "ui-intake-form.png"), full_page=True)
        run = submit(pg, up, "^intake CR-\\d{4}-\\d{4}$")
        key = run.name.split(" ")[1]
        artifact(pg, f"intake-{key.lower()}")
        expect(box("heading", name=re.compile(rf"^{key} · OA 会议室预约"))).to_be_visible()
        expect(box("main").get_by_text(re.compile("^下一步 Next:")).first).to_be_visible()
        pg.screenshot(path=str(shots / "ui-intake.png"))

        # plan: issued (签发) at once; its artifact links the signed .docx
        open_form(pg, up, "plan")
        box("textbox", name="请求编号 Request key").fill(key)
        issue = box("main").get_by_role("checkbox", name=re.compile("签发 Issue"))
        if not issue.count():
            issue = box("main").get_by_role("switch", name=re.compile("签发 Issue"))
        issue.first.click()
        submit(pg, up, f"plan {key}")
        artifact(pg, f"plan-{key.lower()}")
        expect(box("main").get_by_text(re.compile("^下一步 Next:")).first).to_be_visible()
        pg.screenshot(path=str(shots / "ui-plan.png"))
        plan = download(pg, re.compile(rf"^{key} plan v1\.docx$"), up.docs)
        props = read_custom_properties(docx.Document(io.BytesIO(plan)))
        assert props["changeflow.kind"] == "plan" and props["changeflow.request"] == key, props
        assert props.get("changeflow.mac"), "the plan is not signed"

        # the client fills the sign-off in Word and mails it back; the lead hands it in
        hand_in(pg, up, f"{key}-plan-signed.docx", fill(plan), f"{key} 现为 now 已批准 Approved",
                shots / "ui-hand-in.png")  # fmt: skip

        # kickoff: branch cr/<key> in the client's repository, the team mailed
        open_form(pg, up, "kickoff")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"kickoff {key}")
        assert up.smtp.messages, "the team was not mailed"

        # the team works on the branch; commits name the request
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        repo.checkout(f"cr/{key}")
        repo.commit(f"{key} 新增：会议室预约页面与冲突检查 @3h",
                    {"oa/rooms.py": "def free(a, b):\n    return a[1] <= b[0] or b[1] <= a[0]\n",
                     "tests/test_rooms.py": "from oa.rooms import free\n\n\n"
                     "def test_req1_booking_conflict():\n    assert not free((9, 11), (10, 12))\n"
                     "    assert free((9, 10), (10, 11))\n"},
                    author=("Zhang Wei", "zhang.wei@contractor.example"), when=now)  # fmt: skip

        open_form(pg, up, "sync")
        submit(pg, up, "^sync \\d\\d-\\d\\d \\d\\d:\\d\\d$")  # no key: named by its time
        pg.get_by_role("tab", name="Artifacts").click()
        box("link", name=re.compile("^TABLE git-progress")).first.click()
        expect(box("cell", name=key).first).to_be_visible()
        pg.screenshot(path=str(shots / "ui-sync.png"))

        open_form(pg, up, "test")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"test {key}")
        artifact(pg, f"test-{key.lower()}")
        expect(box("main").get_by_text(re.compile("通过 PASSED")).first).to_be_visible()
        expect(box("link", name=f"{key} testreport v1.docx")).to_be_visible()
        pg.screenshot(path=str(shots / "ui-test.png"))

        # the manual's screenshots, one per role chapter: handed in, then named by their ids
        ids = [screenshot_id(pg, up, p) for p in manual_screenshots(tmp_path / "shots")]
        open_form(pg, up, "docs")
        box("textbox", name="请求编号 Request key").fill(key)
        notes = (ROOT / "examples" / "design-notes.md").read_text(encoding="utf-8")
        box("textbox", name="设计说明 Design notes (Markdown)").fill(notes)
        for upload in ids:  # the form's one list of free text: 截图 Screenshots
            seen = "document.querySelectorAll('input,textarea').forEach(e => e.dataset.seen = 1)"
            pg.evaluate(seen)
            box("button", name="Add item").first.click()
            pg.locator("input:not([data-seen]), textarea:not([data-seen])").first.fill(upload)
        submit(pg, up, f"docs {key}")

        open_form(pg, up, "golive")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"golive {key}")
        artifact(pg, f"golive-{key.lower()}")
        expect(box("main").get_by_text(re.compile(f"release/{key}-v1")).first).to_be_visible()

        open_form(pg, up, "acceptance")
        box("textbox", name="请求编号 Request key").fill(key)
        submit(pg, up, f"acceptance {key}")
        artifact(pg, f"acceptance-{key.lower()}")
        expect(box("heading", name=re.compile(rf"^{key} 验收单 Acceptance"))).to_be_visible()
        pg.screenshot(path=str(shots / "ui-acceptance.png"))
        cert = download(pg, re.compile(rf"^{key} acceptance v1\.docx$"), up.docs)
        props = read_custom_properties(docx.Document(io.BytesIO(cert)))
        assert props["changeflow.kind"] == "acceptance" and props.get("changeflow.mac"), props
        hand_in(pg, up, f"{key}-acceptance-signed.docx", fill_certificate(cert),
                f"{key} 现为 now 已验收 Accepted", shots / "ui-hand-in-accepted.png")  # fmt: skip

        # a fault, through its steps
        open_form(pg, up, "fault")
        box("button", name=re.compile("Select 故障级别 Severity")).first.click()
        box("option", name="crash 系统崩溃").click()
        box("textbox", name="故障现象 What is wrong").fill("OA 无法登录 login fails")
        box("textbox", name="报告人 Reported by").fill("王芳")
        fault = submit(pg, up, "^fault \\S+$")
        fkey = fault.name.split(" ")[1]
        for step in ("respond", "onsite", "resolve", "close"):
            open_form(pg, up, step)
            box("textbox", name="编号 Key").fill(fkey)
            submit(pg, up, f"{step} {fkey}")
            artifact(pg, f"{step}-{fkey.lower()}")
            expect(box("heading", name=re.compile(rf"^{fkey} · "))).to_be_visible()
        pg.screenshot(path=str(shots / "ui-fault-close.png"))

    width = max(len(n) for n, _, _ in up.timings)
    print("\nSubmit -> Completed (seen by the test; created -> ended on the server):")
    for name, seen, server in up.timings:
        print(f"  {name:<{width}}  {seen:5.1f} s  {server:5.1f} s")

    # Ctrl-C: up stops what it started
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(120) == 0, up.log_tail()

    # the work folder's database holds it all
    with sqlite3.connect(up.work / "var" / "changeflow.db") as db:
        state = db.execute("SELECT state FROM request WHERE key = ?", (key,)).fetchone()
        assert state == ("accepted",)
        moves = [r[0] for r in db.execute(
            "SELECT e.to_state FROM request_event e JOIN request r ON r.id = e.request_id"
            " WHERE r.key = ? ORDER BY e.id", (key,))]  # fmt: skip
        assert moves == ["submitted", "planned", "approved", "in_development", "in_testing",
                         "live", "accepted"], moves  # fmt: skip
        kinds = {r[0] for r in db.execute(
            "SELECT d.kind FROM document d JOIN request r ON r.id = d.request_id"
            " WHERE r.key = ?", (key,))}  # fmt: skip
        assert {"plan", "testreport", "techdoc", "manual", "golive", "acceptance"} <= kinds, kinds
        assert db.execute("SELECT state FROM request WHERE key = ?", (fkey,)).fetchone() == (
            "closed",
        )
    assert had_var or not checkout_var.exists(), "a flow run wrote into the checkout's var/"
