"""Parsed criterion values, the not-applicable marker, and the error raised for bad input."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal

from reform.scoring.numbers import fmt_plain

Stage = Literal["self", "appraisal", "survey"]
STAGES: Final[tuple[str, ...]] = ("self", "appraisal", "survey")

# A raw value is stored in the contract's spelling in a column of 200 characters; nothing longer
# can be a value, so longer input is refused before it is read.
MAX_RAW_LENGTH: Final = 200


class NotApplicable:
    """The single marker for 'not applicable' (không phát sinh / không áp dụng)."""

    _instance: NotApplicable | None = None

    def __new__(cls) -> NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self) -> str:
        # Pickling (e.g. into a cache) must give back the same singleton.
        return "NA"


NA: Final = NotApplicable()


@dataclass(frozen=True, slots=True)
class Ratio:
    """A parsed 'n/d' value of a ratio criterion."""

    n: Decimal
    d: Decimal

    def __str__(self) -> str:
        return f"{fmt_plain(self.n)}/{fmt_plain(self.d)}"


# manual, number, survey: Decimal; yesno: bool; choice: the option's label; ratio: Ratio;
# deduction: int (a count); any rule: NA.
Value = Decimal | bool | str | Ratio | int | NotApplicable

# English and Vietnamese message templates, keyed by the stable problem code.
_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("A value is required.", "Cần nhập giá trị."),
    "not_a_number": ("Enter a number.", "Giá trị phải là một số."),
    "out_of_range": (
        "The value must be between {min} and {max}.",
        "Giá trị phải nằm trong khoảng từ {min} đến {max}.",
    ),
    "off_step": (
        "The value must be a multiple of {step}.",
        "Giá trị phải là bội số của {step}.",
    ),
    "n_greater_than_d": (
        "The numerator ({n}) cannot be greater than the denominator ({d}).",
        "Tử số ({n}) không được lớn hơn mẫu số ({d}).",
    ),
    "unknown_option": ("Choose one of: {options}.", "Hãy chọn một trong các giá trị: {options}."),
    "negative": ("The value cannot be negative.", "Giá trị không được là số âm."),
    "not_whole": ("Enter a whole number.", "Giá trị phải là số nguyên."),
    "na_not_allowed": (
        "This criterion cannot be marked not applicable.",
        "Tiêu chí này không được đánh dấu là không áp dụng.",
    ),
    "bad_ratio_format": (
        "Enter the value as n/d, for example 45/50.",
        "Hãy nhập giá trị theo dạng n/d, ví dụ 45/50.",
    ),
    "survey_not_self_scored": (
        "Survey criteria are entered by the secretariat, not scored by the unit or the evaluator.",
        "Tiêu chí điều tra xã hội học do cơ quan thường trực nhập, "
        "không do đơn vị tự chấm hay thẩm định.",
    ),
    "not_a_survey_criterion": (
        "Only survey criteria take survey values.",
        "Chỉ tiêu chí điều tra xã hội học mới nhận điểm điều tra.",
    ),
    "not_a_leaf": (
        "This criterion is scored through its sub-criteria; it only accepts 'na'.",
        "Tiêu chí này được chấm qua các tiêu chí thành phần; chỉ nhận giá trị 'na'.",
    ),
    "unknown_criterion": (
        "There is no criterion with code {criterion}.",
        "Không có tiêu chí mã {criterion}.",
    ),
    "too_long": (
        "The value is too long (at most {max} characters).",
        "Giá trị quá dài (tối đa {max} ký tự).",
    ),
    "control_character": (
        "The value contains an invisible control character; type it again.",
        "Giá trị có ký tự điều khiển không nhìn thấy được; hãy nhập lại.",
    ),
    "task_computed": (
        "This criterion is computed from the period's tasks and products; it takes no typed value.",
        "Tiêu chí này được tính từ sản phẩm, công việc của kỳ; không nhập điểm trực tiếp.",
    ),
    "no_tasks": (
        "No task or product is recorded for the period.",
        "Chưa ghi nhận sản phẩm, công việc nào trong kỳ.",
    ),
    "task_weight": (
        "A task's weight after conversion must be a number greater than 0.",
        "Trọng số quy đổi của sản phẩm, công việc phải là số lớn hơn 0.",
    ),
    "task_count": (
        "Errors and delays are whole numbers ≥ 0.",
        "Số lần sai sót và số lần chậm tiến độ phải là số nguyên không âm.",
    ),
    "too_many_digits": (
        "Enter at most {digits} digits before the decimal point and {places} after it.",
        "Chỉ nhập tối đa {digits} chữ số ở phần nguyên và {places} chữ số ở phần thập phân.",
    ),
}


def has_control_character(text: str, allowed: str = "") -> bool:
    """Whether text holds a control character (NUL, escape, a lone surrogate...) not allowed."""
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in text)


def check_raw(text: str) -> None:
    """Refuse a stripped raw value that no rule can take: too long, or with control characters."""
    if len(text) > MAX_RAW_LENGTH:
        raise ValueProblem("too_long", {"max": MAX_RAW_LENGTH})
    if has_control_character(text):
        raise ValueProblem("control_character")


def render_param(value: Any, decimal_separator: str) -> str:
    """Write a message parameter: decimals with the language's separator, lists quoted."""
    if isinstance(value, Decimal):
        return fmt_plain(value, decimal_separator)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(f"“{item}”" for item in value)
    return str(value)


class ValueProblem(ValueError):
    """A raw value that a criterion cannot take; `code` is stable, `message`/`vi` are for people."""

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, criterion: str | None = None
    ) -> None:
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        self.criterion = criterion
        super().__init__(self.message)

    def _format(self, language: int, decimal_separator: str) -> str:
        """Fill the template of one language with rendered parameters."""
        template = _MESSAGES.get(self.code, (self.code, self.code))[language]
        rendered = {
            key: render_param(value, decimal_separator) for key, value in self.params.items()
        }
        return template.format(**rendered)

    @property
    def message(self) -> str:
        """The problem in English."""
        return self._format(0, ".")

    @property
    def vi(self) -> str:
        """The problem in Vietnamese (decimal comma)."""
        return self._format(1, ",")

    def for_criterion(self, criterion: str) -> ValueProblem:
        """The same problem, naming the criterion it concerns."""
        return ValueProblem(self.code, self.params, criterion)

    def __repr__(self) -> str:
        return f"ValueProblem({self.code!r}, {self.params!r}, criterion={self.criterion!r})"
