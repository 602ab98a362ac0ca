"""Flows of delivery: ``test``, ``docs``, ``golive`` and ``acceptance``.

Thin on purpose: the domain work is in ``tasks.testing``, ``tasks.delivery_docs``,
``tasks.golive`` and ``tasks.acceptance`` (each one transaction with its documents and
state change); the flows wrap them as tasks and publish a markdown summary, a table and a
link to each document.

Files in the form: the Prefect UI cannot upload files, so a lead saves JUnit XML files and
screenshots into ``<inbox>/delivery/`` (the inbox is a shared folder) and types their file
names; nothing outside that folder is ever read. The returned acceptance certificate goes
to the inbox like every returned document (or ``changeflow accept FILE``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from changeflow.bilingual import state_label
from changeflow.errors import ChangeflowError, InputError
from changeflow.settings import get_settings

from .common import (
    AT_FIELD,
    AT_LABEL,
    REQUEST_KEY,
    document_link,
    hand_in_line,
    md,
    next_line,
    outcome,
    publish_documents,
    publish_markdown,
    publish_table,
    refused,
    run_name,
    was_sent,
)
from .forms import flow
from .mail import SEND_HELP, SEND_TITLE, mail_failed, mail_markdown, mail_note, send_task

DELIVERY_DIR = "delivery"
Lang = Literal["zh-CN", "en"]


def delivery_file(name: str, field: str) -> Path:
    """An upload id from the hand-in page, or the named file inside ``<inbox>/delivery/``;
    nothing outside them is ever read."""
    if name.isdigit():
        from changeflow.tasks.uploads import upload_path

        return upload_path(int(name), "junit" if field == "junit_files" else "screenshot")
    folder = (get_settings().inbox / DELIVERY_DIR).resolve()
    src = "Prefect form"
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise InputError(src, field, f"'{name}': give only a file name from {folder}")
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        present = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        hint = f" (there: {', '.join(present[:10])})" if present else " (the folder is empty)"
        raise InputError(src, field, f"'{name}' is not in {folder}{hint}")
    return path


def _doc_link(path: str, kind: str, version: int, lang: str, sha256: str) -> dict[str, Any]:
    return {"path": path, "kind": kind, "version": version, "lang": lang, "sha256": sha256}


# --- test ------------------------------------------------------------------------------


class ManualResult(BaseModel):
    """The result of one manual test case of the cases file (docs/test-cases.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    case: str = Field(title="用例编号 Case", min_length=1, max_length=120)
    result: Literal["通过", "不通过", "未测"] = Field(title="结果 Result")
    actual: str = Field("", title="实际结果 Actual result", max_length=4000)
    tester: str = Field("", title="测试人员 Tester", max_length=120)
    date: str = Field("", title="测试日期 Date (YYYY-MM-DD)", max_length=10)
    defect: str = Field("", title="缺陷 Defect", max_length=2000)


class TestInput(BaseModel):
    """What to test: the project's command at the release commit, or JUnit files."""

    __test__ = False
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    command: str | None = Field(
        None,
        title="测试命令 Test command",
        description="留空则用合同设置 test_command；{junit} 为 JUnit 文件 / empty: the"
        " contract's test_command; {junit} names the JUnit file",
        max_length=2000,
    )
    commit: str | None = Field(
        None,
        title="被测提交 Commit",
        description="留空则为开发分支最新提交 / empty: the head of the development branch",
        max_length=100,
    )
    junit_files: list[str] = Field(
        default_factory=list,
        title="JUnit 结果文件 JUnit files",
        description="交回页面上传后的编号（或收件箱 delivery 文件夹中的文件名） / upload ids"
        " from the hand-in page (or file names in the inbox's delivery folder)",
        max_length=50,
    )
    cases_file: str | None = Field(
        None,
        title="手工测试用例 Manual test cases",
        description="已存入收件箱 delivery 文件夹的测试计划 YAML（用例、需求、步骤、预期、结果）/"
        " a test-plan YAML file in the inbox's delivery folder (case, requirement, steps,"
        " expected, result)",
        max_length=200,
    )
    manual_results: list[ManualResult] = Field(
        default_factory=list,
        title="手工测试结果 Manual results",
        description="用例文件中手工用例的结果 / results of the cases file's manual cases",
        max_length=500,
    )
    timeout_seconds: int | None = Field(
        None, title="超时（秒）Timeout (seconds)", ge=1, le=6 * 3600
    )
    reopen: bool = Field(False, title="失败时退回开发 Back to development if failed")
    again: bool = Field(
        False,
        title="重新测试 Run again",
        description="该提交已测试通过时仍再运行 / run even though this commit already passed",
    )
    lang: Lang = Field("zh-CN", title="文档语言 Document language")
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]


def _test(form: TestInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.testing import run_tests_from_files

    files = [delivery_file(n, "junit_files") for n in form.junit_files]
    res = run_tests_from_files(
        form.key,
        files,
        cases_path=delivery_file(form.cases_file, "cases_file") if form.cases_file else None,
        result_rows=[{k: v for k, v in r.model_dump().items() if v} for r in form.manual_results],
        command=form.command or None,
        commit=form.commit or None,
        timeout=form.timeout_seconds,
        reopen=form.reopen,
        again=form.again,
        lang=form.lang,
        actor=actor,
        channel="ui",
        at=form.at,
        at_field=AT_LABEL,
    )
    return res.as_dict() | {"lang": form.lang}


run_tests_task = task(_test, name="run-tests", cache_policy=NO_CACHE)


def test_markdown(r: dict[str, Any]) -> str:
    verdict = "✅ 通过 PASSED" if r["passed"] else "❌ 不通过 FAILED"
    lines = [
        f"# {r['key']} 测试报告 Test report v{r['version']}",
        "",
        f"- 结论 Result: **{verdict}** — {md(r['reason'])}"
        + (
            " （该提交已通过，沿用此次 / this commit already passed: the run stands)"
            if r.get("unchanged")
            else ""
        ),
        f"- 被测提交 Commit: `{r['commit'][:12] or '—'}` · 方式 Source: {r['source']}",
        f"- 用例 Cases {r['cases']} · 失败 Failures {r['failures']} · 错误 Errors"
        f" {r['errors']} · 跳过 Skipped {r['skipped']} · 耗时 Duration {r['duration']} s",
        f"- 状态 State: **{state_label(r['state'])}**",
        f"- 文档 Document: {document_link(r['document'], doc_name(r, 'testreport'))}",
    ]
    if r.get("warnings"):
        lines += ["", "## ⚠ 警告 Warnings", ""] + [f"- {md(w)}" for w in r["warnings"]]
    return "\n".join(lines)


def doc_name(r: dict[str, Any], kind: str) -> str:
    """A document link's text, as the plan's reads: ``CR-2026-0001 acceptance v1.docx``."""
    return f"{r['key']} {kind} v{r['version']}.docx"


@flow(name="test", flow_run_name=run_name("test", "request", "key"), log_prints=True)
def test(
    request: TestInput,
    tested_by: str = Field("", title="测试人员 Tested by", max_length=120),
) -> dict[str, Any]:
    """Run the client project's tests at the release commit (or record JUnit files) and
    write the test report; failing tests keep the request in testing and say why."""
    try:
        r = run_tests_task(request, tested_by)
    except ChangeflowError as exc:
        return refused("test", exc, request.key)
    slug = f"test-{r['key']}"
    after = (
        next_line("docs", "编写文档 / write the documents:")
        if r["passed"]
        else next_line("test", "修复后 / after the fix,")
    )
    for w in r.get("warnings", []):
        print(f"警告 warning: {w}")
    publish_markdown(slug, test_markdown(r) + "\n" + after, f"Test run #{r['seq']}")
    rows = [
        {
            "序号 No.": i,
            "套件 Suite": f["classname"] or f["suite"],
            "用例 Case": f["name"],
            "类型 Kind": f["outcome"],
            "信息 Message": (f["message"] or "")[:300],
        }
        for i, f in enumerate(r["failed"], start=1)
    ] or [{"结论 Result": "全部通过 all passed", "用例 Cases": r["cases"]}]
    publish_table(slug + "-cases", rows, "Failed cases")
    trace = [
        {
            "需求 Req.": f"{t['no']} {t['text']}",
            "用例 Cases": "；".join(f"{c['case']} {c['outcome_text']}" for c in t["cases"]) or "—",
            "结果 Result": t["result_text"],
            "提交 Commits": " ".join(t["commits"]) or "—",
            "手册章节 Manual": "、".join(t.get("manual") or []) or "—",
        }
        for t in r.get("requirements", [])
    ]
    if trace:
        what = "Traceability: requirement -> cases -> result -> commits -> manual"
        publish_table(slug + "-trace", trace, what)
    publish_documents(slug, [_doc_link(r["document"], "testreport", r["version"], r["lang"],
                                       r["sha256"])])  # fmt: skip
    verdict = "通过 passed" if r["passed"] else "未通过 failed"
    return outcome(f"{r['key']} 测试 test run #{r['seq']} {verdict}: {r['reason']}", r)


# --- docs ------------------------------------------------------------------------------


class DocsInput(BaseModel):
    """The team's design notes and the screenshots for the technical document and manual."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    notes_markdown: str = Field(
        "",
        title="设计说明 Design notes (Markdown)",
        description="“# 用户手册”之后的部分写入用户手册 / a '# User manual' section goes to the"
        " manual",
        max_length=500_000,
    )
    screenshots: list[str] = Field(
        default_factory=list,
        title="截图 Screenshots",
        description="交回页面上传 PNG/JPEG 后的编号（或 delivery 文件夹中的文件名） / upload ids"
        " from the hand-in page (or file names in the inbox's delivery folder)",
        max_length=20,
    )
    draft: bool = Field(
        False,
        title="草稿 Draft",
        description="缺少必需章节（待补充）时仍出草稿，每页标注草稿，不能列入验收单 / issue a"
        " draft though required sections are missing; never on an acceptance certificate",
    )
    lang: Lang = Field("zh-CN", title="文档语言 Document language")
    kinds: list[Literal["techdoc", "manual"]] = Field(
        ["techdoc", "manual"],
        title="文档 Documents",
        description="只出用户手册（测试前编写，测试报告引用其章节）或只出技术文档 / the manual"
        " alone (written before testing, so the test report cites its chapters) or the technical"
        " document alone",
        min_length=1,
    )
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]


def _docs(form: DocsInput, actor: str) -> list[dict[str, Any]]:
    from changeflow.tasks.delivery_docs import check_screenshot, decode_notes, make_docs
    from changeflow.tasks.inputs import read_limited
    from changeflow.tasks.uploads import upload_name

    notes = decode_notes(form.notes_markdown.encode("utf-8"), "Prefect form: notes_markdown")
    shots = []
    for name in form.screenshots:
        path = delivery_file(name, "screenshots")
        data = read_limited(path, 5 * 1024 * 1024)
        # an upload goes by the name it was handed in under: the notes' ![...](name) names it
        given = upload_name(int(name)) if name.isdigit() else None
        shots.append(check_screenshot(data, str(path.with_name(given)) if given else str(path)))
    results = make_docs(form.key, notes=notes, notes_name="Prefect form",
                        screenshots=shots, lang=form.lang, actor=actor, kinds=form.kinds,
                        draft=form.draft, at=form.at, at_field=AT_LABEL)  # fmt: skip
    return [r.__dict__ for r in results]


make_docs_task = task(_docs, name="make-docs", cache_policy=NO_CACHE)


@flow(name="docs", flow_run_name=run_name("docs", "request", "key"), log_prints=True)
def docs(
    request: DocsInput,
    written_by: str = Field("", title="编制人 Written by", max_length=120),
) -> list[dict[str, Any]]:
    """Make the technical document (技术文档) and the user manual (用户手册); unchanged
    inputs keep the current version."""
    try:
        results = make_docs_task(request, written_by)
    except ChangeflowError as exc:
        return refused("docs", exc, request.key)
    names = {"techdoc": "技术文档 Technical document", "manual": "用户手册 User manual"}
    rows = [
        {
            "文档 Document": names[r["kind"]],
            "版本 Version": f"v{r['version']}",
            "新版本 New": "是 yes" if r["new"] else "否 unchanged",
            "草稿 Draft": "是 yes" if r["draft"] else "否 no",
            "待补充 Missing": "、".join(r["missing"]) or "—",
            "文件 File": Path(r["document"]).name,  # a table cell shows text, not a link
        }
        for r in results
    ]
    slug = f"docs-{request.key}"
    # the summary first: its links open the documents (a table artifact shows a markdown
    # link as raw text, so the table only names the files)
    publish_markdown(
        slug + "-summary",
        "\n".join([f"# {request.key} 技术文档与用户手册 Documents", ""]
                  + [f"- {names[r['kind']]}: **v{r['version']}**"
                     f" ({'新版本 new' if r['new'] else '未变 unchanged'})"
                     f" {document_link(r['document'])}" for r in results]
                  + [next_line("golive", "上线 / go live:")]),
        "技术文档和用户手册 Documents made",
    )  # fmt: skip
    publish_table(slug, rows, "Documents")
    trace = next((r["trace"] for r in results if r.get("trace")), [])
    if trace:
        publish_table(slug + "-trace", [
            {"需求 Req.": f"{t['no']} {t['text']}", "用例 Cases": t["cases"],
             "结果 Result": t["result"], "提交 Commits": t["commits"],
             "手册章节 Manual": t["manual"]}
            for t in trace
        ], "Traceability: requirement -> cases -> result -> commits -> manual")  # fmt: skip
    for w in sorted({w for r in results for w in r.get("warnings", [])}):
        print(f"警告 warning: {w}")
    publish_documents(slug, [_doc_link(r["document"], r["kind"], r["version"], r["lang"],
                                       r["sha256"]) for r in results])  # fmt: skip
    made = ", ".join(f"{names[r['kind']]} v{r['version']}" for r in results)
    return outcome(f"{request.key} 文档 documents: {made}", results)


# --- go-live ---------------------------------------------------------------------------


class InstallStep(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    at: str = Field(title="时间 Time", max_length=40)
    action: str = Field(title="步骤 Step", max_length=500)
    by: str = Field(title="执行人 By", max_length=120)


class InstallBackup(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str = Field(title="备份人 Backed up by", max_length=120)
    at: str = Field(title="备份时间 When", max_length=40)
    where: str = Field(title="存放位置 Where kept", max_length=500)


class InstallAccess(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str = Field(title="测试人 Tested by", max_length=120)
    at: str = Field(title="测试时间 When", max_length=40)
    result: str = Field(title="测试结果 Result", max_length=500)


class InstallRecord(BaseModel):
    """The install/upgrade record of a go-live (上线记录): environment check, backup, steps,
    access test, the engineer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    engineer: str = Field("", title="实施工程师 Engineer", max_length=120)
    checks: list[str] = Field(default_factory=list, title="环境检查 Environment checks")
    backup: InstallBackup | None = Field(None, title="生产备份 Production backup")
    steps: list[InstallStep] = Field(default_factory=list, title="实施步骤 Steps performed")
    access: InstallAccess | None = Field(None, title="访问测试 Access test")


class GoLiveInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    commit: str | None = Field(
        None,
        title="发布提交 Commit",
        description="留空则为最近一次测试通过的提交 / empty: the commit the newest test run passed",
        max_length=100,
    )
    install: InstallRecord | None = Field(None, title="安装/升级记录 Install record")
    lang: Lang = Field("zh-CN", title="文档语言 Document language")
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]


def _golive(form: GoLiveInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.golive import golive as do_golive

    install = form.install.model_dump() if form.install else None
    res = do_golive(form.key, commit=form.commit or None, lang=form.lang, actor=actor,
                    channel="ui", install=install, at=form.at, at_field=AT_LABEL)  # fmt: skip
    return res.as_dict() | {"lang": form.lang}


golive_task = task(_golive, name="go-live", cache_policy=NO_CACHE)


@flow(name="golive", flow_run_name=run_name("golive", "request", "key"), log_prints=True)
def golive(
    request: GoLiveInput,
    released_by: str = Field("", title="实施人 Done by", max_length=120),
) -> dict[str, Any]:
    """Tag release/<key>-v<n> on the tested commit, write the go-live record (上线记录);
    the request moves to 'live'."""
    try:
        r = golive_task(request, released_by)
    except ChangeflowError as exc:
        return refused("golive", exc, request.key)
    lines = [
        f"# {r['key']} 上线 Go-live v{r['version']}",
        "",
        f"- 标签 Tag: `{r['tag']}` · 提交 Commit: `{r['commit'][:12]}`",
        f"- 时间 Time: {r['released_at']} (Asia/Shanghai) · 实施人 By: {md(r['released_by'])}",
        f"- 状态 State: **{state_label(r['state'])}** · 提交数 Commits: {r['commits']}",
        "",
    ]
    for g in r["groups"]:
        lines.append(f"**{g['title']}**")
        lines.extend(f"- {md(n)}" for n in g["notes"])
        lines.append("")
    slug = f"golive-{r['key']}"
    lines.append(f"- 文档 Document: {document_link(r['document'], doc_name(r, 'golive'))}")
    lines.append(next_line("acceptance", "签发验收单 / issue the acceptance certificate:"))
    publish_markdown(slug, "\n".join(lines), f"Go-live v{r['version']}")
    publish_table(slug + "-rollback",
                  [{"步骤 Step": i, "回退步骤 Rollback": s}
                   for i, s in enumerate(r["rollback"], start=1)], "Rollback steps")  # fmt: skip
    publish_documents(slug, [_doc_link(r["document"], "golive", r["version"], r["lang"],
                                       r["sha256"])])  # fmt: skip
    return outcome(
        f"{r['key']} v{r['version']} 已上线 live: {r['tag']} -> {state_label(r['state'])}", r
    )


# --- acceptance ------------------------------------------------------------------------


class AcceptanceInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str = Field(**REQUEST_KEY)  # type: ignore[arg-type]
    lang: Lang = Field("zh-CN", title="文档语言 Document language")
    new_version: bool = Field(
        False,
        title="签发新版本 New version",
        description="内容未变时也签发新版本 / issue a new version even when nothing changed",
    )
    send: bool = Field(False, title=SEND_TITLE, description=SEND_HELP)
    at: str = Field(**AT_FIELD)  # type: ignore[arg-type]


def _issue(form: AcceptanceInput, actor: str) -> dict[str, Any]:
    from changeflow.tasks.acceptance import issue_certificate

    return issue_certificate(
        form.key,
        lang=form.lang,
        actor=actor,
        new_version=form.new_version,
        at=form.at,
        at_field=AT_LABEL,
    ).as_dict()


issue_task = task(_issue, name="issue-acceptance", cache_policy=NO_CACHE)


@flow(name="acceptance", flow_run_name=run_name("acceptance", "request", "key"), log_prints=True)
def acceptance(
    request: AcceptanceInput,
    issued_by: str = Field("", title="签发人 Issued by", max_length=120),
) -> dict[str, Any]:
    """Issue the acceptance certificate (验收单) of a live request; the client's returned
    copy is recorded from the inbox (or 'changeflow accept FILE')."""
    try:
        r = issue_task(request, issued_by)
        mail = r["mail"] = send_task(r, request.send, issued_by)
    except ChangeflowError as exc:
        return refused("acceptance", exc, request.key)
    slug = f"acceptance-{r['key']}"
    rows = [{"序号 No.": d["no"], "交付物 Deliverable": d["name"], "版本 Version": d["version"],
             "标识 Identifier": d["ident"]} for d in r["deliverables"]]  # fmt: skip
    publish_table(slug + "-deliverables", rows, "Deliverables")
    missing = ", ".join(r["missing"]) or "—"
    publish_markdown(
        slug,
        f"# {r['key']} 验收单 Acceptance certificate v{r['version']}\n\n"
        f"- 交付物 Deliverables: {len(rows)} · 尚缺 Not yet made: {missing}\n"
        f"- 文档 Document: {document_link(r['document'], doc_name(r, 'acceptance'))}\n"
        + mail_markdown(mail)
        + next_line(
            None,
            hand_in_line("验收单", "certificate", was_sent(mail))
            + "; 需求即验收 the request is then accepted",
        ),
        "验收单 Acceptance certificate",
    )
    publish_documents(slug, [_doc_link(r["document"], "acceptance", r["version"], r["lang"],
                                       r["sha256"])])  # fmt: skip
    failed = mail_failed("acceptance", mail, r["key"])
    if failed is not None:
        return failed
    return outcome(
        f"{r['key']} 验收单已签发 acceptance certificate v{r['version']} issued" + mail_note(mail),
        r,
    )
