"""Property tests: bounds, monotonicity, order independence, N/A isolation, ranking invariants."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reform.scoring import NA, Entry, ValueProblem, parse_framework, rank, round2, score

from .helpers import build, leaf
from .strategies import (
    ANY_TEXT,
    KINDS,
    framework_data,
    raw_values,
    rule_and_max,
    valid_raw,
    walk,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TREES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def single_rule(rule: dict[str, Any], maximum: Decimal):
    """The parsed rule of a one-leaf framework."""
    framework = build([leaf("1", str(maximum), rule)])
    return framework.criteria[0].rule


@FAST
@given(st.data())
def test_points_within_zero_and_max(data: st.DataObject) -> None:
    rule_map, maximum = data.draw(rule_and_max())
    rule = single_rule(rule_map, maximum)
    raw = data.draw(st.one_of(ANY_TEXT, valid_raw(rule_map, maximum)))
    try:
        value = rule.parse(raw, allow_na=data.draw(st.booleans()))
    except ValueProblem as problem:
        assert problem.code and problem.message and problem.vi
        return
    points = rule.points(value)
    assert points is NA or Decimal(0) <= points <= maximum


@FAST
@given(st.data())
def test_valid_values_always_parse(data: st.DataObject) -> None:
    rule_map, maximum = data.draw(rule_and_max())
    rule = single_rule(rule_map, maximum)
    rule.points(rule.parse(data.draw(valid_raw(rule_map, maximum))))


@FAST
@given(st.data(), st.integers(1, 200))
def test_ratio_monotone_in_n(data: st.DataObject, d: int) -> None:
    rule_map, maximum = data.draw(rule_and_max(("ratio",), increasing=True))
    rule = single_rule(rule_map, maximum)
    low = data.draw(st.integers(0, d))
    high = data.draw(st.integers(low, d))
    assert rule.points(rule.parse(f"{low}/{d}")) <= rule.points(rule.parse(f"{high}/{d}"))


@FAST
@given(st.data(), st.integers(0, 500), st.integers(0, 500))
def test_number_tiers_monotone(data: st.DataObject, a: int, b: int) -> None:
    rule_map, maximum = data.draw(rule_and_max(("number",), increasing=True))
    rule = single_rule(rule_map, maximum)
    low, high = sorted((a, b))
    assert rule.points(Decimal(low) / 4) <= rule.points(Decimal(high) / 4)


@FAST
@given(st.data(), st.randoms(use_true_random=False))
def test_tiers_score_alike_in_any_listed_order(
    data: st.DataObject, generator: random.Random
) -> None:
    # Official annexes list tiers from the highest down; a file may keep their order.
    rule_map, maximum = data.draw(rule_and_max(("ratio", "number")))
    assume(rule_map.get("tiers"))
    listed = dict(rule_map, tiers=list(rule_map["tiers"]))
    generator.shuffle(listed["tiers"])
    if data.draw(st.booleans()):
        listed["tiers"].sort(key=lambda tier: -Decimal(str(tier["min"])))
    sorted_rule = single_rule(rule_map, maximum)
    listed_rule = single_rule(listed, maximum)
    assert listed_rule == sorted_rule
    raw = data.draw(valid_raw(rule_map, maximum))
    assert listed_rule.points(listed_rule.parse(raw)) == sorted_rule.points(sorted_rule.parse(raw))


@FAST
@given(st.data(), st.integers(0, 100), st.integers(0, 100))
def test_deduction_never_rises_and_never_below_zero(data: st.DataObject, a: int, b: int) -> None:
    rule_map, maximum = data.draw(rule_and_max(("deduction",)))
    rule = single_rule(rule_map, maximum)
    low, high = sorted((a, b))
    assert Decimal(0) <= rule.points(high) <= rule.points(low) <= maximum


def shuffled(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """The same framework with every list of siblings in another order."""
    generator = random.Random(seed)
    copied = copy.deepcopy(data)

    def mix(nodes: list[dict[str, Any]]) -> None:
        generator.shuffle(nodes)
        for node in nodes:
            mix(node.get("children", []))

    mix(copied["criteria"])
    return copied


@TREES
@given(st.data(), st.integers(0, 2**32))
def test_order_of_children_and_values_does_not_matter(data: st.DataObject, seed: int) -> None:
    framework_map = data.draw(framework_data())
    values = data.draw(raw_values(framework_map))
    kind = data.draw(st.sampled_from(KINDS))
    first = score(parse_framework(framework_map), kind, values)
    items = list(values.items())
    random.Random(seed).shuffle(items)
    second = score(parse_framework(shuffled(framework_map, seed)), kind, dict(items))
    assert first.nodes == second.nodes
    assert (first.points, first.max_points, first.index, first.band) == (
        second.points,
        second.max_points,
        second.index,
        second.band,
    )
    assert {a.code: a for a in first.areas} == {a.code: a for a in second.areas}


@TREES
@given(st.data())
def test_na_on_one_criterion_leaves_other_criteria_alone(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    leaves = [node for node in walk(framework_map["criteria"]) if "rule" in node]
    target = data.draw(st.sampled_from(leaves))
    target["allow_na"] = True
    framework = parse_framework(framework_map)
    values = data.draw(raw_values(framework_map))
    values.pop(target["code"], None)
    kind = data.draw(st.sampled_from(KINDS))
    before = score(framework, kind, values)
    after = score(framework, kind, {**values, target["code"]: "na"})
    assert not after.node(target["code"]).applicable
    for node in leaves:
        if node is not target:
            assert after.node(node["code"]) == before.node(node["code"])


@TREES
@given(st.data())
def test_percent_index_within_0_and_100_without_bonus(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data(result="percent"))
    for node in walk(framework_map["criteria"]):
        node.pop("bonus", None)
    framework = parse_framework(framework_map)
    card = score(framework, data.draw(st.sampled_from(KINDS)), data.draw(raw_values(framework_map)))
    assume(card.index is not None)
    assert Decimal(0) <= card.index <= 100
    assert Decimal(0) <= card.points <= card.max_points
    for area in card.areas:
        assert area.index is None or Decimal(0) <= area.index <= 100


VALUES = st.one_of(
    st.none(),
    st.integers(0, 10_000).map(lambda k: Decimal(k) / 100),
    st.integers(0, 10**6).map(lambda k: Decimal(k) / 10**4),
)


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(["An", "Bình", "Đông", "Dương", "Ê", "Ơn"]), VALUES), max_size=12
    )
)
def test_ranking_invariants(rows: list[tuple[str, Decimal | None]]) -> None:
    entries = [Entry(str(i), name, value) for i, (name, value) in enumerate(rows)]
    ranked = rank(entries)
    assert sorted(r.item.key for r in ranked) == sorted(e.key for e in entries)
    shown = [round2(e.value) for e in entries if e.value is not None]
    for position, item in enumerate(ranked):
        if item.item.value is None:
            assert item.rank is None
            assert all(later.rank is None for later in ranked[position:])
            continue
        mine = round2(item.item.value)
        assert item.rank == 1 + sum(1 for other in shown if other > mine)
        if item.rank == 1:
            assert mine == max(shown)
    for before, after in zip(ranked, ranked[1:], strict=False):
        if before.rank is not None and after.rank is not None:
            assert before.rank <= after.rank
            if before.shown == after.shown:
                assert before.rank == after.rank


@TREES
@given(st.data())
def test_evaluate_with_cards_already_scored_gives_the_same_figures(data: st.DataObject) -> None:
    # A save scores the unit's own values (and the council's) once and hands the cards to
    # evaluate; the figures must be exactly those of scoring from scratch.
    from reform.scoring import combine, evaluate, parse_bands

    framework_map = data.draw(framework_data())
    framework = parse_framework(framework_map)
    own = data.draw(raw_values(framework_map))
    council = {
        code: value
        for code, value in data.draw(raw_values(framework_map)).items()
        if data.draw(st.booleans())
    }
    kind = data.draw(st.sampled_from(KINDS))
    bands = data.draw(
        st.sampled_from([None, parse_bands([{"min": 60, "label": "X"}, {"min": 0, "label": "Y"}])])
    )
    fresh = evaluate(framework, kind, own, council, bands=bands)
    # The cards a caller holds are of the stages' own criteria (survey ones count 0 there).
    own = {c: v for c, v in own.items() if c not in framework.survey_codes}
    council = {c: v for c, v in council.items() if c not in framework.survey_codes}
    own_card = score(framework, kind, own, bands=bands)
    council_card = score(framework, kind, combine(own, council), bands=bands)
    reused = evaluate(
        framework, kind, own, council, bands=bands, own_card=own_card, appraised_card=council_card
    )
    assert reused.as_dict() == fresh.as_dict()
    assert reused.scorecard.nodes == fresh.scorecard.nodes
