"""The money lines: day rate x person-days per item, tax on the subtotal, totals that add up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from changeflow.db.models import Contract
from changeflow.errors import InputError

from ..money import ZERO, money, times, total
from .estimating import Estimate


@dataclass
class Budget:
    """Amounts per item, per role, and the totals; every number already rounded."""

    day_rates: list[Decimal]
    amounts: list[Decimal]
    per_role: dict[str, dict[str, Decimal]]
    person_days: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def cost(estimates: list[Estimate], contract: Contract) -> Budget:
    """Day rate x person-days per item; tax on the subtotal; the lines add up to the total."""
    src = f"contract {contract.code}"
    rates, amounts = [], []
    per_role: dict[str, dict[str, Decimal]] = {}
    for e in estimates:
        try:
            rate = money(contract.day_rate(e.role))
        except (TypeError, ValueError):
            raise InputError(src, f"day_rates.{e.role}", "is not an amount") from None
        amount = times(e.person_days, rate)
        rates.append(rate)
        amounts.append(amount)
        r = per_role.setdefault(e.role, {"person_days": Decimal(0), "amount": ZERO})
        r["person_days"] += e.person_days
        r["amount"] += amount
    tax_rate = Decimal(contract.tax_rate)
    if not Decimal(0) <= tax_rate < 1:
        raise InputError(src, "tax_rate", f"{tax_rate} is not a rate between 0 and 1")
    subtotal = total(amounts)
    tax = times(subtotal, tax_rate)
    return Budget(
        rates,
        amounts,
        per_role,
        sum((e.person_days for e in estimates), Decimal(0)),
        subtotal,
        tax_rate,
        tax,
        subtotal + tax,
    )
