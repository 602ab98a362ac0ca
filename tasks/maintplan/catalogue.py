"""The check catalogue: what each kind of system is checked for by default, how often, what
is normal. When a check is due (``is_due``) is in ``tasks.maintenance.visit_checks``, which
the dispatch order's document reads too.
"""

from __future__ import annotations

from changeflow.bilingual import CHECK_FREQUENCIES, CHECK_KINDS, PLAN_SYSTEM_KINDS, Pair

from ..maintenance.visit_checks import is_due

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


__all__ = ["DEFAULT_CHECKS", "FREQUENCIES", "KINDS", "SYSTEM_KINDS", "THRESHOLDS", "is_due"]
