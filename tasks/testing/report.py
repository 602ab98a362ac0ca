"""The test report document (测试报告) of a recorded run."""

from __future__ import annotations

from typing import Any

from changeflow.db.delivery import TestRun
from changeflow.settings import get_settings

from .common import _pick
from .runs import verdict_reason

REPORT_LINES = 80


def _environment_rows(run: TestRun, lang: str) -> list[dict[str, str]]:
    names = {
        "source": ("测试方式", "Source"),
        "os": ("操作系统", "Operating system"),
        "python": ("Python", "Python"),
        "git": ("Git", "Git"),
        "host": ("主机", "Host"),
        "worktree": ("工作区", "Working tree"),
        "timeout": ("超时", "Timeout"),
        "timestamp": ("JUnit 时间戳", "JUnit timestamp"),
    }
    rows = []
    for k, v in (run.environment or {}).items():
        rows.append({"name": _pick(names[k], lang) if k in names else k, "value": str(v)})
    return rows


def report_context(run: TestRun, lang: str) -> dict[str, Any]:
    req = run.request
    tz = get_settings().tz
    contract = req.contract
    verdict = _pick(("通过", "PASSED"), lang) if run.passed else _pick(("不通过", "FAILED"), lang)
    kinds = {"failure": ("失败", "failure"), "error": ("错误", "error")}
    output_lines = [line[:200] for line in (run.output_excerpt or "").splitlines()]
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
        "tested_at": run.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "tester": run.created_by,
        "verdict": verdict,
        "verdict_note": (
            _pick(("结论：全部用例通过。", "Result: every test case passed."), lang)
            if run.passed
            else _pick(("结论：测试未通过。原因：", "Result: the tests failed. Why: "), lang)
            + verdict_reason(run).removeprefix("failed: ")
        ),
        "source": _pick(("执行测试命令", "test command run by changeflow"), lang)
        if run.source == "command"
        else _pick(("导入 JUnit 结果文件", "JUnit files from a run made elsewhere"), lang),
        "command": run.command or none,
        "commit": run.commit_sha or _pick(("未注明", "not given"), lang),
        "repository": run.repo_path or none,
        "suites": run.suites,
        "cases": run.cases,
        "passed": passed_cases,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "duration": f"{run.duration:f} s",
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
                "message": f.get("message", ""),
            }
            for i, f in enumerate(run.failed_cases or [], start=1)
        ],
        "output": output_lines,
        "junit_files": run.junit_files or [],
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
