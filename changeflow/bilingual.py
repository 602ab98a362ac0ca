"""One bilingual kit for every layer: the language test, ``pick`` and the label tables a
person reads (states, phases, clocks, severities, outcomes).

A label is a pair ``(中文, English)``. A zh-CN installation shows the Chinese first; where
the house shows both (forms, artifacts, mails), ``both`` gives ``中文 English``. Code that
needs a language-specific word asks this module, never tests ``lang == "zh-CN"`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping

Pair = tuple[str, str]
ZH = "zh-CN"
EN = "en"
LANGS = (ZH, EN)


def is_zh(lang: str | None) -> bool:
    """True for a Chinese installation or document (the default language)."""
    return lang is None or lang == ZH or lang.lower().startswith("zh")


def pick(pair: Pair, lang: str | None) -> str:
    """The label of ``pair`` in ``lang``."""
    return pair[0] if is_zh(lang) else pair[1]


def both(pair: Pair, lang: str | None = ZH, sep: str = " ") -> str:
    """Both labels, the installation's language first (``签发 Issue`` / ``Issue 签发``)."""
    zh, en = pair
    if zh == en:
        return zh
    return f"{zh}{sep}{en}" if is_zh(lang) else f"{en}{sep}{zh}"


def label(table: Mapping[str, Pair], key: str, lang: str | None) -> str:
    """``key``'s label from ``table`` in ``lang``; an unknown key shows as itself."""
    pair = table.get(key)
    return pick(pair, lang) if pair else key


# --- the label tables a person reads ------------------------------------------------------

# the states of a request (development) and of a fault (maintenance)
REQUEST_STATES: dict[str, Pair] = {
    "submitted": ("已提交", "Submitted"),
    "planned": ("已计划", "Planned"),
    "rejected": ("未通过", "Rejected"),
    "approved": ("已批准", "Approved"),
    "in_development": ("开发中", "In development"),
    "in_testing": ("测试中", "In testing"),
    "live": ("已上线", "Live"),
    "accepted": ("已验收", "Accepted"),
    "on_hold": ("暂停", "On hold"),
    "cancelled": ("已取消", "Cancelled"),
    "reported": ("已报告", "Reported"),
    "responded": ("已响应", "Responded"),
    "on_site": ("已到场", "On site"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}
# the phases of a plan
PHASES: dict[str, Pair] = {
    "analysis": ("需求分析", "Analysis"),
    "development": ("设计开发", "Development"),
    "testing": ("测试", "Testing"),
    "golive": ("上线", "Go-live"),
    "acceptance": ("验收", "Acceptance"),
}
# a fault's severity
SEVERITIES: dict[str, Pair] = {
    "crash": ("系统崩溃", "crash"),
    "non_crash": ("非系统崩溃", "non-crash"),
}
# a fault's SLA clocks, and how each counts (keys: ``tasks.sla.ALWAYS`` ...)
CLOCKS: dict[str, Pair] = {
    "response": ("首次响应", "first response"),
    "onsite": ("到场", "on site"),
}
CLOCK_KINDS: dict[str, Pair] = {
    "always": ("全天计时", "around the clock"),
    "service": ("服务时间", "service hours"),
    "working-days": ("工作日全天", "around the clock on working days"),
}
# a clock's state and outcome (keys: ``tasks.sla.MET`` ...; "open" in a monthly statement)
CLOCK_STATES: dict[str, Pair] = {
    "met": ("达标", "met"),
    "breached": ("超时", "breached"),
    "at_risk": ("即将超时", "at risk"),
    "running": ("计时中", "running"),
    "paused": ("暂停", "paused"),
    "open": ("未结", "open"),
}
# the level of an SLA notice
NOTICE_LEVELS: dict[str, Pair] = {"warning": ("预警", "warning"), "breach": ("超时", "breach")}


# --- the maintenance plan (日常维护服务计划, tasks.maintplan) --------------------------------
# the kinds of the client's systems a plan looks after
PLAN_SYSTEM_KINDS: dict[str, Pair] = {
    "application": ("OA 应用系统", "OA application"),
    "database": ("数据库", "Database"),
    "mail": ("邮件服务器", "Mail server"),
    "storage": ("文件存储", "File storage"),
    "backup": ("备份目标", "Backup target"),
}
# how often a check is done
CHECK_FREQUENCIES: dict[str, Pair] = {
    "visit": ("每次上门", "every visit"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
}
# the catalogue of checks
CHECK_KINDS: dict[str, Pair] = {
    "service": ("服务运行状态", "Service status"),
    "disk": ("磁盘空间", "Disk space"),
    "logs": ("日志空间与错误日志", "Log space and error logs"),
    "db-health": ("数据库运行状况", "Database health"),
    "db-size": ("数据库容量", "Database size"),
    "mail-queue": ("邮件队列", "Mail queue"),
    "backup": ("备份是否成功", "Backup success"),
    "restore-test": ("备份恢复测试", "Restore test"),
    "security-updates": ("安全更新", "Security updates"),
    "accounts": ("用户账号审查", "Accounts review"),
    "certificate": ("证书有效期", "Certificate expiry"),
}
# a check's result
CHECK_RESULTS: dict[str, Pair] = {"normal": ("正常", "normal"), "abnormal": ("异常", "abnormal")}
# the fault classes the contract names, for the emergency measures
EMERGENCY_CLASSES: dict[str, Pair] = {
    "server-crash": ("服务器崩溃", "Server crash"),
    "database-damage": ("数据库损坏", "Database damage"),
    "mail-fault": ("邮件服务器故障", "Mail server fault"),
}
# a person's roles as a contact list shows them
PERSON_ROLES: dict[str, Pair] = {
    "project_lead": ("项目负责人", "project lead"),
    "analyst": ("需求分析", "analyst"),
    "developer": ("开发", "developer"),
    "tester": ("测试", "tester"),
    "engineer": ("维护工程师", "maintenance engineer"),
    "it_admin": ("信息管理员", "IT administrator"),
}
