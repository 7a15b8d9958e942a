"""Criteria that lose the most points across a block, and the heat levels of indices."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform.scoring import (
    criterion_losses,
    criterion_order,
    heat_level,
    parse_framework,
    score,
    share_of,
)

from .helpers import framework_dict, leaf, parent
from .strategies import KINDS, framework_data, raw_values
from .test_differential import leaf_points

# ---- a small framework, by hand ------------------------------------------------------------

HAND = framework_dict(
    [
        parent(
            "1",
            [
                leaf(
                    "1.1",
                    2,
                    {
                        "type": "choice",
                        "options": [
                            {"label": "Đúng hạn", "points": 2},
                            {"label": "Chậm", "points": 1},
                        ],
                    },
                ),
                leaf("1.2", 1, {"type": "yesno"}),
                leaf("1.10", 3, {"type": "manual", "step": 0.5}, applies_to=["ward"]),
            ],
        ),
        parent("2", [leaf("2.1", 4, {"type": "deduction", "per_item": 1})], allow_na=True),
        leaf("T", 5, {"type": "manual"}, bonus=True),
        leaf("P", 2, {"type": "manual", "step": 0.5}, penalty=True),
    ]
)


def hand_cards():
    fw = parse_framework(HAND)
    units = [
        ("department", {"1.1": "Chậm", "1.2": "yes", "2.1": "1", "T": "5", "P": "0.5"}),
        ("department", {"1.1": "Đúng hạn", "1.2": "no", "2": "na", "P": "0"}),
        # No value for 1.2: it loses its whole max, as it counts 0 in the index.
        ("ward", {"1.1": "Đúng hạn", "1.10": "1.5", "2.1": "3", "P": "2"}),
    ]
    return fw, [score(fw, kind, values) for kind, values in units]


def test_losses_of_a_small_block_by_hand():
    fw, cards = hand_cards()
    losses = {item.code: item for item in criterion_losses(fw, cards)}
    # The bonus criterion is never a loss.
    assert set(losses) == {"1.1", "1.2", "1.10", "2.1", "P"}
    assert [item.code for item in criterion_losses(fw, cards)] == ["2.1", "P", "1.2", "1.10", "1.1"]
    deduction = losses["2.1"]
    # 2.1 applies to two units (the second declared area 2 not applicable): 1 + 3 of 8 lost.
    assert (deduction.units, deduction.losing) == (2, 2)
    assert (deduction.max_points, deduction.points, deduction.lost) == (D(8), D(4), D(4))
    assert deduction.average_lost == D(2) and deduction.share_lost == D(50)
    assert (deduction.area, deduction.area_name) == ("2", "Lĩnh vực 2")
    penalty = losses["P"]
    # A penalty loses what it takes away: 0.5 + 0 + 2 of at most 6.
    assert penalty.penalty and (penalty.units, penalty.losing) == (3, 2)
    assert (penalty.max_points, penalty.lost) == (D(6), D("2.5"))
    assert round(penalty.share_lost, 10) == round(D("2.5") * 100 / 6, 10)
    report = losses["1.2"]
    assert (report.units, report.losing, report.lost) == (3, 2, D(2))
    plan = losses["1.1"]
    assert (plan.losing, plan.lost, plan.points) == (1, D(1), D(5))
    ward_only = losses["1.10"]
    assert (ward_only.units, ward_only.losing, ward_only.lost) == (1, 1, D("1.5"))
    assert ward_only.share_lost == D(50)


def test_ties_go_by_code_in_natural_order():
    fw = parse_framework(
        framework_dict(
            [parent("1", [leaf(code, 1, {"type": "yesno"}) for code in ("1.10", "1.2", "1.1")])]
        )
    )
    cards = [score(fw, "department", {})]
    assert [item.code for item in criterion_losses(fw, cards)] == ["1.1", "1.2", "1.10"]
    assert criterion_order("1.2") < criterion_order("1.10") < criterion_order("2")


def test_nested_penalty_and_bonus_nodes():
    fw = parse_framework(
        framework_dict(
            [
                parent("1", [leaf("1.1", 2)]),
                parent("P", [leaf("P.1", 1), leaf("P.2", 1)], penalty=True, max=2),
                parent("B", [leaf("B.1", 3), leaf("B.2", 1, penalty=True)], bonus=True, max=3),
            ]
        )
    )
    cards = [score(fw, "department", {"1.1": "2", "P.1": "1", "B.1": "3", "B.2": "1"})]
    losses = {item.code: item for item in criterion_losses(fw, cards)}
    # Leaves under a penalty node are penalties; a penalty inside a bonus node still takes
    # points away; the bonus leaf itself is not a loss.
    assert set(losses) == {"1.1", "P.1", "P.2", "B.2"}
    assert losses["P.1"].penalty and losses["P.1"].lost == 1 and losses["P.2"].lost == 0
    assert losses["B.2"].penalty and losses["B.2"].lost == 1
    assert losses["1.1"].lost == 0 and losses["1.1"].losing == 0


def test_no_units_and_not_applicable_criteria_are_left_out():
    fw, _ = hand_cards()
    assert criterion_losses(fw, []) == []
    wards_only = [item.code for item in criterion_losses(fw, [score(fw, "department", {})])]
    assert "1.10" not in wards_only


def test_scorecards_of_another_framework_are_refused():
    fw, _ = hand_cards()
    other = parse_framework(framework_dict([parent("9", [leaf("9.1", 1)])]))
    with pytest.raises(KeyError):
        criterion_losses(fw, [score(other, "department", {})])


# ---- heat levels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "share,level",
    [
        (None, None),
        (D("100"), 4),
        (D("90"), 4),
        # Compared as published: 89.995 is shown as 90.00 and coloured like it.
        (D("89.995"), 4),
        (D("89.994"), 3),
        (D("80"), 3),
        (D("79.99"), 2),
        (D("70"), 2),
        (D("69.99"), 1),
        (D("50"), 1),
        (D("49.99"), 0),
        (D("0"), 0),
    ],
)
def test_heat_levels(share, level):
    assert heat_level(share) == level


def test_share_of_the_max():
    assert str(share_of(D("6.5"), D("7"))) == "92.85714285714285714285714285714285714286"
    assert share_of(D(3), D(4)) == D(75)
    assert share_of(D(0), D(0)) is None


@given(st.decimals(min_value=0, max_value=200, places=4), st.decimals(0, 200, places=4))
def test_heat_level_never_falls_as_the_share_rises(low, high):
    low, high = sorted((low, high))
    assert heat_level(low) <= heat_level(high)


# ---- properties ------------------------------------------------------------------------------


def _flags(data: dict[str, Any]) -> dict[str, tuple[bool, bool, str]]:
    """Per leaf code: (penalty on the path, bonus on the path, area code)."""
    out: dict[str, tuple[bool, bool, str]] = {}

    def walk(node, top, penalty, bonus):
        penalty = penalty or bool(node.get("penalty"))
        bonus = bonus or bool(node.get("bonus"))
        if "rule" in node:
            out[node["code"]] = (penalty, bonus, top)
        for child in node.get("children", []):
            walk(child, top, penalty, bonus)

    for top in data["criteria"]:
        walk(top, top["code"], False, False)
    return out


def _applies(data: dict[str, Any], code: str, kind: str, values: dict[str, str]) -> bool:
    """Whether nothing on the path to the leaf excludes the unit kind or is declared na."""

    def path(nodes, trail):
        for node in nodes:
            here = [*trail, node]
            if node["code"] == code:
                return here
            found = path(node.get("children", []), here)
            if found:
                return found
        return None

    for node in path(data["criteria"], []):
        if "applies_to" in node and kind not in node["applies_to"]:
            return False
        if values.get(node["code"]) == "na":
            return False
    return True


def straightforward(data: dict[str, Any], units: list[tuple[str, dict[str, str]]]):
    """code → (units, losing, max, points, lost) in fractions, leaf by leaf from the file."""
    out = {}
    leaves = {}

    def collect(nodes):
        for node in nodes:
            if "rule" in node:
                leaves[node["code"]] = node
            collect(node.get("children", []))

    collect(data["criteria"])
    for code, (penalty, bonus, _) in _flags(data).items():
        if bonus and not penalty:
            continue
        node = leaves[code]
        maximum = Fraction(str(node["max"]))
        count = losing = 0
        total_max = total_points = total_lost = Fraction(0)
        for kind, values in units:
            if not _applies(data, code, kind, values):
                continue
            raw = values.get(code)
            points = Fraction(0) if raw is None else leaf_points(node["rule"], maximum, raw)
            if points is None:  # the rule itself said not applicable (ratio n/0 → na)
                continue
            lost = Fraction(points) if penalty else maximum - Fraction(points)
            count += 1
            losing += lost > 0
            total_max += maximum
            total_points += Fraction(points)
            total_lost += lost
        if count:
            out[code] = (count, losing, total_max, total_points, total_lost)
    return out


def close(value: D, exact: Fraction) -> bool:
    """Equal to the exact fraction but for the 40th significant digit."""
    return abs(Fraction(value) - exact) < Fraction(1, 10**30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_losses_match_a_straightforward_calculation(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    fw = parse_framework(framework_map)
    units = [
        (data.draw(st.sampled_from(KINDS)), data.draw(raw_values(framework_map)))
        for _ in range(data.draw(st.integers(0, 6)))
    ]
    cards = [score(fw, kind, values) for kind, values in units]
    losses = criterion_losses(fw, cards)
    expected = straightforward(framework_map, units)
    assert {item.code for item in losses} == set(expected)
    for item in losses:
        count, losing, total_max, total_points, total_lost = expected[item.code]
        assert (item.units, item.losing) == (count, losing), item.code
        assert Fraction(item.max_points) == total_max
        # Exact but for proportional ratios (n ÷ d), carried to 40 significant digits.
        assert close(item.points, total_points) and close(item.lost, total_lost)
        assert close(item.average_lost, total_lost / count)
        assert close(item.share_lost, total_lost * 100 / total_max)
        # The properties the page relies on.
        assert item.lost >= 0
        assert item.lost <= item.max_points == fw.node(item.code).max * item.units
        assert item.units <= len(cards)
        assert 0 <= item.share_lost <= 100
    keys = [(-item.lost, criterion_order(item.code)) for item in losses]
    assert keys == sorted(keys)
    # The order of the units changes nothing.
    shuffled = data.draw(st.permutations(cards))
    assert criterion_losses(fw, shuffled) == losses
