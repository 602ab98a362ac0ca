"""The money lines: day rate x person-days per item (the work's value), tax on the subtotal,
totals that add up; and apart, the person-days the year's service covers and what goes
beyond them, billed at the day rates (``extra_day_rates`` where the contract sets them)."""

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
    amounts: list[Decimal]  # the value of each item: person-days x day rate
    covered: list[Decimal]  # person-days of each item covered by the annual fee
    billed: list[Decimal]  # person-days of each item beyond the year's days
    per_role: dict[str, dict[str, Decimal]]
    person_days: Decimal
    subtotal: Decimal  # the work's value
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    covered_value: Decimal = ZERO  # value of the covered person-days at the day rates
    billed_amounts: list[Decimal] | None = None  # billed person-days x (extra) day rate
    billed_subtotal: Decimal = ZERO
    billed_tax: Decimal = ZERO
    billed_total: Decimal = ZERO


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


def _rate(contract: Contract, role: str, extra: dict[str, str] | None, src: str) -> Decimal:
    fld = f"settings.planning.extra_day_rates.{role}"
    try:
        if extra and role in extra:
            return money(extra[role])
        fld = f"day_rates.{role}"
        return money(contract.day_rate(role))
    except (TypeError, ValueError, ArithmeticError):
        raise InputError(src, fld, "is not an amount") from None


def cost(
    estimates: list[Estimate],
    contract: Contract,
    covered: list[Decimal] | None = None,
    extra_rates: dict[str, str] | None = None,
) -> Budget:
    """Day rate x person-days per item (the work's value), tax on the subtotal, the lines
    adding up to the total; the person-days the fee covers (``covered``) and the rest,
    billed at ``extra_rates`` by role (else the contract's day rate), with its own tax."""
    src = f"contract {contract.code}"
    covered = covered or [Decimal(0)] * len(estimates)
    rates, amounts, billed, billed_amounts, covered_values = [], [], [], [], []
    per_role: dict[str, dict[str, Decimal]] = {}
    for e, cov in zip(estimates, covered, strict=True):
        rate = _rate(contract, e.role, None, src)
        extra = _rate(contract, e.role, extra_rates, src)
        bill = e.person_days - cov
        billed.append(bill)
        amount = times(e.person_days, rate)
        rates.append(rate)
        amounts.append(amount)
        covered_values.append(times(cov, rate))
        billed_amounts.append(times(bill, extra))
        r = per_role.setdefault(e.role, {"person_days": Decimal(0), "amount": ZERO})
        r["person_days"] += e.person_days
        r["amount"] += amount
    tax_rate = Decimal(contract.tax_rate)
    if not Decimal(0) <= tax_rate < 1:
        raise InputError(src, "tax_rate", f"{tax_rate} is not a rate between 0 and 1")
    subtotal = total(amounts)
    tax = times(subtotal, tax_rate)
    billed_subtotal = total(billed_amounts)
    billed_tax = times(billed_subtotal, tax_rate)
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
        covered_value=total(covered_values),
        billed_amounts=billed_amounts,
        billed_subtotal=billed_subtotal,
        billed_tax=billed_tax,
        billed_total=billed_subtotal + billed_tax,
    )
