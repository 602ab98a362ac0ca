"""Recorded runs as other stages read them: the newest run, why it passed or failed in one
line, a line for other documents (go-live record, acceptance certificate), a summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.bilingual import is_zh
from changeflow.db.delivery import TestRun
from changeflow.db.models import Request
from changeflow.settings import get_settings


def failure_summary(failed: Sequence[dict[str, Any]], limit: int = 5) -> str:
    parts = []
    for f in failed[:limit]:
        msg = (f.get("message") or "").splitlines()[0][:120] if f.get("message") else ""
        name = f.get("name") or "?"
        parts.append(f"{name}: {msg}" if msg else name)
    more = f" (+{len(failed) - limit} more)" if len(failed) > limit else ""
    return "; ".join(parts) + more


def verdict_reason(run: TestRun) -> str:
    """Why a run failed, in one line (or 'passed ...')."""
    counts = f"{run.cases} cases, {run.failures} failed, {run.errors} errors, {run.skipped} skipped"
    if run.passed:
        return f"passed: {counts}"
    if run.timed_out:
        return f"failed: the test command was killed after its timeout ({counts})"
    if run.failed_cases:
        return f"failed: {counts} — {failure_summary(run.failed_cases)}"
    if run.exit_code not in (None, 0):
        return f"failed: the test command exited with code {run.exit_code} ({counts})"
    return f"failed: {counts}"


def tests_line(run: TestRun, lang: str) -> str:
    """One line on a run for other documents (go-live record, acceptance certificate)."""
    if not is_zh(lang):
        return f"test run {run.seq}: {verdict_reason(run)}"
    verdict = "通过" if run.passed else "未通过"
    parts = [f"{run.cases} 个用例"] + [
        f"{n} 个{what}"
        for n, what in ((run.failures, "失败"), (run.errors, "出错"), (run.skipped, "跳过"))
        if n
    ]
    return f"第{run.seq}次测试{verdict}：" + "，".join(parts)


def latest_run(session: Session, req: Request) -> TestRun | None:
    return session.scalar(
        select(TestRun).where(TestRun.request_id == req.id).order_by(TestRun.seq.desc()).limit(1)
    )


def run_summary(run: TestRun) -> dict[str, Any]:
    tz = get_settings().tz
    return {
        "seq": run.seq,
        "at": run.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "commit": run.commit_sha,
        "source": run.source,
        "passed": run.passed,
        "cases": run.cases,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
        "reason": verdict_reason(run),
    }
