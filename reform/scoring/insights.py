"""Where a block loses points: per-criterion losses over units, and heat levels for indices.

Pure and exact like the rest of the core: the heat map and the list of criteria that lose the
most points are computed here from the same Scorecards the results come from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from decimal import localcontext as _localcontext
from typing import Final

from reform.scoring.aggregate import Scorecard
from reform.scoring.framework import Framework, Node
from reform.scoring.numbers import CONTEXT, round2

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)

# Lower bounds of the heat levels, highest level first: like the national bands (A ≥ 90,
# B ≥ 80, C ≥ 70), with the range below 70 split at 50 so that weak areas stand out.
HEAT_LEVELS: Final[tuple[Decimal, ...]] = (
    Decimal(90),
    Decimal(80),
    Decimal(70),
    Decimal(50),
)

_CODE_PART = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class CriterionLoss:
    """What one leaf criterion cost the units of a block, exact (round only to display).

    `units` counts the units it applies to, `losing` those that lost anything on it;
    `max_points` is its applicable max summed over those units; `points` what they obtained
    (for a penalty criterion: what it took away); `lost` the points lost; `average_lost` the
    loss per applicable unit and `share_lost` the loss as a percentage of `max_points`.
    """

    code: str
    name: str
    area: str
    area_name: str
    penalty: bool
    units: int
    losing: int
    max_points: Decimal
    points: Decimal
    lost: Decimal
    average_lost: Decimal
    share_lost: Decimal


def criterion_order(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for criterion codes in their natural order ("1.2" before "1.10")."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _CODE_PART.split(code) if part
    )


def _scored_leaves(framework: Framework) -> Iterator[tuple[Node, Node, bool]]:
    """Every leaf that can lose points, with its area (top-level node) and whether it penalises.

    A leaf under (or being) a penalty node is a penalty criterion. A leaf under (or being) a
    bonus node and no penalty node is left out: bonus points are extra, never lost.
    """

    def walk(
        node: Node, top: Node, penalty: bool, bonus: bool
    ) -> Iterator[tuple[Node, Node, bool]]:
        penalty = penalty or node.penalty
        bonus = bonus or node.bonus
        if node.is_leaf:
            if penalty or not bonus:
                yield node, top, penalty
            return
        for child in node.children:
            yield from walk(child, top, penalty, bonus)

    for top in framework.criteria:
        yield from walk(top, top, False, False)


def criterion_losses(framework: Framework, scorecards: Iterable[Scorecard]) -> list[CriterionLoss]:
    """Each leaf criterion's lost points over the units' scorecards, most lost first.

    A unit loses on a criterion that applies to it its applicable max minus the points it
    obtained; a criterion with no value yet loses its whole max, as it counts in the index.
    A penalty criterion (one under or being a `penalty: true` node) loses, for each unit it
    applies to, the points it takes away, out of at most its max. Bonus criteria are left out:
    missing a bonus is not a loss. Figures are per leaf, as each rule scores it: a parent's own
    cap and the floor of a total at 0 are not spread back over the leaves. Criteria that apply
    to none of the units are left out. Ties in lost points go by criterion code in natural
    order, so the result does not depend on the order of the scorecards.
    """
    cards = list(scorecards)
    losses: list[CriterionLoss] = []
    with _localcontext(CONTEXT):
        for leaf, top, penalty in _scored_leaves(framework):
            maximum = ZERO
            gained: list[Decimal] = []
            lost_each: list[Decimal] = []
            for card in cards:
                scored = card.nodes[leaf.code]
                if not scored.applicable:
                    continue
                maximum += scored.max
                gained.append(scored.points)
                lost_each.append(scored.points if penalty else scored.max - scored.points)
            units = len(gained)
            if units == 0:
                continue
            # Summed in sorted order: proportional points carry 40 digits, and a sum rounded
            # at that precision must not depend on the order the units came in.
            points = sum(sorted(gained), ZERO)
            lost = sum(sorted(lost_each), ZERO)
            losing = sum(1 for loss in lost_each if loss > 0)
            losses.append(
                CriterionLoss(
                    code=leaf.code,
                    name=leaf.name,
                    area=top.code,
                    area_name=top.name,
                    penalty=penalty,
                    units=units,
                    losing=losing,
                    max_points=maximum,
                    points=points,
                    lost=lost,
                    average_lost=CONTEXT.divide(lost, Decimal(units)),
                    # A leaf's max is positive (the framework parser refuses others).
                    share_lost=CONTEXT.divide(CONTEXT.multiply(lost, HUNDRED), maximum),
                )
            )
    losses.sort(key=lambda item: (-item.lost, criterion_order(item.code)))
    return losses


def share_of(points: Decimal, maximum: Decimal) -> Decimal | None:
    """points ÷ max × 100, None when the max is not positive (nothing applies)."""
    if maximum <= 0:
        return None
    return CONTEXT.divide(CONTEXT.multiply(points, HUNDRED), maximum)


def heat_level(share: Decimal | None) -> int | None:
    """The heat level of a share of the max (percent): 4 for ≥ 90, 3 for ≥ 80, 2 for ≥ 70,
    1 for ≥ 50, 0 below; None without a figure. The 2-place published figure is compared, so
    a cell's colour always agrees with the number printed in it."""
    if share is None:
        return None
    shown = round2(share)
    for level, floor in zip(range(len(HEAT_LEVELS), 0, -1), HEAT_LEVELS, strict=True):
        if shown >= floor:
            return level
    return 0
