"""The test report document (测试报告) of a recorded run, after the test-report outline of
GB/T 8567-2006: scope and basis, the client-side test environment (the contract's
``settings.test_environment``, not the machine that ran the tests), the cases table, a result
per requirement, the defects found and fixed in this cycle, the conclusion (never 通过 while
a requirement is 未测 or 不通过) and the sign-off of both parties. How the run was made
(command, commit, build machine) is an appendix.

The outline's sections and the draft rules live in ``tasks.testing.report_sections``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from changeflow.bilingual import is_zh, pick
from changeflow.db.delivery import TestCase, TestRun
from changeflow.settings import get_settings

from ..documents import Names, scrub_paths
from .report_sections import (
    case_rows,
    conclusion,
    missing_parts,
    requirement_items,
    run_records,
    where_tested,
)
from .trace import (
    case_label,
    current_cases,
    traceability,
    unknown_requirement_cases,
)

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
            "name": pick(("（未约定）", "(not agreed)"), lang),
            "value": pick(
                ("合同未约定甲方测试环境", "the contract names no client test environment"),
                lang,
            ),
        }
    ]  # fmt: skip


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
            "req": pick((f"需求{c.requirement_no}", f"Req. {c.requirement_no}"), lang)
            if c.requirement_no is not None
            else "—",
            "found": pick((f"第 {c.run.seq} 次测试", f"run #{c.run.seq}"), lang),
            "message": scrub_paths((c.message or "").splitlines()[0][:200]) if c.message else "—",
            "status": (
                pick(
                    (f"已修复（第 {run.seq} 次测试通过）", f"fixed (passes in run #{run.seq})"),
                    lang,
                )
                if fixed
                else pick(("未修复", "open"), lang)
            ),
            "fixes": " ".join(fixes) or "—",
        }
    return list(seen.values())


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
        rows.append({"name": pick(("工作区", "Working tree"), lang),
                     "value": pick(("被测提交的干净检出副本", "a clean checkout of the commit"),
                                    lang)})  # fmt: skip
    # the time limit of the run, its commit and its files stay in our records
    if "timestamp" in env:
        rows.append({"name": pick(("JUnit 时间戳", "JUnit timestamp"), lang),
                     "value": str(env["timestamp"])})  # fmt: skip
    if not rows:
        rows.append({"name": pick(("执行方", "Run by"), lang),
                     "value": pick(("乙方", "the contractor"), lang)})  # fmt: skip
    return rows


def program_shown(command: str | None, lang: str) -> str:
    """The test program a command runs (``run_checks.py``), without interpreter, paths and
    placeholders: what the client may read of our command line."""
    words = [w for w in scrub_paths(command or "").split()
             if w and not w.startswith("-") and "{" not in w]  # fmt: skip
    words = [w for w in words if not re.fullmatch(r"python[\d.]*|pytest|-m|\.venv", w)]
    scripts = [w for w in words if re.search(r"\.(py|sh|bat|cmd|js|ts)$", w)]
    if scripts:
        return pick(("自动化测试程序 ", "automated test program "), lang) + scripts[0]
    return pick(("项目自带的自动化测试", "the project's own automated tests"), lang)


def report_context(run: TestRun, lang: str) -> dict[str, Any]:
    req = run.request
    tz = get_settings().tz
    contract = req.contract
    session = object_session(run)
    assert session is not None
    trace = traceability(session, req, lang, run)
    ok, why = conclusion(run, trace, lang)
    verdict = pick(("通过", "PASSED"), lang) if ok else pick(("不通过", "NOT PASSED"), lang)
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
            pick((f"……（前 {cut} 行略）", f"… ({cut} lines omitted)"), lang),
            *output_lines[-REPORT_LINES:],
        ]
    passed_cases = max(run.cases - run.failures - run.errors - run.skipped, 0)
    none = pick(("（无）", "(none)"), lang)
    found = defects(session, run, lang)
    missing = missing_parts(req, linked, lang)
    items = requirement_items(req, linked, trace, found, lang)
    fixed = sum(1 for x in found if x["status"] != pick(("未修复", "open"), lang))
    open_ = [x for x in found if x["status"] == pick(("未修复", "open"), lang)]
    manual_open = [c for c in linked if c.kind == "manual" and c.outcome in ("failure", "error")]
    untested_reqs = [r["no"] for r in trace if r["result"] == "untested"]
    limits = [
        f"{x['case']}（{x['req']}）：{x['message']}"
        if zh
        else f"{x['case']} ({x['req']}): {x['message']}"
        for x in open_
    ] + [
        f"{c.case_id} {c.name}：{c.defect or c.actual or '不通过'}" if zh
        else f"{c.case_id} {c.name}: {c.defect or c.actual or 'failed'}"
        for c in manual_open
    ] + [
        pick((f"需求{n} 未测", f"requirement {n} not tested"), lang) for n in untested_reqs
    ]  # fmt: skip
    advice = []
    if open_ or manual_open:
        advice.append(
            pick(
                (
                    "修复遗留缺陷后重新测试，再安排上线。",
                    "Fix the open defects and test again before going live.",
                ),
                lang,
            )
        )
    if untested_reqs:
        advice.append(
            pick(
                (
                    "为未测需求补充测试用例并执行。",
                    "Write and run test cases for the requirements not tested.",
                ),
                lang,
            )
        )
    if missing:
        advice.append(
            pick(
                (
                    "补全用例的测试步骤与预期结果（见“待补充”），再正式出具本报告。",
                    "Complete the cases' steps and expected results (see 'To complete')"
                    " before this report is issued.",
                ),
                lang,
            )
        )
    if not advice:
        advice.append(
            pick(
                (
                    "建议上线后按验收标准在甲方生产环境复核一次，并纳入回归测试。",
                    "After go-live, check once more against the acceptance criteria in"
                    " the client's production environment and keep these cases in the"
                    " regression tests.",
                ),
                lang,
            )
        )
    testers = sorted({c.tester for c in linked if c.kind == "manual" and c.tester})
    runner = Names(session, lang).actor(run.created_by)
    first = (
        session.scalar(
            select(TestRun.created_at).where(TestRun.request_id == req.id).order_by(TestRun.seq)
        )
        or run.created_at
    )
    days = sorted(
        {c.tested_on for c in linked if c.kind == "manual" and c.tested_on}
        | {
            first.astimezone(tz).date().isoformat(),
            run.created_at.astimezone(tz).date().isoformat(),
        }
    )
    period = days[0] if days[0] == days[-1] else f"{days[0]} — {days[-1]}"
    n_ok = sum(1 for r in trace if r["result"] == "passed")
    n_manual = sum(1 for c in linked if c.kind == "manual")
    n_auto = len(linked) - n_manual
    assessment = pick(
        (f"任务书共 {len(trace)} 项需求，通过 {n_ok} 项；共 {len(linked)} 个关联需求的用例"
         f"（自动化 {n_auto} 个，手工 {n_manual} 个）。"
         f"本测试周期发现缺陷 {len(found) + len(manual_open)} 个，已修复 {fixed} 个。" + why,
         f"The task book has {len(trace)} requirements, {n_ok} passed; {len(linked)} cases check"
         f" them ({sum(1 for c in linked if c.kind != 'manual')} automated,"
         f" {sum(1 for c in linked if c.kind == 'manual')} manual). {len(found) + len(manual_open)}"
         f" defect(s) found in this cycle, {fixed} fixed. " + why),
        lang,
    )  # fmt: skip
    return {
        "draft": bool(missing),
        "missing": missing,
        "identification": [
            pick((f"项目：{req.title}（{req.key}）", f"Project: {req.title} ({req.key})"), lang),
            pick(
                (
                    f"委托单位（甲方）：{req.client.name if req.client else '—'}",
                    f"Client: {req.client.name if req.client else '—'}",
                ),
                lang,
            ),
            pick(
                (
                    f"被测软件：{req.key} 第 {run.seq} 次测试的版本",
                    f"Software tested: the version of {req.key} in test run {run.seq}",
                ),
                lang,
            ),
        ],
        "overview": req.description.strip()
        or pick(("（任务书未写背景）", "(the task book gives no background)"), lang),
        "doc_overview": pick(
            (
                "本报告按 GB/T 8567-2006 测试报告的格式编写：第 3 章概述测试结果，"
                "第 4 章按需求逐项给出"
                "结果、遇到的问题和偏差及用例，第 5 章为测试记录，附录 A 为自动化测试的执行记录。",
                "This report follows the test report outline of GB/T 8567-2006: chapter 3 sums up"
                " the results, chapter 4 gives each requirement's result, problems, deviations and"
                " cases, chapter 5 is the test record, appendix A how the automated run was made.",
            ),
            lang,
        ),
        "assessment": assessment,
        "where": where_tested(run, linked, settings, lang),
        "show_client_env": bool(settings.get("test_environment"))
        and any(c.kind == "manual" and c.outcome != "skipped" for c in linked),
        "limits": limits or [pick(("无遗留缺陷。", "No open defect."), lang)],
        "advice": advice,
        "items": items,
        "defect_stats": [
            {
                "name": pick(("发现缺陷", "Defects found"), lang),
                "value": str(len(found) + len(manual_open)),
            },
            {"name": pick(("已修复", "Fixed"), lang), "value": str(fixed)},
            {
                "name": pick(("未修复（遗留）", "Open"), lang),
                "value": str(len(open_) + len(manual_open)),
            },
        ],
        "records": run_records(session, run, linked, lang),
        "period": period,
        "testers": ("、" if zh else ", ").join([runner, *[t for t in testers if t != runner]]),
        "notes": [
            pick(
                (
                    "通过：实际结果与预期结果一致；不通过：不一致；未测/未执行：本轮未执行。",
                    "passed: the actual result is the expected one; failed: it is not;"
                    " not run: not run in this cycle.",
                ),
                lang,
            ),
            pick(
                (
                    "自动化用例的说明（步骤、预期结果）取自项目的用例文件，"
                    "其结果取自自动化测试的运行结果。",
                    "The automated cases' descriptions come from the project's cases file, their"
                    " results from the automated test run.",
                ),
                lang,
            ),
        ],
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
        "scope": pick(
            (
                f"本报告记录“{req.title}”（{req.key}）第 {run.seq} 次测试的结果，覆盖任务书所列"
                f" {len(trace)} 项需求。",
                f"This report records test run {run.seq} of '{req.title}' ({req.key}), covering"
                f" the {len(trace)} requirements of the task book.",
            ),
            lang,
        ),
        "basis": [
            pick(
                (
                    f"《{req.title}》任务书及其需求与验收标准",
                    f"The task book of '{req.title}' with its requirements and acceptance criteria",
                ),
                lang,
            ),
            pick(
                (
                    f"服务合同 {contract.code} {contract.title}" if contract else "服务合同",
                    f"Service contract {contract.code} {contract.title}"
                    if contract
                    else "The service contract",
                ),
                lang,
            ),
            pick(
                (
                    "GB/T 8567-2006《计算机软件文档编制规范》测试报告格式",
                    "GB/T 8567-2006, test report outline",
                ),
                lang,
            ),
        ],
        "client_env": client_environment(settings, lang),
        "case_rows": case_rows(linked, lang),
        "unlinked_note": pick(
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
                or pick(("（无测试用例）", "(no test case)"), lang),
                "result": r["result_text"],
                "manual": ("、" if zh else ", ").join(r["manual"])
                or (
                    "—"
                    if r["manual_made"]
                    else pick(("（测试时手册尚未编写）", "(no manual yet when tested)"), lang)
                ),
            }
            for r in trace
        ],
        "warnings": warnings,
        "defects": found,
        "source": pick(("乙方执行自动化测试", "automated tests run by the contractor"), lang)
        if run.source == "command"
        else pick(("导入在他处执行的测试结果", "JUnit files from a run made elsewhere"), lang),
        "command": program_shown(run.command, lang) if run.command else none,
        "commit": run.commit_sha or pick(("未注明", "not given"), lang),
        "repository": pick(("合同约定的代码仓库", "the repository named in the contract"), lang)
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
        + (pick(("（超时终止）", " (killed: timeout)"), lang) if run.timed_out else ""),
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
                "kind": pick(kinds.get(f.get("outcome", ""), ("失败", "failure")), lang),
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

    title = pick(("测试报告", "Test Report"), lang)
    context = report_context(run, lang)
    if context["draft"]:
        title += pick(("（草稿）", " (draft)"), lang)
    return render(
        "testreport",
        context,
        lang=lang,
        contract=run.request.contract,
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
            "changeflow.draft": "true" if context["draft"] else "false",
        },
    )
