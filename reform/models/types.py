"""Column types shared by the models."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Numeric
from sqlalchemy.types import TypeDecorator

FIGURE_SCALE = Decimal("0.0001")


class Figure(TypeDecorator):
    """A stored figure: exact decimal with four places, rounded half up before it is written.

    The scoring core keeps more places in memory. Left to the database, PostgreSQL rounds an
    exact half up while SQLite (which stores a float) formats it half to even, so the same figure
    would be stored differently on the two; rounding here makes them agree.
    """

    impl = Numeric(14, 4)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).quantize(FIGURE_SCALE, rounding=ROUND_HALF_UP)
