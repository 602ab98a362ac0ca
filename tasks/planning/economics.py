"""The contract's economics in a plan: the service days the request uses, the days left in
the contract year before and after it, the work's value, what the year's service covers and
what goes beyond it.

The days come from the one count of a contract year (``tasks/servicedays.py``): accepted
maintenance, other requests' accepted development and other approved plans not done yet;
what is left of them (``free``) is what this plan can use. Contract settings
(``settings.planning`` in the contract file):

* ``development_counts`` (default true, as the contract says: the annual fee pays for the
  daily maintenance and the project development in the agreed time): development uses the
  service days and the days still left are covered by the annual fee; ``false``: all
  development is billed at the day rates;
* ``extra_day_rates`` ({role: amount}): the day rates for the days beyond the year's
  (default: the contract's ``day_rates``);
* ``approval_lead_days`` (default 2): working days the client needs to approve a plan.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from changeflow.db.models import Contract

from ..money import money
from ..servicedays import development_counts, service_year
from .budget import Budget

TWO = Decimal("0.01")


def service_days_before(
    session: Session, contract: Contract, request_id: int | None
) -> dict[str, Decimal]:
    """The year's days before this request's plan: bought, used by accepted maintenance,
    used or held by the other requests' development, and what is free for this plan."""
    year = service_year(session, contract, exclude_request_id=request_id)
    return {
        "quota": year.quota,
        "maintenance": year.maintenance,
        "other_plans": year.development_done + year.development_planned,
        "awaiting": year.awaiting,
        "before": year.free,
    }


def economics(before: dict[str, Decimal], budget: Budget, contract: Contract) -> dict[str, Any]:
    """The service-day and fee section as plain text values (kept in ``Plan.data``)."""
    counts = development_counts(contract)
    uses = budget.person_days if counts else Decimal(0)
    after = before["before"] - uses
    fee = money(contract.annual_fee)
    covered = sum(budget.covered, Decimal(0))
    return {
        "counts": counts,
        "quota": _t(before["quota"]),
        "maintenance": _t(before["maintenance"]),
        "other_plans": _t(before["other_plans"]),
        "awaiting": _t(before.get("awaiting", Decimal(0))),
        "before": _t(before["before"]),
        "uses": _t(uses),
        "after": _t(after),
        "covered": _t(covered),
        "billed": _t(budget.person_days - covered),
        "value": format(budget.subtotal, "f"),
        "value_tax": format(budget.tax, "f"),
        "value_total": format(budget.total, "f"),
        "covered_value": format(budget.covered_value, "f"),
        "billed_amount": format(budget.billed_subtotal, "f"),
        "billed_tax": format(budget.billed_tax, "f"),
        "billed_total": format(budget.billed_total, "f"),
        "annual_fee": format(fee, "f"),
        "period": f"{contract.start_date} .. {contract.end_date}",
    }


def _t(d: Decimal) -> str:
    d = Decimal(d).quantize(TWO, ROUND_HALF_UP).normalize()
    return format(d, "f") if d != 0 else "0"
