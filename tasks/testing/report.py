"""The test report document (测试报告) of a recorded run, after the test-report outline of
GB/T 8567-2006: scope and basis, the client-side test environment (the contract's
``settings.test_environment``, not the machine that ran the tests), the cases table, a result
per requirement, the defects found and fixed in this cycle, the conclusion (never 通过 while
a requirement is 未测 or 不通过) and the sign-off of both parties. How the run was made
(command, commit, build machine) is an appendix."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from changeflow.bilingual import is_zh
from changeflow.bilingual import pick as _pick  # the kit's pick; renamed after #28's merges
from changeflow.db.delivery import TestCase, TestRun
from changeflow.settings import get_settings

from ..documents import Names, scrub_paths
from .runs import verdict_reason
from .trace import OUTCOME, case_label, current_cases, traceability, unknown_requirement_cases

_FIX = ("fix", "修复", "bug", "缺陷")


def client_environment(settings: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The client-side test environment the contract names (``settings.test_environment``:
    a mapping of item -> value, or a list of lines)."""
    env = settings.get("test_environment")
    if isinstance(env, dict) and env:
        return [{"name": str(k), "value": str(v)} for k, v in env.items()]
    if isinstance(env, list) and env:
        return [{"name": str(i), "value": str(v)} for i, v in enumerate(env, start=1)]
    return [
        {
            "name": _pick(("（未约定）", "(not agreed)"), lang),
            "value": _pick(
                ("合同未约定甲方测试环境", "the contract names no client test environment"),
                lang,
            ),
        }
    ]  # fmt: skip


def _case_rows(cases: list[TestCase], lang: str) -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(cases, start=1):
        if c.kind == "manual":
            steps = [line for line in (c.steps or "—").splitlines() if line.strip()]
            if c.expected:
                steps.append(_pick(("预期：", "Expected: "), lang) + c.expected)
            if c.actual:
                steps.append(_pick(("实际：", "Actual: "), lang) + c.actual)
            who = " / ".join(x for x in (c.tester, c.tested_on) if x)
            if who:
                steps.append(_pick(("测试人/日期：", "Tester/date: "), lang) + who)
        else:
            steps = [_pick(("自动化测试用例", "automated (JUnit)"), lang)]
            if c.message:
                steps.append(scrub_paths(c.message.splitlines()[0][:200]))
        rows.append(
            {
                "no": f"{'M' if c.kind == 'manual' else 'A'}{i}",
                "req": _pick((f"需求{c.requirement_no}", f"Req. {c.requirement_no}"), lang),
                "case": case_label(c),
                "steps": steps,
                "result": _pick(OUTCOME.get(c.outcome, OUTCOME["failure"]), lang),
            }
        )
    return rows


def defects(session: Session, run: TestRun, lang: str) -> list[dict[str, str]]:
    """Cases that failed in a run of this cycle up to ``run``: when found, and whether (and by
    which commits) they are fixed as of ``run``."""
    from changeflow.db.git import Commit, CommitLink

    earlier = session.scalars(
        select(TestCase)
        .join(TestRun, TestRun.id == TestCase.run_id)
        .where(TestRun.request_id == run.request_id, TestRun.seq <= run.seq,
               TestCase.outcome.in_(("failure", "error")))
        .order_by(TestRun.seq, TestCase.seq)
    ).all()  # fmt: skip
    now = {case_label(c): c.outcome for c in current_cases(session, run.request, run)}
    commits = session.scalars(
        select(Commit)
        .join(CommitLink, CommitLink.commit_id == Commit.id)
        .where(CommitLink.request_id == run.request_id)
        .order_by(Commit.committed_at)
    ).all()
    seen: dict[str, dict[str, str]] = {}
    for c in earlier:
        label = case_label(c)
        if label in seen:
            continue
        fixed = now.get(label) == "passed"
        found_at = c.run.created_at
        fixes = [
            k.sha[:10]
            for k in commits
            if found_at <= k.committed_at <= run.created_at
            and any(w in (k.message or "").lower() for w in _FIX)
        ]
        seen[label] = {
            "no": str(len(seen) + 1),
            "case": label,
            "req": _pick((f"需求{c.requirement_no}", f"Req. {c.requirement_no}"), lang)
            if c.requirement_no is not None
            else "—",
            "found": _pick((f"第 {c.run.seq} 次测试", f"run #{c.run.seq}"), lang),
            "message": scrub_paths((c.message or "").splitlines()[0][:200]) if c.message else "—",
            "status": (
                _pick(
                    (f"已修复（第 {run.seq} 次测试通过）", f"fixed (passes in run #{run.seq})"),
                    lang,
                )
                if fixed
                else _pick(("未修复", "open"), lang)
            ),
            "fixes": " ".join(fixes) or "—",
        }
    return list(seen.values())


def conclusion(run: TestRun, rows: list[dict[str, Any]], lang: str) -> tuple[bool, str]:
    """(passed, why): 通过 only when the run passed and every requirement passed."""
    untested = [r["no"] for r in rows if r["result"] == "untested"]
    failed = [r["no"] for r in rows if r["result"] == "failed"]
    ok = run.passed and not untested and not failed
    if ok:
        return True, _pick(
            (f"全部 {len(rows)} 项需求测试通过，所有用例通过。",
             f"All {len(rows)} requirements passed; every test case passed."),
            lang,
        )  # fmt: skip
    parts = []
    if failed:
        nums = "、".join(str(n) for n in failed)
        parts.append(_pick((f"需求 {nums} 不通过", f"requirement(s) {nums} failed"), lang))
    if untested:
        nums = "、".join(str(n) for n in untested)
        parts.append(
            _pick((f"需求 {nums} 未测（没有测试用例）", f"requirement(s) {nums} not tested"), lang)
        )
    if not run.passed:
        parts.append(
            _pick(("自动化测试未通过：", "the automated run failed: "), lang)
            + (_reason_zh(run) if is_zh(lang) else verdict_reason(run).removeprefix("failed: "))
        )
    sep = "；" if is_zh(lang) else "; "
    return False, _pick(("结论：不通过。", "Result: not passed. "), lang) + sep.join(parts)


def _reason_zh(run: TestRun) -> str:
    counts = f"{run.cases} 个用例，{run.failures} 个失败，{run.errors} 个错误，{run.skipped} 个跳过"
    if run.timed_out:
        return f"测试程序超时被终止（{counts}）"
    if run.failed_cases:
        names = "；".join(f.get("name") or "?" for f in run.failed_cases[:5])
        return f"{counts}（{names}）"
    if run.exit_code not in (None, 0):
        return f"测试程序退出码 {run.exit_code}（{counts}）"
    return counts


REPORT_LINES = 80


def _seconds(value: float | str, lang: str) -> str:
    n = float(str(value).removesuffix("s").strip() or 0)
    return f"{n:g} 秒" if is_zh(lang) else f"{n:g} s"


def _environment_rows(run: TestRun, lang: str) -> list[dict[str, str]]:
    """How the contractor ran the tests, as the client may read it: where (a clean copy of the
    commit tested), the time limit and the JUnit time stamp. The build machine's facts (its
    operating system, Python, host name, paths) stay in our records (``changeflow status``),
    never in the client's report (``tasks.documents``)."""
    env = run.environment or {}
    rows = []
    if "worktree" in env:
        rows.append({"name": _pick(("工作区", "Working tree"), lang),
                     "value": _pick(("被测提交的干净检出副本", "a clean checkout of the commit"),
                                    lang)})  # fmt: skip
    # the time limit of the run, its commit and its files stay in our records
    if "timestamp" in env:
        rows.append({"name": _pick(("JUnit 时间戳", "JUnit timestamp"), lang),
                     "value": str(env["timestamp"])})  # fmt: skip
    if not rows:
        rows.append({"name": _pick(("执行方", "Run by"), lang),
                     "value": _pick(("乙方", "the contractor"), lang)})  # fmt: skip
    return rows


def program_shown(command: str | None, lang: str) -> str:
    """The test program a command runs (``run_checks.py``), without interpreter, paths and
    placeholders: what the client may read of our command line."""
    words = [w for w in scrub_paths(command or "").split()
             if w and not w.startswith("-") and "{" not in w]  # fmt: skip
    words = [w for w in words if not re.fullmatch(r"python[\d.]*|pytest|-m|\.venv", w)]
    scripts = [w for w in words if re.search(r"\.(py|sh|bat|cmd|js|ts)$", w)]
    if scripts:
        return _pick(("自动化测试程序 ", "automated test program "), lang) + scripts[0]
    return _pick(("项目自带的自动化测试", "the project's own automated tests"), lang)


def report_context(run: TestRun, lang: str) -> dict[str, Any]:
    req = run.request
    tz = get_settings().tz
    contract = req.contract
    session = object_session(run)
    assert session is not None
    trace = traceability(session, req, lang, run)
    ok, why = conclusion(run, trace, lang)
    verdict = _pick(("通过", "PASSED"), lang) if ok else _pick(("不通过", "NOT PASSED"), lang)
    cases = current_cases(session, req, run)
    known = {r.no for r in req.requirements}
    linked = sorted(
        (c for c in cases if c.requirement_no in known),
        key=lambda c: (c.requirement_no or 0, c.kind, c.seq),
    )
    unlinked = sum(1 for c in cases if c.requirement_no is None)
    warnings = unknown_requirement_cases(session, req, run)
    zh = is_zh(lang)
    warnings = [w.split(" / ", 1)[0 if zh else 1] for w in warnings]
    settings = dict(contract.settings or {}) if contract else {}
    kinds = {"failure": ("失败", "failure"), "error": ("错误", "error")}
    # the raw output explains a failure; a passed run's output stays in our records
    raw = "" if run.passed else (run.output_excerpt or "")
    output_lines = [scrub_paths(line)[:200] for line in raw.splitlines()]
    if len(output_lines) > REPORT_LINES:
        cut = len(output_lines) - REPORT_LINES
        output_lines = [
            _pick((f"……（前 {cut} 行略）", f"… ({cut} lines omitted)"), lang),
            *output_lines[-REPORT_LINES:],
        ]
    passed_cases = max(run.cases - run.failures - run.errors - run.skipped, 0)
    none = _pick(("（无）", "(none)"), lang)
    return {
        "key": req.key,
        "title": req.title,
        "client": req.client.name if req.client else "",
        "contract": f"{contract.code} {contract.title}" if contract else "",
        "version": run.seq,
        "seq": run.seq,
        "tested_at": run.created_at.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0),
        "tester": Names(session, lang).actor(run.created_by),
        "verdict": verdict,
        "verdict_note": why,
        "scope": _pick(
            (
                f"本报告记录“{req.title}”（{req.key}）第 {run.seq} 次测试的结果，覆盖任务书所列"
                f" {len(trace)} 项需求。",
                f"This report records test run {run.seq} of '{req.title}' ({req.key}), covering"
                f" the {len(trace)} requirements of the task book.",
            ),
            lang,
        ),
        "basis": [
            _pick(
                (
                    f"《{req.title}》任务书及其需求与验收标准",
                    f"The task book of '{req.title}' with its requirements and acceptance criteria",
                ),
                lang,
            ),
            _pick(
                (
                    f"服务合同 {contract.code} {contract.title}" if contract else "服务合同",
                    f"Service contract {contract.code} {contract.title}"
                    if contract
                    else "The service contract",
                ),
                lang,
            ),
            _pick(
                (
                    "GB/T 8567-2006《计算机软件文档编制规范》测试报告格式",
                    "GB/T 8567-2006, test report outline",
                ),
                lang,
            ),
        ],
        "client_env": client_environment(settings, lang),
        "case_rows": _case_rows(linked, lang),
        "unlinked_note": _pick(
            (
                f"另有 {unlinked} 个自动化用例未关联需求（回归测试），计入附录 A 的统计。",
                f"{unlinked} more automated cases check no single requirement (regression);"
                " they are counted in appendix A.",
            ),
            lang,
        )
        if unlinked
        else "",
        "trace": [
            {
                "no": r["no"],
                "text": r["text"],
                "acceptance": r["acceptance"],
                "cases": ("；" if is_zh(lang) else "; ").join(c["case"] for c in r["cases"])
                or _pick(("（无测试用例）", "(no test case)"), lang),
                "result": r["result_text"],
                "manual": ("、" if zh else ", ").join(r["manual"])
                or (
                    "—" if r["manual_made"] else _pick(("（手册未编写）", "(no manual yet)"), lang)
                ),
            }
            for r in trace
        ],
        "warnings": warnings,
        "defects": defects(session, run, lang),
        "source": _pick(("乙方执行自动化测试", "automated tests run by the contractor"), lang)
        if run.source == "command"
        else _pick(("导入 JUnit 结果文件", "JUnit files from a run made elsewhere"), lang),
        "command": program_shown(run.command, lang) if run.command else none,
        "commit": run.commit_sha or _pick(("未注明", "not given"), lang),
        "repository": _pick(("合同约定的代码仓库", "the repository named in the contract"), lang)
        if run.repo_path
        else none,
        "suites": run.suites,
        "cases": run.cases,
        "passed": passed_cases,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "duration": _seconds(round(run.duration, 2), lang),
        "exit_code": "—"
        if run.exit_code is None
        else str(run.exit_code)
        + (_pick(("（超时终止）", " (killed: timeout)"), lang) if run.timed_out else ""),
        "environment": _environment_rows(run, lang),
        "requirements": [
            {"no": r.no, "text": r.text, "acceptance": r.acceptance or "—"}
            for r in req.requirements
        ],
        "failed": [
            {
                "no": i,
                "suite": f.get("classname") or f.get("suite") or "",
                "name": f.get("name", ""),
                "kind": _pick(kinds.get(f.get("outcome", ""), ("失败", "failure")), lang),
                "message": scrub_paths(f.get("message", "")),
            }
            for i, f in enumerate(run.failed_cases or [], start=1)
        ],
        "output": output_lines,
        "junit_files": [
            {**f, "name": scrub_paths(str(f.get("name", "")))} for f in run.junit_files or []
        ],
    }


def render_report(run: TestRun, lang: str) -> bytes:
    from ..wordkit import clean, render

    title = _pick(("测试报告", "Test Report"), lang)
    return render(
        "testreport",
        report_context(run, lang),
        lang=lang,
        title=f"{title} {run.request.key} v{run.seq}",
        subject=clean(run.request.title),
        author=run.created_by or "changeflow",
        when=run.created_at,
        custom_properties={
            "changeflow.kind": "testreport",
            "changeflow.request": run.request.key,
            "changeflow.version": str(run.seq),
            "changeflow.lang": lang,
            "changeflow.commit": run.commit_sha,
            "changeflow.passed": "true" if run.passed else "false",
        },
    )
