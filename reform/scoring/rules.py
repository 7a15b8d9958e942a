"""Scoring rules: how a raw value typed by a user becomes a criterion's points."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Final

from reform.scoring.numbers import CONTEXT, decimal_to_yaml, parse_user_number, to_decimal
from reform.scoring.values import NA, NotApplicable, Ratio, Value, ValueProblem

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)
DEFAULT_MANUAL_STEP: Final = Decimal("0.25")

_RATIO_RE = re.compile(r"\s*([^/]*?)\s*/\s*([^/]*?)\s*")
_YES: Final = frozenset({"yes", "có", "co"})
_NO: Final = frozenset({"no", "không", "khong"})

Report = Callable[[str], None]


def normalize_label(text: str) -> str:
    """Compare option labels the way people mean them: NFC, case-insensitive, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _check_number(value: Value) -> Decimal:
    """Refuse a value of the wrong type handed to points() directly."""
    if not isinstance(value, Decimal) or isinstance(value, bool):
        raise TypeError(f"expected a Decimal, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Tier:
    """A threshold: from `min` upwards the criterion earns `points`."""

    min: Decimal
    points: Decimal


@dataclass(frozen=True, slots=True)
class Option:
    """One answer of a choice criterion and the points it earns."""

    label: str
    points: Decimal


def _tier_points(tiers: tuple[Tier, ...], reached: Callable[[Decimal], bool]) -> Decimal:
    """Points of the highest tier reached; 0 when none is (tiers are sorted by min)."""
    for tier in reversed(tiers):
        if reached(tier.min):
            return tier.points
    return ZERO


@dataclass(frozen=True, slots=True)
class Rule:
    """Base of all rules: `parse` reads a raw string, `points` scores a parsed value."""

    type: ClassVar[str] = ""
    max: Decimal

    def parse(self, raw: str, *, allow_na: bool = False) -> Value:
        """Read a raw value as typed in a form or an import file; raise ValueProblem if bad."""
        if not isinstance(raw, str):
            raise TypeError(f"raw values are strings, got {raw!r}")
        text = raw.strip()
        if not text:
            raise ValueProblem("empty")
        if text.casefold() == "na":
            if not allow_na:
                raise ValueProblem("na_not_allowed")
            return NA
        value = self._parse(text)
        self.check(value)
        return value

    def points(self, value: Value) -> Decimal | NotApplicable:
        """Points earned by a parsed value, or NA when the value makes the criterion not apply."""
        if value is NA:
            return NA
        self.check(value)
        return self._points(value)

    def _parse(self, text: str) -> Value:
        raise NotImplementedError

    def check(self, value: Value) -> None:
        """Raise ValueProblem when a parsed value lies outside what the rule accepts."""

    def _points(self, value: Value) -> Decimal | NotApplicable:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The rule as written in a framework file (defaults omitted)."""
        return {"type": self.type}


def _number(text: str) -> Decimal:
    """A user-typed number or ValueProblem('not_a_number')."""
    number = parse_user_number(text)
    if number is None:
        raise ValueProblem("not_a_number")
    return number


@dataclass(frozen=True, slots=True)
class ManualRule(Rule):
    """Points set directly within [0, max] on a multiple of `step` (default 0.25)."""

    type: ClassVar[str] = "manual"
    step: Decimal | None = DEFAULT_MANUAL_STEP

    def _parse(self, text: str) -> Value:
        return _number(text)

    def check(self, value: Value) -> None:
        number = _check_number(value)
        if number < 0 or number > self.max:
            raise ValueProblem("out_of_range", {"min": ZERO, "max": self.max})
        if self.step is not None and number % self.step != 0:
            raise ValueProblem("off_step", {"step": self.step})

    def _points(self, value: Value) -> Decimal:
        return value  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        if self.step != DEFAULT_MANUAL_STEP:
            data["step"] = decimal_to_yaml(self.step) if self.step is not None else None
        return data


@dataclass(frozen=True, slots=True)
class SurveyRule(ManualRule):
    """A survey score entered by the secretariat: any number in [0, max], on `step` if set."""

    type: ClassVar[str] = "survey"
    # Survey results come from questionnaires as arbitrary 2-place figures, so no step by default.
    step: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        if self.step is not None:
            data["step"] = decimal_to_yaml(self.step)
        return data


@dataclass(frozen=True, slots=True)
class YesNoRule(Rule):
    """'yes' earns max, 'no' earns 0 ('có'/'không' are accepted too)."""

    type: ClassVar[str] = "yesno"

    def _parse(self, text: str) -> Value:
        word = unicodedata.normalize("NFC", text).casefold()
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise ValueProblem("unknown_option", {"options": ["yes", "no"]})

    def check(self, value: Value) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"expected a bool, got {value!r}")

    def _points(self, value: Value) -> Decimal:
        return self.max if value else ZERO


@dataclass(frozen=True, slots=True)
class ChoiceRule(Rule):
    """One of a fixed list of answers, each with its points; the value is the option's label."""

    type: ClassVar[str] = "choice"
    options: tuple[Option, ...] = ()
    _by_label: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_label", {normalize_label(option.label): option for option in self.options}
        )

    def _parse(self, text: str) -> Value:
        option = self._by_label.get(normalize_label(text))
        if option is None:
            raise ValueProblem("unknown_option", {"options": self.labels})
        return option.label

    @property
    def labels(self) -> list[str]:
        """The option labels in the framework's order."""
        return [option.label for option in self.options]

    def check(self, value: Value) -> None:
        if not isinstance(value, str):
            raise TypeError(f"expected an option label, got {value!r}")
        if normalize_label(value) not in self._by_label:
            raise ValueProblem("unknown_option", {"options": self.labels})

    def _points(self, value: Value) -> Decimal:
        return self._by_label[normalize_label(value)].points  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "options": [
                {"label": option.label, "points": decimal_to_yaml(option.points)}
                for option in self.options
            ],
        }


@dataclass(frozen=True, slots=True)
class RatioRule(Rule):
    """'n/d': proportional (max × n ÷ d) or tiers on the percentage 100 × n ÷ d."""

    type: ClassVar[str] = "ratio"
    mode: str = "proportional"
    zero_denominator: str = "full"
    tiers: tuple[Tier, ...] = ()

    def _parse(self, text: str) -> Value:
        match = _RATIO_RE.fullmatch(text)
        if match is None:
            raise ValueProblem("bad_ratio_format")
        n = parse_user_number(match.group(1))
        d = parse_user_number(match.group(2))
        if n is None or d is None:
            raise ValueProblem("bad_ratio_format")
        return Ratio(n, d)

    def check(self, value: Value) -> None:
        if not isinstance(value, Ratio):
            raise TypeError(f"expected a Ratio, got {value!r}")
        if value.n < 0 or value.d < 0:
            raise ValueProblem("negative")
        if value.n > value.d:
            raise ValueProblem("n_greater_than_d", {"n": value.n, "d": value.d})

    def _points(self, value: Value) -> Decimal | NotApplicable:
        ratio: Ratio = value  # type: ignore[assignment]
        if ratio.d == 0:
            if self.zero_denominator == "na":
                return NA
            return self.max if self.zero_denominator == "full" else ZERO
        if self.mode == "proportional":
            return CONTEXT.divide(CONTEXT.multiply(self.max, ratio.n), ratio.d)
        # 100 × n ÷ d ≥ min  ⇔  100 × n ≥ min × d (d > 0): compared without dividing.
        scaled = CONTEXT.multiply(HUNDRED, ratio.n)
        return _tier_points(self.tiers, lambda low: scaled >= CONTEXT.multiply(low, ratio.d))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "mode": self.mode,
            "zero_denominator": self.zero_denominator,
        }
        if self.mode == "tiers":
            data["tiers"] = _tiers_to_list(self.tiers)
        return data


@dataclass(frozen=True, slots=True)
class NumberRule(Rule):
    """A number ≥ 0 scored by tiers: points of the highest tier whose min ≤ value, else 0."""

    type: ClassVar[str] = "number"
    tiers: tuple[Tier, ...] = ()

    def _parse(self, text: str) -> Value:
        return _number(text)

    def check(self, value: Value) -> None:
        if _check_number(value) < 0:
            raise ValueProblem("negative")

    def _points(self, value: Value) -> Decimal:
        return _tier_points(self.tiers, lambda low: value >= low)  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "tiers": _tiers_to_list(self.tiers)}


@dataclass(frozen=True, slots=True)
class DeductionRule(Rule):
    """A whole count of faults: max − per_item × count, not below 0."""

    type: ClassVar[str] = "deduction"
    per_item: Decimal = Decimal(1)

    def _parse(self, text: str) -> Value:
        number = _number(text)
        if number < 0:
            raise ValueProblem("negative")
        if number != number.to_integral_value():
            raise ValueProblem("not_whole")
        return int(number)

    def check(self, value: Value) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected a count, got {value!r}")
        if value < 0:
            raise ValueProblem("negative")

    def _points(self, value: Value) -> Decimal:
        remaining = self.max - CONTEXT.multiply(self.per_item, Decimal(value))  # type: ignore[arg-type]
        return remaining if remaining > 0 else ZERO

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "per_item": decimal_to_yaml(self.per_item)}


def _tiers_to_list(tiers: tuple[Tier, ...]) -> list[dict[str, Any]]:
    """Tiers as written in a framework file."""
    return [{"min": decimal_to_yaml(t.min), "points": decimal_to_yaml(t.points)} for t in tiers]


RULE_TYPES: Final[dict[str, type[Rule]]] = {
    cls.type: cls
    for cls in (ManualRule, YesNoRule, ChoiceRule, RatioRule, NumberRule, DeductionRule, SurveyRule)
}

_RULE_KEYS: Final[dict[str, frozenset[str]]] = {
    "manual": frozenset({"type", "step"}),
    "survey": frozenset({"type", "step"}),
    "yesno": frozenset({"type"}),
    "choice": frozenset({"type", "options"}),
    "ratio": frozenset({"type", "mode", "zero_denominator", "tiers"}),
    "number": frozenset({"type", "tiers"}),
    "deduction": frozenset({"type", "per_item"}),
}


def _fmt(value: Any) -> str:
    """Show an offending value in a problem message."""
    return repr(value)


def _parse_tiers(
    raw: Any, max_points: Decimal | None, low: Decimal, high: Decimal | None, report: Report
) -> tuple[Tier, ...]:
    """Read a tier list: min within [low, high], points within [0, max], min strictly increasing."""
    if not isinstance(raw, list) or not raw:
        report("tiers must be a non-empty list of {min, points}")
        return ()
    tiers: list[Tier] = []
    ok = True
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            report(f"tier {position} must be a mapping with min and points")
            ok = False
            continue
        extra = sorted(str(key) for key in item if key not in ("min", "points"))
        if extra:
            report(f"tier {position} has unknown keys: {', '.join(extra)}")
            ok = False
        minimum = to_decimal(item.get("min"))
        points = to_decimal(item.get("points"))
        if minimum is None:
            report(f"tier {position}: min must be a number, got {_fmt(item.get('min'))}")
            ok = False
        elif minimum < low or (high is not None and minimum > high):
            bounds = f"[{low}, {high}]" if high is not None else f"≥ {low}"
            report(f"tier {position}: min {minimum} must lie in {bounds}")
            ok = False
        if points is None:
            report(f"tier {position}: points must be a number, got {_fmt(item.get('points'))}")
            ok = False
        elif points < 0 or (max_points is not None and points > max_points):
            report(f"tier {position}: points {points} must lie in [0, max]")
            ok = False
        if minimum is not None and points is not None:
            tiers.append(Tier(minimum, points))
    for before, after in zip(tiers, tiers[1:], strict=False):
        if after.min <= before.min:
            report("tiers must be listed with strictly increasing min")
            ok = False
            break
    return tuple(tiers) if ok else ()


def _parse_step(
    raw: Mapping[str, Any], max_points: Decimal | None, default: Decimal | None, report: Report
) -> Decimal | None:
    """Read the optional step of manual and survey rules; max must be a multiple of it."""
    if "step" not in raw:
        step = default
    else:
        step = to_decimal(raw["step"])
        if step is None or step <= 0:
            report(f"step must be a number > 0, got {_fmt(raw['step'])}")
            return default
    if step is not None and max_points is not None and max_points % step != 0:
        report(f"max {max_points} is not a multiple of step {step}")
    return step


def parse_rule(raw: Any, max_points: Decimal | None, report: Report) -> Rule | None:
    """Build a rule from its framework-file mapping, reporting every problem; None if broken."""
    messages: list[str] = []
    rule = _build_rule(raw, max_points, messages.append)
    for message in messages:
        report(message)
    return None if messages else rule


def _build_rule(raw: Any, max_points: Decimal | None, report: Report) -> Rule | None:
    """Build a rule, reporting problems as they are found."""
    if not isinstance(raw, Mapping):
        report("rule must be a mapping with a type")
        return None
    rule_type = raw.get("type")
    if rule_type not in RULE_TYPES:
        known = ", ".join(RULE_TYPES)
        report(f"unknown rule type {_fmt(rule_type)} (known: {known})")
        return None
    extra = sorted(str(key) for key in raw if key not in _RULE_KEYS[rule_type])
    if extra:
        report(f"{rule_type} rule has unknown keys: {', '.join(extra)}")
    # The node reports a missing or broken max itself; the rule is then built but discarded.
    maximum = max_points if max_points is not None else ZERO
    if rule_type == "manual":
        return ManualRule(maximum, _parse_step(raw, max_points, DEFAULT_MANUAL_STEP, report))
    if rule_type == "survey":
        return SurveyRule(maximum, _parse_step(raw, max_points, None, report))
    if rule_type == "yesno":
        return YesNoRule(maximum)
    if rule_type == "choice":
        return ChoiceRule(maximum, _parse_options(raw.get("options"), max_points, report))
    if rule_type == "ratio":
        return _parse_ratio(raw, maximum, max_points, report)
    if rule_type == "number":
        return NumberRule(maximum, _parse_tiers(raw.get("tiers"), max_points, ZERO, None, report))
    per_item = to_decimal(raw.get("per_item"))
    if per_item is None or per_item <= 0:
        report(f"per_item must be a number > 0, got {_fmt(raw.get('per_item'))}")
        per_item = Decimal(1)
    return DeductionRule(maximum, per_item)


def _parse_options(raw: Any, max_points: Decimal | None, report: Report) -> tuple[Option, ...]:
    """Read choice options: non-empty, distinct labels, points within [0, max]."""
    if not isinstance(raw, list) or not raw:
        report("choice rule needs a non-empty list of options {label, points}")
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            report(f"option {position} must be a mapping with label and points")
            continue
        extra = sorted(str(key) for key in item if key not in ("label", "points"))
        if extra:
            report(f"option {position} has unknown keys: {', '.join(extra)}")
        label = item.get("label")
        points = to_decimal(item.get("points"))
        if not isinstance(label, str) or not label.strip():
            # YAML turns an unquoted yes/no/on/off into a boolean: ask for quotes.
            report(f"option {position}: label must be non-empty text (quote it), got {_fmt(label)}")
            label = None
        elif normalize_label(label) == "na":
            report(f"option {position}: 'na' is reserved for not applicable")
        elif normalize_label(label) in seen:
            report(f"duplicate option label {label!r}")
        else:
            seen.add(normalize_label(label))
        if points is None:
            report(f"option {position}: points must be a number, got {_fmt(item.get('points'))}")
        elif points < 0 or (max_points is not None and points > max_points):
            report(f"option {position}: points {points} must lie in [0, max]")
        if label is not None and points is not None:
            options.append(Option(label.strip(), points))
    return tuple(options)


def _parse_ratio(
    raw: Mapping[str, Any], maximum: Decimal, max_points: Decimal | None, report: Report
) -> Rule:
    """Read a ratio rule: mode, zero_denominator and, for tiers, percentage tiers in [0, 100]."""
    mode = raw.get("mode")
    zero = raw.get("zero_denominator")
    if mode not in ("proportional", "tiers"):
        report(f"ratio mode must be proportional or tiers, got {_fmt(mode)}")
        mode = "proportional"
    if zero not in ("full", "na", "zero"):
        report(f"ratio zero_denominator must be full, na or zero, got {_fmt(zero)}")
        zero = "full"
    tiers: tuple[Tier, ...] = ()
    if mode == "tiers":
        tiers = _parse_tiers(raw.get("tiers"), max_points, ZERO, HUNDRED, report)
    elif "tiers" in raw:
        report("a proportional ratio takes no tiers")
    return RatioRule(maximum, mode, zero, tiers)
