"""Scoring rules: how a raw value typed by a user becomes a criterion's points."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Final, Protocol

from reform.scoring.numbers import (
    CONTEXT,
    MAX_DECIMAL_PLACES,
    MAX_INTEGER_DIGITS,
    decimal_to_yaml,
    fits_figure,
    fmt_plain,
    parse_user_number,
    to_decimal,
)
from reform.scoring.tasks import (
    DEFAULT_PER_FAULT,
    MEASURES,
    TaskPercentages,
    TaskSheet,
    blend,
)
from reform.scoring.values import (
    MAX_RAW_LENGTH,
    NA,
    NotApplicable,
    Ratio,
    Value,
    ValueProblem,
    check_raw,
    has_control_character,
)

ZERO: Final = Decimal(0)
HUNDRED: Final = Decimal(100)
DEFAULT_MANUAL_STEP: Final = Decimal("0.25")

_RATIO_RE = re.compile(r"\s*([^/]*?)\s*/\s*([^/]*?)\s*")
_YES: Final = frozenset({"yes", "có", "co"})
_NO: Final = frozenset({"no", "không", "khong"})


# Figures of a framework file (max, points, step, per_item) are stored with 4 places; at most 6
# digits before the point keep the sum over thousands of criteria inside a stored figure.
FIGURE_DIGITS: Final = 6
# Thresholds (tier and band mins) are compared with typed values, which may have 10 digits.
THRESHOLD_DIGITS: Final = MAX_INTEGER_DIGITS
# Texts of a framework file may run over lines; other control characters (NUL...) cannot be
# stored by every database and are never meant.
TEXT_WHITESPACE: Final = "\t\n\r"


class Report(Protocol):
    """Files one problem of a framework file: a stable kind from RULE_MESSAGES and its params."""

    def __call__(self, kind: str, /, **params: Any) -> None: ...


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
        check_raw(text)
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
    """A user-typed number or ValueProblem('not_a_number'), within a stored figure's digits."""
    number = parse_user_number(text)
    if number is None:
        raise ValueProblem("not_a_number")
    _check_digits(number)
    return number


def _check_digits(number: Decimal) -> None:
    """Refuse a number with more digits than a stored figure holds (they would be lost)."""
    if not fits_figure(number):
        raise ValueProblem(
            "too_many_digits", {"digits": MAX_INTEGER_DIGITS, "places": MAX_DECIMAL_PLACES}
        )


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
        _check_digits(n)
        _check_digits(d)
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


@dataclass(frozen=True, slots=True)
class TaskRule(Rule):
    """Points computed from a period's tasks and products (a TaskSheet), never typed:
    max × the measure's percentage ÷ 100. Only individual frameworks hold them.

    `per_fault` is the share of a product's quality or progress points each major error or
    delay takes (the decree's 25 %); `leader_share` the share of a leader's percentages that
    comes from the people they lead (0: leaders are measured like everyone else).
    """

    type: ClassVar[str] = ""
    measure: ClassVar[str] = ""
    per_fault: Decimal = DEFAULT_PER_FAULT
    leader_share: Decimal = ZERO

    def _parse(self, text: str) -> Value:
        raise ValueProblem("task_computed")

    def check(self, value: Value) -> None:
        if not isinstance(value, TaskSheet):
            raise TypeError(f"expected a TaskSheet, got {value!r}")
        value.percentages(self.per_fault)

    def figures(self, sheet: TaskSheet) -> TaskPercentages:
        """The three percentages the rule scores: the person's, blended for a leader."""
        return blend(sheet.percentages(self.per_fault), sheet.led, self.leader_share)

    def percentage(self, sheet: TaskSheet) -> Decimal:
        """The percentage this rule turns into points."""
        return self.figures(sheet).measure(self.measure)

    def _points(self, value: Value) -> Decimal:
        scaled = CONTEXT.multiply(self.max, self.percentage(value))  # type: ignore[arg-type]
        return CONTEXT.divide(scaled, HUNDRED)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        if self.per_fault != DEFAULT_PER_FAULT:
            data["per_fault"] = decimal_to_yaml(self.per_fault)
        if self.leader_share:
            data["leader_unit_share"] = decimal_to_yaml(self.leader_share)
        return data


@dataclass(frozen=True, slots=True)
class TaskQuantityRule(TaskRule):
    """max × the quantity percentage ÷ 100."""

    type: ClassVar[str] = "task_quantity"
    measure: ClassVar[str] = "quantity"


@dataclass(frozen=True, slots=True)
class TaskQualityRule(TaskRule):
    """max × the quality percentage ÷ 100."""

    type: ClassVar[str] = "task_quality"
    measure: ClassVar[str] = "quality"


@dataclass(frozen=True, slots=True)
class TaskProgressRule(TaskRule):
    """max × the progress percentage ÷ 100."""

    type: ClassVar[str] = "task_progress"
    measure: ClassVar[str] = "progress"


@dataclass(frozen=True, slots=True)
class TaskResultsRule(TaskRule):
    """max × the weighted mean of the three percentages ÷ 100 (equal weights by default)."""

    type: ClassVar[str] = "task_results"
    measure: ClassVar[str] = "results"
    weights: tuple[Decimal, Decimal, Decimal] = (Decimal(1), Decimal(1), Decimal(1))

    def percentage(self, sheet: TaskSheet) -> Decimal:
        return self.figures(sheet).mean(self.weights)

    def to_dict(self) -> dict[str, Any]:
        data = TaskRule.to_dict(self)
        if len(set(self.weights)) > 1:
            data["weights"] = {
                name: decimal_to_yaml(weight)
                for name, weight in zip(MEASURES, self.weights, strict=True)
            }
        return data


TASK_RULE_TYPES: Final = ("task_quantity", "task_quality", "task_progress", "task_results")


def _tiers_to_list(tiers: tuple[Tier, ...]) -> list[dict[str, Any]]:
    """Tiers as written in a framework file."""
    return [{"min": decimal_to_yaml(t.min), "points": decimal_to_yaml(t.points)} for t in tiers]


RULE_TYPES: Final[dict[str, type[Rule]]] = {
    cls.type: cls
    for cls in (
        ManualRule,
        YesNoRule,
        ChoiceRule,
        RatioRule,
        NumberRule,
        DeductionRule,
        SurveyRule,
        TaskQuantityRule,
        TaskQualityRule,
        TaskProgressRule,
        TaskResultsRule,
    )
}

_RULE_KEYS: Final[dict[str, frozenset[str]]] = {
    "manual": frozenset({"type", "step"}),
    "survey": frozenset({"type", "step"}),
    "yesno": frozenset({"type"}),
    "choice": frozenset({"type", "options"}),
    "ratio": frozenset({"type", "mode", "zero_denominator", "tiers"}),
    "number": frozenset({"type", "tiers"}),
    "deduction": frozenset({"type", "per_item"}),
    "task_quantity": frozenset({"type", "per_fault", "leader_unit_share"}),
    "task_quality": frozenset({"type", "per_fault", "leader_unit_share"}),
    "task_progress": frozenset({"type", "per_fault", "leader_unit_share"}),
    "task_results": frozenset({"type", "per_fault", "leader_unit_share", "weights"}),
}


@dataclass(frozen=True, slots=True)
class Shown:
    """A value read from a framework file, quoted in a problem message as the file holds it."""

    value: Any

    def english(self) -> str:
        """The Python spelling, as the English messages always showed it."""
        return repr(self.value)

    def vietnamese(self) -> str:
        """Text in curly quotes, numbers with a decimal comma, YAML words for null and booleans."""
        value = self.value
        if value is None:
            return "không có"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return f"“{value}”"
        number = to_decimal(value) if isinstance(value, int | float | Decimal) else None
        if number is not None:
            return fmt_plain(number, ",")
        return repr(value)


# English and Vietnamese templates of the problems a rule can have, keyed by a stable kind.
# Parameters: Shown values are quoted as in the file, Decimals get the language's separator.
RULE_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "tiers_empty": (
        "tiers must be a non-empty list of {{min, points}}",
        "Danh sách mức điểm (tiers) phải có ít nhất một mức, mỗi mức gồm min và points.",
    ),
    "tier_not_mapping": (
        "tier {position} must be a mapping with min and points",
        "Mức điểm thứ {position} phải ở dạng ánh xạ khóa – giá trị, gồm min và points.",
    ),
    "tier_unknown_keys": (
        "tier {position} has unknown keys: {keys}",
        "Mức điểm thứ {position} có khóa không hợp lệ: {keys}.",
    ),
    "tier_min_not_number": (
        "tier {position}: min must be a number, got {value}",
        "Mức điểm thứ {position}: ngưỡng (min) phải là một số; giá trị hiện tại: {value}.",
    ),
    "tier_min_out_of_range": (
        "tier {position}: min {min} must lie in [{low}, {high}]",
        "Mức điểm thứ {position}: ngưỡng (min) {min} phải nằm trong khoảng từ {low} đến {high}.",
    ),
    "tier_min_too_low": (
        "tier {position}: min {min} must lie in ≥ {low}",
        "Mức điểm thứ {position}: ngưỡng (min) {min} phải lớn hơn hoặc bằng {low}.",
    ),
    "tier_points_not_number": (
        "tier {position}: points must be a number, got {value}",
        "Mức điểm thứ {position}: số điểm (points) phải là một số; giá trị hiện tại: {value}.",
    ),
    "tier_points_out_of_range": (
        "tier {position}: points {points} must lie in [0, max]",
        "Mức điểm thứ {position}: số điểm (points) {points} phải nằm trong khoảng từ 0 đến "
        "điểm tối đa của tiêu chí.",
    ),
    "tiers_duplicate_min": (
        "two tiers have the same min {min}",
        "Hai mức điểm có cùng ngưỡng (min) {min}; mỗi ngưỡng chỉ được khai báo một lần.",
    ),
    "step_not_positive": (
        "step must be a number > 0, got {value}",
        "Bước chấm điểm (step) phải là một số lớn hơn 0; giá trị hiện tại: {value}.",
    ),
    "max_off_step": (
        "max {max} is not a multiple of step {step}",
        "Điểm tối đa {max} không phải là bội số của bước chấm điểm (step) {step}.",
    ),
    "rule_not_mapping": (
        "rule must be a mapping with a type",
        "Quy tắc chấm điểm (rule) phải ở dạng ánh xạ khóa – giá trị và khai báo loại quy tắc "
        "(type).",
    ),
    "unknown_rule_type": (
        "unknown rule type {value} (known: {known})",
        "Loại quy tắc {value} không được hỗ trợ; các loại hợp lệ: {known}.",
    ),
    "rule_unknown_keys": (
        "{type} rule has unknown keys: {keys}",
        "Quy tắc “{type}” có khóa không hợp lệ: {keys}.",
    ),
    "per_item_not_positive": (
        "per_item must be a number > 0, got {value}",
        "Số điểm trừ cho mỗi trường hợp (per_item) phải là một số lớn hơn 0; "
        "giá trị hiện tại: {value}.",
    ),
    "options_empty": (
        "choice rule needs a non-empty list of options {{label, points}}",
        "Quy tắc lựa chọn (choice) cần danh sách lựa chọn (options) có ít nhất một lựa chọn, "
        "mỗi lựa chọn gồm label và points.",
    ),
    "option_not_mapping": (
        "option {position} must be a mapping with label and points",
        "Lựa chọn thứ {position} phải ở dạng ánh xạ khóa – giá trị, gồm label và points.",
    ),
    "option_unknown_keys": (
        "option {position} has unknown keys: {keys}",
        "Lựa chọn thứ {position} có khóa không hợp lệ: {keys}.",
    ),
    "option_bad_label": (
        # YAML turns an unquoted yes/no/on/off into a boolean: ask for quotes.
        "option {position}: label must be non-empty text (quote it), got {value}",
        "Lựa chọn thứ {position}: tên lựa chọn (label) phải là văn bản, không để trống "
        "(hãy đặt trong dấu nháy); giá trị hiện tại: {value}.",
    ),
    "option_label_na": (
        "option {position}: 'na' is reserved for not applicable",
        "Lựa chọn thứ {position}: 'na' là giá trị dành riêng để đánh dấu không áp dụng.",
    ),
    "option_duplicate_label": (
        "duplicate option label {label}",
        "Tên lựa chọn {label} bị trùng.",
    ),
    "option_points_not_number": (
        "option {position}: points must be a number, got {value}",
        "Lựa chọn thứ {position}: số điểm (points) phải là một số; giá trị hiện tại: {value}.",
    ),
    "option_points_out_of_range": (
        "option {position}: points {points} must lie in [0, max]",
        "Lựa chọn thứ {position}: số điểm (points) {points} phải nằm trong khoảng từ 0 đến "
        "điểm tối đa của tiêu chí.",
    ),
    "ratio_bad_mode": (
        "ratio mode must be proportional or tiers, got {value}",
        "Cách tính tỷ lệ (mode) phải là “proportional” (tỷ lệ thuận với điểm tối đa) hoặc "
        "“tiers” (theo mức điểm); giá trị hiện tại: {value}.",
    ),
    "ratio_bad_zero_denominator": (
        "ratio zero_denominator must be full, na or zero, got {value}",
        "Cách xử lý khi mẫu số bằng 0 (zero_denominator) phải là “full” (đạt điểm tối đa), "
        "“na” (không áp dụng) hoặc “zero” (0 điểm); giá trị hiện tại: {value}.",
    ),
    "ratio_proportional_tiers": (
        "a proportional ratio takes no tiers",
        "Tỷ lệ tính theo cách “proportional” không dùng danh sách mức điểm (tiers).",
    ),
    "task_per_fault": (
        "per_fault must be a number > 0 and ≤ 1, got {value}",
        "Tỷ lệ trừ cho mỗi lỗi hoặc mỗi lần chậm (per_fault) phải là một số lớn hơn 0 và không "
        "quá 1; giá trị hiện tại: {value}.",
    ),
    "task_leader_share": (
        "leader_unit_share must be a number in [0, 1], got {value}",
        "Tỷ trọng kết quả của đơn vị do lãnh đạo phụ trách (leader_unit_share) phải là một số "
        "từ 0 đến 1; giá trị hiện tại: {value}.",
    ),
    "task_weights": (
        "weights must map quantity, quality and progress to numbers ≥ 0, not all 0",
        "Trọng số (weights) phải gán cho quantity (số lượng), quality (chất lượng) và progress "
        "(tiến độ) các số không âm, không được cùng bằng 0.",
    ),
    "text_too_long": (
        "{field} must be at most {max} characters long",
        "Trường {field} chỉ được dài tối đa {max} ký tự.",
    ),
    "text_control_character": (
        "{field} contains a control character (such as NUL)",
        "Trường {field} có ký tự điều khiển không hợp lệ (ví dụ NUL).",
    ),
    "figure_too_long": (
        "{field} {value} must have at most {digits} digits before the point and {places} after it",
        "Trường {field} ({value}) chỉ được có tối đa {digits} chữ số ở phần nguyên và {places} "
        "chữ số ở phần thập phân.",
    ),
}


def check_text(value: str, field: str, limit: int, report: Report) -> bool:
    """Report a text of a framework file that is too long or holds control characters."""
    ok = True
    if len(value) > limit:
        report("text_too_long", field=field, max=limit)
        ok = False
    if has_control_character(value, TEXT_WHITESPACE):
        report("text_control_character", field=field)
        ok = False
    return ok


def checked_figure(
    value: Decimal | None, field: str, report: Report, digits: int = FIGURE_DIGITS
) -> Decimal | None:
    """The figure, or None once reported when it has more digits than can be stored.

    Checked before any arithmetic: a figure of hundreds of digits overflows the decimal context.
    """
    if value is not None and not fits_figure(value, digits, MAX_DECIMAL_PLACES):
        report(
            "figure_too_long", field=field, value=value, digits=digits, places=MAX_DECIMAL_PLACES
        )
        return None
    return value


def _parse_tiers(
    raw: Any, max_points: Decimal | None, low: Decimal, high: Decimal | None, report: Report
) -> tuple[Tier, ...]:
    """Read a tier list in any order: min within [low, high], points within [0, max], no min twice.

    Official annexes list tiers from the highest down ("100%: 4 điểm; từ 90%: 3 điểm"), so the
    file may too; the rule keeps them sorted by min, which is how it scores and exports them.
    """
    if not isinstance(raw, list) or not raw:
        report("tiers_empty")
        return ()
    tiers: list[Tier] = []
    ok = True
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            report("tier_not_mapping", position=position)
            ok = False
            continue
        extra = sorted(str(key) for key in item if key not in ("min", "points"))
        if extra:
            report("tier_unknown_keys", position=position, keys=extra)
            ok = False
        minimum = to_decimal(item.get("min"))
        points = to_decimal(item.get("points"))
        place = f"tiers[{position}]"
        if (
            minimum is not None
            and checked_figure(minimum, f"{place}.min", report, THRESHOLD_DIGITS) is None
        ) or (points is not None and checked_figure(points, f"{place}.points", report) is None):
            ok = False
            continue
        if minimum is None:
            report("tier_min_not_number", position=position, value=Shown(item.get("min")))
            ok = False
        elif minimum < low or (high is not None and minimum > high):
            if high is not None:
                report("tier_min_out_of_range", position=position, min=minimum, low=low, high=high)
            else:
                report("tier_min_too_low", position=position, min=minimum, low=low)
            ok = False
        if points is None:
            report("tier_points_not_number", position=position, value=Shown(item.get("points")))
            ok = False
        elif points < 0 or (max_points is not None and points > max_points):
            report("tier_points_out_of_range", position=position, points=points)
            ok = False
        if minimum is not None and points is not None:
            tiers.append(Tier(minimum, points))
    tiers.sort(key=lambda tier: tier.min)
    for before, after in zip(tiers, tiers[1:], strict=False):
        if after.min == before.min:
            report("tiers_duplicate_min", min=after.min)
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
        if step is not None and checked_figure(step, "step", report) is None:
            return default
        if step is None or step <= 0:
            report("step_not_positive", value=Shown(raw["step"]))
            return default
    if step is not None and max_points is not None and max_points % step != 0:
        report("max_off_step", max=max_points, step=step)
    return step


def parse_rule(raw: Any, max_points: Decimal | None, report: Report) -> Rule | None:
    """Build a rule from its framework-file mapping, reporting every problem; None if broken."""
    found: list[tuple[str, dict[str, Any]]] = []

    def collect(kind: str, /, **params: Any) -> None:
        found.append((kind, params))

    rule = _build_rule(raw, max_points, collect)
    for kind, params in found:
        report(kind, **params)
    return None if found else rule


def _build_rule(raw: Any, max_points: Decimal | None, report: Report) -> Rule | None:
    """Build a rule, reporting problems as they are found."""
    if not isinstance(raw, Mapping):
        report("rule_not_mapping")
        return None
    rule_type = raw.get("type")
    if rule_type not in RULE_TYPES:
        report("unknown_rule_type", value=Shown(rule_type), known=list(RULE_TYPES))
        return None
    extra = sorted(str(key) for key in raw if key not in _RULE_KEYS[rule_type])
    if extra:
        report("rule_unknown_keys", type=rule_type, keys=extra)
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
    if rule_type in TASK_RULE_TYPES:
        return _parse_task(raw, maximum, rule_type, report)
    number = to_decimal(raw.get("per_item"))
    per_item = checked_figure(number, "per_item", report)
    if number is None or (per_item is not None and per_item <= 0):
        report("per_item_not_positive", value=Shown(raw.get("per_item")))
    # A broken per_item is reported above; the rule is then built but discarded.
    return DeductionRule(maximum, per_item if per_item is not None and per_item > 0 else Decimal(1))


def _parse_options(raw: Any, max_points: Decimal | None, report: Report) -> tuple[Option, ...]:
    """Read choice options: non-empty, distinct labels, points within [0, max]."""
    if not isinstance(raw, list) or not raw:
        report("options_empty")
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            report("option_not_mapping", position=position)
            continue
        extra = sorted(str(key) for key in item if key not in ("label", "points"))
        if extra:
            report("option_unknown_keys", position=position, keys=extra)
        label = item.get("label")
        points = to_decimal(item.get("points"))
        if points is not None:
            points = checked_figure(points, f"options[{position}].points", report)
            if points is None:
                continue
        if not isinstance(label, str) or not label.strip():
            report("option_bad_label", position=position, value=Shown(label))
            label = None
        elif not check_text(label.strip(), f"options[{position}].label", MAX_RAW_LENGTH, report):
            # The chosen label is stored as the value, in a column of MAX_RAW_LENGTH characters.
            label = None
        elif normalize_label(label) == "na":
            report("option_label_na", position=position)
        elif normalize_label(label) in seen:
            report("option_duplicate_label", label=Shown(label))
        else:
            seen.add(normalize_label(label))
        if points is None:
            report("option_points_not_number", position=position, value=Shown(item.get("points")))
        elif points < 0 or (max_points is not None and points > max_points):
            report("option_points_out_of_range", position=position, points=points)
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
        report("ratio_bad_mode", value=Shown(mode))
        mode = "proportional"
    if zero not in ("full", "na", "zero"):
        report("ratio_bad_zero_denominator", value=Shown(zero))
        zero = "full"
    tiers: tuple[Tier, ...] = ()
    if mode == "tiers":
        tiers = _parse_tiers(raw.get("tiers"), max_points, ZERO, HUNDRED, report)
    elif "tiers" in raw:
        report("ratio_proportional_tiers")
    return RatioRule(maximum, mode, zero, tiers)


def _share(raw: Mapping[str, Any], key: str, default: Decimal, low_open: bool) -> Decimal | None:
    """A share in (0, 1] (low_open) or [0, 1] read from the rule; None when it is not one."""
    if key not in raw:
        return default
    value = to_decimal(raw[key])
    if value is None or not fits_figure(value, FIGURE_DIGITS, MAX_DECIMAL_PLACES):
        return None
    if value > 1 or value < 0 or (low_open and value == 0):
        return None
    return value


def _parse_task(raw: Mapping[str, Any], maximum: Decimal, rule_type: str, report: Report) -> Rule:
    """Read a task rule: per_fault in (0, 1], leader_unit_share in [0, 1], weights ≥ 0."""
    per_fault = _share(raw, "per_fault", DEFAULT_PER_FAULT, low_open=True)
    if per_fault is None:
        report("task_per_fault", value=Shown(raw.get("per_fault")))
        per_fault = DEFAULT_PER_FAULT
    leader_share = _share(raw, "leader_unit_share", ZERO, low_open=False)
    if leader_share is None:
        report("task_leader_share", value=Shown(raw.get("leader_unit_share")))
        leader_share = ZERO
    if rule_type != "task_results":
        cls = RULE_TYPES[rule_type]
        return cls(maximum, per_fault, leader_share)  # type: ignore[call-arg]
    weights = (Decimal(1), Decimal(1), Decimal(1))
    if "weights" in raw:
        given = raw["weights"]
        read = (
            [to_decimal(given.get(name, 0)) for name in MEASURES]
            if isinstance(given, Mapping) and set(given) <= set(MEASURES)
            else [None]
        )
        if (
            any(
                w is None or w < 0 or not fits_figure(w, FIGURE_DIGITS, MAX_DECIMAL_PLACES)
                for w in read
            )
            or sum(read, ZERO) <= 0
        ):  # type: ignore[arg-type]
            report("task_weights")
        else:
            weights = tuple(read)  # type: ignore[assignment]
    return TaskResultsRule(maximum, per_fault, leader_share, weights)
