"""The contract's economics in a plan: the service days the request uses, the days left in
the contract year before and after it, and what the annual fee covers versus what is billed.

Contract settings (``settings.planning`` in the contract file):

* ``development_counts`` (default false): development counts against the service days, so
  the days still left in the contract year are covered by the annual fee;
* ``extra_day_rates`` ({role: amount}): the day rates for what exceeds them (default: the
  contract's ``day_rates``);
* ``approval_lead_days`` (default 2): working days the client needs to approve a plan; a
  plan may start only after them.

The days used before this plan are the dispatch orders' service time in the contract year
(as ``contract usage`` counts it) plus the approved plans of the contract's other requests.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Contract
from changeflow.settings import get_settings

from ..money import money
from .staffing import development_counts, planned_service_days, planning_settings

TWO = Decimal("0.01")


def maintenance_days(session: Session, contract: Contract) -> Decimal:
    """Service days the dispatch orders used in the contract's period."""
    from changeflow.db.maintenance import DispatchOrder

    from ..maintenance.dispatch_record import worked_minutes

    tz = get_settings().tz
    minutes = 0
    for o in session.scalars(
        select(DispatchOrder).where(
            DispatchOrder.contract_id == contract.id, DispatchOrder.state != "cancelled"
        )
    ):
        day = (o.actual_start or o.planned_start).astimezone(tz).date()
        if contract.start_date <= day <= contract.end_date:
            minutes += worked_minutes(o)
    per_day = Decimal(contract.hours_per_service_day) or Decimal(8)
    return (Decimal(minutes) / 60 / per_day).quantize(TWO, ROUND_HALF_UP)


def extra_rates(contract: Contract) -> dict[str, str]:
    raw = planning_settings(contract).get("extra_day_rates") or {}
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def service_days_before(
    session: Session, contract: Contract, request_id: int | None
) -> dict[str, Decimal]:
    quota = Decimal(contract.service_days_per_year)
    maint = maintenance_days(session, contract)
    others = planned_service_days(session, contract, exclude_request_id=request_id)["days"]
    return {
        "quota": quota,
        "maintenance": maint,
        "other_plans": others,
        "before": quota - maint - others,
    }


def in_contract_year(contract: Contract, day: date) -> bool:
    return contract.start_date <= day <= contract.end_date


def economics(
    before: dict[str, Decimal],
    person_days: Decimal,
    covered: Decimal,
    billed_amount: Decimal,
    contract: Contract,
) -> dict[str, Any]:
    """The service-day and fee section as plain text values (kept in ``Plan.data``)."""
    counts = development_counts(contract)
    uses = person_days if counts else Decimal(0)
    after = before["before"] - uses
    fee = money(contract.annual_fee)
    quota = before["quota"]
    per_day = money(fee / quota) if quota else None
    return {
        "counts": counts,
        "quota": _t(quota),
        "maintenance": _t(before["maintenance"]),
        "other_plans": _t(before["other_plans"]),
        "before": _t(before["before"]),
        "uses": _t(uses),
        "after": _t(after),
        "covered": _t(covered),
        "billed": _t(person_days - covered),
        "covered_value": format(money(covered * per_day), "f") if per_day else "0.00",
        "billed_amount": format(billed_amount, "f"),
        "annual_fee": format(fee, "f"),
        "fee_per_day": format(per_day, "f") if per_day else "",
        "period": f"{contract.start_date} .. {contract.end_date}",
    }


def _t(d: Decimal) -> str:
    d = Decimal(d).quantize(TWO, ROUND_HALF_UP).normalize()
    return format(d, "f") if d != 0 else "0"
