"""Task results (Decree 335/2025): the three percentages, the 25 % deductions, the task rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reform.scoring import (
    FrameworkError,
    Product,
    TaskSheet,
    ValueProblem,
    framework_to_dict,
    parse_framework,
    percentages,
    score,
)
from reform.scoring.tasks import TaskPercentages, average, blend

from .helpers import framework_dict, leaf, load_sample, parent

FAST = settings(max_examples=200, deadline=None)
D = Decimal

weights = st.integers(1, 400).map(lambda k: Decimal(k) / 4)
counts = st.integers(0, 6)
products = st.builds(
    Product,
    weight=weights,
    completed=st.booleans(),
    quality_met=st.booleans(),
    errors=counts,
    delays=counts,
    objective=st.booleans(),
)
product_lists = st.lists(products, min_size=1, max_size=12)
shares = st.integers(0, 100).map(lambda k: Decimal(k) / 100)


TINY = D("1e-30")


def close(a: Decimal, b: Decimal) -> bool:
    """Equal to far more places than any figure shows (a third is carried to 40 digits)."""
    return abs(a - b) < D("1e-20")


def individual(rule: dict, max_points=70, **top) -> object:
    """A one-area individual framework around a task leaf."""
    bands = [
        {"min": 90, "label": "Hoàn thành xuất sắc nhiệm vụ"},
        {"min": 70, "label": "Hoàn thành tốt nhiệm vụ"},
        {"min": 50, "label": "Hoàn thành nhiệm vụ"},
        {"min": 0, "label": "Không hoàn thành nhiệm vụ"},
    ]
    data = framework_dict(
        [parent("B", [leaf("B.1", max_points, rule)])],
        kind="individual",
        result="points",
        bands=bands,
        **top,
    )
    return parse_framework(data)


# ---- the worked examples -----------------------------------------------------------------


def test_everything_done_well_and_on_time_is_one_hundred_percent():
    figures = percentages([Product(D(2)), Product(D(1)), Product(D("0.5"))])
    assert figures == TaskPercentages(D(100), D(100), D(100))


def test_each_major_error_takes_a_quarter_of_that_products_quality():
    # Weights 3 and 1: the product of weight 1 had one major error → 0.75 of its quality.
    figures = percentages([Product(D(3)), Product(D(1), errors=1)])
    assert figures.quality == D("93.75")  # 100 × (3 + 0.75) ÷ 4
    assert figures.quantity == D(100) and figures.progress == D(100)
    two = percentages([Product(D(3)), Product(D(1), errors=2)])
    assert two.quality == D("87.5")  # 100 × (3 + 0.5) ÷ 4


def test_each_delay_takes_a_quarter_of_that_products_progress():
    figures = percentages([Product(D(3)), Product(D(1), delays=1)])
    assert figures.progress == D("93.75")
    assert figures.quality == D(100)
    late = percentages([Product(D(1), delays=5)])
    assert late.progress == D(0)  # never below 0


def test_an_objective_cause_deducts_nothing():
    counted = percentages([Product(D(1), errors=1, delays=1)])
    excused = percentages([Product(D(1), errors=1, delays=1, objective=True)])
    assert (counted.quality, counted.progress) == (D(75), D(75))
    assert excused == TaskPercentages(D(100), D(100), D(100))


def test_unfinished_and_unmet_products_count_for_nothing_in_their_measures():
    figures = percentages([Product(D(1)), Product(D(1), completed=False)])
    assert figures == TaskPercentages(D(50), D(50), D(50))
    unmet = percentages([Product(D(1)), Product(D(1), quality_met=False)])
    assert unmet == TaskPercentages(D(100), D(50), D(100))


def test_a_period_without_products_has_no_percentages():
    with pytest.raises(ValueProblem) as caught:
        percentages([])
    assert caught.value.code == "no_tasks"
    with pytest.raises(ValueProblem):
        percentages([Product(D(0))])
    with pytest.raises(ValueProblem):
        percentages([Product(D(1), errors=-1)])


def test_task_results_give_seventy_times_the_mean_of_the_three():
    framework = individual({"type": "task_results"})
    sheet = TaskSheet((Product(D(3)), Product(D(1), errors=1, delays=1)))
    card = score(framework, "staff", {"B.1": sheet})
    # (100 + 93.75 + 93.75) ÷ 3 = 95.8333…; × 70 ÷ 100
    assert close(card.node("B.1").points, D(70) * (D(100) + D("93.75") * 2) / 3 / 100)


def test_the_three_measures_can_each_carry_points():
    framework = parse_framework(
        framework_dict(
            [
                parent(
                    "B",
                    [
                        leaf("B.1", 20, {"type": "task_quantity"}),
                        leaf("B.2", 25, {"type": "task_quality"}),
                        leaf("B.3", 25, {"type": "task_progress"}),
                    ],
                )
            ],
            kind="individual",
            result="points",
            bands=[
                {"min": 90, "label": "XS"},
                {"min": 70, "label": "T"},
                {"min": 50, "label": "HT"},
                {"min": 0, "label": "KHT"},
            ],
        )
    )
    sheet = TaskSheet((Product(D(1)), Product(D(1), completed=False)))
    card = score(framework, "staff", {code: sheet for code in ("B.1", "B.2", "B.3")})
    assert [card.node(c).points for c in ("B.1", "B.2", "B.3")] == [D(10), D("12.5"), D("12.5")]


def test_a_leader_also_takes_the_results_of_those_they_lead():
    framework = individual({"type": "task_results", "leader_unit_share": 0.5})
    own = (Product(D(1)),)  # 100 % on every measure
    led = TaskPercentages(D(60), D(60), D(60))
    leader = score(framework, "staff", {"B.1": TaskSheet(own, led)})
    assert leader.node("B.1").points == D(56)  # 70 × (0.5 × 100 + 0.5 × 60) ÷ 100
    alone = score(framework, "staff", {"B.1": TaskSheet(own)})
    assert alone.node("B.1").points == D(70)
    # The setting at 0: leaders are measured like everyone else.
    plain = individual({"type": "task_results"})
    assert score(plain, "staff", {"B.1": TaskSheet(own, led)}).node("B.1").points == D(70)


def test_task_criteria_take_no_typed_value():
    framework = individual({"type": "task_results"})
    with pytest.raises(ValueProblem) as caught:
        framework.node("B.1").parse_value("70")
    assert caught.value.code == "task_computed"
    assert "sản phẩm, công việc" in caught.value.vi


def test_task_rules_round_trip_with_their_settings():
    rule = {
        "type": "task_results",
        "per_fault": 0.2,
        "leader_unit_share": 0.3,
        "weights": {"quantity": 1, "quality": 2, "progress": 1},
    }
    framework = individual(rule)
    assert framework_to_dict(framework)["criteria"][0]["children"][0]["rule"] == rule
    assert parse_framework(framework_to_dict(framework)) == framework


def test_task_rules_belong_to_individual_frameworks_only():
    with pytest.raises(FrameworkError) as caught:
        parse_framework(framework_dict([leaf("1", 70, {"type": "task_results"})]))
    assert [p.kind for p in caught.value.problems] == ["task_rule_kind"]


def test_the_shipped_decree_335_sheet_scores_a_period():
    framework = load_sample("cc-335-2026.yaml")
    assert framework.kind == "individual" and framework.result == "points"
    values = {f"A.{n}": "6" for n in range(1, 6)}
    values["B.1"] = TaskSheet((Product(D(3)), Product(D(1), errors=1)))
    card = score(framework, "staff", values)
    # 30 + 70 × (100 + 93.75 + 100) ÷ 300
    assert close(card.points, D(30) + D(70) * (D(100) + D("93.75") + D(100)) / 300)
    assert card.band == "Hoàn thành xuất sắc nhiệm vụ"


# ---- properties --------------------------------------------------------------------------


@FAST
@given(product_lists)
def test_percentages_lie_between_0_and_100_and_quality_and_progress_never_exceed_quantity(items):
    figures = percentages(items)
    for value in (figures.quantity, figures.quality, figures.progress):
        assert D(0) <= value <= D(100)
    assert figures.quality <= figures.quantity
    assert figures.progress <= figures.quantity


@FAST
@given(product_lists, st.integers(1, 50))
def test_converting_every_weight_by_the_same_factor_changes_nothing(items, factor):
    scaled = [
        Product(p.weight * factor, p.completed, p.quality_met, p.errors, p.delays, p.objective)
        for p in items
    ]
    assert percentages(scaled) == percentages(items)


@FAST
@given(product_lists, st.data())
def test_one_more_counted_error_takes_a_quarter_of_that_product_and_no_more(items, data):
    index = data.draw(st.integers(0, len(items) - 1))
    p = items[index]
    worse = Product(p.weight, p.completed, p.quality_met, p.errors + 1, p.delays, p.objective)
    changed = [*items[:index], worse, *items[index + 1 :]]
    before, after = percentages(items), percentages(changed)
    assigned = sum((item.weight for item in items), D(0))
    assert after.quality <= before.quality
    assert (before.quality - after.quality) - D(25) * p.weight / assigned <= TINY
    assert (after.quantity, after.progress) == (before.quantity, before.progress)
    if p.objective:
        assert after == before


@FAST
@given(product_lists, st.data())
def test_one_more_counted_delay_lowers_only_progress(items, data):
    index = data.draw(st.integers(0, len(items) - 1))
    p = items[index]
    worse = Product(p.weight, p.completed, p.quality_met, p.errors, p.delays + 1, p.objective)
    changed = [*items[:index], worse, *items[index + 1 :]]
    before, after = percentages(items), percentages(changed)
    assert after.progress <= before.progress
    assert (after.quantity, after.quality) == (before.quantity, before.quality)


@FAST
@given(product_lists, shares, st.sampled_from(["task_results", "task_quantity", "task_quality"]))
def test_task_points_lie_within_zero_and_max(items, share, rule_type):
    framework = individual({"type": rule_type, "leader_unit_share": float(share)})
    card = score(framework, "staff", {"B.1": TaskSheet(tuple(items))})
    assert D(0) <= card.node("B.1").points <= D(70)


@FAST
@given(product_lists, product_lists, shares)
def test_a_leaders_figures_lie_between_their_own_and_those_they_lead(own, others, share):
    mine = percentages(own)
    led = percentages(others)
    mixed = blend(mine, led, share)
    for name in ("quantity", "quality", "progress"):
        low, high = sorted((mine.measure(name), led.measure(name)))
        # Within the last digit of the 40 carried (non-terminating quotients).
        assert low - mixed.measure(name) <= TINY and mixed.measure(name) - high <= TINY


@FAST
@given(st.lists(product_lists, min_size=1, max_size=6))
def test_the_average_of_a_team_lies_within_its_members(teams):
    figures = [percentages(items) for items in teams]
    mean = average(figures)
    for name in ("quantity", "quality", "progress"):
        values = [f.measure(name) for f in figures]
        found = mean.measure(name)
        assert min(values) - found <= TINY and found - max(values) <= TINY
    assert average([]) is None
