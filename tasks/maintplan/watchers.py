"""Which probes watch which of the plan's systems: the join of the two halves of issue #37.

A probe target names the client's system it watches in the probes' own words
(``ProbeTarget.system``: oa, database, mail, storage, backup); the plan names its systems by
kind (``PlanSystem.kind``: application, database, mail, storage, backup). A target belongs to
the plan system of its contract and that kind (``oa`` is the plan's ``application``); when a
plan has several systems of one kind, the first one in the plan's order. No column holds the
link: it is read, so a plan reloaded or a target added joins at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from changeflow.bilingual import NOTHING, is_zh, pick

# the probes' word for a system -> the plan's kind of system
PLAN_KIND = {"oa": "application", "database": "database", "mail": "mail", "storage": "storage",
             "backup": "backup"}  # fmt: skip
# what a probe of each kind watches, as the client reads it
WATCHES: dict[str, tuple[str, str]] = {
    "http": ("网页可用性与响应时间", "web availability and response time"),
    "tls": ("证书有效期", "certificate expiry"),
    "smtp": ("SMTP 服务应答", "SMTP answering"),
    "imap": ("IMAP 服务应答", "IMAP answering"),
    "db": ("数据库连接与查询", "database connection and query"),
    "backup-dir": ("备份目录最新文件时间", "age of the newest backup file"),
    "backup-log": ("备份记录时效", "age of the newest backup recorded"),
    "restore-log": ("恢复测试时效", "age of the last restore test"),
}

def plan_system_of(mp: Any, target: Any) -> Any:
    """The plan system a probe target watches (None when the plan has none of its kind)."""
    kind = PLAN_KIND.get(target.system or "")
    return next((x for x in mp.systems if x.active and x.kind == kind), None)


def probes_by_system(s: Any, mp: Any) -> dict[int, list[Any]]:
    """The active probe targets of the plan's contract, by the id of the system they watch."""
    from changeflow.db.probes import ProbeTarget

    out: dict[int, list[Any]] = {x.id: [] for x in mp.systems}
    targets = s.scalars(select(ProbeTarget).where(
        ProbeTarget.contract_id == mp.contract_id, ProbeTarget.active.is_(True),
    ).order_by(ProbeTarget.name)).all()  # fmt: skip
    for t in targets:
        x = plan_system_of(mp, t)
        if x is not None:
            out[x.id].append(t)
    return out


def watched_line(targets: list[Any], lang: str) -> str:
    """What watches a system, for a document (无 / none when nothing does)."""
    sep = "、" if is_zh(lang) else ", "
    kinds = {t.kind for t in targets}
    seen = [pick(said, lang) for kind, said in WATCHES.items() if kind in kinds]
    return sep.join(seen) or pick(NOTHING, lang)
