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

# --- service requests (服务请求, tasks/servicereq) ----------------------------------------
SERVICE_CATEGORIES: dict[str, Pair] = {
    "account": ("账号权限", "account/permission"),
    "data": ("数据维护", "data fix"),
    "form": ("表单流程调整", "form/workflow"),
    "howto": ("使用咨询", "how-to question"),
    "other": ("其他", "other"),
}
SERVICE_STATES: dict[str, Pair] = {
    "received": ("已受理", "received"),
    "assigned": ("已指派", "assigned"),
    "in_progress": ("处理中", "in progress"),
    "done": ("已完成，待确认", "done, to be confirmed"),
    "confirmed": ("已确认", "confirmed"),
    "cancelled": ("已取消", "cancelled"),
}
