"""Flow ``backup``: the nightly disaster-recovery backup (灾难恢复备份) with retention."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .common import md, publish_markdown, timed_name
from .forms import flow


@flow(name="backup", flow_run_name=timed_name("backup"), log_prints=True)
def backup(
    out_dir: str | None = Field(
        None, title="备份目录 Backup folder", description="Default: <home>/backups"
    ),
    keep: int = Field(14, ge=1, le=3650, title="保留份数 Backups kept"),
) -> dict[str, Any]:
    """Back up the database and document store; keep only the newest backups.

    The signing secret is never part of a scheduled backup: it is kept apart on purpose.
    """
    from pathlib import Path

    from .units import run_backup

    result = run_backup(Path(out_dir) if out_dir else None, keep=keep)
    data = result.summary()
    lines = [
        f"# 备份 Backup · {md(result.path.name)}",
        f"- 数据库 Database: {data['database']}",
        f"- 文档 Documents: {data['documents']} · 需求 Requests: {data['requests']}",
        f"- 文件 Files: {data['files']} ({data['bytes']} bytes)",
        f"- 删除的旧备份 Old backups removed: {len(data['removed'])}",
        *[f"- ⚠ {md(p)}" for p in data["problems"]],
    ]
    publish_markdown(f"backup-{result.path.name}", "\n".join(lines), "Nightly backup")
    print(f"backup {result.path} ({data['files']} files); removed {len(data['removed'])} old")
    return data
