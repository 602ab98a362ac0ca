"""Official years from a YAML file (``changeflow calendar import``): the State Council's
holidays and make-up workdays, validated (``parse_official_year``) and imported in place of
the year's previous import (``import_official_year``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from changeflow.errors import InputError

from .days import SRC_OFFICIAL

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


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
