"""What a calendar day is and why: its kind (workday, weekend, holiday, make-up workday),
where that comes from (chinesecalendar, an imported official year, a contract override, the
rule), whether it rests on a provisional guess, and the note documents show for such dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from changeflow.errors import InputError

PROVISIONAL_NOTE = {
    "zh-CN": (
        "标“*”的日期所在年份的法定节假日安排尚未正式公布（或尚未导入），"
        "按规则推算（周末和法定节日，不含调休上班日），仅供参考。"
        "国务院办公厅公布后，请用 changeflow calendar import FILE.yaml 导入正式安排并重新生成计划。"
    ),
    "en": (
        "Dates marked '*' fall in a year whose official holiday schedule is not published"
        " (or not imported) yet; they are computed by rule (weekends and statutory holidays,"
        " without make-up workdays) and are provisional. Once the State Council publishes"
        " it, import it with `changeflow calendar import FILE.yaml` and make a new plan."
    ),
}
# the same note as a client document says it: what we will do, not which command we run
CLIENT_PROVISIONAL_NOTE = {
    "zh-CN": (
        "标“*”的日期所在年份的法定节假日安排尚未正式公布，"
        "按规则推算（周末和法定节日，不含调休上班日），仅供参考。"
        "国务院办公厅公布正式安排后，乙方将据此更新计划并重新发送。"
    ),
    "en": (
        "Dates marked '*' fall in a year whose official holiday schedule is not published"
        " yet; they are computed by rule (weekends and statutory holidays, without make-up"
        " workdays) and are provisional. Once the State Council publishes it, we will update"
        " the plan and send it again."
    ),
}
WORKDAY = "workday"
WEEKEND = "weekend"
HOLIDAY = "holiday"
MAKEUP = "makeup_workday"  # a weekend day worked in exchange for a holiday (调休上班)

SRC_CC = "chinesecalendar"
SRC_OFFICIAL = "official-import"
SRC_CONTRACT = "contract"
SRC_RULE = "rule"  # weekday/weekend rule for a known year, or the provisional guess

_KIND_ZH = {WORKDAY: "工作日", WEEKEND: "周末", HOLIDAY: "节假日", MAKEUP: "调休上班"}


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What one calendar day is and why; ``provisional`` when it rests on a rule guess."""

    day: date
    working: bool
    kind: str  # workday | weekend | holiday | makeup_workday
    name: str = ""  # holiday name (English), or the override's name
    name_zh: str = ""
    source: str = SRC_RULE
    provisional: bool = False
    start: time | None = None  # service hours when working
    end: time | None = None

    @property
    def reason(self) -> str:
        """One readable English reason: 'weekend', 'holiday: National Day', ..."""
        text = {
            WORKDAY: "workday",
            WEEKEND: "weekend",
            HOLIDAY: "holiday",
            MAKEUP: "make-up workday",
        }[self.kind]
        if self.name:
            text += f": {self.name}"
        if self.source == SRC_CONTRACT:
            text += " (contract override)"
        elif self.source == SRC_OFFICIAL:
            text += " (imported official schedule)"
        if self.provisional:
            text += " (provisional)"
        return text

    @property
    def reason_zh(self) -> str:
        text = _KIND_ZH[self.kind]
        if self.name_zh or self.name:
            text += f"：{self.name_zh or self.name}"
        if self.source == SRC_CONTRACT:
            text += "（合同约定）"
        elif self.source == SRC_OFFICIAL:
            text += "（已导入正式安排）"
        if self.provisional:
            text += "（暂定）"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "weekday": self.day.isoweekday(),
            "working": self.working,
            "kind": self.kind,
            "name": self.name,
            "name_zh": self.name_zh,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "source": self.source,
            "provisional": self.provisional,
            "hours": (
                f"{self.start:%H:%M}-{self.end:%H:%M}" if self.working and self.start else None
            ),
        }


@dataclass(frozen=True, slots=True)
class DayOverride:
    """An override as the calendar needs it (built from ``CalendarOverride`` rows)."""

    kind: str  # workday | holiday
    name: str = ""
    start: time | None = None
    end: time | None = None


class Due(NamedTuple):
    """A computed instant and whether any day it rests on is provisional."""

    at: datetime
    provisional: bool


class Span(NamedTuple):
    """Working time between two instants and whether any day counted is provisional."""

    working: timedelta
    provisional: bool


def month_days(month: str, source: str, field: str = "month") -> tuple[date, date]:
    """The first and the last day of the month ``month`` ('YYYY-MM', e.g. 2026-11); a
    refusal names ``source`` and ``field``."""
    try:
        y, m = (int(x) for x in str(month).strip().split("-"))
        first = date(y, m, 1)
    except ValueError:
        raise InputError(source, field, f"'{month}' is not a month like 2026-11") from None
    return first, date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)
