"""The daily run log (运行日志): one entry per engineer and service day (authors are our
staff), the entries and missing working
days of a period, and the reminder to the duty staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.models import Contract
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings
from changeflow.tasks.acttime import recorded_act

from ..calendar import calendar_for
from ..directory import find_contract, find_staff
from .notices import duty_staff, email_addresses, send


def run_log_view(e: Any) -> dict[str, Any]:
    return {
        "contract": e.contract.code,
        "day": e.day,
        "author": e.author,
        "checks": list(e.checks or []),
        "backups_verified": e.backups_verified,
        "backup_note": e.backup_note,
        "incidents": e.incidents,
        "changes": e.changes,
    }


@recorded_act("run log", key=None)
def add_run_log(
    *,
    day: str | date | None = None,
    author: str,
    checks: Sequence[str] = (),
    backups_verified: bool = False,
    backup_note: str = "",
    incidents: str = "",
    changes: str = "",
    contract: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """One engineer's run log of one service day; the author must be one of our staff (a
    client contact is refused); the same engineer's second entry for the day needs
    ``replace``; another engineer's entry for the day stands beside it."""
    from changeflow.db.maintenance import RunLogEntry

    from ..inputs import clean_text

    source = "run log"
    tz = get_settings().tz
    today = utcnow().astimezone(tz).date()
    if day is None or day == "":
        d = today
    elif isinstance(day, date):
        d = day
    else:
        try:
            d = date.fromisoformat(str(day).strip())
        except ValueError:
            raise InputError(source, "day", f"'{day}' is not a date like 2026-11-27") from None
    if d > today:
        raise InputError(source, "day", f"{d} is in the future")
    if not author.strip():
        raise InputError(source, "author", "is required")
    with transaction() as s:
        k = find_contract(s, contract, d, source)
        person = find_staff(s, author, source, "author")
        entry = s.scalar(
            select(RunLogEntry).where(
                RunLogEntry.contract_id == k.id,
                RunLogEntry.day == d,
                RunLogEntry.author == person.name,
            )
        )
        if entry is not None and not replace:
            raise InputError(
                source, "day", f"{person.name} has a run log entry for {d} already (use --replace)"
            )
        if entry is None:
            entry = RunLogEntry(contract=k, day=d, author=person.name)
            s.add(entry)
        entry.checks = [clean_text(c, 500) for c in checks if c and c.strip()]
        entry.backups_verified = bool(backups_verified)
        entry.backup_note = clean_text(backup_note or "")
        entry.incidents = clean_text(incidents or "")
        entry.changes = clean_text(changes or "")
        s.flush()
        return run_log_view(entry)


def run_log_entries(
    session: Session, contract: Contract, first: date, last: date
) -> list[dict[str, Any]]:
    """Entries of a period (the weekly report shows them)."""
    from changeflow.db.maintenance import RunLogEntry

    q = (
        select(RunLogEntry)
        .where(
            RunLogEntry.contract_id == contract.id,
            RunLogEntry.day >= first,
            RunLogEntry.day <= last,
        )
        .order_by(RunLogEntry.day, RunLogEntry.author)
    )
    return [run_log_view(e) for e in session.scalars(q)]


def missing_run_log_days(
    session: Session, contract: Contract, first: date, last: date
) -> list[date]:
    """Working days (contract calendar) in the period without an entry."""
    from changeflow.db.maintenance import RunLogEntry

    cal = calendar_for(session, contract)
    have = set(
        session.scalars(
            select(RunLogEntry.day).where(
                RunLogEntry.contract_id == contract.id,
                RunLogEntry.day >= first,
                RunLogEntry.day <= last,
            )
        )
    )
    out, d = [], max(first, contract.start_date)
    while d <= min(last, contract.end_date):
        if cal.is_working_day(d) and d not in have:
            out.append(d)
        d += timedelta(days=1)
    return out


def list_run_log(
    contract: str | None = None, first: date | None = None, last: date | None = None
) -> dict[str, Any]:
    today = utcnow().astimezone(get_settings().tz).date()
    last = last or today
    first = first or last - timedelta(days=6)
    with transaction() as s:
        k = find_contract(s, contract, last, "run log")
        return {
            "contract": k.code,
            "from": first,
            "to": last,
            "entries": run_log_entries(s, k, first, last),
            "missing": missing_run_log_days(s, k, first, last),
        }


def run_log_reminder(now: datetime | None = None, lookback_days: int = 7) -> dict[str, Any]:
    """Remind the duty staff of working days without a run log, once per day: the last
    ``lookback_days`` days, today included once its service hours are over."""
    from changeflow.db.maintenance import RunLogReminder

    now = now or utcnow()
    loc = now.astimezone(get_settings().tz)
    today = loc.date()
    jobs = []
    with transaction() as s:
        for k in s.scalars(
            select(Contract).where(Contract.start_date <= today, Contract.end_date >= today)
        ):
            last = (
                today
                if loc.time() >= (k.service_end or datetime.min.time())
                else today - timedelta(days=1)
            )
            missing = missing_run_log_days(s, k, today - timedelta(days=lookback_days), last)
            reminded = set(
                s.scalars(select(RunLogReminder.day).where(RunLogReminder.contract_id == k.id))
            )
            new = [d for d in missing if d not in reminded]
            if not new:
                continue
            rows = []
            for d in new:
                try:
                    with s.begin_nested():
                        r = RunLogReminder(contract_id=k.id, day=d, sent_at=now)
                        s.add(r)
                    rows.append(r)
                except IntegrityError:
                    pass
            s.flush()
            if rows:
                jobs.append(
                    (
                        k.code,
                        [r.id for r in rows],
                        [r.day for r in rows],
                        email_addresses(duty_staff(s, k)),
                    )
                )
    sent, failed = [], []
    for code, ids, days, to in jobs:
        day_list = ", ".join(d.isoformat() for d in days)
        subject = (
            f"[运行日志 run log] {code}: {len(days)} 个工作日未填写 working day(s) without an entry"
        )
        body = (
            f"合同 Contract {code}\n以下工作日还没有运行日志 These working days have no run log:\n"
            f"{day_list}\n\n下一步：在 Prefect 界面的「运行日志 run-log-add」步骤逐日登记。\n"
            "Next: add each day's entry on the run log step (run-log-add) in the Prefect UI."
        )
        try:
            if not to:
                raise InputError(f"contract {code}", "duty", "no duty staff with email")
            send(to, subject, body, f"runlog-{code}-{days[0]}-{days[-1]}")
            sent.append({"contract": code, "days": days})
        except Exception as exc:
            with transaction() as s:
                for rid in ids:
                    r = s.get(RunLogReminder, rid)
                    if r is not None:
                        s.delete(r)  # not reminded: the next run tries again
            failed.append({"contract": code, "days": days, "error": str(exc)})
    return {"sent": sent, "failed": failed}
