"""Exact decimal helpers: reading numbers, the one rounding rule, and writing numbers to YAML."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

# Arithmetic context for every score computation. Sums and products of the figures a framework
# uses are exact at this precision; only non-terminating quotients (n ÷ d, points ÷ max) are
# carried to 40 significant digits, far below anything that is ever displayed.
CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)

# Quantizing to 20 places with a wide context absorbs the last-digit residue of non-terminating
# quotients (a third carried to 40 digits, three times, is 0.999…9 and must round like 1).
_SNAP = Decimal("1e-20")
_CENT = Decimal("0.01")
_WIDE = Context(prec=80)

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")

# A number typed for a criterion must fit a stored figure (14 digits, 4 of them after the
# point) exactly, so that what is stored and scored is what was typed, on every database.
MAX_INTEGER_DIGITS = 10
MAX_DECIMAL_PLACES = 4


def round2(value: Decimal) -> Decimal:
    """Round to 2 decimal places, half up: the only rounding applied to any published figure."""
    snapped = value.quantize(_SNAP, rounding=ROUND_HALF_EVEN, context=_WIDE)
    rounded = snapped.quantize(_CENT, rounding=ROUND_HALF_UP, context=_WIDE)
    # Never show "-0.00".
    return rounded if rounded != 0 else Decimal("0.00")


def fmt2(value: Decimal) -> str:
    """Format a figure as published: 2 decimal places, point as separator, e.g. '81.33'."""
    return f"{round2(value):f}"


def fmt_plain(value: Decimal, decimal_separator: str = ".") -> str:
    """Write a decimal without exponent or trailing zeros (for messages), e.g. '0.25' or '0,25'."""
    text = f"{value.normalize(context=_WIDE):f}" if value != 0 else "0"
    return text.replace(".", decimal_separator)


def parse_user_number(text: str) -> Decimal | None:
    """Read a number typed by a user ('.' or ',' as decimal separator); None if it is not one."""
    text = text.strip()
    if not _NUMBER_RE.fullmatch(text):
        return None
    return Decimal(text.replace(",", "."))


def digit_counts(value: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it) of a finite decimal, needless zeros aside."""
    _sign, digits, exponent = value.as_tuple()
    coefficient = "".join(map(str, digits)).rstrip("0")
    if not coefficient:
        return 0, 0
    # Trailing zeros of the coefficient only move the exponent: 2.500 has one place.
    exponent = int(exponent) + len(digits) - len(coefficient)
    return max(0, len(coefficient) + exponent), max(0, -exponent)


def fits_figure(
    value: Decimal, integer_digits: int = MAX_INTEGER_DIGITS, places: int = MAX_DECIMAL_PLACES
) -> bool:
    """Whether a finite decimal has at most so many digits before the point and after it."""
    before, after = digit_counts(value)
    return before <= integer_digits and after <= places


def to_decimal(value: Any) -> Decimal | None:
    """Read a number from a loaded YAML/JSON document (int, float or numeric string); else None."""
    if isinstance(value, bool):
        # YAML reads yes/no/on/off as booleans; they are never numbers.
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # str() gives the shortest text that reads back as the same float: 0.1 -> '0.1'.
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
    elif isinstance(value, Decimal):
        result = value
    else:
        return None
    return result if result.is_finite() else None


def decimal_to_yaml(value: Decimal) -> int | float | str:
    """Write a decimal for a YAML file so that it reads back equal.

    Whole numbers become ints; other values become floats when the float's shortest text reads
    back as exactly the same decimal (true for every figure with up to 15 significant digits);
    anything else is written as a numeric string, which `to_decimal` accepts.
    """
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return fmt_plain(value)
