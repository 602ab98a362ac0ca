"""The working calendar itself: working days and service hours for one contract (or the
default service), day lookups cached per instance, working-time spans and due times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from changeflow.errors import ConfigError
from changeflow.settings import get_settings

from .days import (
    HOLIDAY,
    MAKEUP,
    SRC_CC,
    SRC_CONTRACT,
    SRC_OFFICIAL,
    SRC_RULE,
    WEEKEND,
    WORKDAY,
    DayInfo,
    DayOverride,
    Due,
    Span,
)
from .hours import DEFAULT_END, DEFAULT_START, US_PER_DAY, day_windows
from .sources import cc_data, rule_holidays

MAX_SCAN_DAYS = 3660  # ten years without a working day means the overrides are wrong


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
                wins.extend(day_windows(w0, w1))
            self._default = tuple(sorted(wins))
            self.start, self.end = min(w[0] for w in windows), max(w[1] for w in windows)
        else:
            self._default = day_windows(start, end, breaks)
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
        hol, work, years, zh = cc_data()
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
        rule = rule_holidays(year).get(day)
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
                wins = day_windows(info.start, info.end)
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
