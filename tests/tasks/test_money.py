"""Money: half-up rounding, no floats, thousands separators and capital numerals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from changeflow.errors import InputError
from changeflow.tasks.money import capital, fmt, money, parse_money, times, total


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),  # half-up, not banker's rounding (which gives 0.00)
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's would give 0.02
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),  # float(2.675) is 2.67499999...; Decimal text is exact
        ("1,200", "1200.00"),
        (10000, "10000.00"),
    ],
)
def test_rounding_half_up(raw: object, expected: str) -> None:
    assert money(raw) == Decimal(expected)
    assert str(money(raw)) == expected


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        money(0.1)
    with pytest.raises(TypeError):
        times(Decimal("1.5"), 1200.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        money("12a")
    with pytest.raises(ValueError):
        money("NaN")


def test_parse_money_names_the_field() -> None:
    assert parse_money(1200.5, "f.yaml", "rate") == Decimal("1200.50")
    with pytest.raises(InputError) as err:
        parse_money("abc", "f.yaml", "day_rates.developer")
    assert err.value.field == "day_rates.developer" and err.value.source == "f.yaml"


def test_times_and_total_round_once() -> None:
    assert times(Decimal("2.5"), Decimal("1234.57")) == Decimal("3086.43")  # 3086.425 -> up
    assert times(Decimal("10000.00"), Decimal("0.06")) == Decimal("600.00")
    assert times(Decimal("333.33"), Decimal("0.06")) == Decimal("20.00")  # 19.9998
    assert total([Decimal("0.10"), Decimal("0.20")]) == Decimal("0.30")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234567.89", "1,234,567.89"),
        ("1005", "1,005.00"),
        ("0.5", "0.50"),
        ("-1234.5", "-1,234.50"),
        ("100000000", "100,000,000.00"),
    ],
)
def test_thousands_separators(amount: str, text: str) -> None:
    assert fmt(amount) == text
    assert fmt("12.3", symbol="¥") == "¥12.30"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("0", "零元整"),
        ("0.005", "壹分"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("16", "壹拾陆元整"),
        ("100", "壹佰元整"),
        ("101", "壹佰零壹元整"),
        ("110", "壹佰壹拾元整"),
        ("1005.00", "壹仟零伍元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10000.10", "壹万元壹角"),
        ("10000.01", "壹万元零壹分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("100000", "壹拾万元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("1001000", "壹佰万壹仟元整"),
        ("10000000", "壹仟万元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("101000000", "壹亿零壹佰万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("20000.00", "贰万元整"),
        ("21200.00", "贰万壹仟贰佰元整"),
        ("1000000000000", "壹万亿元整"),
        ("-5.5", "负伍元伍角"),
    ],
)
def test_capital_numerals(amount: str, words: str) -> None:
    assert capital(amount) == words


def test_capital_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError):
        capital("100000000000000000")
    with pytest.raises(TypeError):
        capital(1.5)
