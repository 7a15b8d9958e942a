"""The vote's tally rule (bình xét, suy tôn): thresholds, quorum, seats and ties, exact fractions.

A ballot votes on items (a title with a number of seats); each member unit's ballot names at most
that many candidates per item, or none (an abstention). A candidate is elected when its count
meets the ballot's rule, a share of the members (all units on the roll, present or not), and it
is among the highest counts for the seats. When candidates with equal counts straddle the last
seat, none of them is elected: they go to a second round for the seats left. No floats: shares
are Fractions and counts whole numbers, so "more than half" and "at least 2/3" are exact.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A share of the members that a count must pass (strict) or reach (not strict)."""

    share: Fraction
    strict: bool

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError("a threshold is a share in (0, 1]")
        if self.strict and self.share == 1:
            raise ValueError("no count can be more than all the members")

    def met(self, count: int, members: int) -> bool:
        """Whether count passes (or reaches) the share of members."""
        need = self.share * members
        return count > need if self.strict else count >= need

    def minimum(self, members: int) -> int:
        """The smallest whole count that meets the threshold with this many members."""
        need = self.share * members
        whole = need.numerator // need.denominator  # floor
        if self.strict:
            return whole + 1
        return whole if whole == need else whole + 1


# The law's default for a cluster's decisions: more than half of the members.
MORE_THAN_HALF = Threshold(Fraction(1, 2), strict=True)


@dataclass(frozen=True, slots=True)
class ItemResult(Generic[K]):
    """One item's outcome: who is elected, and who goes to a second round for how many seats."""

    elected: tuple[K, ...]
    # Candidates tied at the last seat; empty when there is no tie to break.
    runoff: tuple[K, ...]
    runoff_seats: int
    # Every candidate meeting the rule, highest count first.
    qualified: tuple[K, ...]
    # Seats nobody fills: fewer candidates met the rule than there are seats.
    unfilled: int


def tally_item(
    counts: Iterable[tuple[K, int]], *, seats: int, members: int, rule: Threshold
) -> ItemResult[K]:
    """Seats filled by the highest counts among candidates meeting the rule; a tie at the last
    seat leaves those seats to a second round between the tied candidates.

    `counts` lists (candidate, count) in the order candidates are shown; among equal counts that
    order is kept in the result (it never decides who is elected).
    """
    if seats < 1 or members < 1:
        raise ValueError("an item has at least one seat and a ballot one member")
    listed = list(counts)
    if len({key for key, _ in listed}) != len(listed):
        raise ValueError("a candidate is listed twice")
    for _, count in listed:
        if not 0 <= count <= members:
            raise ValueError("a count lies between 0 and the number of members")
    qualified = sorted(
        (pair for pair in listed if rule.met(pair[1], members)), key=lambda pair: -pair[1]
    )
    keys = tuple(key for key, _ in qualified)
    if len(qualified) <= seats:
        return ItemResult(keys, (), 0, keys, seats - len(qualified))
    last = qualified[seats - 1][1]
    above = tuple(key for key, count in qualified if count > last)
    at_last = tuple(key for key, count in qualified if count == last)
    left = seats - len(above)
    if len(at_last) <= left:  # cannot happen with more qualified than seats; kept for clarity
        return ItemResult(above + at_last, (), 0, keys, left - len(at_last))
    return ItemResult(above, at_last, left, keys, 0)


def quorum_met(turnout: int, members: int, quorum: Threshold) -> bool:
    """Whether enough members voted for the ballot to be closed as valid."""
    if not 0 <= turnout <= members:
        raise ValueError("turnout lies between 0 and the number of members")
    return quorum.met(turnout, members)


def overvoted(chosen: int, seats: int) -> bool:
    """Whether a ballot names more candidates for an item than it has seats (it is refused)."""
    return chosen > seats
