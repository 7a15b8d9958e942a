"""Summary figures over published results (block averages), exact until rounded."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from reform.scoring.numbers import CONTEXT


def average(values: Iterable[Decimal]) -> Decimal | None:
    """The exact mean of the values (40 significant digits), None when there are none."""
    items = list(values)
    if not items:
        return None
    return CONTEXT.divide(sum(items, Decimal(0)), Decimal(len(items)))
