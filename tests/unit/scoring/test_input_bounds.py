"""Property tests: raw values are bounded before anything reads them (length, characters, digits).

Whatever a user types, a rule either refuses it with a ValueProblem or accepts a value whose
stored spelling fits the entries column (200 characters, no control characters) and whose
numbers and points fit a stored figure (10 digits before the point, 4 after), so that neither
database can refuse it and neither can store it differently from what was typed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform.scoring import NA, Ratio, ValueProblem
from reform.scoring.numbers import (
    MAX_DECIMAL_PLACES,
    MAX_INTEGER_DIGITS,
    digit_counts,
    fits_figure,
    fmt_plain,
)
from reform.scoring.values import MAX_RAW_LENGTH, has_control_character

from .helpers import build, leaf, parent
from .strategies import ANY_TEXT, rule_and_max, valid_raw

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMERIC_RULES = ("manual", "survey", "number", "deduction", "ratio")
FIGURE_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS

CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\t", "\n"])
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=320)
SIZES = st.integers(1, 320)
HOSTILE_TEXT = st.one_of(
    ANY_TEXT,
    st.text(max_size=400),
    DIGITS,
    SIZES.map(lambda n: "7" * n),
    SIZES.map(lambda n: f"{'1' * n}/{'2' * n}"),
    st.tuples(SIZES, SIZES).map(lambda t: f"{'1' * t[0]}.{'5' * t[1]}"),
    st.tuples(st.integers(0, 12), st.integers(0, 12)).map(lambda t: f"{'1' * t[0]},{'5' * t[1]}"),
    st.tuples(DIGITS, CONTROL, DIGITS).map("".join),
    st.integers(0, 400).map(lambda n: " " * n + "1" + " " * n),
)


def spelled(value: Any) -> str:
    """A parsed value in the contract's spelling, as the services store it."""
    if value is NA:
        return "na"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return fmt_plain(value)
    return str(value)


def numbers_in(value: Any) -> list[Decimal]:
    """The typed numbers a parsed value holds."""
    if isinstance(value, Ratio):
        return [value.n, value.d]
    if isinstance(value, Decimal):
        return [value]
    if isinstance(value, int) and not isinstance(value, bool):
        return [Decimal(value)]
    return []


def one_leaf(rule_map: dict[str, Any], maximum: Decimal, allow_na: bool):
    """The node of a one-leaf framework with this rule."""
    framework = build([parent("1", [leaf("1.1", str(maximum), rule_map, allow_na=allow_na)])])
    return framework.node("1.1")


@FAST
@given(st.data())
def test_accepted_values_fit_their_columns(data: st.DataObject) -> None:
    rule_map, maximum = data.draw(rule_and_max())
    node = one_leaf(rule_map, maximum, data.draw(st.booleans()))
    raw = data.draw(st.one_of(HOSTILE_TEXT, valid_raw(rule_map, maximum)))
    stage = data.draw(st.sampled_from([None, "self", "appraisal", "survey"]))
    try:
        value = node.parse_value(raw, stage)
    except ValueProblem as problem:
        assert problem.code and problem.message and problem.vi and problem.criterion == "1.1"
        return
    text = spelled(value)
    assert len(text) <= MAX_RAW_LENGTH and not has_control_character(text)
    assert all(fits_figure(number) for number in numbers_in(value))
    points = node.rule.points(value)
    assert points is NA or abs(points) < FIGURE_LIMIT


@FAST
@given(st.data())
def test_numbers_longer_than_a_stored_figure_are_refused(data: st.DataObject) -> None:
    rule_map, maximum = data.draw(rule_and_max(NUMERIC_RULES))
    node = one_leaf(rule_map, maximum, False)
    whole = data.draw(st.integers(1, 40))
    places = data.draw(st.integers(0, 40))
    # Either part may be the one that is too long; the last digit is never a needless zero.
    if whole <= MAX_INTEGER_DIGITS:
        places = max(places, MAX_DECIMAL_PLACES + 1)
    number = "1" * whole + ("." + "3" * places if places else "")
    raw = f"{number}/{number}" if rule_map["type"] == "ratio" else number
    try:
        node.parse_value(raw)
    except ValueProblem as problem:
        assert problem.code == "too_many_digits"
        assert str(MAX_INTEGER_DIGITS) in problem.vi and str(MAX_DECIMAL_PLACES) in problem.vi
    else:
        raise AssertionError(f"{raw!r} was accepted")


@FAST
@given(st.data(), CONTROL.filter(lambda c: c not in "\t\n"), st.integers(0, 10))
def test_control_characters_are_refused(data: st.DataObject, control: str, at: int) -> None:
    rule_map, maximum = data.draw(rule_and_max())
    node = one_leaf(rule_map, maximum, True)
    raw = data.draw(valid_raw(rule_map, maximum))
    # Inside the value: at either end some controls are whitespace that is stripped.
    at = 1 + at % (len(raw) - 1) if len(raw) > 1 else 1
    raw = raw[:at] + control + raw[at:] if len(raw) > 1 else raw + control + raw
    try:
        node.parse_value(raw)
    except ValueProblem as problem:
        assert problem.code == "control_character"
    else:
        raise AssertionError(f"{raw!r} was accepted")


@FAST
@given(st.data(), st.integers(MAX_RAW_LENGTH + 1, 5000))
def test_overlong_values_are_refused_before_they_are_read(data: st.DataObject, size: int) -> None:
    rule_map, maximum = data.draw(rule_and_max())
    node = one_leaf(rule_map, maximum, True)
    raw = data.draw(valid_raw(rule_map, maximum)).rjust(size, "0")
    try:
        node.parse_value(f"  {raw}  ")
    except ValueProblem as problem:
        assert problem.code == "too_long"
    else:
        raise AssertionError("an overlong value was accepted")


def test_parents_take_only_short_clean_values() -> None:
    framework = build([parent("1", [leaf("1.1")], allow_na=True)])
    area = framework.node("1")
    assert area.parse_value(" na ") is NA
    for raw, code in (("n\x00a", "control_character"), ("x" * 201, "too_long")):
        try:
            area.parse_value(raw)
        except ValueProblem as problem:
            assert problem.code == code
        else:
            raise AssertionError(raw)


@given(
    st.integers(1, 10**30).filter(lambda c: c % 10 != 0),
    st.integers(-40, 40),
    st.integers(0, 20),
)
def test_digit_counts_ignore_needless_zeros(coefficient: int, exponent: int, zeros: int) -> None:
    padded = Decimal(f"{coefficient}{'0' * zeros}E{exponent - zeros}")
    expected = (max(0, len(str(coefficient)) + exponent), max(0, -exponent))
    assert digit_counts(padded) == expected
    assert digit_counts(Decimal(f"0E{exponent}")) == (0, 0)


FIGURE_TEXT = st.tuples(st.integers(0, 40), st.integers(0, 40)).map(
    lambda t: ("7" * t[0] or "0") + ("." + "3" * t[1] if t[1] else "")
)


@FAST
@given(st.data(), FIGURE_TEXT)
def test_framework_figures_beyond_a_stored_figure_are_refused(data: st.DataObject, text: str):
    """Any figure of a framework file either fits a stored figure or is refused by name."""
    from reform.scoring import FrameworkError, parse_framework
    from reform.scoring.rules import FIGURE_DIGITS, THRESHOLD_DIGITS

    from .helpers import framework_dict

    where = data.draw(st.sampled_from(["max", "points", "min", "step", "per_item", "band"]))
    node = leaf("1.1", 5, {"type": "manual", "step": 0.25})
    bands = [{"min": 0, "label": "D"}]
    digits = FIGURE_DIGITS
    if where == "max":
        node["max"], node["rule"] = text, {"type": "yesno"}
    elif where == "points":
        node["rule"] = {"type": "choice", "options": [{"label": "A", "points": text}]}
    elif where == "min":
        node["rule"] = {"type": "number", "tiers": [{"min": text, "points": 1}]}
        digits = THRESHOLD_DIGITS
    elif where == "step":
        node["rule"] = {"type": "survey", "step": text}
    elif where == "per_item":
        node["rule"] = {"type": "deduction", "per_item": text}
    else:
        bands = [{"min": text, "label": "A"}, *bands] if Decimal(text) else bands
        digits = THRESHOLD_DIGITS
    whole, places = digit_counts(Decimal(text))
    fits = whole <= digits and places <= MAX_DECIMAL_PLACES
    try:
        parse_framework(framework_dict([parent("1", [node])], bands=bands))
    except FrameworkError as refused:
        kinds = {problem.kind for problem in refused.problems}
        assert ("figure_too_long" in kinds) != fits, (text, kinds)
    else:
        assert fits, text
