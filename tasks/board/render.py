"""The board's facts as Markdown for the Prefect UI (and ``changeflow board``): Chinese first
on a zh-CN installation, every state, step, clock and schedule word from the label tables of
``changeflow.bilingual``; links to the documents on the document service when its address is
given (``docs_url``), names alone otherwise.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from changeflow.bilingual import (
    BOARD_NEXT,
    BOARD_SCHEDULE,
    BOARD_WAITS,
    BOARD_WORDS,
    CLOCK_STATES,
    CLOCKS,
    PHASES,
    REQUEST_STATES,
    SERVICE_CATEGORIES,
    SERVICE_STATES,
    SEVERITIES,
    Pair,
    both,
    pick,
)
from changeflow.mdtext import md
from changeflow.settings import get_settings
from changeflow.wording import minutes_label, version_label

from ..money import fmt


class Words:
    """The board's words in one language: ``w("state")`` is 状态 State on zh-CN."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, word: str) -> str:
        return both(BOARD_WORDS[word], self.lang)

    def one(self, word: str) -> str:
        return pick(BOARD_WORDS[word], self.lang)

    def pick(self, table: dict[str, Pair], key: str) -> str:
        """One language only: the table's cells stay narrow (the headings say both)."""
        return pick(table[key], self.lang)

    def of(self, table: dict[str, Pair], key: str | None) -> str:
        pair = table.get(key or "")
        return both(pair, self.lang) if pair else md(key or "-")


def local(dt: datetime | None, fmt_: str = "%Y-%m-%d %H:%M") -> str:
    return "-" if dt is None else dt.astimezone(get_settings().tz).strftime(fmt_)


def _day(d: date | None) -> str:
    return "-" if d is None else d.isoformat()


def _span(delta: timedelta, lang: str) -> str:
    return minutes_label(max(int(delta.total_seconds() // 60), 0), lang)


def _days(value: Any) -> str:
    text = format(Decimal(str(value)), "f") if value not in (None, "") else "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Any) -> str:
    return fmt(value, symbol="¥")


def _docs(r: dict[str, Any], w: Words, docs_url: str | None) -> str:
    from ..documents.names import document_label

    parts = []
    for d in r["docs"]:
        name = md(document_label(d["kind"], d["version"], w.lang))
        parts.append(f"[{name}]({docs_url}/documents/{d['id']})" if docs_url else name)
    return "<br>".join(parts) or "-"


def _waits(r: dict[str, Any], w: Words, now: datetime) -> str:
    step = r["step"]
    if step.waits == "none":
        return "-"
    since = r["since"]
    return (
        f"{w.pick(BOARD_WAITS, step.waits)}<br>{w.one('since')} {local(since, '%m-%d %H:%M')}"
        f"（{_span(now - since, w.lang)}）"
    )


def _next(r: dict[str, Any], w: Words) -> str:
    step = r["step"]
    text = w.pick(BOARD_NEXT, step.step)
    return f"{text}<br>→ **{step.deployment}**" if step.deployment else text


def _state(r: dict[str, Any], w: Words) -> str:
    text = w.of(REQUEST_STATES, r["state"])
    if r["state"] == "on_hold" and r.get("held_from"):
        text += f"（{w.of(REQUEST_STATES, r['held_from'])}）"
    return text


def _plan(r: dict[str, Any], w: Words) -> str:
    p = r.get("plan")
    if p is None:
        return w.pick(BOARD_SCHEDULE, "no_plan")
    head = f"{version_label(p['version'], w.lang)} {_day(p['start'])} ~ {_day(p['end'])}"
    lines = [head]
    if p["phase"] and p["phase_due"]:
        lines.append(f"{w.pick(PHASES, p['phase'])} {w.one('phase_due')} {_day(p['phase_due'])}")
    if r["state"] not in ("accepted", "submitted"):
        if p["late_by"]:
            lines.append(f"**{w.of(BOARD_SCHEDULE, 'late')} {p['late_by']} {w.one('days_unit')}**")
        else:
            lines.append(w.pick(BOARD_SCHEDULE, "on_time"))
    return "<br>".join(lines)


def _plan_money(r: dict[str, Any], w: Words) -> str:
    p = r.get("plan")
    if p is None:
        return "-"
    pd = f"{_days(p['person_days'])} {w.one('person_days')}"
    lines = [f"{w.one('budget')} {_money(p['total'])}（{pd}）"]
    if p["covered_days"] is not None:
        lines.append(f"{w.one('covered')} {_days(p['covered_days'])} {w.one('person_days')}")
    lines.append(f"{w.one('billed')} {_money(p['billed'])}")
    if p["approved"]:
        lines.append(w.one("approved"))
    return "<br>".join(lines)


def _clocks(r: dict[str, Any], w: Words, now: datetime) -> str:
    lines = []
    for c in r.get("clocks") or []:
        head = f"{w.of(CLOCKS, c['name'])}: {w.of(CLOCK_STATES, c['status'])}"
        if c["status"] in ("running", "at_risk") and c["left"] is not None:
            due = local(c["due"], "%m-%d %H:%M")
            head += f"，{w.one('left_time')} {_span(c['left'], w.lang)}（{due}）"
        elif c["status"] == "breached" and c["stopped_at"] is None and c["due"] is not None:
            head += f"，{w.one('over_by')} {_span(now - c['due'], w.lang)}"
        lines.append(head)
    return "<br>".join(lines) or "-"


def _contract(k: dict[str, Any], w: Words, docs_url: str | None = None) -> list[str]:
    d, f = k["days"], k["fee"]
    out = [
        f"## {w('contract')} {md(k['code'])} · {md(k['client'])}",
        f"- {_day(k['start'])} ~ {_day(k['end'])}",
        f"- {w('days')}: {w.one('bought')} {_days(d['days_bought'])} · {w.one('used')}"
        f" {_days(d['days_used'])} · **{w.one('left')} {_days(d['days_left'])}** ·"
        f" {w.one('planned')} {_days(d['planned_days'])} · {w.one('awaiting')}"
        f" {_days(d['awaiting_days'])}",
        f"- {w('fee')} {_money(f['annual_fee'])}: {w.one('invoiced')} {_money(f['invoiced'])}"
        f" · {w.one('paid')} {_money(f['paid'])} · {w.one('outstanding')}"
        f" {_money(f['outstanding'])}"
        + (f" · **{w.one('overdue')} {_money(f['overdue'])}**" if f["overdue"] else ""),
    ]
    m = k.get("oa_manual")
    if m:
        out.append(f"- {w('oa_manual')}: {_docs({'docs': [m]}, w, docs_url)}")
    return out


Column = tuple[str, Any]  # (the heading's word, cell(r, w, now, docs_url) -> text)

REQUEST_COLUMNS: list[Column] = [
    ("key", lambda r, w, now, u: f"**{md(r['key'])}**"),
    ("name", lambda r, w, now, u: md(r["title"])),
    ("state", lambda r, w, now, u: _state(r, w)),
    ("next", lambda r, w, now, u: _next(r, w)),
    ("waits", lambda r, w, now, u: _waits(r, w, now)),
    ("plan", lambda r, w, now, u: _plan(r, w)),
    ("money", lambda r, w, now, u: _plan_money(r, w)),
    ("docs", lambda r, w, now, u: _docs(r, w, u)),
]
FAULT_COLUMNS: list[Column] = [
    ("key", REQUEST_COLUMNS[0][1]),
    ("name", REQUEST_COLUMNS[1][1]),
    ("severity", lambda r, w, now, u: w.of(SEVERITIES, r.get("severity"))),
    ("state", REQUEST_COLUMNS[2][1]),
    ("next", REQUEST_COLUMNS[3][1]),
    ("waits", REQUEST_COLUMNS[4][1]),
    ("clocks", lambda r, w, now, u: _clocks(r, w, now)),
    ("docs", REQUEST_COLUMNS[7][1]),
]


def _service_due(r: dict[str, Any], w: Words, now: datetime) -> str:
    if r["due"] is None:
        return "-"
    due = local(r["due"], "%m-%d %H:%M")
    if r["due"] >= now:
        return f"{due}（{w.one('left_time')} {_span(r['due'] - now, w.lang)}）"
    return f"**{due}（{w.one('over_by')} {_span(now - r['due'], w.lang)}）**"


SERVICE_COLUMNS: list[Column] = [
    ("key", lambda r, w, now, u: f"**{md(r['key'])}**"
     + (f"<br>{w.one('urgent')}" if r["urgent"] else "")),
    ("name", REQUEST_COLUMNS[1][1]),
    ("category", lambda r, w, now, u: w.pick(SERVICE_CATEGORIES, r["category"])
     if r["category"] in SERVICE_CATEGORIES else md(r["category"])),
    ("requester", lambda r, w, now, u: md(r["requester"] or "-")),
    ("state", lambda r, w, now, u: w.of(SERVICE_STATES, r["state"])),
    ("next", REQUEST_COLUMNS[3][1]),
    ("waits", REQUEST_COLUMNS[4][1]),
    ("response_due", lambda r, w, now, u: _service_due(r, w, now)),
]  # fmt: skip
DONE_COLUMNS: list[Column] = [
    ("key", REQUEST_COLUMNS[0][1]),
    ("name", REQUEST_COLUMNS[1][1]),
    ("state", REQUEST_COLUMNS[2][1]),
    ("since", lambda r, w, now, u: local(r["since"])),
    ("docs", REQUEST_COLUMNS[7][1]),
]


def _table(
    columns: list[Column], rows: list[dict[str, Any]], w: Words, now: datetime, url: str | None
) -> list[str]:
    if not rows:
        return [w("none")]
    out = ["| " + " | ".join(w(word) for word, _ in columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(cell(r, w, now, url) for _, cell in columns) + " |" for r in rows]
    return out


def render(facts: dict[str, Any], *, lang: str | None = None, docs_url: str | None = None) -> str:
    """The board as Markdown."""
    lang = lang or get_settings().lang
    w = Words(lang)
    now = facts["now"]
    out = [f"# {w('title')}", "", f"{w('as_of')} {local(now)}（Asia/Shanghai）", ""]
    for k in facts["contracts"]:
        out += [*_contract(k, w, docs_url), ""]
    sections = (("requests", REQUEST_COLUMNS), ("faults", FAULT_COLUMNS),
                ("services", SERVICE_COLUMNS))  # fmt: skip
    for section, columns in sections:
        rows = facts.get(section, [])
        out += [f"## {w(section)}（{len(rows)}）", ""]
        out += [*_table(columns, rows, w, now, docs_url), ""]
    if facts["done"]:
        out += [f"## {w('done')}", "", *_table(DONE_COLUMNS, facts["done"], w, now, docs_url)]
    return "\n".join(out).rstrip() + "\n"
