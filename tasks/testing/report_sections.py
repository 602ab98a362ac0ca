"""The sections of the test report (测试报告) after the GB/T 8567-2006 outline, and what keeps
it a draft: the cases table a client can read (steps, expected and actual result), the
conclusion (never 通过 while a requirement is 未测 or 不通过), section 4 per requirement,
section 5 the test record, where the tests ran, and the parts still missing.

Split from ``tasks.testing.report``, which assembles them into the report's context.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh, pick
from changeflow.db.delivery import TestCase, TestRun
from changeflow.settings import get_settings

from ..documents import Names, scrub_paths
from .runs import verdict_reason
from .trace import OUTCOME, case_label, case_title


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").splitlines() if line.strip()] or ["—"]


def described(c: TestCase) -> bool:
    """A case a client can read: it says its steps and its expected result."""
    return bool((c.steps or "").strip() and (c.expected or "").strip())


def _actual(c: TestCase, lang: str) -> str:
    if c.kind == "manual":
        return c.actual or "—"
    if c.outcome == "passed":
        return pick(("与预期一致（自动化执行）", "as expected (automated run)"), lang)
    if c.outcome == "skipped":
        return pick(("未执行", "not run"), lang)
    first = scrub_paths((c.message or "").splitlines()[0][:200]) if c.message else ""
    return first or pick(("与预期不符", "not as expected"), lang)


def case_rows(cases: list[TestCase], lang: str) -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(cases, start=1):
        pre = []
        if c.precondition:
            pre.append(pick(("前置条件：", "Precondition: "), lang) + c.precondition)
        if c.input_data:
            pre.append(pick(("输入：", "Input: "), lang) + c.input_data)
        how = (
            pick(("手工", "manual"), lang)
            if c.kind == "manual"
            else pick(("自动化", "automated"), lang)
        )
        sep = "，" if is_zh(lang) else " "
        on = c.tested_on
        if on and is_zh(lang) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(on)):
            # the report's year is in its period: the day alone keeps this narrow column whole
            on = f"{int(str(on)[5:7])}月{int(str(on)[8:10])}日"
        who = sep.join(str(x) for x in (c.tester, on) if x) if c.kind == "manual" else ""
        rows.append(
            {
                "no": c.case_id or f"{'M' if c.kind == 'manual' else 'A'}{i}",
                "req": pick((f"需求{c.requirement_no}", f"Req. {c.requirement_no}"), lang),
                "case": case_title(c),
                # no closing bracket after the date: it would pull the date apart at a line end
                "how": how + (f"：{who}" if who and is_zh(lang) else f" ({who})" if who else ""),
                "pre": pre or ["—"],
                "steps": _lines(c.steps)
                if c.steps
                else [pick(("（未写步骤）", "(no steps written)"), lang)],
                "expected": c.expected or pick(("（未写预期结果）", "(no expected result)"), lang),
                "actual": _actual(c, lang),
                "defect": c.defect or "",
                "result": pick(OUTCOME.get(c.outcome, OUTCOME["failure"]), lang),
            }
        )
    return rows


def conclusion(run: TestRun, rows: list[dict[str, Any]], lang: str) -> tuple[bool, str]:
    """(passed, why): 通过 only when the run passed and every requirement passed."""
    untested = [r["no"] for r in rows if r["result"] == "untested"]
    failed = [r["no"] for r in rows if r["result"] == "failed"]
    ok = run.passed and not untested and not failed
    if ok:
        return True, pick(
            (f"全部 {len(rows)} 项需求测试通过，所有用例通过。",
             f"All {len(rows)} requirements passed; every test case passed."),
            lang,
        )  # fmt: skip
    parts = []
    if failed:
        nums = "、".join(str(n) for n in failed)
        parts.append(pick((f"需求 {nums} 不通过", f"requirement(s) {nums} failed"), lang))
    if untested:
        nums = "、".join(str(n) for n in untested)
        parts.append(
            pick((f"需求 {nums} 未测（没有测试用例）", f"requirement(s) {nums} not tested"), lang)
        )
    if not run.passed:
        parts.append(
            pick(("自动化测试未通过：", "the automated run failed: "), lang)
            + (_reason_zh(run) if is_zh(lang) else verdict_reason(run).removeprefix("failed: "))
        )
    sep = "；" if is_zh(lang) else "; "
    return False, pick(("结论：不通过。", "Result: not passed. "), lang) + sep.join(parts)


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


def missing_parts(req: Any, cases: list[TestCase], lang: str) -> list[str]:
    """What keeps the report a draft: a requirement without a case, a case without steps
    or expected result. Empty: the report may be issued."""
    out = []
    for r in req.requirements:
        mine = [c for c in cases if c.requirement_no == r.no]
        if not mine:
            out.append(
                pick(
                    (
                        f"需求{r.no}（{r.text}）没有测试用例",
                        f"requirement {r.no} ({r.text}) has no test case",
                    ),
                    lang,
                )
            )
            continue
        for c in mine:
            lacks = []
            if not (c.steps or "").strip():
                lacks.append(pick(("测试步骤", "steps"), lang))
            if not (c.expected or "").strip():
                lacks.append(pick(("预期结果", "expected result"), lang))
            if lacks:
                what = ("、" if is_zh(lang) else " and ").join(lacks)
                out.append(
                    pick(
                        (
                            f"需求{r.no} 的用例 {case_label(c)} 未写{what}",
                            f"case {case_label(c)} of requirement {r.no} has no {what}",
                        ),
                        lang,
                    )
                )
    return out  # fmt: skip


def requirement_items(
    req: Any,
    cases: list[TestCase],
    trace: list[dict[str, Any]],
    found: list[dict[str, str]],
    lang: str,
) -> list[dict[str, Any]]:
    """Section 4: per requirement (test item) its summary, problems met, deviations and
    cases."""
    zh = is_zh(lang)
    items = []
    for r, t in zip(req.requirements, trace, strict=True):
        mine = sorted((c for c in cases if c.requirement_no == r.no),
                      key=lambda c: (c.case_id or "~", c.seq))  # fmt: skip
        n = len(mine)
        ok = sum(1 for c in mine if c.outcome == "passed")
        bad = sum(1 for c in mine if c.outcome in ("failure", "error"))
        skip = n - ok - bad
        summary = pick(
            (
                f"共 {n} 个用例：通过 {ok} 个，不通过 {bad} 个，未执行 {skip} 个。"
                f"结果：{t['result_text']}。",
                f"{n} case(s): {ok} passed, {bad} failed, {skip} not run."
                f" Result: {t['result_text']}.",
            ),
            lang,
        )
        label = pick((f"需求{r.no}", f"Req. {r.no}"), lang)
        problems = [
            f"{x['case']}：{x['message']}（{x['status']}）"
            if zh
            else f"{x['case']}: {x['message']} ({x['status']})"
            for x in found
            if x["req"] == label
        ]
        problems += [
            f"{c.case_id} {c.name}：{c.defect}" if zh else f"{c.case_id} {c.name}: {c.defect}"
            for c in mine
            if c.kind == "manual" and c.defect
        ]
        deviations = [
            pick((f"{case_label(c)} 未执行", f"{case_label(c)} was not run"), lang)
            for c in mine
            if c.outcome == "skipped"
        ]
        if not mine:
            deviations.append(pick(("没有测试用例，本项未测", "no test case: not tested"), lang))
        items.append(
            {
                "no": r.no,
                "heading": pick(
                    (f"4.{r.no} 需求{r.no}：{r.text}", f"4.{r.no} Requirement {r.no}: {r.text}"),
                    lang,
                ),
                "acceptance": r.acceptance or "—",
                "summary": summary,
                "problems": problems or [pick(("无", "None"), lang)],
                "deviations": deviations
                or [pick(("无。按用例执行，未偏离。", "None: run as described."), lang)],
                "cases": case_rows(mine, lang),
            }
        )
    return items  # fmt: skip


def run_records(
    session: Session, run: TestRun, cases: list[TestCase], lang: str
) -> list[dict[str, str]]:
    """Section 5: every run of this cycle up to ``run``, and the manual testing by tester and
    day."""
    tz = get_settings().tz
    runs = session.scalars(
        select(TestRun).where(TestRun.request_id == run.request_id, TestRun.seq <= run.seq)
        .order_by(TestRun.seq)
    ).all()  # fmt: skip
    names = Names(session, lang)
    out = []
    for r in runs:
        ok = max(r.cases - r.failures - r.errors - r.skipped, 0)
        how = (
            pick(
                (
                    "自动化测试（乙方，被测版本的干净检出副本）",
                    "automated (contractor, clean checkout of the version)",
                ),
                lang,
            )
            if r.source == "command"
            else pick(
                (
                    "自动化测试（他处执行，导入结果文件）",
                    "automated (run elsewhere, results imported)",
                ),
                lang,
            )
        )
        out.append(
            {
                # the day in its own column (kept whole), the hour with the run
                "when": r.created_at.astimezone(tz).strftime("%Y-%m-%d"),
                "what": pick(
                    (
                        f"第 {r.seq} 次测试（{r.created_at.astimezone(tz):%H:%M}）",
                        f"run #{r.seq} ({r.created_at.astimezone(tz):%H:%M})",
                    ),
                    lang,
                ),
                "how": how,
                "who": names.actor(r.created_by),
                "counts": pick(
                    (
                        f"{r.cases} 个用例，通过 {ok}，不通过 {r.failures + r.errors}，"
                        f"未执行 {r.skipped}",
                        f"{r.cases} cases, {ok} passed, {r.failures + r.errors} failed,"
                        f" {r.skipped} not run",
                    ),
                    lang,
                ),
                "result": pick(("通过", "passed"), lang)
                if r.passed
                else pick(("不通过", "failed"), lang),
            }
        )
    by: dict[tuple[str, str], list[TestCase]] = {}
    for c in cases:
        if c.kind == "manual" and c.outcome != "skipped":
            by.setdefault((c.tested_on or "—", c.tester or "—"), []).append(c)
    for (day, who), group in sorted(by.items()):
        ok = sum(1 for c in group if c.outcome == "passed")
        out.append(
            {
                "when": day,
                "what": "、".join(c.case_id for c in group)
                if is_zh(lang)
                else ", ".join(c.case_id for c in group),
                "how": pick(("手工测试", "manual testing"), lang),
                "who": who,
                "counts": pick(
                    (
                        f"{len(group)} 个用例，通过 {ok}，不通过 {len(group) - ok}",
                        f"{len(group)} cases, {ok} passed, {len(group) - ok} failed",
                    ),
                    lang,
                ),
                "result": pick(("通过", "passed"), lang)
                if ok == len(group)
                else pick(("不通过", "failed"), lang),
            }
        )
    return out  # fmt: skip


def where_tested(run: TestRun, cases: list[TestCase], settings: dict[str, Any], lang: str) -> str:
    """Where the tests ran, said once and truthfully."""
    manual = [c for c in cases if c.kind == "manual" and c.outcome != "skipped"]
    if run.source == "command":
        auto = pick(
            (
                "自动化用例由乙方在被测版本的干净检出副本上执行",
                "The automated cases were run by the contractor on a clean checkout of"
                " the version tested",
            ),
            lang,
        )
    else:
        auto = pick(
            (
                "自动化用例在他处执行，本报告导入其结果文件",
                "The automated cases were run elsewhere; this report imports their"
                " JUnit result files",
            ),
            lang,
        )
    if not manual:
        tail = pick(
            (
                "；本轮没有手工用例，未在甲方环境中测试。",
                "; no manual case was run in this"
                " cycle, nothing was tested in the client's environment.",
            ),
            lang,
        )
    elif settings.get("test_environment"):
        tail = pick(
            (
                "；手工用例由测试人员在甲方测试环境（见下表）中执行。",
                "; the manual cases were run by the testers in the client's test"
                " environment (below).",
            ),
            lang,
        )
    else:
        tail = pick(
            (
                "；手工用例由测试人员在乙方测试环境中执行（合同未约定甲方测试环境）。",
                "; the manual cases were run by the testers in the contractor's test"
                " environment (the contract names no client test environment).",
            ),
            lang,
        )
    return auto + tail  # fmt: skip
