"""Aggregation: from criterion values to node points, applicable max, index and band."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from decimal import localcontext as _localcontext
from typing import Any, Final

from reform.scoring.bands import band_for
from reform.scoring.framework import Band, Framework, Node
from reform.scoring.numbers import CONTEXT, fmt2
from reform.scoring.values import NA, Value, ValueProblem

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)

RawOrValue = Value | str


@dataclass(frozen=True, slots=True)
class NodeScore:
    """A node's outcome for one unit: points, applicable max, and whether it applies at all."""

    code: str
    points: Decimal
    max: Decimal
    applicable: bool


@dataclass(frozen=True, slots=True)
class AreaScore:
    """A top-level node that is neither bonus nor penalty, with its component index."""

    code: str
    points: Decimal
    max: Decimal
    index: Decimal | None
    applicable: bool


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One unit scored against a framework; every figure exact (round only to display)."""

    points: Decimal
    max_points: Decimal
    index: Decimal | None
    band: str | None
    areas: tuple[AreaScore, ...]
    nodes: Mapping[str, NodeScore]
    survey_points: Decimal
    bonus_points: Decimal
    penalty_points: Decimal
    # The same figures over what a unit scores itself: survey criteria left out of the points
    # and of the max, as if they did not apply. A self-assessment holds no survey value, so its
    # index against the whole max would count the survey points as lost (65,45% for a ward
    # that scored every point it could).
    self_points: Decimal = ZERO
    self_max_points: Decimal = ZERO
    self_index: Decimal | None = None
    self_band: str | None = None
    missing: tuple[str, ...] = field(default=())

    def node(self, code: str) -> NodeScore:
        """The score of one node."""
        return self.nodes[code]

    @property
    def applicable(self) -> bool:
        """Whether anything in the framework applies to the unit."""
        return self.max_points > 0


class _Run:
    """State of one scoring pass over the tree."""

    __slots__ = (
        "unit_kind",
        "values",
        "nodes",
        "survey",
        "missing",
        "survey_codes",
        "scorable",
        "last_scorable",
    )

    def __init__(self, unit_kind: str, values: Mapping[str, RawOrValue], survey: frozenset[str]):
        self.unit_kind = unit_kind
        self.values = values
        self.nodes: dict[str, NodeScore] = {}
        self.survey = ZERO
        self.missing: list[str] = []
        self.survey_codes = survey
        # Points and max of each node with survey criteria left out; absent: nothing scorable.
        self.scorable: dict[str, tuple[Decimal, Decimal]] = {}
        self.last_scorable: tuple[Decimal, Decimal] | None = None

    def out(self, node: Node) -> NodeScore:
        """Mark a node and its whole subtree not applicable."""
        for each in node.walk():
            self.nodes[each.code] = NodeScore(each.code, ZERO, ZERO, False)
        return self.nodes[node.code]

    def value(self, node: Node) -> Value | None:
        """The node's parsed value, parsing raw text on the way."""
        value = self.values.get(node.code)
        if value is None:
            return None
        if isinstance(value, str):
            # Choice values are their labels; parsing a label gives the label back.
            return node.parse_value(value)
        if value is NA and not node.allow_na:
            raise ValueProblem("na_not_allowed", criterion=node.code)
        if value is not NA and not node.is_leaf:
            raise ValueProblem("not_a_leaf", criterion=node.code)
        return value

    def score(self, node: Node) -> NodeScore:
        """Score a node (recursively) and record it."""
        if node.applies_to is not None and self.unit_kind not in node.applies_to:
            return self.out(node)
        value = self.value(node)
        if value is NA:
            return self.out(node)
        if node.rule is not None:
            if value is None:
                self.missing.append(node.code)
                result = NodeScore(node.code, ZERO, node.max, True)  # type: ignore[arg-type]
            else:
                try:
                    points = node.rule.points(value)
                except ValueProblem as problem:
                    raise problem.for_criterion(node.code) from None
                if points is NA:
                    return self.out(node)
                result = NodeScore(node.code, points, node.max, True)  # type: ignore[arg-type]
                if node.code in self.survey_codes:
                    self.survey += points  # type: ignore[operator]
            if node.code not in self.survey_codes:
                self.scorable[node.code] = (result.points, result.max)
            self.nodes[node.code] = result
            return result
        points, maximum, _, _, applicable = self.combine(node.children, node.max)
        if not applicable:
            return self.out(node)
        if self.last_scorable is not None:
            self.scorable[node.code] = self.last_scorable
        result = NodeScore(node.code, points, maximum, True)
        self.nodes[node.code] = result
        return result

    def combine(
        self, children: Iterable[Node], cap: Decimal | None
    ) -> tuple[Decimal, Decimal, Decimal, Decimal, bool]:
        """Points, applicable max, bonus and penalty of a set of siblings under an optional cap.

        The same sum with survey criteria left out is kept in `last_scorable` (None when no
        sibling has anything a unit scores itself), so one pass gives both.
        """
        gained = ZERO
        maximum = ZERO
        bonus = ZERO
        penalty = ZERO
        applicable = False
        own_gained = own_max = own_bonus = own_penalty = ZERO
        own_applicable = False
        for child in children:
            scored = self.score(child)
            if not scored.applicable:
                continue
            applicable = True
            own = self.scorable.get(child.code)
            own_applicable = own_applicable or own is not None
            own_points, own_most = own or (ZERO, ZERO)
            if child.penalty:
                penalty += scored.points
                own_penalty += own_points
            elif child.bonus:
                bonus += scored.points
                own_bonus += own_points
            else:
                gained += scored.points
                maximum += scored.max
                own_gained += own_points
                own_max += own_most
        points = gained + bonus - penalty
        own_total = own_gained + own_bonus - own_penalty
        if cap is not None:
            points = min(points, cap)
            maximum = min(maximum, cap)
            own_total = min(own_total, cap)
            own_max = min(own_max, cap)
        # A penalty never takes a node (or the total) below 0.
        self.last_scorable = (max(own_total, ZERO), own_max) if own_applicable else None
        return max(points, ZERO), maximum, bonus, penalty, applicable


def _index(framework: Framework, points: Decimal, maximum: Decimal) -> Decimal | None:
    """points ÷ applicable max × 100 for percent frameworks, the points themselves otherwise."""
    if maximum <= 0:
        return None
    if framework.result == "points":
        return points
    return CONTEXT.divide(CONTEXT.multiply(points, HUNDRED), maximum)


def score(
    framework: Framework,
    unit_kind: str,
    values: Mapping[str, RawOrValue],
    *,
    bands: Iterable[Band] | None = None,
) -> Scorecard:
    """Score one unit of a kind from values keyed by criterion code (parsed or raw strings).

    Raw strings are parsed with each node's rule (ValueProblem names the criterion). Nodes that do
    not apply to the unit kind ignore their values. The total is the sum of the top-level nodes,
    bonus added and penalty subtracted, and never below 0; max_points excludes bonus and penalty
    nodes. `bands` overrides the framework's bands (a block's own thresholds).
    """
    unknown = [code for code in values if code not in framework]
    if unknown:
        raise ValueProblem("unknown_criterion", {"criterion": unknown[0]}, unknown[0])
    run = _Run(unit_kind, values, framework.survey_codes)
    with _localcontext(CONTEXT):
        points, maximum, bonus, penalty, _ = run.combine(framework.criteria, None)
        self_points, self_max = run.last_scorable or (ZERO, ZERO)
        self_index = _index(framework, self_points, self_max)
        areas = tuple(
            _area(framework, run.nodes[node.code])
            for node in framework.criteria
            if not (node.bonus or node.penalty)
        )
        index = _index(framework, points, maximum)
    thresholds = framework.bands if bands is None else bands
    return Scorecard(
        points=points,
        max_points=maximum,
        index=index,
        band=band_for(index, thresholds),
        areas=areas,
        nodes=run.nodes,
        survey_points=run.survey,
        bonus_points=bonus,
        penalty_points=penalty,
        self_points=self_points,
        self_max_points=self_max,
        self_index=self_index,
        self_band=band_for(self_index, thresholds),
        missing=tuple(run.missing),
    )


def _area(framework: Framework, scored: NodeScore) -> AreaScore:
    """The component figures of one area."""
    index = _index(framework, scored.points, scored.max) if scored.applicable else None
    return AreaScore(scored.code, scored.points, scored.max, index, scored.applicable)


def combine(
    self_values: Mapping[str, RawOrValue],
    appraised_values: Mapping[str, RawOrValue] | None = None,
    survey_values: Mapping[str, RawOrValue] | None = None,
) -> dict[str, RawOrValue]:
    """The current values: per criterion the appraised value where one exists, else the self one.

    Survey values are keyed by survey criteria, which the other stages never hold (the stage
    check in `Node.parse_value` refuses them), so merging them last cannot hide anything.
    """
    current: dict[str, RawOrValue] = dict(self_values)
    current.update(appraised_values or {})
    current.update(survey_values or {})
    return current


@dataclass(frozen=True, slots=True)
class UnitResult:
    """The figures a results table shows for one unit (contract 3.3), exact."""

    self_points: Decimal
    appraised_points: Decimal | None
    survey_points: Decimal
    points: Decimal
    max_points: Decimal
    index: Decimal | None
    band: str | None
    areas: tuple[AreaScore, ...]
    scorecard: Scorecard

    def as_dict(self) -> dict[str, Any]:
        """The published figures as 2-place strings (null where there is no figure)."""

        def show(value: Decimal | None) -> str | None:
            return None if value is None else fmt2(value)

        return {
            "self_points": fmt2(self.self_points),
            "appraised_points": show(self.appraised_points),
            "survey_points": fmt2(self.survey_points),
            "points": fmt2(self.points),
            "max_points": fmt2(self.max_points),
            "index": show(self.index),
            "band": self.band,
            "areas": [
                {
                    "code": area.code,
                    "points": fmt2(area.points),
                    "max_points": fmt2(area.max),
                    "index": show(area.index),
                }
                for area in self.areas
            ],
        }


def evaluate(
    framework: Framework,
    unit_kind: str,
    self_values: Mapping[str, RawOrValue],
    appraised_values: Mapping[str, RawOrValue] | None = None,
    survey_values: Mapping[str, RawOrValue] | None = None,
    *,
    bands: Iterable[Band] | None = None,
    own_card: Scorecard | None = None,
    appraised_card: Scorecard | None = None,
) -> UnitResult:
    """All stage figures of one unit: self, appraised (None before any appraisal), survey, current.

    Self and appraised figures count non-survey criteria only (survey criteria count 0); the
    appraised figure takes the council's value where it set one and the unit's elsewhere, and is
    None before any appraisal. Survey criteria take their values from `survey_values` only.
    `points`, `index` and `band` come from the current values (see `combine`), survey included.
    """
    surveys = framework.survey_codes
    own = {code: value for code, value in self_values.items() if code not in surveys}
    appraised = {
        code: value for code, value in (appraised_values or {}).items() if code not in surveys
    }
    survey = {code: value for code, value in (survey_values or {}).items() if code in surveys}
    # A caller that already scored the unit's own values or the council's (non-survey criteria,
    # the same bands) hands those cards in: a save then scores the unit once, not three times.
    if own_card is None:
        own_card = score(framework, unit_kind, own, bands=bands)
    if appraised and appraised_card is None:
        appraised_card = score(framework, unit_kind, combine(own, appraised), bands=bands)
    if survey:
        current = score(framework, unit_kind, combine(own, appraised, survey), bands=bands)
    else:
        current = appraised_card if appraised else own_card
    return UnitResult(
        self_points=own_card.points,
        # The council's total: its value where it set one, the unit's elsewhere (contract 3.3:
        # points = appraised_points + survey_points).
        appraised_points=appraised_card.points if appraised else None,
        survey_points=current.survey_points,
        points=current.points,
        max_points=current.max_points,
        index=current.index,
        band=current.band,
        areas=current.areas,
        scorecard=current,
    )
