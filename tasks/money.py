"""Money rules in one place: Decimal CNY rounded half-up to 0.01, never a float, shown with
thousands separators and in Chinese capital numerals (大写金额) as Chinese budgets and
invoices write totals.

The capital numerals follow the People's Bank rules for written amounts (支付结算办法):
"壹拾" even at the start, one 零 for any run of zeros inside the integer part, 元整 when
there are no jiao or fen, 零 between 元 and 分 when the jiao digit is zero, no 整 after 分.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from changeflow.errors import InputError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999999999.99")  # below 亿亿: what the numerals cover

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("仟", "佰", "拾", "")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def money(value: Any) -> Decimal:
    """A CNY amount as Decimal rounded half-up to the cent. Floats are refused outright:
    a binary fraction (0.1 + 0.2) must never reach a budget."""
    if isinstance(value, float):
        raise TypeError("float given as money; use Decimal or a string like '1200.00'")
    if isinstance(value, bool):
        raise TypeError("bool given as money")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | str):
        try:
            d = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not an amount") from None
    else:
        raise TypeError(f"{type(value).__name__} given as money")
    if not d.is_finite():
        raise ValueError(f"'{value}' is not a finite amount")
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(value: Any, source: str, field: str) -> Decimal:
    """``money`` for user input: any problem is one InputError naming source and field.

    A YAML float (1200.5) is taken through its shortest text form, so what the user typed
    is what we read; no arithmetic ever happens on the float itself.
    """
    if isinstance(value, float):
        value = repr(value)
    try:
        return money(value)
    except (TypeError, ValueError) as exc:
        raise InputError(source, field, str(exc)) from None


def times(quantity: Decimal, rate: Decimal) -> Decimal:
    """quantity x rate, rounded once at the end (person-days x day rate, base x tax rate)."""
    if isinstance(quantity, float) or isinstance(rate, float):
        raise TypeError("float in a money calculation; use Decimal")
    return money(Decimal(quantity) * Decimal(rate))


def total(amounts: Any) -> Decimal:
    """Sum of already rounded amounts (so the printed lines add up to the printed total)."""
    out = ZERO
    for a in amounts:
        out += money(a)
    return out


def fmt(amount: Any, *, symbol: str = "") -> str:
    """'12,345.67' (or '¥12,345.67' with ``symbol='¥'``)."""
    d = money(amount)
    sign = "-" if d < 0 else ""
    return f"{sign}{symbol}{abs(d):,.2f}"


def _section(n: int) -> str:
    """0 < n < 10000 in capitals, zeros inside collapsed to one 零."""
    digits = (n // 1000, n // 100 % 10, n // 10 % 10, n % 10)
    out, zero = "", False
    for d, unit in zip(digits, _SMALL_UNITS, strict=True):
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + unit
    return out


def _integer(n: int) -> str:
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, pending_zero = "", False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        out += _section(g) + _GROUP_UNITS[i]
        pending_zero = False
    return out


def capital(amount: Any) -> str:
    """Chinese capital numerals of a CNY amount: 12345.67 -> 壹万贰仟叁佰肆拾伍元陆角柒分."""
    d = money(amount)
    if abs(d) > MAX_AMOUNT:
        raise ValueError(f"{d} is too large for capital numerals")
    if d < 0:
        return "负" + capital(-d)
    cents = int(d * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    out = ""
    if yuan:
        out = _integer(yuan) + "元"
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"  # 元 followed directly by 分 needs the 零 (壹元零伍分)
    if fen:
        out += _DIGITS[fen] + "分"
    return out
