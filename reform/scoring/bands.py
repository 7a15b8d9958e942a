"""Bands (xếp loại): absolute thresholds on the published figure."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from reform.scoring.framework import Band
from reform.scoring.numbers import round2


def band_for(value: Decimal | None, bands: Iterable[Band]) -> str | None:
    """Label of the highest band whose min ≤ value; None for no value or below every band.

    The value is rounded to 2 places first, so a unit published as 90.00 is banded as 90.00 even
    when its exact index is 89.996: what people see is what is banded. Bands may come in any
    order, so a block can pass its own list.
    """
    if value is None:
        return None
    shown = round2(value)
    for band in sorted(bands, key=lambda band: band.min, reverse=True):
        if shown >= band.min:
            return band.label
    return None
