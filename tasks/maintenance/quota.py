"""The contract's quota of service days: what the dispatch orders used, per month and
cycle, with the fee and the renewal; alerts at 80 % and 100 %.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
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
from .dispatch_record import worked_minutes
from .notices import _addresses, duty_staff, send

QUOTA_LEVELS = (80, 100)
TWO = Decimal("0.01")


def _usage(session: Session, contract: Contract, today: date) -> dict[str, Any]:
    from decimal import ROUND_HALF_UP

    from changeflow.db.maintenance import DispatchOrder

    from ..money import money

    tz = get_settings().tz
    first, last = contract.start_date, contract.end_date
    orders = [
        o
        for o in session.scalars(
            select(DispatchOrder).where(
                DispatchOrder.contract_id == contract.id, DispatchOrder.state != "cancelled"
            )
        )
        if first <= (o.actual_start or o.planned_start).astimezone(tz).date() <= last
    ]
    per_hour_day = Decimal(contract.hours_per_service_day)

    def days(minutes: int) -> Decimal:
        return (Decimal(minutes) / 60 / per_hour_day).quantize(TWO, ROUND_HALF_UP)

    minutes = 0
    per_month: dict[str, int] = {}
    per_cycle: dict[str, int] = {}
    for o in orders:
        m = worked_minutes(o)
        if not m:
            continue
        minutes += m
        when = (o.actual_start or o.planned_start).astimezone(tz)
        per_month[when.strftime("%Y-%m")] = per_month.get(when.strftime("%Y-%m"), 0) + m
        if contract.service_cycle == "week":
            y, w, _ = when.isocalendar()
            cycle = f"{y}-W{w:02d}"
        else:
            cycle = when.strftime("%Y-%m")
        per_cycle[cycle] = per_cycle.get(cycle, 0) + m
    quota = Decimal(contract.service_days_per_year)
    used = days(minutes)
    pct = (used / quota * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if quota else Decimal(0)
    level = max((lv for lv in QUOTA_LEVELS if pct >= lv), default=None)
    cycles_per_year = 52 if contract.service_cycle == "week" else 12
    return {
        "contract": contract.code,
        "client": contract.client.name,
        "period": f"{first} .. {last}",
        "service_days_per_year": quota,
        "hours_per_service_day": per_hour_day,
        "service_cycle": contract.service_cycle,
        "allowance_per_cycle": (quota / cycles_per_year).quantize(TWO, ROUND_HALF_UP),
        "orders_counted": sum(1 for o in orders if worked_minutes(o)),
        "hours_used": (Decimal(minutes) / 60).quantize(TWO, ROUND_HALF_UP),
        "days_used": used,
        "days_left": (quota - used).quantize(TWO),
        "used_percent": pct,
        "alert_level": level,
        "per_month": {k: days(v) for k, v in sorted(per_month.items())},
        "per_cycle": {k: days(v) for k, v in sorted(per_cycle.items())},
        "annual_fee": money(contract.annual_fee),
        "currency": contract.currency,
        "fee_per_service_day": money(Decimal(contract.annual_fee) / quota) if quota else None,
        "renewal_date": contract.renewal_date,
        "end_date": contract.end_date,
        "days_to_renewal": (contract.renewal_date - today).days if contract.renewal_date else None,
    }


def contract_usage(contract: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Service days used and left, per month and cycle, the fee and the renewal."""
    today = today or utcnow().astimezone(get_settings().tz).date()
    with transaction() as s:
        return _usage(s, find_contract(s, contract, today, "contract usage"), today)


def check_quota(contract: str, now: datetime | None = None) -> dict[str, Any]:
    """Alert our project lead and the duty staff once at 80 % and once at 100 % of the
    contract's service days (a failed mail is retried on the next check)."""
    from changeflow.db.maintenance import QuotaAlert

    now = now or utcnow()
    today = now.astimezone(get_settings().tz).date()
    with transaction() as s:
        k = find_contract(s, contract, today, "quota")
        usage = _usage(s, k, today)
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
        to = _addresses([k.our_lead, *duty_staff(s, k)])
        jobs = [(a.id, a.level) for a in pending]
        for a in pending:
            a.sent_at = now  # claimed; reset below when the mail fails
    sent = []
    for aid, lv in jobs:
        subject = (
            f"[服务天数 {lv}% quota] {usage['contract']}: 已用 {usage['days_used']} /"
            f" {usage['service_days_per_year']} 天 days used"
        )
        body = "\n".join(
            f"{k_}: {v}" for k_, v in usage.items() if k_ not in ("per_month", "per_cycle")
        )
        try:
            if not to:
                raise InputError(f"contract {usage['contract']}", "our_lead", "no one with email")
            send(to, subject, body, f"quota-{usage['contract']}-{usage['period']}-{lv}")
            sent.append(lv)
        except Exception as exc:
            with transaction() as s:
                a = s.get(QuotaAlert, aid)
                assert a is not None
                a.sent_at, a.error = None, str(exc)[:2000]
    return {**usage, "alerts_sent": sent}
