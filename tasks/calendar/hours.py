"""Service hours arithmetic: the default hours, service windows in microseconds since
midnight (breaks cut out), ``parse_hhmm``, and a contract's own hours from its settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import TYPE_CHECKING, Any

from changeflow.errors import ConfigError, InputError

if TYPE_CHECKING:
    from changeflow.db.models import Contract


DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 30)
US_PER_DAY = 86_400_000_000


def day_windows(
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


def contract_hours(
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
