"""The check catalogue: what each kind of system is checked for by default, how often, what
is normal; and when a check is due (by its frequency and the last day it was done).

A check of frequency ``visit`` is due on every visit; ``weekly`` when it was not done in
the seven days before; ``monthly`` when it was not done in the day's calendar month;
``quarterly`` when not in the day's calendar quarter.
"""

from __future__ import annotations

from datetime import date, timedelta

from changeflow.bilingual import CHECK_FREQUENCIES, CHECK_KINDS, PLAN_SYSTEM_KINDS, Pair

SYSTEM_KINDS = tuple(PLAN_SYSTEM_KINDS)
FREQUENCIES = tuple(CHECK_FREQUENCIES)
KINDS = tuple(CHECK_KINDS)

# what is normal, by check kind (zh-CN, en): the plan's default threshold
THRESHOLDS: dict[str, Pair] = {
    "service": ("服务运行，页面和登录正常", "running; pages and sign-in work"),
    "disk": ("使用率低于 80%", "below 80 % used"),
    "logs": ("日志空间低于 80%，无新的严重错误", "log space below 80 %, no new severe errors"),
    "db-health": ("连接正常，无锁等待和错误日志", "connects; no lock waits, no errors logged"),
    "db-size": ("增长在预期内，剩余空间够 3 个月", "growth as expected; room for 3 months"),
    "mail-queue": ("队列少于 50 封，无积压", "fewer than 50 queued, nothing stuck"),
    "backup": ("最近一次备份成功且不超过 26 小时", "last backup succeeded, under 26 hours old"),
    "restore-test": ("抽取备份恢复到测试环境，数据完整可用",
                     "a backup restored to the test environment, complete and usable"),
    "security-updates": ("已安装全部安全更新", "all security updates installed"),
    "accounts": ("无离职人员账号、无多余管理员", "no leavers' accounts, no extra administrators"),
    "certificate": ("证书剩余有效期超过 30 天", "certificate valid for more than 30 days"),
}  # fmt: skip

# the default catalogue of each system kind: (check kind, frequency)
DEFAULT_CHECKS: dict[str, list[tuple[str, str]]] = {
    "application": [("service", "visit"), ("disk", "visit"), ("logs", "weekly"),
                    ("certificate", "monthly"), ("security-updates", "monthly"),
                    ("accounts", "quarterly")],
    "database": [("service", "visit"), ("db-health", "visit"), ("db-size", "monthly"),
                 ("disk", "weekly")],
    "mail": [("service", "visit"), ("mail-queue", "visit"), ("certificate", "monthly"),
             ("accounts", "quarterly")],
    "storage": [("disk", "visit"), ("logs", "monthly")],
    "backup": [("backup", "visit"), ("restore-test", "quarterly")],
}  # fmt: skip

# the order the frequencies are shown in
FREQUENCY_ORDER = {f: i for i, f in enumerate(FREQUENCIES)}


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def is_due(frequency: str, last: date | None, day: date) -> bool:
    """Whether a check of ``frequency`` last done on ``last`` is due on ``day``."""
    if frequency == "visit" or last is None:
        return True
    if last > day:
        return False
    if frequency == "weekly":
        return last <= day - timedelta(days=7)
    if frequency == "monthly":
        return (last.year, last.month) != (day.year, day.month)
    if frequency == "quarterly":
        return _quarter(last) != _quarter(day)
    raise ValueError(frequency)
