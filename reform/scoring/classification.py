"""The yearly classification of a person (Decree 335/2025/NĐ-CP): the year score from the
periods, the level it reaches, and the quota of "Hoàn thành xuất sắc nhiệm vụ"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Final

from reform.scoring.framework import Band
from reform.scoring.numbers import CONTEXT, round2

# The four levels, from the highest down; an individual framework's four bands map onto them
# in this order (its labels are what documents print).
EXCELLENT: Final = "excellent"  # Hoàn thành xuất sắc nhiệm vụ
GOOD: Final = "good"  # Hoàn thành tốt nhiệm vụ
COMPLETED: Final = "completed"  # Hoàn thành nhiệm vụ
NOT_COMPLETED: Final = "not_completed"  # Không hoàn thành nhiệm vụ
LEVELS: Final = (EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED)

# The decree's quota: "xuất sắc" may not exceed 20 % of those rated "tốt".
DEFAULT_EXCELLENT_SHARE: Final = Decimal("0.2")
# Whose count the 20 % is taken of: those rated "tốt" only (the decree's words), or "tốt" and
# "xuất sắc" together (a reading some agencies use).
QUOTA_BASES: Final = ("good", "good_and_above")


@dataclass(frozen=True, slots=True)
class PeriodScore:
    """One month's or quarter's total and how many months it covers (1 or 3)."""

    points: Decimal
    months: int = 1


def year_score(periods: Iterable[PeriodScore]) -> Decimal | None:
    """The year's score: the mean of the period totals, each weighted by the months it covers.

    A quarter counts as three months, so a unit that moves from quarters to months within a
    year weighs each part of the year by its length. None when no period is scored.
    """
    items = tuple(periods)
    months = sum(item.months for item in items)
    if months <= 0:
        return None
    with localcontext(CONTEXT):
        total = sum((item.points * item.months for item in items), Decimal(0))
        return total / months


def rank_of(level: str) -> int:
    """0 for the highest level, 3 for the lowest."""
    return LEVELS.index(level)


def level_for(
    score: Decimal | None, bands: Sequence[Band], *, disqualified: bool = False
) -> str | None:
    """The level a year score reaches: the highest band whose min ≤ the score shown (2 places).

    A disqualifying fact of the year (a discipline of reprimand or above, and the other cases
    the decree lists) gives "Không hoàn thành nhiệm vụ" whatever the score. `bands` are the
    framework's four, from the highest down. None without a score.
    """
    if disqualified:
        return NOT_COMPLETED
    if score is None:
        return None
    shown = round2(score)
    ordered = sorted(bands, key=lambda band: band.min, reverse=True)
    for level, band in zip(LEVELS, ordered, strict=False):
        if shown >= band.min:
            return level
    return NOT_COMPLETED


@dataclass(frozen=True, slots=True)
class Quota:
    """The quota of "xuất sắc" in one unit and one group of similar duties."""

    excellent: int
    good: int
    base: int
    share: Decimal
    allowed: int

    @property
    def ok(self) -> bool:
        """Whether the excellent count keeps within the quota."""
        return self.excellent <= self.allowed

    @property
    def over(self) -> int:
        """How many excellent ratings are over the quota (0 within it)."""
        return max(0, self.excellent - self.allowed)


def quota(
    excellent: int,
    good: int,
    *,
    share: Decimal = DEFAULT_EXCELLENT_SHARE,
    base: str = "good",
) -> Quota:
    """The quota for counts of "xuất sắc" and "tốt": at most share × base, rounded down.

    base "good": the base is those rated "tốt" (the decree's words); "good_and_above": those
    rated "tốt" or "xuất sắc". The comparison is exact: 2 of 10 keeps 20 %, 3 of 14 does not.
    """
    if base not in QUOTA_BASES:
        raise ValueError(f"unknown quota base {base!r}")
    if excellent < 0 or good < 0:
        raise ValueError("counts are never negative")
    counted = good + (excellent if base == "good_and_above" else 0)
    allowed = int(CONTEXT.multiply(share, Decimal(counted)).to_integral_value(ROUND_FLOOR))
    return Quota(excellent, good, counted, share, allowed)
