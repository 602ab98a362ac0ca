"""Flow ``sync``: read new commits of the client repositories and publish each request's
development progress (commits, people, days, lines, time logged vs plan) in the Prefect UI.

Thin on purpose: ``tasks.gitsync.sync`` does the work (one ``git log`` and one transaction per
repository); one task for the sync and one for the progress figures, never a task per commit.
Scheduled hourly in service hours (see ``flows/deployments.py``).
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from .common import md, next_line, outcome, publish_markdown, publish_table, timed_name
from .forms import flow


class SyncInput(BaseModel):
    """The form a project lead fills in the UI ("Custom run"); empty = every repository."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    repo: str | None = Field(
        None,
        title="仓库 Repository",
        description="名称、路径或 URL；留空则同步全部已登记仓库 / name, path or URL; "
        "empty: every registered repository",
        max_length=500,
    )
    full: bool = Field(
        False,
        title="全量重读 Full re-read",
        description="改了关联规则或别名后重读全部历史（不会重复） / re-read the whole history "
        "after changing link patterns or aliases (never duplicates)",
    )


def _sync(params: SyncInput) -> list[dict[str, Any]]:
    from changeflow.tasks.gitsync import sync

    return [r.to_dict() for r in sync(params.repo or None, full=params.full)]


def _progress(keys: list[str]) -> list[dict[str, Any]]:
    from changeflow.tasks.gitsync import active_request_keys, progress_for

    return progress_for(sorted(set(keys) | set(active_request_keys())))


sync_task = task(_sync, name="git-sync", cache_policy=NO_CACHE)
progress_task = task(_progress, name="git-progress", cache_policy=NO_CACHE)


def progress_rows(progress: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "需求 Request": p["key"],
            "状态 State": p["state"],
            "提交 Commits": p["commits"],
            "人员 People": ", ".join(
                f"{a['name']} ({a['commits']}/{a['days']}d)" for a in p["authors"]
            ),
            "活跃天数 Active days": p["active_days"],
            "文件 Files": p["files"],
            "行 Lines": f"+{p['insertions']} -{p['deletions']}",
            "工时 Hours": p["hours_logged"],
            "人日 Person-days": p["person_days_logged"],
            "计划人日 Planned": p["planned_person_days"],
            "进度 Progress %": p["progress_pct"],
            "首次 First": p["first_activity"],
            "最近 Last": p["last_activity"],
        }
        for p in progress
    ]


def summary_markdown(results: list[dict[str, Any]], progress: list[dict[str, Any]]) -> str:
    lines = [
        "# 代码同步 Git sync",
        "",
        "| 仓库 Repository | 分支 Branches | 读取 Seen | 新增 New | 关联 Linked "
        "| 工时记录 Time entries | 不可达 Unreachable | 秒 Seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {md(r['repository'])} | {r['branches']} | {r['seen']} | {r['new']} "
            f"| {r['linked']} | {r['time_entries']} | {r['unreachable']} | {r['seconds']} |"
        )
    warnings = [f"- {md(r['repository'])}: {md(w)}" for r in results for w in r["warnings"]]
    if warnings:
        lines += ["", "## 提示 Warnings", "", *warnings]
    if progress:
        lines += [
            "",
            "## 进度 Progress",
            "",
            "| 需求 Request | 提交 Commits | 人员 People | 工时 Hours | 进度 Progress |",
            "|---|---|---|---|---|",
        ]
        for p in progress:
            pct = "-" if p["progress_pct"] is None else f"{p['progress_pct']}%"
            lines.append(
                f"| {p['key']} | {p['commits']} | {len(p['authors'])} "
                f"| {p['hours_logged']} | {pct} |"
            )
    return "\n".join(lines)


@flow(name="sync", flow_run_name=timed_name("sync"), log_prints=True)
def sync(params: SyncInput = SyncInput()) -> dict[str, Any]:
    """Sync the client repositories, then publish every active request's progress."""
    results = sync_task(params)
    touched = sorted({k for r in results for k in r["requests"]})
    progress = progress_task(touched)
    after = (
        next_line("test", "开发完成的需求 / once a request's development is done,")
        if progress
        else next_line(None, "无：等待团队推送提交 nothing: wait for the team's commits")
    )
    publish_markdown("git-sync", summary_markdown(results, progress) + after, "Git sync")
    if progress:
        publish_table("git-progress", progress_rows(progress), "Development progress from git")
    totals = {k: sum(r[k] for r in results) for k in ("seen", "new", "linked", "time_entries")}
    return outcome(
        f"同步 sync: {len(results)} 个代码库 repositories, 新提交 new commits {totals['new']},"
        f" 关联需求 linked {totals['linked']}, 进展 progress of {len(progress)} 个请求 requests",
        {"repositories": results, "totals": totals, "progress": progress},
    )
