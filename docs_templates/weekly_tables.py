"""The weekly report's tables, each declared once (``docs_templates.columns``): the template
builder (``docs_templates/tpl_weekly.py``), the render context (``document.report_context``)
and the Markdown view (``document.report_markdown``) read these, so a column changes here.

A column's ``value`` takes one item of the report's data (``facts``) and the language and
returns the cell's text; dates and times in the document's form (``changeflow.wording``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from changeflow.bilingual import PHASES, is_zh, pick
from changeflow.wording import date_text as doc_date

from .columns import Column, DocTable

PHASE_LABELS = PHASES

WEEKDAYS = {
    "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MILESTONE_STATUS = {
    "done": ("已完成", "done"),
    "late": ("已延误", "late"),
    "open": ("进行中", "open"),
    "closed": ("已关闭", "closed"),
}
Item = Mapping[str, Any]


def num(d: Decimal | None) -> str:
    """Person-days/hours as short text: 3, 2.5, 0.13 (empty when unknown)."""
    if d is None:
        return ""
    q = d.quantize(Decimal("0.01")).normalize()
    return format(q, "f") if q != 0 else "0"


def day_label(d: Any, weekday: int, lang: str) -> str:
    wk = WEEKDAYS["zh-CN" if is_zh(lang) else "en"][weekday - 1]
    return f"{doc_date(d, lang)} {wk}"


def phase(p: str, lang: str) -> str:
    return pick(PHASE_LABELS.get(p, (p, p)), lang)


def _yes(flag: bool, lang: str) -> str:
    return pick(("是", "yes"), lang) if flag else pick(("否", "no"), lang)


def _lines(xs: list[str]) -> str:
    return "\n".join(xs)


def field(name: str) -> Any:
    """A cell that is the item's ``name`` as it is."""
    return lambda item, lang: str(item[name] if item[name] is not None else "")


def number(name: str) -> Any:
    return lambda item, lang: num(item[name])


def day(name: str) -> Any:
    return lambda item, lang: doc_date(item[name], lang)


def lines(name: str) -> Any:
    return lambda item, lang: _lines(item[name])


def _phase_of(item: Item, lang: str) -> str:
    return phase(item["phase"], lang)


def _title_or_phase(item: Item, lang: str) -> str:
    return item.get("title") or item.get("name") or phase(item["phase"], lang)


# --- 工作日历 ---------------------------------------------------------------------------


def _reason(d: Item, lang: str) -> str:
    text = d["reason_zh"] if is_zh(lang) else d["reason"]
    if d["report_day"]:
        text += pick(("（报告日）", " (report day)"), lang)
    if d["future"]:
        text += pick(("（尚未到来）", " (still to come)"), lang)
    return text


def _run_log(d: Item, lang: str) -> str:
    """A day's run log in words: 已填写, 未填写, 未到 (a day still to come), or nothing
    where none is due."""
    if d["future"] and not d["run_log"]:
        return pick(("未到", "to come"), lang)
    if d["run_log"] is None:
        return ""
    return pick(("已填写", "kept"), lang) if d["run_log"] else pick(("未填写", "missing"), lang)


def _day(d: Item, lang: str) -> str:
    return day_label(d["date"], d["weekday"], lang)


CALENDAR = DocTable(
    "d",
    "days",
    (
        Column("date", ("日期", "Date"), _day, 40),
        Column("working", ("工作日", "Working"), lambda d, lang: _yes(d["working"], lang), 18),
        Column("reason", ("说明", "Reason"), _reason, 80),
        Column("run_log", ("运行日志", "Run log"), _run_log, 22),
    ),
)

# --- 每日开发情况: one row per request a day touched (``item``: {"day", "request", "text"}) -


def _commits(x: Item, lang: str) -> str:
    return _lines(x["commits"])


DAILY = DocTable(
    "r",
    "rows",
    (
        Column("date", ("日期", "Date"), field("date"), 27),
        Column("key", ("需求", "Request"), field("key"), 24),
        Column("commits", ("代码提交（作者）", "Commits (author)"), _commits, 40, lines=True),
        Column("hours", ("工时", "Hours"), field("hours"), 12),
        Column("changes", ("阶段变化", "Stage changes"), lines("changes"), 25, True),
        Column("docs", ("文档", "Documents"), lines("docs"), 18.6, lines=True),
    ),
)

# --- 需求进度 -----------------------------------------------------------------------------


def _pct(r: Item, lang: str) -> str:
    return f"{r['progress_pct']}%" if r["progress_pct"] is not None else ""


def _slip(r: Item, lang: str) -> str:
    if r.get("closed"):
        return pick(("已关闭", "closed"), lang)
    return str(r["slip_working_days"]) if r["planned_person_days"] is not None else ""


def _request(r: Item, lang: str) -> str:
    return f"{r['key']}\n{r['title']}"


PROGRESS = DocTable(
    "q",
    "requests",
    (
        Column("request", ("需求", "Request"), _request, 26, True),
        Column("state", ("阶段", "Stage"), field("state_label"), 13),
        Column("planned", ("计划人日", "Planned PD"), number("planned_person_days"), 16),
        Column("planned_to_date", ("计划至今", "Planned to date"), number("planned_to_date"), 16),
        Column("done", ("已完成", "Done PD"), number("done_person_days"), 14),
        Column("pct", ("完成率", "Done %"), _pct, 16),
        Column("slip", ("滞后工作日", "Behind (wd)"), _slip, 18),
        Column(
            "people", ("人员（天数/工时）", "People (days/hours)"), field("people_text"), 27.6, True
        ),
    ),
)

# --- 里程碑 (``item``: a milestone with its request's key) ------------------------------------


def _due(m: Item, lang: str) -> str:
    return doc_date(m["day"], lang) + ("*" if m["provisional"] else "")


def _status(m: Item, lang: str) -> str:
    return pick(MILESTONE_STATUS[m["status"]], lang)


def _late(m: Item, lang: str) -> str:
    return "" if m["status"] == "closed" else str(m["slip_working_days"])


MILESTONES = DocTable(
    "m",
    "milestones",
    (
        Column("key", ("需求", "Request"), field("key"), 22),
        Column("name", ("里程碑", "Milestone"), _title_or_phase, 33),
        Column("day", ("计划日期", "Due"), _due, 26.5),
        Column("done_on", ("完成日期", "Done on"), day("done_on"), 26.5),
        Column("slip", ("滞后工作日", "Late (working days)"), _late, 18),
        Column("status", ("状态", "Status"), _status, 20.6),
    ),
)

# --- 参与人员 ---------------------------------------------------------------------------------


def _requests(p: Item, lang: str) -> str:
    return ("、" if is_zh(lang) else ", ").join(p["requests"])


PEOPLE = DocTable(
    "p",
    "people",
    (
        Column("name", ("人员", "Person"), field("shown"), 35),
        Column("days", ("天数", "Days"), field("days"), 18),
        Column("hours", ("工时（小时）", "Hours"), number("hours"), 22),
        Column("commits", ("提交", "Commits"), field("commits"), 18),
        Column("requests", ("需求", "Requests"), _requests, 53.6),
    ),
)

# --- 下周计划 ---------------------------------------------------------------------------------


def _end(x: Item, lang: str) -> str:
    return doc_date(x["end"], lang) + ("*" if x["provisional"] else "")


NEXT = DocTable(
    "n",
    "next_items",
    (
        Column("key", ("需求", "Request"), field("key"), 25),
        Column("title", ("工作内容", "Work"), _title_or_phase, 27.6),
        Column("phase", ("阶段", "Phase"), _phase_of, 14),
        Column("who", ("人员", "Who"), field("who"), 14),
        Column("start", ("开始", "Start"), day("start"), 26.5),
        Column("end", ("结束", "End"), _end, 26.5),
        Column("person_days", ("人日", "PD"), number("person_days"), 13),
    ),
)

# --- 本周服务: dispatch orders and faults (issue #31) ---------------------------------------

ORDER_STATES = {
    "planned": ("计划中", "planned"),
    "done": ("已完成，待甲方验收", "done, awaiting acceptance"),
    "signed": ("甲方已签收", "signed by the client"),
}


def _order_kind(x: Item, lang: str) -> str:
    from .tpl_dispatch import KIND_LABELS

    return pick(KIND_LABELS.get(x["kind"], (x["kind"], x["kind"])), lang)


def _order_state(x: Item, lang: str) -> str:
    return pick(ORDER_STATES.get(x["state"], (x["state"], x["state"])), lang)


def _staff(x: Item, lang: str) -> str:
    return ("、" if is_zh(lang) else ", ").join(x["staff"])


def _severity(x: Item, lang: str) -> str:
    from changeflow.bilingual import SEVERITIES

    return pick(SEVERITIES.get(x["severity"], (x["severity"], x["severity"])), lang)


def _fault_state(x: Item, lang: str) -> str:
    from changeflow.bilingual import REQUEST_STATES

    return pick(REQUEST_STATES.get(x["state"], (x["state"], x["state"])), lang)


VISITS = DocTable(
    "v",
    "visits",
    (
        Column("number", ("派工单号", "Order"), field("number"), 26),
        Column("kind", ("服务类型", "Service"), _order_kind, 24),
        Column("title", ("服务事项", "Item"), field("title"), 33.6),
        Column("day", ("日期", "Date"), day("day"), 26.5),
        Column("staff", ("服务人员", "Staff"), _staff, 16),
        Column("state", ("状态", "State"), _order_state, 20.5),
    ),
)
FAULTS = DocTable(
    "f",
    "faults",
    (
        Column("key", ("故障编号", "Fault"), field("key"), 26),
        Column("title", ("故障描述", "Description"), field("title"), 44.6),
        Column("severity", ("级别", "Severity"), _severity, 20),
        Column("reported", ("报告时间", "Reported"), day("reported"), 32),
        Column("state", ("状态", "State"), _fault_state, 24),
    ),
)
