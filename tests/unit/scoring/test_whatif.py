"""What-if in the core: area weights, values carried to another version, rank shifts."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reform.scoring import (
    Band,
    Standing,
    area_maxima,
    band_for,
    carry_over,
    compare,
    evaluate,
    parse_framework,
    round2,
    score,
    weigh,
)
from reform.scoring.numbers import CONTEXT

from .helpers import build, leaf, parent
from .strategies import KINDS, framework_data, quarter, raw_values

TREES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OTHER_BANDS = (Band(D(95), "Xuất sắc"), Band(D(60), "Đạt"), Band(D(0), "Chưa đạt"))


# ---- properties --------------------------------------------------------------------------


@TREES
@given(st.data())
def test_the_frameworks_own_maxima_give_exactly_the_real_result(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    framework = parse_framework(framework_map)
    card = score(framework, data.draw(st.sampled_from(KINDS)), data.draw(raw_values(framework_map)))
    for weights in (None, {}, area_maxima(framework)):
        weighted = weigh(framework, card, weights)
        assert weighted.points == card.points
        assert weighted.max_points == card.max_points
        assert weighted.index == card.index
        assert weighted.band == card.band
        assert weighted.areas == card.areas


@TREES
@given(st.data(), quarter(1, 40))
def test_the_same_factor_on_every_area_leaves_the_index_unchanged(
    data: st.DataObject, factor: D
) -> None:
    # Bonus and penalty keep their points whatever the weights, so only frameworks without them
    # keep their index; for `result: points` the index is the points and scales with them.
    framework_map = data.draw(framework_data(result="percent", flags=False))
    framework = parse_framework(framework_map)
    card = score(framework, data.draw(st.sampled_from(KINDS)), data.draw(raw_values(framework_map)))
    weights = {code: maximum * factor for code, maximum in area_maxima(framework).items()}
    weighted = weigh(framework, card, weights)
    assert weighted.max_points == card.max_points * factor
    # A ratio's points are a quotient carried to 40 digits: equal up to that last digit, and
    # equal as published.
    assert abs(weighted.points - CONTEXT.multiply(card.points, factor)) < D("1e-30")
    if card.index is None:
        assert weighted.index is None
    else:
        assert round2(weighted.index) == round2(card.index)
    assert weighted.band == card.band


@TREES
@given(st.data())
def test_other_bands_change_only_bands(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    framework = parse_framework(framework_map)
    kind = data.draw(st.sampled_from(KINDS))
    values = data.draw(raw_values(framework_map))
    weights = {
        code: data.draw(quarter(0, 200))
        for code in area_maxima(framework)
        if data.draw(st.booleans())
    }
    card = score(framework, kind, values)
    own = weigh(framework, card, weights)
    other = weigh(framework, card, weights, bands=OTHER_BANDS)
    assert (other.points, other.max_points, other.index, other.areas) == (
        own.points,
        own.max_points,
        own.index,
        own.areas,
    )
    assert other.band == band_for(own.index, OTHER_BANDS)
    # Bands given to the scoring itself do not move a point either.
    real = evaluate(framework, kind, values)
    banded = evaluate(framework, kind, values, bands=OTHER_BANDS)
    assert (banded.points, banded.index, banded.areas) == (real.points, real.index, real.areas)
    assert banded.band == band_for(real.index, OTHER_BANDS)


@TREES
@given(st.data())
def test_weighted_percent_index_stays_within_0_and_100_without_bonus(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data(result="percent", flags=False))
    framework = parse_framework(framework_map)
    card = score(framework, data.draw(st.sampled_from(KINDS)), data.draw(raw_values(framework_map)))
    weights = {code: data.draw(quarter(0, 400)) for code in area_maxima(framework)}
    weighted = weigh(framework, card, weights)
    assume(weighted.index is not None)
    assert D(0) <= weighted.index <= 100
    assert D(0) <= weighted.points <= weighted.max_points


@TREES
@given(st.data())
def test_carried_values_always_score_under_the_other_version(data: st.DataObject) -> None:
    old_map = data.draw(framework_data())
    new_map = data.draw(framework_data())
    new = parse_framework(new_map)
    own = data.draw(raw_values(old_map))
    survey = data.draw(raw_values(old_map))
    carried = carry_over(new, own, {}, survey)
    # Every stored value is either kept or reported, never both and never lost.
    reported = Counter((d.stage, d.criterion) for d in carried.dropped)
    assert reported.keys().isdisjoint(
        {("self", c) for c in carried.self_values} | {("survey", c) for c in carried.survey_values}
    )
    stages = Counter(d.stage for d in carried.dropped)
    assert len(carried.self_values) + stages["self"] == len(own)
    assert len(carried.survey_values) + stages["survey"] == len(survey)
    for dropped in carried.dropped:
        assert dropped.problem.criterion == dropped.criterion
        assert dropped.problem.message and dropped.problem.vi
    evaluate(new, data.draw(st.sampled_from(KINDS)), *carried.stages)


def valid_ranks(ranks: list[int]) -> bool:
    """1, 2, 2, 4: a rank is the first place of its group and the next group starts after it."""
    ordered = sorted(ranks)
    return all(rank == 1 + sum(1 for other in ordered if other < rank) for rank in ordered)


FIGURES = st.one_of(st.none(), st.integers(0, 400).map(lambda k: D(k) / 4))
NAMES = ["An", "Bình", "Đông", "Dương", "Ê", "Ơn", "Phường 2", "Phường 10"]


@FAST
@given(st.lists(st.tuples(st.sampled_from(NAMES), FIGURES, FIGURES), max_size=12))
def test_rank_shifts_are_consistent(rows: list[tuple[str, D | None, D | None]]) -> None:
    real = [Standing(str(i), name, a, a, None) for i, (name, a, _) in enumerate(rows)]
    what_if = [Standing(str(i), name, b, b, None) for i, (name, _, b) in enumerate(rows)]
    shifts = compare(real, what_if)
    assert sorted(s.key for s in shifts) == sorted(s.key for s in real)
    real_ranks = [s.real_rank for s in shifts if s.real_rank is not None]
    new_ranks = [s.what_if_rank for s in shifts if s.what_if_rank is not None]
    assert valid_ranks(real_ranks) and valid_ranks(new_ranks)
    for shift in shifts:
        if shift.real_rank is None or shift.what_if_rank is None:
            assert shift.places is None
        else:
            assert shift.places == shift.real_rank - shift.what_if_rank
    both = [s for s in shifts if s.places is not None]
    assert sum(s.places for s in both) == sum(s.real_rank for s in both) - sum(
        s.what_if_rank for s in both
    )
    # Without ties or missing figures the ranks are a permutation: the moves cancel out.
    complete = all(a is not None and b is not None for _, a, b in rows)
    if complete and len({a for _, a, _ in rows}) == len(rows) == len({b for _, _, b in rows}):
        assert sum(s.places for s in shifts) == 0
    # Rows follow the what-if ranking.
    shown = [s.what_if_rank for s in shifts if s.what_if_rank is not None]
    assert shown == sorted(shown)


# ---- examples worked by hand -------------------------------------------------------------


def two_areas():
    """Area 1 (max 10) and area 2 (max 30, one sub-area capped), a bonus worth 1."""
    return build(
        [
            parent("1", [leaf("1.1", 4), leaf("1.2", 6)]),
            parent(
                "2",
                [leaf("2.1", 20), parent("2.2", [leaf("2.2.1", 10), leaf("2.2.2", 10)], max=10)],
            ),
            leaf("T", 1, {"type": "yesno"}, bonus=True),
        ]
    )


def test_area_maxima_count_capped_subtrees_and_skip_bonus() -> None:
    assert area_maxima(two_areas()) == {"1": D(10), "2": D(30)}


def test_weights_worked_by_hand() -> None:
    framework = two_areas()
    values = {"1.1": "4", "1.2": "5", "2.1": "10", "2.2.1": "5", "2.2.2": "2"}
    card = score(framework, "department", values)
    assert (card.points, card.max_points) == (D(26), D(40))  # 9 of 10 and 17 of 30
    # Area 1 now weighs 30 (×3) and area 2 weighs 15 (×½): 27 + 8.5 = 35.5 of 45.
    weighted = weigh(framework, card, {"1": D(30), "2": D(15)})
    assert weighted.points == D("35.5")
    assert weighted.max_points == D(45)
    assert round2(weighted.index) == D("78.89")
    assert weighted.band == "C"
    assert [(a.code, a.points, a.max) for a in weighted.areas] == [
        ("1", D(27), D(30)),
        ("2", D("8.5"), D(15)),
    ]
    # The bonus is added unscaled.
    with_bonus = weigh(framework, score(framework, "department", {**values, "T": "yes"}), None)
    assert with_bonus.points == D(27)
    scaled = weigh(framework, score(framework, "department", {**values, "T": "yes"}), {"1": 30})
    assert scaled.points == D(27) + D(17) + 1


def test_a_weight_of_zero_takes_the_area_out_of_the_index() -> None:
    framework = two_areas()
    card = score(framework, "department", {"1.1": "4", "1.2": "6", "2.1": "0"})
    weighted = weigh(framework, card, {"2": D(0)})
    assert (weighted.points, weighted.max_points, weighted.index) == (D(10), D(10), D(100))


def test_weights_refused() -> None:
    framework = two_areas()
    card = score(framework, "department", {})
    with pytest.raises(ValueError):
        weigh(framework, card, {"1": D(-1)})
    with pytest.raises(ValueError):
        weigh(framework, card, {"T": D(2)})
    with pytest.raises(ValueError):
        weigh(framework, card, {"9": D(2)})


def test_an_area_that_does_not_apply_stays_out() -> None:
    framework = build(
        [
            parent("1", [leaf("1.1", 10)]),
            parent("2", [leaf("2.1", 10)], applies_to=["ward"]),
        ]
    )
    card = score(framework, "department", {"1.1": "5"})
    weighted = weigh(framework, card, {"2": D(90)})
    assert (weighted.points, weighted.max_points, weighted.index) == (D(5), D(10), D(50))


def test_points_frameworks_rank_on_weighted_points() -> None:
    framework = build(
        [parent("1", [leaf("1.1", 10)]), parent("2", [leaf("2.1", 10)])], result="points"
    )
    card = score(framework, "department", {"1.1": "5", "2.1": "10"})
    weighted = weigh(framework, card, {"1": D(20)})
    assert weighted.points == weighted.index == D(20)


def test_carry_over_reports_what_the_other_version_cannot_take() -> None:
    new = build(
        [
            parent(
                "1",
                [
                    leaf("1.1", 2, {"type": "choice", "options": [{"label": "Có", "points": 2}]}),
                    leaf("1.3", 1),
                ],
            ),
            parent("3", [leaf("3.1", 4, {"type": "manual"})]),
        ]
    )
    carried = carry_over(
        new,
        {"1.1": "Đúng hạn", "1.2": "yes", "1.3": "1"},
        {"1.3": "0.5"},
        {"3.1": "3.5"},
    )
    assert carried.self_values == {"1.3": "1"}
    assert carried.appraised_values == {"1.3": "0.5"}
    assert carried.survey_values == {}
    reasons = {(d.stage, d.criterion): d.problem.code for d in carried.dropped}
    assert reasons == {
        ("self", "1.1"): "unknown_option",
        ("self", "1.2"): "unknown_criterion",
        ("survey", "3.1"): "not_a_survey_criterion",
    }
    assert "1.2" in next(d for d in carried.dropped if d.criterion == "1.2").problem.vi


def test_compare_pairs_real_and_what_if_ranks() -> None:
    real = [
        Standing("SA", "Sở An", D("92.11"), D("92.11"), "A"),
        Standing("SDT", "Sở Dân tộc", D("89.47"), D("89.47"), "B"),
        Standing("SDL", "Sở Điện lực", D("89.47"), D("89.47"), "B"),
        Standing("SCT", "Sở Công thương", D("86.84"), D("86.84"), "B"),
    ]
    what_if = [
        Standing("SA", "Sở An", D(80), D(80), "B"),
        Standing("SDT", "Sở Dân tộc", D(85), D(85), "B"),
        Standing("SDL", "Sở Điện lực", D(90), D(90), "A"),
        Standing("SCT", "Sở Công thương", D(85), D(85), "B"),
    ]
    rows = [(s.key, s.real_rank, s.what_if_rank, s.places) for s in compare(real, what_if)]
    # Công thương before Dân tộc in their tie: C before D.
    assert rows == [
        ("SDL", 2, 1, 1),
        ("SCT", 4, 2, 2),
        ("SDT", 2, 2, 0),
        ("SA", 1, 4, -3),
    ]
