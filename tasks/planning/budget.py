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
    covered: list[Decimal]  # person-days of each item covered by the annual fee
    billed: list[Decimal]  # person-days of each item billed at the day rate
    per_role: dict[str, dict[str, Decimal]]
    person_days: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def cover(estimates: list[Estimate], order: list[int], days_left: Decimal) -> list[Decimal]:
    """Person-days of each item covered by the fee: the service days left go to the items
    in the order they are worked (``order``: item indexes by start day)."""
    covered = [Decimal(0)] * len(estimates)
    left = max(Decimal(0), days_left)
    for i in order:
        take = min(left, estimates[i].person_days)
        covered[i] = take
        left -= take
    return covered


def cost(
    estimates: list[Estimate],
    contract: Contract,
    covered: list[Decimal] | None = None,
    extra_rates: dict[str, str] | None = None,
) -> Budget:
    """Day rate x billed person-days per item (the days the fee covers cost nothing; the
    rest at ``extra_rates`` by role, else the contract's day rate); tax on the subtotal;
    the lines add up to the total."""
    src = f"contract {contract.code}"
    covered = covered or [Decimal(0)] * len(estimates)
    rates, amounts, billed = [], [], []
    per_role: dict[str, dict[str, Decimal]] = {}
    for e, cov in zip(estimates, covered, strict=True):
        fld = f"settings.planning.extra_day_rates.{e.role}"
        try:
            if extra_rates and e.role in extra_rates:
                rate = money(extra_rates[e.role])
            else:
                fld = f"day_rates.{e.role}"
                rate = money(contract.day_rate(e.role))
        except (TypeError, ValueError, ArithmeticError):
            raise InputError(src, fld, "is not an amount") from None
        bill = e.person_days - cov
        billed.append(bill)
        amount = times(bill, rate)
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
        covered,
        billed,
        per_role,
        sum((e.person_days for e in estimates), Decimal(0)),
        subtotal,
        tax_rate,
        tax,
        subtotal + tax,
    )
