"""Differential test: the core against a plain recursive calculation in exact fractions."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform.scoring import Entry, fmt2, parse_framework, rank, score

from .strategies import KINDS, framework_data, raw_values

Result = tuple[bool, Fraction, Fraction]


def number(text: str) -> Fraction:
    """A user-typed number as a fraction."""
    return Fraction(text.strip().replace(",", "."))


def leaf_points(rule: dict[str, Any], maximum: Fraction, raw: str) -> Fraction | None:
    """Points of a valid raw value; None when the value makes the leaf not applicable."""
    kind = rule["type"]
    if kind in ("manual", "survey"):
        return number(raw)
    if kind == "yesno":
        return maximum if raw == "yes" else Fraction(0)
    if kind == "choice":
        return next(number(str(o["points"])) for o in rule["options"] if o["label"] == raw)
    if kind == "deduction":
        return max(Fraction(0), maximum - number(str(rule["per_item"])) * int(raw))
    if kind == "number":
        value = number(raw)
        reached = [t for t in rule["tiers"] if Fraction(t["min"]) <= value]
        return number(str(max(reached, key=lambda t: t["min"])["points"])) if reached else 0
    n, d = (number(part) for part in raw.split("/"))
    if d == 0:
        return {"full": maximum, "zero": Fraction(0), "na": None}[rule["zero_denominator"]]
    if rule["mode"] == "proportional":
        return maximum * n / d
    percent = 100 * n / d
    reached = [t for t in rule["tiers"] if Fraction(t["min"]) <= percent]
    return number(str(max(reached, key=lambda t: t["min"])["points"])) if reached else 0


def reference(node: dict[str, Any], kind: str, values: dict[str, str]) -> Result:
    """(applicable, points, applicable max) of a node, straight from the contract's words."""
    if "applies_to" in node and kind not in node["applies_to"]:
        return False, Fraction(0), Fraction(0)
    raw = values.get(node["code"])
    if raw == "na":
        return False, Fraction(0), Fraction(0)
    own_max = Fraction(str(node["max"])) if "max" in node else None
    if "rule" in node:
        assert own_max is not None
        if raw is None:
            return True, Fraction(0), own_max
        points = leaf_points(node["rule"], own_max, raw)
        if points is None:
            return False, Fraction(0), Fraction(0)
        return True, Fraction(points), own_max
    return children_total(node["children"], kind, values, own_max)


def children_total(
    children: list[dict[str, Any]], kind: str, values: dict[str, str], cap: Fraction | None
) -> Result:
    """Sum of siblings: bonus added, penalty subtracted, capped, never below 0."""
    results = [(child, reference(child, kind, values)) for child in children]
    applicable = [(child, result) for child, result in results if result[0]]
    if not applicable:
        return False, Fraction(0), Fraction(0)
    points = Fraction(0)
    maximum = Fraction(0)
    for child, (_, child_points, child_max) in applicable:
        if child.get("penalty"):
            points -= child_points
        elif child.get("bonus"):
            points += child_points
        else:
            points += child_points
            maximum += child_max
    if cap is not None:
        points = min(points, cap)
        maximum = min(maximum, cap)
    return True, max(points, Fraction(0)), maximum


def shown(value: Fraction) -> str:
    """Round half up to 2 places, as published."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return f"{cents // 100}.{cents % 100:02d}"


def reference_index(data: dict[str, Any], kind: str, values: dict[str, str]) -> str | None:
    """The published index of one unit."""
    _, points, maximum = children_total(data["criteria"], kind, values, None)
    if maximum == 0:
        return None
    return shown(points if data["result"] == "points" else points * 100 / maximum)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_campaign_matches_reference(data: st.DataObject) -> None:
    framework_map = data.draw(framework_data())
    framework = parse_framework(framework_map)
    kind = data.draw(st.sampled_from(KINDS))
    units = data.draw(st.lists(raw_values(framework_map), min_size=1, max_size=6))
    entries = []
    expected_indices = []
    for number_, values in enumerate(units):
        card = score(framework, kind, values)
        _, points, maximum = children_total(framework_map["criteria"], kind, values, None)
        assert fmt2(card.points) == shown(points)
        assert fmt2(card.max_points) == shown(maximum)
        expected = reference_index(framework_map, kind, values)
        assert (None if card.index is None else fmt2(card.index)) == expected
        for area_map, area in zip(
            [n for n in framework_map["criteria"] if not (n.get("bonus") or n.get("penalty"))],
            card.areas,
            strict=True,
        ):
            applicable, area_points, area_max = reference(area_map, kind, values)
            assert area.applicable == applicable
            assert fmt2(area.points) == shown(area_points)
            assert fmt2(area.max) == shown(area_max)
        entries.append(Entry(str(number_), f"Đơn vị {number_}", card.index))
        expected_indices.append(expected)
    published = [Fraction(value) for value in expected_indices if value is not None]
    for item in rank(entries):
        mine = expected_indices[int(item.item.key)]
        if mine is None:
            assert item.rank is None
        else:
            assert item.rank == 1 + sum(1 for other in published if other > Fraction(mine))


def test_thirds_add_up_like_the_fractions() -> None:
    rule = {"type": "ratio", "mode": "proportional", "zero_denominator": "full"}
    data = {
        "code": "X",
        "version": 1,
        "name": "X",
        "kind": "reform",
        "result": "percent",
        "bands": [{"min": 0, "label": "D"}],
        "criteria": [{"code": str(i), "name": "x", "max": 1, "rule": rule} for i in range(1, 4)]
        + [{"code": "4", "name": "x", "max": 797, "rule": {"type": "manual", "step": 1}}],
    }
    values = {"1": "1/3", "2": "1/3", "3": "1/3", "4": "0"}
    card = score(parse_framework(data), "x", values)
    # Three thirds are 1 point of 800: 0.125 exactly, which half up publishes as 0.13 even though
    # each third is carried to finitely many digits.
    assert card.points < 1
    assert reference_index(data, "x", values) == "0.13"
    assert fmt2(card.index) == "0.13"
