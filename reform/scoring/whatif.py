"""What-if: other area weights, values carried to another framework version, rank shifts.

Nothing here changes a figure that is stored or published: these functions only compute the
figures a unit would have, so leaders can compare them with the real ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from decimal import localcontext as _localcontext
from typing import Final

from reform.scoring.aggregate import AreaScore, Scorecard
from reform.scoring.aggregate import _index as index_of
from reform.scoring.bands import band_for
from reform.scoring.framework import Band, Framework, Node
from reform.scoring.numbers import CONTEXT
from reform.scoring.ranking import rank
from reform.scoring.values import STAGES, ValueProblem

ZERO: Final = Decimal(0)


# ---- weights -----------------------------------------------------------------------------


def full_max(node: Node) -> Decimal:
    """A node's max when everything in it applies: its own max, or its children's (capped).

    Bonus and penalty children do not enter a max, as in the applicable max of a unit.
    """
    if node.is_leaf:
        return node.max  # type: ignore[return-value]
    with _localcontext(CONTEXT):
        total = sum(
            (full_max(child) for child in node.children if not (child.bonus or child.penalty)),
            ZERO,
        )
    return total if node.max is None else min(total, node.max)


def area_maxima(framework: Framework) -> dict[str, Decimal]:
    """Each area's framework max, in file order: an area's weight unless told otherwise.

    Areas are the top-level nodes that are neither bonus nor penalty (contract 3.3); an area
    whose max is 0 (only bonus or penalty inside) cannot be weighted and is left out.
    """
    maxima = {}
    for node in framework.criteria:
        if node.bonus or node.penalty:
            continue
        maximum = full_max(node)
        if maximum > 0:
            maxima[node.code] = maximum
    return maxima


@dataclass(frozen=True, slots=True)
class Weighted:
    """A unit's figures under other area weights, exact (round only to display)."""

    points: Decimal
    max_points: Decimal
    index: Decimal | None
    band: str | None
    areas: tuple[AreaScore, ...]
    bonus_points: Decimal
    penalty_points: Decimal


def _scale(value: Decimal, new: Decimal, old: Decimal) -> Decimal:
    """value × new ÷ old, multiplied first so that whole factors stay exact."""
    if new == old:
        return value
    return CONTEXT.divide(CONTEXT.multiply(value, new), old)


def weigh(
    framework: Framework,
    card: Scorecard,
    weights: Mapping[str, Decimal] | None = None,
    *,
    bands: Iterable[Band] | None = None,
) -> Weighted:
    """A scored unit's figures when each area weighs its new max instead of its framework max.

    The weight of an area is its new max points (`weights` by area code; an area not given
    keeps its framework max, see `area_maxima`). Each area's points and applicable max are
    scaled by new max ÷ framework max; bonus and penalty points stay as they are; the total is
    the scaled areas plus bonus minus penalty, never below 0, and the index is total ÷
    applicable max × 100 (the total itself for `result: points`), exact until displayed.

    The figures are scaled after scoring rather than scoring a re-weighted framework: a rule's
    inputs (a manual value within [0, max] on its step, a choice's points, a tier's points) are
    bound to its max, so a stored value would not always fit a re-weighted rule, while scaling
    the outcome applies every weight exactly. The framework's own maxima give the real figures
    exactly. `bands` overrides the framework's bands (a block's own thresholds). ValueError
    for a negative weight or an area the framework does not have.
    """
    maxima = area_maxima(framework)
    wanted = dict(weights or {})
    unknown = sorted(code for code in wanted if code not in maxima)
    if unknown:
        raise ValueError(f"no area to weigh with code {unknown[0]!r}")
    if any(weight < 0 for weight in wanted.values()):
        raise ValueError("a weight cannot be negative")
    areas: list[AreaScore] = []
    gained = ZERO
    maximum = ZERO
    with _localcontext(CONTEXT):
        for area in card.areas:
            if not area.applicable or area.code not in maxima:
                areas.append(area)
                if area.applicable:
                    gained += area.points
                    maximum += area.max
                continue
            old = maxima[area.code]
            new = wanted.get(area.code, old)
            points = _scale(area.points, new, old)
            top = _scale(area.max, new, old)
            areas.append(AreaScore(area.code, points, top, index_of(framework, points, top), True))
            gained += points
            maximum += top
        total = max(gained + card.bonus_points - card.penalty_points, ZERO)
        index = index_of(framework, total, maximum)
    return Weighted(
        points=total,
        max_points=maximum,
        index=index,
        band=band_for(index, framework.bands if bands is None else bands),
        areas=tuple(areas),
        bonus_points=card.bonus_points,
        penalty_points=card.penalty_points,
    )


# ---- carrying values to another framework version ----------------------------------------

Values = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Dropped:
    """A stored raw value that the other version cannot take, and why."""

    criterion: str
    stage: str
    value: str
    problem: ValueProblem


@dataclass(frozen=True, slots=True)
class Carried:
    """A unit's raw values that another version accepts, per stage, and those it refused."""

    self_values: dict[str, str]
    appraised_values: dict[str, str]
    survey_values: dict[str, str]
    dropped: tuple[Dropped, ...] = ()

    @property
    def stages(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        """The kept values as `evaluate` takes them: self, appraised, survey."""
        return self.self_values, self.appraised_values, self.survey_values


def carry_over(
    framework: Framework,
    self_values: Values,
    appraised_values: Values | None = None,
    survey_values: Values | None = None,
) -> Carried:
    """Match raw values to another version of a framework by criterion code.

    A value is kept when the version has a criterion with that code whose rule accepts it at
    the value's stage (`Node.parse_value`); otherwise it is dropped and reported with the
    problem: a missing criterion ("unknown_criterion"), a value the rule refuses, a survey
    value on a criterion that is no longer a survey criterion, and the reverse.
    """
    kept: list[dict[str, str]] = []
    dropped: list[Dropped] = []
    stages = (self_values, appraised_values or {}, survey_values or {})
    for stage, values in zip(STAGES, stages, strict=True):
        accepted: dict[str, str] = {}
        for code, raw in values.items():
            if code not in framework:
                problem = ValueProblem("unknown_criterion", {"criterion": code}, code)
                dropped.append(Dropped(code, stage, raw, problem))
                continue
            try:
                framework.node(code).parse_value(raw, stage)
            except ValueProblem as problem:
                dropped.append(Dropped(code, stage, raw, problem))
            else:
                accepted[code] = raw
        kept.append(accepted)
    return Carried(kept[0], kept[1], kept[2], tuple(dropped))


# ---- comparing the what-if ranking with the real one -------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """One unit's figures in one ranking: `value` is what it is ranked on (index or points)."""

    key: str
    name: str
    value: Decimal | None
    index: Decimal | None
    band: str | None


@dataclass(frozen=True, slots=True)
class Shift:
    """A unit's real and what-if places in its block, with the figures of both."""

    key: str
    name: str
    real_rank: int | None
    what_if_rank: int | None
    real: Standing | None
    what_if: Standing | None

    @property
    def places(self) -> int | None:
        """Places moved in the what-if: positive moves up, negative down, None without a rank."""
        if self.real_rank is None or self.what_if_rank is None:
            return None
        return self.real_rank - self.what_if_rank


def compare(real: Iterable[Standing], what_if: Iterable[Standing]) -> list[Shift]:
    """Rank one block both ways (`rank`: 1, 2, 2, 4; ties by Vietnamese name) and pair them.

    Rows come in the what-if order; a unit found only in the real ranking comes last.
    """
    real_ranked = {item.item.key: item for item in rank(real)}
    rows: list[Shift] = []
    for item in rank(what_if):
        before = real_ranked.pop(item.item.key, None)
        rows.append(
            Shift(
                key=item.item.key,
                name=item.item.name,
                real_rank=before.rank if before else None,
                what_if_rank=item.rank,
                real=before.item if before else None,
                what_if=item.item,
            )
        )
    for before in real_ranked.values():
        rows.append(Shift(before.item.key, before.item.name, before.rank, None, before.item, None))
    return rows
