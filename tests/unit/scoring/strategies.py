"""Hypothesis strategies: rules, framework trees and valid raw values for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

KINDS = ("department", "ward", "commune")
STEPS = (Decimal("0.25"), Decimal("0.5"), Decimal(1))


def quarter(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Multiples of 0.25 in [low/4, high/4]."""
    return st.integers(low, high).map(lambda k: Decimal(k) / 4)


def yaml_number(value: Decimal) -> Any:
    """A decimal as a framework file would hold it (int, float or text)."""
    if value == value.to_integral_value():
        return int(value)
    return str(value)


@st.composite
def tiers(draw: st.DrawFn, max_points: Decimal, top: int | None, increasing: bool) -> list[dict]:
    """A tier list with strictly increasing mins (≤ top) and points within [0, max]."""
    mins = draw(st.lists(st.integers(0, top or 60), min_size=1, max_size=4, unique=True))
    points = draw(st.lists(quarter(0, int(max_points * 4)), min_size=len(mins), max_size=len(mins)))
    if increasing:
        points.sort()
    return [{"min": m, "points": yaml_number(p)} for m, p in zip(sorted(mins), points, strict=True)]


@st.composite
def rule_and_max(
    draw: st.DrawFn, types: tuple[str, ...] | None = None, increasing: bool = False
) -> tuple[dict[str, Any], Decimal]:
    """A valid rule mapping of any (or the given) type with its max."""
    kind = draw(
        st.sampled_from(
            types or ("manual", "yesno", "choice", "ratio", "number", "deduction", "survey")
        )
    )
    if kind == "manual":
        step = draw(st.sampled_from(STEPS))
        maximum = step * draw(st.integers(1, 20))
        return {"type": "manual", "step": yaml_number(step)}, maximum
    maximum = draw(quarter(1, 40))
    if kind in ("yesno", "survey"):
        return {"type": kind}, maximum
    if kind == "choice":
        labels = draw(
            st.lists(
                st.sampled_from(["Đúng hạn", "Chậm", "Không", "Tốt", "Khá"]),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        points = draw(
            st.lists(quarter(0, int(maximum * 4)), min_size=len(labels), max_size=len(labels))
        )
        options = [
            {"label": lbl, "points": yaml_number(p)} for lbl, p in zip(labels, points, strict=True)
        ]
        return {"type": "choice", "options": options}, maximum
    if kind == "ratio":
        mode = draw(st.sampled_from(["proportional", "tiers"]))
        rule: dict[str, Any] = {
            "type": "ratio",
            "mode": mode,
            "zero_denominator": draw(st.sampled_from(["full", "na", "zero"])),
        }
        if mode == "tiers":
            rule["tiers"] = draw(tiers(maximum, 100, increasing))
        return rule, maximum
    if kind == "number":
        return {"type": "number", "tiers": draw(tiers(maximum, None, increasing))}, maximum
    per_item = draw(quarter(1, 12))
    return {"type": "deduction", "per_item": yaml_number(per_item)}, maximum


def number_text(value: Decimal, comma: bool) -> str:
    """A decimal as a user might type it."""
    text = f"{value.normalize():f}" if value else "0"
    return text.replace(".", ",") if comma else text


@st.composite
def valid_raw(draw: st.DrawFn, rule: dict[str, Any], maximum: Decimal) -> str:
    """A raw value the rule accepts."""
    kind = rule["type"]
    comma = draw(st.booleans())
    if kind == "manual":
        step = Decimal(str(rule["step"]))
        return number_text(step * draw(st.integers(0, int(maximum / step))), comma)
    if kind == "survey":
        cents = draw(st.integers(0, int(maximum * 100)))
        return number_text(Decimal(cents) / 100, comma)
    if kind == "yesno":
        return draw(st.sampled_from(["yes", "no"]))
    if kind == "choice":
        return draw(st.sampled_from([o["label"] for o in rule["options"]]))
    if kind == "ratio":
        d = draw(st.integers(0, 60))
        n = draw(st.integers(0, d))
        return f"{n}/{d}"
    if kind == "number":
        return number_text(Decimal(draw(st.integers(0, 700))) / 10, comma)
    return str(draw(st.integers(0, 12)))


ANY_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "na",
            "NA",
            "yes",
            "no",
            "có",
            "-1",
            "1/0",
            "0/0",
            "3/2",
            "abc",
            "1,5",
            "2.25",
            "1e2",
            "Đúng hạn",
            "Chậm",
            "0.1",
            "100",
            "7/9",
        ]
    ),
    st.integers(-5, 200).map(str),
    st.tuples(st.integers(-2, 30), st.integers(-2, 30)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.text(max_size=6),
)


@st.composite
def node_tree(draw: st.DrawFn, code: str, depth: int, allow_flags: bool) -> dict[str, Any]:
    """A random node: a leaf, or a parent with 1–4 children."""
    node: dict[str, Any] = {"code": code, "name": f"Tiêu chí {code}"}
    if depth > 0 and draw(st.booleans()):
        count = draw(st.integers(1, 4))
        node["children"] = [
            draw(node_tree(f"{code}.{i}", depth - 1, False)) for i in range(1, count + 1)
        ]
        if draw(st.integers(0, 3)) == 0:
            node["max"] = yaml_number(draw(quarter(1, 40)))
    else:
        rule, maximum = draw(rule_and_max())
        node["rule"] = rule
        node["max"] = yaml_number(maximum)
    if draw(st.integers(0, 5)) == 0:
        node["applies_to"] = draw(st.lists(st.sampled_from(KINDS), min_size=1, unique=True))
    if draw(st.integers(0, 3)) == 0:
        node["allow_na"] = True
    if allow_flags and "rule" in node and node["rule"]["type"] != "deduction":
        flag = draw(st.sampled_from([None, None, None, "bonus", "penalty"]))
        if flag:
            node[flag] = True
    return node


@st.composite
def framework_data(
    draw: st.DrawFn, result: str | None = None, flags: bool = True
) -> dict[str, Any]:
    """A random valid framework mapping."""
    count = draw(st.integers(1, 4))
    criteria = [draw(node_tree(str(i), 2, flags)) for i in range(1, count + 1)]
    return {
        "code": "H",
        "version": 1,
        "name": "Hypothesis",
        "kind": "reform",
        "result": result or draw(st.sampled_from(["percent", "points"])),
        "bands": [{"min": 90, "label": "A"}, {"min": 50, "label": "B"}, {"min": 0, "label": "C"}],
        "criteria": criteria,
    }


def walk(nodes: list[dict[str, Any]]):
    """Every node mapping of a tree, depth first."""
    for node in nodes:
        yield node
        yield from walk(node.get("children", []))


@st.composite
def raw_values(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, str]:
    """Valid raw values for some nodes of a framework mapping: leaves, and 'na' where allowed."""
    values: dict[str, str] = {}
    for node in walk(data["criteria"]):
        choice = draw(st.integers(0, 9))
        if node.get("allow_na") and choice == 0:
            values[node["code"]] = "na"
        elif "rule" in node and choice > 1:
            values[node["code"]] = draw(valid_raw(node["rule"], Decimal(str(node["max"]))))
    return values
