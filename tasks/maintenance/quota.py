"""The contract's quota of service days (counted once, in ``tasks/servicedays.py``): what
was used, per month and cycle, with the fee and the renewal; alerts at 80 % and 100 % of
the year, and when a cycle's (month's or week's) service days cross the cycle's allowance;
once each, by mail and the group robots.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from changeflow.db.models import Contract
from changeflow.db.session import transaction
from changeflow.db.types import utcnow
from changeflow.errors import InputError
from changeflow.settings import get_settings

from ..directory import find_contract
from ..money import money
from ..servicedays import booked_service_days, days_of, overtime_minutes, service_year
from .notices import duty_staff, email_addresses, send
from .robot_outbox import deliver_robots, queue_robots, robot_results

QUOTA_LEVELS = (80, 100)
TWO = Decimal("0.01")


def _cycle_of(when: date, cycle: str) -> str:
    if cycle == "week":
        y, w, _ = when.isocalendar()
        return f"{y}-W{w:02d}"
    return when.strftime("%Y-%m")


def _cycles(first: date, last: date, cycle: str) -> list[str]:
    """Every cycle (month or ISO week) of the contract period, in order."""
    out: list[str] = []
    d = first
    while d <= last:
        c = _cycle_of(d, cycle)
        if not out or out[-1] != c:
            out.append(c)
        d += timedelta(days=1)
    return out


def year_usage(
    session: Session, contract: Contract, today: date, *, until: date | None = None
) -> dict[str, Any]:
    """Service days of the contract year as the one count says (``tasks/servicedays.py``):
    accepted maintenance on signed dispatch orders plus the development the contract
    counts; planned-but-not-done and done-but-not-signed apart; per month and per cycle of
    the service cycle with its allowance; the forecast date the days run out at the current
    rate. ``until``: count only the work done up to that day (a month's statement shows the
    year as it stood at the month's end)."""
    first, last = contract.start_date, contract.end_date
    year = service_year(session, contract, until=until)
    per_hour_day = year.hours_per_day

    def days(minutes: int) -> Decimal:
        return days_of(minutes, per_hour_day)

    per_month: dict[str, int] = {}
    per_cycle: dict[str, int] = {}
    awaiting: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    for r in year.orders:
        o, m, when = r["order"], r["minutes"], r["day"]
        row = {"number": o.number, "state": o.state, "days": days(m), "title": o.title,
               "day": when, "accepted": o.accepted,
               "overtime_hours": (Decimal(overtime_minutes(o)) / 60).quantize(TWO, ROUND_HALF_UP),
               "engineers": [w.person.name for w in o.work]}  # fmt: skip
        listed.append(row)
        if r["count"] == "not_accepted":
            refused.append(row)
        elif r["count"] == "awaiting":
            awaiting.append(row)
        if r["count"] != "counted":
            continue
        per_month[when.strftime("%Y-%m")] = per_month.get(when.strftime("%Y-%m"), 0) + m
        c = _cycle_of(when, contract.service_cycle)
        per_cycle[c] = per_cycle.get(c, 0) + m
    # confirmed service requests (tasks/servicereq) and training sessions held (tasks/training)
    for when, m in [*year.service_work, *year.training_work]:
        per_month[when.strftime("%Y-%m")] = per_month.get(when.strftime("%Y-%m"), 0) + m
        c = _cycle_of(when, contract.service_cycle)
        per_cycle[c] = per_cycle.get(c, 0) + m
    quota = year.quota
    used = year.used
    pct = (used / quota * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if quota else Decimal(0)
    level = max((lv for lv in QUOTA_LEVELS if pct >= lv), default=None)
    cycles = _cycles(first, last, contract.service_cycle)
    allowance = (quota / len(cycles)).quantize(TWO, ROUND_HALF_UP) if cycles else Decimal(0)
    cycle_rows = [
        {
            "cycle": c,
            "used": days(per_cycle.get(c, 0)),
            "allowance": allowance,
            "over": days(per_cycle.get(c, 0)) > allowance,
        }
        for c in cycles
        if c in per_cycle or c == _cycle_of(min(max(today, first), last), contract.service_cycle)
    ]
    elapsed = (min(today, last) - first).days + 1
    forecast = None
    if used > 0 and elapsed > 0 and used < quota:
        rate = used / elapsed  # service days per calendar day so far
        forecast = min(today, last) + timedelta(days=int((quota - used) / rate))
    elif used >= quota and quota:
        forecast = "exhausted"
    booked = booked_service_days(session, contract)
    dev = year.development
    development = {
        "counts_against_service_days": year.counts_development,
        "done_days": sum(dev["done"].values(), Decimal(0)),  # accepted requests' plans
        "planned_days": sum(dev["planned"].values(), Decimal(0)),  # approved, not done yet
        "booked_days": booked["days"],  # time booked on the requests' commits
        "per_request": {
            k: {
                "done": dev["done"].get(k),
                "planned": dev["planned"].get(k),
                "booked": booked["requests"].get(k),
            }
            for k in sorted({*dev["done"], *dev["planned"], *booked["requests"]})
        },
        "days_left_after_planned": year.free.quantize(TWO) if year.counts_development else None,
    }
    return {
        "contract": contract.code,
        "client": contract.client.name,
        "period": f"{first} .. {last}",
        "service_days_per_year": quota,
        "hours_per_service_day": per_hour_day,
        "service_cycle": contract.service_cycle,
        "allowance_per_cycle": allowance,
        "orders_counted": sum(1 for r in year.orders if r["count"] == "counted"),
        "hours_used": (Decimal(year.service_minutes) / 60).quantize(TWO, ROUND_HALF_UP),
        **_two(year.summary()),
        "used_percent": pct,
        "alert_level": level,
        "overtime_hours": (Decimal(year.overtime_minutes) / 60).quantize(TWO, ROUND_HALF_UP),
        "per_month": {k: days(v) for k, v in sorted(per_month.items())},
        "per_cycle": {k: days(v) for k, v in sorted(per_cycle.items())},
        "cycles": cycle_rows,
        "forecast_exhausted_on": forecast,
        "development": development,
        "orders": listed,
        "awaiting_acceptance": awaiting,
        "not_accepted": refused,
        "annual_fee": money(contract.annual_fee),
        "currency": contract.currency,
        "fee_per_service_day": money(Decimal(contract.annual_fee) / quota) if quota else None,
        "renewal_date": contract.renewal_date,
        "end_date": contract.end_date,
        "days_to_renewal": (contract.renewal_date - today).days if contract.renewal_date else None,
    }


def _two(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v.quantize(TWO) if isinstance(v, Decimal) else v for k, v in figures.items()}


def contract_usage(contract: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Service days used and left, per month and cycle, the fee and the renewal."""
    today = today or utcnow().astimezone(get_settings().tz).date()
    with transaction() as s:
        return year_usage(s, find_contract(s, contract, today, "contract usage"), today)


def check_quota(contract: str, now: datetime | None = None) -> dict[str, Any]:
    """Alert our project lead and the duty staff once at 80 % and once at 100 % of the
    contract's service days (a failed mail is retried on the next check)."""
    from changeflow.db.maintenance import QuotaAlert

    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()
    with transaction() as s:
        k = find_contract(s, contract, today, "quota")
        usage = year_usage(s, k, today)
        have = {
            a.level
            for a in s.scalars(
                select(QuotaAlert).where(
                    QuotaAlert.contract_id == k.id, QuotaAlert.period_start == k.start_date
                )
            )
        }
        for lv in QUOTA_LEVELS:
            if usage["used_percent"] >= lv and lv not in have:
                try:
                    with s.begin_nested():
                        s.add(
                            QuotaAlert(
                                contract_id=k.id,
                                period_start=k.start_date,
                                level=lv,
                                days_used=usage["days_used"],
                            )
                        )
                except IntegrityError:
                    pass
        pending = s.scalars(
            select(QuotaAlert).where(QuotaAlert.contract_id == k.id, QuotaAlert.sent_at.is_(None))
        ).all()
        to = email_addresses([k.our_lead, *duty_staff(s, k)])
        jobs = [(a.id, a.level) for a in pending]
        for a in pending:
            a.sent_at = now  # claimed; reset below when the mail fails
            # the robots' message, queued with the claim (once per robot)
            queue_robots(s, k.settings, f"contract {k.code}", _quota_key(usage, a.level),
                         _quota_subject(usage, a.level))  # fmt: skip
    sent = []
    for aid, lv in jobs:
        subject = _quota_subject(usage, lv)
        body = "\n".join(
            f"{k_}: {v}"
            for k_, v in usage.items()
            if k_
            not in (
                "per_month",
                "per_cycle",
                "cycles",
                "orders",
                "awaiting_acceptance",
                "not_accepted",
            )
        )
        try:
            if not to:
                raise InputError(f"contract {usage['contract']}", "our_lead", "no one with email")
            send(to, subject, body, _quota_key(usage, lv))
            sent.append(lv)
        except Exception as exc:
            with transaction() as s:
                a = s.get(QuotaAlert, aid)
                assert a is not None
                a.sent_at, a.error = None, str(exc)[:2000]
    cycles_sent, cycles_claimed = _check_cycles(contract, usage, now)
    # this check's own alerts now (the watch run posts whatever else is owed)
    mine = [_quota_key(usage, lv) for _, lv in jobs]
    mine += [_cycle_key(usage, c) for c in cycles_claimed]
    out = deliver_robots(now, keys=mine) if mine else []
    robots = [robot_results(out, _quota_key(usage, lv)) for _, lv in jobs]
    robots += [robot_results(out, _cycle_key(usage, c)) for c in cycles_claimed]
    return {**usage, "alerts_sent": sent, "cycle_alerts_sent": cycles_sent, "robots": robots}


def _cycle_key(usage: dict[str, Any], cycle: str) -> str:
    return f"cycle-{usage['contract']}-{cycle}-100"


def _cycle_subject(usage: dict[str, Any], cycle: str, used: Decimal) -> str:
    unit = "周 week" if usage["service_cycle"] == "week" else "月 month"
    return (
        f"[服务周期超额 cycle allowance] {usage['contract']} {cycle}: 本{unit} 已用 {used} 天,"
        f" 超过额度 {usage['allowance_per_cycle']} 天 (over the cycle's allowance)"
    )


def _check_cycles(
    contract: str, usage: dict[str, Any], now: datetime
) -> tuple[list[str], list[str]]:
    """Alert once per cycle (month or ISO week of the contract's service cycle) whose
    accepted service days went over the cycle's allowance; a failed mail is tried again on
    the next check. Returns the cycles whose alert mail went out now, and every cycle
    whose alert this check claimed (its robots' messages are queued)."""
    from changeflow.db.maintenance import CycleAlert

    allowance = usage["allowance_per_cycle"]
    over = {c: d for c, d in usage["per_cycle"].items() if allowance and d > allowance}
    with transaction() as s:
        k = find_contract(s, contract, now.astimezone(get_settings().tz).date(), "quota")
        have = set(s.scalars(select(CycleAlert.cycle).where(CycleAlert.contract_id == k.id)).all())
        for cycle, used in over.items():
            if cycle in have:
                continue
            try:
                with s.begin_nested():
                    s.add(CycleAlert(contract_id=k.id, cycle=cycle, level=100, days_used=used,
                                     allowance=allowance))  # fmt: skip
            except IntegrityError:
                pass
        pending = s.scalars(
            select(CycleAlert).where(CycleAlert.contract_id == k.id, CycleAlert.sent_at.is_(None))
        ).all()
        to = email_addresses([k.our_lead, *duty_staff(s, k)])
        jobs = [(a.id, a.cycle, Decimal(a.days_used)) for a in pending]
        for a in pending:
            a.sent_at = now  # claimed; reset below when the mail fails
            queue_robots(s, k.settings, f"contract {k.code}", _cycle_key(usage, a.cycle),
                         _cycle_subject(usage, a.cycle, Decimal(a.days_used)))  # fmt: skip
    sent = []
    for aid, cycle, used in jobs:
        subject = _cycle_subject(usage, cycle, used)
        body = "\n".join(
            [
                subject,
                f"service cycle: {usage['service_cycle']}",
                f"allowance per cycle: {allowance}",
                f"days used in {cycle}: {used}",
                f"days used this year: {usage['days_used']} / {usage['service_days_per_year']}",
                f"days left: {usage['days_left']}",
                "",
                "服务人天用量见看板（Prefect 界面的 Artifacts 页）。",
                "The service days used are on the board (the Artifacts page of the Prefect UI).",
            ]
        )
        try:
            if not to:
                raise InputError(f"contract {usage['contract']}", "our_lead", "no one with email")
            send(to, subject, body, _cycle_key(usage, cycle))
            sent.append(cycle)
        except Exception as exc:
            with transaction() as s:
                a = s.get(CycleAlert, aid)
                assert a is not None
                a.sent_at, a.error = None, str(exc)[:2000]
    return sent, [cycle for _, cycle, _ in jobs]


def _quota_key(usage: dict[str, Any], level: int) -> str:
    return f"quota-{usage['contract']}-{usage['period']}-{level}"


def _quota_subject(usage: dict[str, Any], level: int) -> str:
    return (
        f"[服务天数 {level}% quota] {usage['contract']}: 已用 {usage['days_used']} /"
        f" {usage['service_days_per_year']} 天 days used"
    )
