"""The base data under the overrides: ``chinesecalendar`` for the years it knows, and for
any other year the statutory holidays the ``holidays`` package computes by rule (provisional,
no make-up workdays).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache


@lru_cache(maxsize=1)
def cc_data() -> tuple[dict[date, str], dict[date, str], frozenset[int], dict[str, str]]:
    """chinesecalendar's holidays, make-up workdays, the years it knows, English->Chinese."""
    from chinese_calendar import constants

    hol = dict(constants.holidays)
    work = dict(constants.workdays)
    years = frozenset(d.year for d in hol) | frozenset(d.year for d in work)
    zh = {h.value: h.chinese for h in constants.Holiday}
    return hol, work, years, zh


def known_years() -> frozenset[int]:
    """Years chinesecalendar has the official schedule for."""
    return cc_data()[2]


@lru_cache(maxsize=64)
def rule_holidays(year: int) -> dict[date, tuple[str, str]]:
    """Statutory holidays of ``year`` computed by rule (no make-up workdays): provisional."""
    import holidays

    try:
        en = holidays.China(years=year, language="en_US")
        zh = holidays.China(years=year, language="zh_CN")
    except Exception:  # the package may refuse a far-away year: weekends only, still marked
        return {}
    return {d: (str(name), str(zh.get(d, name))) for d, name in en.items() if d.year == year}
