"""How a client document words a version, a week, a date range and a length of time: one
function each, so every document says them the same way.

- a version: 第1版 (English: v1);
- a week: 第49周（11月30日至12月6日） (English: week 49 (2026-11-30 to 2026-12-06));
- a date range: 2026年11月30日至12月6日 (English: 2026-11-30 to 2026-12-06);
- a length: 35 分钟, 2 小时 5 分钟, 3 天 (English: 35 min, 2 h 5 min, 3 days), the number
  held to its unit by a no-break space (``qty``);
- a date: 2026年12月2日, with its time 2026年12月2日 14:05 (English: 2026-12-02).

It sits at the bottom of the house (beside ``changeflow.bilingual``) so the template
builders, the table declarations (``docs_templates``) and the tasks all use it.
"""

from __future__ import annotations

from datetime import date, datetime

from changeflow.bilingual import is_zh


def date_text(value: date | datetime | None, lang: str) -> str:
    """THE date of a document: 2026年12月2日 (with the time after it when it has one),
    2026-12-02 in English; empty for none (``tasks.wordkit.doc_date`` also reads text)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        head = date_text(value.date(), lang)
        if (value.hour, value.minute) == (0, 0) and not value.second:
            return head
        return f"{head} {value:%H:%M}"
    return _zh_day(value) if is_zh(lang) else value.isoformat()


def version_label(version: int | str | None, lang: str) -> str:
    if version in (None, ""):
        return ""
    return f"第{version}版" if is_zh(lang) else f"v{version}"


def _zh_day(d: date, year: bool = True) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if year else f"{d.month}月{d.day}日"


def date_range(start: date, end: date, lang: str) -> str:
    """Both ends, the year said once when it is the same: 2026年11月30日至12月6日."""
    if isinstance(start, datetime):
        start = start.date()
    if isinstance(end, datetime):
        end = end.date()
    if not is_zh(lang):
        return f"{start.isoformat()} to {end.isoformat()}"
    return f"{_zh_day(start)}至{_zh_day(end, year=end.year != start.year)}"


def week_label(week: str, start: date, end: date, lang: str, *, days: bool = True) -> str:
    """``2026-W49`` as 第49周（2026年11月30日至12月6日）; without ``days`` only 第49周."""
    number = int(str(week).rsplit("W", 1)[-1]) if "W" in str(week) else week
    head = f"第{number}周" if is_zh(lang) else f"week {number}"
    if not days:
        return head
    rng = date_range(start, end, lang)
    return f"{head}（{rng}）" if is_zh(lang) else f"{head} ({rng})"


# between a number and its unit (45 min, 150 分钟): a no-break space, so that a layout
# engine never puts the unit on the next line of a narrow table cell (fit.UNBREAKABLE
# measures the pair as one token)
NBSP = "\u00a0"


def qty(number: object, unit: str) -> str:
    """A number and its unit held together: ``45\u00a0min``, ``150\u00a0分钟``."""
    return f"{number}{NBSP}{unit}"


def minutes_label(minutes: int, lang: str) -> str:
    """A length of time in the unit a reader expects: 35 分钟, 2 小时 5 分钟, 1 天 (each
    number held to its unit by a no-break space)."""
    minutes = int(minutes)
    zh = is_zh(lang)
    if minutes < 60:
        return qty(minutes, "分钟" if zh else "min")
    if minutes % 1440 == 0:
        n = minutes // 1440
        return qty(n, "天") if zh else qty(n, f"day{'s' if n != 1 else ''}")
    h, m = divmod(minutes, 60)
    if zh:
        return qty(h, "小时") + (f" {qty(m, '分钟')}" if m else "")
    return qty(h, "h") + (f" {qty(m, 'min')}" if m else "")
