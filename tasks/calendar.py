"""The working calendar: the one place that says when we work (planning, SLA clocks, reports).

Layers, strongest first:

1. contract overrides (``CalendarOverride`` with a ``contract_id``): an extra day off, an
   extra workday, other hours on one day;
2. imported official years (``changeflow calendar import``; ``CalendarYear`` +
   ``CalendarOverride`` rows without contract): holidays and make-up workdays (调休);
3. ``chinesecalendar`` for the years it knows (2004-2026 in 1.11.0);
4. for any other year a *provisional* calendar: weekends plus the statutory holidays the
   ``holidays`` package computes by rule, with no make-up workdays. Every day that rests on
   it says so (``DayInfo.provisional``, ``is_provisional``, ``Due.provisional``): the State
   Council publishes the next year's schedule only around November, so we never guess
   silently and never crash on a year nobody knows yet.

Service hours default to 09:00-17:30, Monday to Friday, Asia/Shanghai; a contract gives its
own ``service_start``/``service_end`` and may refine them in ``contract.settings``:
``service_windows: [["09:00", "12:00"], ["13:00", "18:00"]]`` (e.g. the 8-hours-a-day
option) or ``service_breaks: [["12:00", "13:00"]]``.

Day lookups are cached per calendar instance, so repeated SLA computations cost a few
dictionary lookups each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from changeflow.errors import ConfigError, InputError
from changeflow.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from changeflow.db.models import Contract

DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 30)
US_PER_DAY = 86_400_000_000
MAX_SCAN_DAYS = 3660  # ten years without a working day means the overrides are wrong

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


# --- day classification -----------------------------------------------------------------

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


# --- base data: chinesecalendar and the rule-based guess ---------------------------------


@lru_cache(maxsize=1)
def _cc_data() -> tuple[dict[date, str], dict[date, str], frozenset[int], dict[str, str]]:
    """chinesecalendar's holidays, make-up workdays, the years it knows, English->Chinese."""
    from chinese_calendar import constants

    hol = dict(constants.holidays)
    work = dict(constants.workdays)
    years = frozenset(d.year for d in hol) | frozenset(d.year for d in work)
    zh = {h.value: h.chinese for h in constants.Holiday}
    return hol, work, years, zh


def known_years() -> frozenset[int]:
    """Years chinesecalendar has the official schedule for."""
    return _cc_data()[2]


@lru_cache(maxsize=64)
def _rule_holidays(year: int) -> dict[date, tuple[str, str]]:
    """Statutory holidays of ``year`` computed by rule (no make-up workdays): provisional."""
    import holidays

    try:
        en = holidays.China(years=year, language="en_US")
        zh = holidays.China(years=year, language="zh_CN")
    except Exception:  # the package may refuse a far-away year: weekends only, still marked
        return {}
    return {d: (str(name), str(zh.get(d, name))) for d, name in en.items() if d.year == year}


def _windows(
    start: time, end: time, breaks: Iterable[tuple[time, time]] = ()
) -> tuple[tuple[int, int], ...]:
    def us(t: time) -> int:
        return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond

    s, e = us(start), us(end) if end != time(0) else US_PER_DAY
    if e <= s:
        raise ConfigError(f"service hours {start:%H:%M}-{end:%H:%M} end before they start")
    spans = [(s, e)]
    for b0, b1 in sorted(breaks):
        bs, be = us(b0), us(b1)
        nxt: list[tuple[int, int]] = []
        for a, z in spans:
            if be <= a or bs >= z:
                nxt.append((a, z))
                continue
            if bs > a:
                nxt.append((a, bs))
            if be < z:
                nxt.append((be, z))
        spans = nxt
    return tuple(spans)


def parse_hhmm(value: Any, source: str, field: str) -> time:
    """'09:00' -> time(9, 0); anything else is an InputError naming the field."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads 09:30 (unquoted) as a base-60 integer: 570 minutes
        return time(value // 60, value % 60)
    try:
        hh, mm = str(value).strip().split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise InputError(source, field, f"'{value}' is not a time of day like 09:00") from None


# --- the calendar ------------------------------------------------------------------------


class WorkingCalendar:
    """Working days and service hours for one contract (or the default service)."""

    def __init__(
        self,
        *,
        start: time = DEFAULT_START,
        end: time = DEFAULT_END,
        windows: Iterable[tuple[time, time]] | None = None,
        breaks: Iterable[tuple[time, time]] = (),
        tz: ZoneInfo | str | None = None,
        official: Mapping[date, DayOverride] | None = None,
        official_years: Iterable[int] = (),
        contract: Mapping[date, DayOverride] | None = None,
        label: str = "",
    ) -> None:
        if windows is not None:
            wins: list[tuple[int, int]] = []
            for w0, w1 in windows:
                wins.extend(_windows(w0, w1))
            self._default = tuple(sorted(wins))
            self.start, self.end = min(w[0] for w in windows), max(w[1] for w in windows)
        else:
            self._default = _windows(start, end, breaks)
            self.start, self.end = start, end
        for (_a, z), (a2, _z2) in zip(self._default, self._default[1:], strict=False):
            if a2 < z:
                raise ConfigError("service windows overlap")
        if tz is None:
            tz = get_settings().tz
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.official = dict(official or {})
        self.official_years = frozenset(official_years)
        self.contract = dict(contract or {})
        self.label = label
        self._info: dict[date, DayInfo] = {}
        self._fast: dict[date, tuple[tuple[tuple[int, int], ...], bool]] = {}

    # -- single days --

    def day_info(self, day: date) -> DayInfo:
        """What ``day`` is, and why (cached)."""
        if isinstance(day, datetime):
            day = day.astimezone(self.tz).date()
        info = self._info.get(day)
        if info is None:
            info = self._info[day] = self._classify(day)
        return info

    def _classify(self, day: date) -> DayInfo:
        base = self._base(day)
        ov = self.contract.get(day)
        if ov is None:
            return base
        if ov.kind == "holiday":
            return DayInfo(day, False, HOLIDAY, ov.name, ov.name, SRC_CONTRACT)
        start, end = ov.start or self.start, ov.end or self.end
        kind = WORKDAY if base.kind in (WORKDAY, MAKEUP) or day.isoweekday() < 6 else MAKEUP
        return DayInfo(day, True, kind, ov.name, ov.name, SRC_CONTRACT, False, start, end)

    def _base(self, day: date) -> DayInfo:
        """Official import, then chinesecalendar, then the rule (provisional)."""
        weekend = day.isoweekday() >= 6
        ov = self.official.get(day)
        if ov is not None:
            if ov.kind == "holiday":
                return DayInfo(day, False, HOLIDAY, ov.name, ov.name, SRC_OFFICIAL)
            return DayInfo(
                day,
                True,
                MAKEUP if weekend else WORKDAY,
                ov.name,
                ov.name,
                SRC_OFFICIAL,
                False,
                ov.start or self.start,
                ov.end or self.end,
            )
        year = day.year
        if year in self.official_years:
            if weekend:
                return DayInfo(day, False, WEEKEND, source=SRC_OFFICIAL)
            return DayInfo(day, True, WORKDAY, "", "", SRC_OFFICIAL, False, self.start, self.end)
        hol, work, years, zh = _cc_data()
        if year in years:
            if day in work:
                name = work[day]
                return DayInfo(
                    day, True, MAKEUP, name, zh.get(name, name), SRC_CC, False, self.start, self.end
                )
            if day in hol:
                name = hol[day]
                return DayInfo(day, False, HOLIDAY, name, zh.get(name, name), SRC_CC)
            if weekend:
                return DayInfo(day, False, WEEKEND, source=SRC_CC)
            return DayInfo(day, True, WORKDAY, "", "", SRC_CC, False, self.start, self.end)
        rule = _rule_holidays(year).get(day)
        if rule is not None:
            return DayInfo(day, False, HOLIDAY, rule[0], rule[1], SRC_RULE, True)
        if weekend:
            return DayInfo(day, False, WEEKEND, source=SRC_RULE, provisional=True)
        return DayInfo(day, True, WORKDAY, "", "", SRC_RULE, True, self.start, self.end)

    def _day(self, day: date) -> tuple[tuple[tuple[int, int], ...], bool]:
        """(service windows in microseconds since midnight, provisional) - the hot path."""
        fast = self._fast.get(day)
        if fast is None:
            info = self.day_info(day)
            if not info.working:
                wins: tuple[tuple[int, int], ...] = ()
            elif (info.start, info.end) == (self.start, self.end):
                wins = self._default
            else:
                assert info.start is not None and info.end is not None
                wins = _windows(info.start, info.end)
            fast = self._fast[day] = (wins, info.provisional)
        return fast

    def day_windows(self, day: date) -> tuple[tuple[tuple[int, int], ...], bool]:
        """Public name of the hot path: (service windows of ``day`` as microseconds since
        local midnight, provisional). Empty windows: not a working day."""
        return self._day(day)

    def is_working_day(self, day: date) -> bool:
        return bool(self._day(day)[0])

    def is_provisional(self, day: date) -> bool:
        """True when ``day``'s status is a rule-based guess (year not official yet)."""
        return self._day(day)[1]

    def days(self, first: date, last: date) -> list[DayInfo]:
        """Every day from ``first`` to ``last`` inclusive."""
        out = []
        d = first
        while d <= last:
            out.append(self.day_info(d))
            d += timedelta(days=1)
        return out

    def any_provisional(self, first: date, last: date) -> bool:
        if last < first:
            first, last = last, first
        d = first
        while d <= last:
            if self._day(d)[1]:
                return True
            d += timedelta(days=1)
        return False

    def provisional_years(self, first: date, last: date) -> list[int]:
        """Years between the two days whose schedule is still provisional."""
        return sorted({d.day.year for d in self.days(first, last) if d.provisional})

    # -- working days --

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._step(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        return self._step(day, -1)

    def roll_forward(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        return day if self.is_working_day(day) else self._step(day, 1)

    def _step(self, day: date, direction: int) -> date:
        one = timedelta(days=direction)
        d = day + one
        for _ in range(MAX_SCAN_DAYS):
            if self._day(d)[0]:
                return d
            d += one
        raise ConfigError(f"no working day within {MAX_SCAN_DAYS} days of {day}: check overrides")

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before, for negative ``n``).

        A non-working start is first rolled to the next (previous) working day, so
        ``add_working_days(d, 0)`` is the first working day on or after ``d``.
        """
        if n >= 0:
            d = self.roll_forward(day)
            for _ in range(n):
                d = self._step(d, 1)
            return d
        d = day if self.is_working_day(day) else self._step(day, -1)
        for _ in range(-n):
            d = self._step(d, -1)
        return d

    def working_days_between(self, first: date, last: date) -> int:
        """Number of working days from ``first`` to ``last`` inclusive."""
        n, d = 0, first
        while d <= last:
            if self._day(d)[0]:
                n += 1
            d += timedelta(days=1)
        return n

    # -- working time --

    def _local(self, instant: datetime) -> tuple[date, int]:
        if instant.tzinfo is None:
            raise ValueError("naive datetime given to the working calendar; attach a timezone")
        loc = instant.astimezone(self.tz)
        sod = ((loc.hour * 60 + loc.minute) * 60 + loc.second) * 1_000_000 + loc.microsecond
        return loc.date(), sod

    def span(self, a: datetime, b: datetime) -> Span:
        """Working time from ``a`` to ``b`` (negative if ``b`` is earlier), flagged."""
        if b < a:
            s = self.span(b, a)
            return Span(-s.working, s.provisional)
        da, ta = self._local(a)
        db, tb = self._local(b)
        total, prov = 0, False
        d = da
        one = timedelta(days=1)
        while d <= db:
            wins, p = self._day(d)
            lo = ta if d == da else 0
            hi = tb if d == db else US_PER_DAY
            if wins:
                prov = prov or p
                for s, e in wins:
                    s2, e2 = max(s, lo), min(e, hi)
                    if e2 > s2:
                        total += e2 - s2
            d += one
        return Span(timedelta(microseconds=total), prov)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working (service) time between two aware instants."""
        return self.span(a, b).working

    def due(self, instant: datetime, duration: timedelta) -> Due:
        """``instant`` plus ``duration`` of working time, in local time, with the flag.

        Time before service hours starts counting at the opening; a result exactly at a
        window's end stays on that day (17:30, not next morning). ``provisional`` is set
        when any service window used lies on a provisional day.
        """
        remaining = duration // timedelta(microseconds=1)
        if remaining < 0:
            raise ValueError("negative working-time duration")
        d, t = self._local(instant)
        if remaining == 0:
            return Due(instant.astimezone(self.tz), self._day(d)[1])
        prov = False
        one = timedelta(days=1)
        for _ in range(MAX_SCAN_DAYS):
            wins, p = self._day(d)
            for s, e in wins:
                if t >= e:
                    continue
                prov = prov or p
                start = s if t < s else t
                avail = e - start
                if remaining <= avail:
                    at = datetime(d.year, d.month, d.day, tzinfo=self.tz) + timedelta(
                        microseconds=start + remaining
                    )
                    return Due(at, prov)
                remaining -= avail
            d += one
            t = 0
        raise ConfigError(f"no service hours within {MAX_SCAN_DAYS} days of {instant}")

    def add_working_time(self, instant: datetime, duration: timedelta) -> datetime:
        """``instant`` plus ``duration`` of working time (use ``due`` for the flag)."""
        return self.due(instant, duration).at

    def service_day_length(self, day: date | None = None) -> timedelta:
        """Length of the service hours of ``day`` (or of a regular day)."""
        wins = self._day(day)[0] if day else self._default
        return timedelta(microseconds=sum(e - s for s, e in wins))


# --- from the database -------------------------------------------------------------------


def _contract_hours(
    contract: Contract,
) -> tuple[time, time, list[tuple[time, time]] | None, list[tuple[time, time]]]:
    src = f"contract {contract.code}"
    settings = contract.settings or {}
    start = contract.service_start or DEFAULT_START
    end = contract.service_end or DEFAULT_END
    windows = None
    if settings.get("service_windows"):
        windows = [
            (
                parse_hhmm(w[0], src, f"settings.service_windows[{i}]"),
                parse_hhmm(w[1], src, f"settings.service_windows[{i}]"),
            )
            for i, w in enumerate(settings["service_windows"])
        ]
    breaks = [
        (
            parse_hhmm(b[0], src, f"settings.service_breaks[{i}]"),
            parse_hhmm(b[1], src, f"settings.service_breaks[{i}]"),
        )
        for i, b in enumerate(settings.get("service_breaks") or [])
    ]
    return start, end, windows, breaks


def calendar_for(session: Session, contract: Contract | None = None) -> WorkingCalendar:
    """The calendar of ``contract`` (or the default service) with every override loaded."""
    from sqlalchemy import select

    from changeflow.db.planning import CalendarOverride, CalendarYear

    years = session.scalars(select(CalendarYear.year)).all()
    official = {
        o.day: DayOverride(o.kind, o.name, o.start, o.end)
        for o in session.scalars(
            select(CalendarOverride).where(
                CalendarOverride.contract_id.is_(None),
                CalendarOverride.source == SRC_OFFICIAL,
            )
        )
    }
    own: dict[date, DayOverride] = {}
    kwargs: dict[str, Any] = {}
    label = "default"
    if contract is not None:
        own = {
            o.day: DayOverride(o.kind, o.name, o.start, o.end)
            for o in session.scalars(
                select(CalendarOverride).where(CalendarOverride.contract_id == contract.id)
            )
        }
        start, end, windows, breaks = _contract_hours(contract)
        kwargs = {"start": start, "end": end, "windows": windows, "breaks": breaks}
        label = contract.code
    return WorkingCalendar(
        official=official, official_years=years, contract=own, label=label, **kwargs
    )


def set_contract_day(
    session: Session,
    contract: Contract,
    day: date,
    kind: str,
    name: str = "",
    start: time | None = None,
    end: time | None = None,
) -> None:
    """Add or replace a contract's override for one day (extra day off / workday / hours)."""
    from sqlalchemy import select

    from changeflow.db.planning import CalendarOverride

    if kind not in ("workday", "holiday"):
        raise InputError(f"contract {contract.code}", "kind", "must be 'workday' or 'holiday'")
    row = session.scalar(
        select(CalendarOverride).where(
            CalendarOverride.contract_id == contract.id, CalendarOverride.day == day
        )
    )
    if row is None:
        row = CalendarOverride(contract_id=contract.id, day=day, source=SRC_CONTRACT)
        session.add(row)
    row.kind, row.name, row.start, row.end = kind, name, start, end
    session.flush()


# --- official years from a YAML file -----------------------------------------------------

FILE_FORMAT = """\
year: 2027                    # the year the notice is for
source: "国务院办公厅关于2027年部分节假日安排的通知"  # where the dates come from (required)
example: false                # true marks a sample: import refuses it
holidays:                     # every day off of each holiday, weekends inside included
  - name: 春节                # name as shown (Chinese or English)
    from: 2027-02-05
    to: 2027-02-11            # optional; one day when left out
workdays:                     # make-up workdays (调休上班), weekends only
  - date: 2027-02-20
    name: 春节
"""


@dataclass(frozen=True)
class OfficialYear:
    year: int
    source: str
    holidays: dict[date, str]
    workdays: dict[date, str]
    sha256: str = ""
    filename: str = ""


def _as_date(value: Any, source: str, field: str) -> date:
    if isinstance(value, datetime):
        raise InputError(source, field, f"'{value}' must be a date (YYYY-MM-DD), not a time")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(source, field, f"'{value}' is not a date like 2027-02-05") from None


def parse_official_year(data: bytes, source: str) -> OfficialYear:
    """Validate an official-year YAML file (format in ``FILE_FORMAT``): one InputError."""
    from changeflow.tasks.inputs import clean_text, load_yaml

    try:
        doc = load_yaml(data, source)
    except ValueError as exc:  # YAML reads 2027-02-30 as a date and fails on it
        raise InputError(source, "document", f"invalid date: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError(source, "document", "must be a mapping with year, source, holidays")
    unknown = set(doc) - {"year", "source", "example", "holidays", "workdays", "note"}
    if unknown:
        raise InputError(source, sorted(unknown)[0], "unknown field")
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise InputError(source, "year", "must be a year like 2027")
    if doc.get("example") is True:
        raise InputError(
            source,
            "example",
            "this file is a sample, not the official schedule; copy it, enter the dates of the"
            " State Council notice, set example: false and import that file",
        )
    if doc.get("example") not in (None, False):
        raise InputError(source, "example", "must be true or false")
    src_text = doc.get("source")
    if not isinstance(src_text, str) or not src_text.strip():
        raise InputError(source, "source", "say where the dates come from (the notice)")
    lo, hi = date(year - 1, 12, 1), date(year + 1, 1, 31)

    def in_range(d: date, field: str) -> date:
        if not lo <= d <= hi:
            raise InputError(source, field, f"{d} is not in or next to {year}")
        return d

    hols: dict[date, str] = {}
    raw_h = doc.get("holidays")
    if not isinstance(raw_h, list) or not raw_h:
        raise InputError(source, "holidays", "must be a non-empty list")
    for i, h in enumerate(raw_h):
        f = f"holidays[{i}]"
        if not isinstance(h, dict):
            raise InputError(source, f, "must be a mapping with name, from, to")
        if set(h) - {"name", "from", "to", "date"}:
            raise InputError(
                source, f"{f}.{sorted(set(h) - {'name', 'from', 'to', 'date'})[0]}", "unknown field"
            )
        name = h.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError(source, f"{f}.name", "is required")
        first = in_range(_as_date(h.get("from", h.get("date")), source, f"{f}.from"), f"{f}.from")
        last = in_range(_as_date(h.get("to", first), source, f"{f}.to"), f"{f}.to")
        if last < first:
            raise InputError(source, f"{f}.to", "is before 'from'")
        if (last - first).days > 15:
            raise InputError(source, f"{f}.to", "a holiday longer than 16 days looks like a typo")
        d = first
        while d <= last:
            if d in hols:
                raise InputError(source, f, f"{d} is listed twice")
            hols[d] = clean_text(name, 120)
            d += timedelta(days=1)
    work: dict[date, str] = {}
    raw_w = doc.get("workdays") or []
    if not isinstance(raw_w, list):
        raise InputError(source, "workdays", "must be a list")
    for i, w in enumerate(raw_w):
        f = f"workdays[{i}]"
        if not isinstance(w, dict):
            raise InputError(source, f, "must be a mapping with date and name")
        d = in_range(_as_date(w.get("date"), source, f"{f}.date"), f"{f}.date")
        if d.isoweekday() < 6:
            raise InputError(
                source, f"{f}.date", f"{d} is a weekday; make-up workdays are weekends"
            )
        if d in hols:
            raise InputError(source, f"{f}.date", f"{d} is also listed as a holiday")
        if d in work:
            raise InputError(source, f"{f}.date", f"{d} is listed twice")
        work[d] = clean_text(str(w.get("name") or ""), 120)
    return OfficialYear(
        year,
        clean_text(src_text, 300),
        hols,
        work,
        hashlib.sha256(data).hexdigest(),
        Path(source).name,
    )


def import_official_year(session: Session, official: OfficialYear, *, actor: str) -> dict[str, Any]:
    """Replace the official schedule of ``official.year`` (in the caller's transaction)."""
    from sqlalchemy import delete

    from changeflow.db.planning import CalendarOverride, CalendarYear
    from changeflow.db.types import utcnow

    y = official.year
    old = session.get(CalendarYear, y)
    replaced = old is not None
    # rows of this year's import: in the year, or the edge days this file brought before
    session.execute(
        delete(CalendarOverride).where(
            CalendarOverride.contract_id.is_(None),
            CalendarOverride.source == SRC_OFFICIAL,
            CalendarOverride.day >= date(y, 1, 1),
            CalendarOverride.day <= date(y, 12, 31),
        )
    )
    edge = [d for d in (*official.holidays, *official.workdays) if d.year != y]
    if edge:
        session.execute(
            delete(CalendarOverride).where(
                CalendarOverride.contract_id.is_(None),
                CalendarOverride.source == SRC_OFFICIAL,
                CalendarOverride.day.in_(edge),
            )
        )
    for d, name in sorted(official.holidays.items()):
        session.add(CalendarOverride(day=d, kind="holiday", name=name, source=SRC_OFFICIAL))
    for d, name in sorted(official.workdays.items()):
        session.add(CalendarOverride(day=d, kind="workday", name=name, source=SRC_OFFICIAL))
    if old is None:
        old = CalendarYear(year=y)
        session.add(old)
    old.source, old.filename, old.sha256 = official.source, official.filename, official.sha256
    old.imported_by = actor
    old.imported_at = utcnow()
    session.flush()
    return {
        "year": y,
        "holidays": len(official.holidays),
        "workdays": len(official.workdays),
        "source": official.source,
        "sha256": official.sha256,
        "replaced": replaced,
    }
