"""The framework tree (bộ tiêu chí): validation of a loaded file and its canonical form."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from reform.scoring.numbers import decimal_to_yaml, to_decimal
from reform.scoring.rules import (
    RULE_MESSAGES,
    THRESHOLD_DIGITS,
    Report,
    Rule,
    Shown,
    SurveyRule,
    TaskRule,
    check_text,
    checked_figure,
    parse_rule,
)
from reform.scoring.values import NA, STAGES, Value, ValueProblem, check_raw, render_param

KINDS: Final = ("reform", "emulation", "individual")
# An individual framework (a person's sheet, Decree 335/2025) classifies into four levels.
INDIVIDUAL: Final = "individual"
INDIVIDUAL_BANDS: Final = 4
RESULTS: Final = ("percent", "points")
EVIDENCE: Final = ("required", "optional")

# Lengths of the columns and places the texts of a framework are stored in.
CODE_LENGTH: Final = 40
FRAMEWORK_NAME_LENGTH: Final = 300
CRITERION_NAME_LENGTH: Final = 500
BAND_LABEL_LENGTH: Final = 40
UNIT_KIND_LENGTH: Final = 40
# Descriptions and guidance live in the stored definition only; the bound keeps pages readable.
GUIDANCE_LENGTH: Final = 20_000
# Versions are stored in an integer column (PostgreSQL: 4 bytes).
MAX_VERSION: Final = 2_147_483_647
# Real frameworks are 3 or 4 levels deep; the bound keeps every tree walk far from recursion limits.
MAX_DEPTH: Final = 12

_TOP_KEYS: Final = frozenset({"code", "version", "name", "kind", "result", "bands", "criteria"})
_NODE_KEYS: Final = frozenset(
    {
        "code",
        "name",
        "max",
        "rule",
        "children",
        "evidence",
        "applies_to",
        "allow_na",
        "bonus",
        "penalty",
        "description",
        "guidance",
    }
)


# English and Vietnamese templates of the problems of a framework file, keyed by a stable kind
# (the rules' own problems come from RULE_MESSAGES). Literal braces are doubled.
FRAMEWORK_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "file_not_mapping": (
        "a framework file must be a mapping",
        "Tệp bộ tiêu chí phải ở dạng ánh xạ khóa – giá trị.",
    ),
    "unknown_keys": (
        "unknown keys: {keys}",
        "Tệp bộ tiêu chí có khóa không hợp lệ: {keys}.",
    ),
    "code_missing": (
        "code is missing or empty",
        "Thiếu mã bộ tiêu chí (code) hoặc mã để trống.",
    ),
    "version_missing": (
        "version is missing",
        "Thiếu số phiên bản (version).",
    ),
    "version_not_whole": (
        "version must be a whole number, got {value}",
        "Phiên bản (version) phải là số nguyên; giá trị hiện tại: {value}.",
    ),
    "name_missing": (
        "name is missing or empty",
        "Thiếu tên bộ tiêu chí (name) hoặc tên để trống.",
    ),
    "bad_kind": (
        "kind must be reform, emulation or individual, got {value}",
        "Loại bộ tiêu chí (kind) phải là “reform” (cải cách hành chính), “emulation” "
        "(thi đua) hoặc “individual” (đánh giá cá nhân); giá trị hiện tại: {value}.",
    ),
    "task_rule_kind": (
        "task rules belong to individual frameworks (kind: individual)",
        "Quy tắc tính từ sản phẩm, công việc chỉ dùng trong bộ tiêu chí đánh giá cá nhân "
        "(kind: individual).",
    ),
    "individual_bands": (
        "an individual framework has four bands, the classification levels from the highest "
        "down, the last from 0",
        "Bộ tiêu chí đánh giá cá nhân có đúng bốn mức xếp loại, liệt kê từ mức cao nhất xuống, "
        "mức cuối cùng bắt đầu từ 0.",
    ),
    "bad_result": (
        "result must be percent or points, got {value}",
        "Cách tính kết quả (result) phải là “percent” (tỷ lệ phần trăm) hoặc “points” "
        "(tổng điểm); giá trị hiện tại: {value}.",
    ),
    "criteria_empty": (
        "criteria must be a non-empty list",
        "Danh sách tiêu chí (criteria) phải có ít nhất một tiêu chí.",
    ),
    "bands_empty": (
        "bands must be a non-empty list of {{min, label}}",
        "Danh sách mức xếp loại (bands) phải có ít nhất một mức, mỗi mức gồm min và label.",
    ),
    "band_not_mapping": (
        "band {position} must be a mapping with min and label",
        "Mức xếp loại thứ {position} phải ở dạng ánh xạ khóa – giá trị, gồm min và label.",
    ),
    "band_unknown_keys": (
        "band {position} has unknown keys: {keys}",
        "Mức xếp loại thứ {position} có khóa không hợp lệ: {keys}.",
    ),
    "band_bad_min": (
        "band {position}: min must be a number ≥ 0",
        "Mức xếp loại thứ {position}: ngưỡng tối thiểu (min) phải là một số ≥ 0.",
    ),
    "band_bad_label": (
        "band {position}: label must be non-empty text",
        "Mức xếp loại thứ {position}: tên xếp loại (label) phải là văn bản, không để trống.",
    ),
    "band_duplicate_label": (
        "band {position}: duplicate label {label}",
        "Mức xếp loại thứ {position}: tên xếp loại {label} bị trùng.",
    ),
    "bands_share_min": (
        "bands {first} and {second} share min",
        "Hai mức xếp loại {first} và {second} có cùng ngưỡng tối thiểu (min).",
    ),
    "bands_not_descending": (
        "bands must be listed from the highest min down",
        "Các mức xếp loại phải được liệt kê theo ngưỡng tối thiểu (min) từ cao xuống thấp.",
    ),
    "node_not_mapping": (
        "a criterion must be a mapping",
        "Mỗi tiêu chí phải ở dạng ánh xạ khóa – giá trị.",
    ),
    "node_code_spaces": (
        "code must not start or end with spaces",
        "Mã tiêu chí (code) không được có dấu cách ở đầu hoặc cuối.",
    ),
    "node_duplicate_code": (
        "duplicate criterion code (also at {other})",
        "Mã tiêu chí bị trùng (đã dùng tại {other}).",
    ),
    "node_code_missing": (
        "code is missing or empty (got {value}; quote codes like '1.1')",
        "Thiếu mã tiêu chí (code) hoặc mã để trống (giá trị hiện tại: {value}); "
        "hãy đặt mã trong dấu nháy, ví dụ '1.1'.",
    ),
    "node_unknown_keys": (
        "unknown keys: {keys}",
        "Tiêu chí có khóa không hợp lệ: {keys}.",
    ),
    "node_name_missing": (
        "name is missing or empty",
        "Thiếu tên tiêu chí (name) hoặc tên để trống.",
    ),
    "max_not_number": (
        "max must be a number, got {value}",
        "Điểm tối đa (max) phải là một số; giá trị hiện tại: {value}.",
    ),
    "max_not_positive": (
        "max must be greater than 0, got {value}",
        "Điểm tối đa (max) phải lớn hơn 0; giá trị hiện tại: {value}.",
    ),
    "max_empty": (
        "max is empty",
        "Điểm tối đa (max) đang để trống.",
    ),
    "children_and_rule": (
        "a criterion has children or a rule, never both",
        "Một tiêu chí chỉ có tiêu chí thành phần (children) hoặc quy tắc chấm điểm (rule), "
        "không được có cả hai.",
    ),
    "children_empty": (
        "children must be a non-empty list",
        "Danh sách tiêu chí thành phần (children) phải có ít nhất một tiêu chí.",
    ),
    "leaf_needs_rule": (
        "a leaf criterion needs a rule",
        "Tiêu chí chấm điểm trực tiếp phải có quy tắc chấm điểm (rule).",
    ),
    "leaf_needs_max": (
        "a leaf criterion needs a max",
        "Tiêu chí chấm điểm trực tiếp phải có điểm tối đa (max).",
    ),
    "bad_evidence": (
        "evidence must be required or optional, got {value}",
        "Yêu cầu tài liệu kiểm chứng (evidence) phải là “required” (bắt buộc) hoặc “optional” "
        "(không bắt buộc); giá trị hiện tại: {value}.",
    ),
    "bad_applies_to": (
        "applies_to must be a non-empty list of unit kinds (text)",
        "Phạm vi áp dụng (applies_to) phải là danh sách các loại đơn vị (dạng văn bản), "
        "có ít nhất một loại.",
    ),
    "allow_na_not_bool": (
        "allow_na must be true or false, got {value}",
        "Trường cho phép không áp dụng (allow_na) phải là true hoặc false; "
        "giá trị hiện tại: {value}.",
    ),
    "bonus_not_bool": (
        "bonus must be true or false, got {value}",
        "Trường điểm thưởng (bonus) phải là true hoặc false; giá trị hiện tại: {value}.",
    ),
    "penalty_not_bool": (
        "penalty must be true or false, got {value}",
        "Trường điểm trừ (penalty) phải là true hoặc false; giá trị hiện tại: {value}.",
    ),
    "bonus_and_penalty": (
        "a criterion cannot be both bonus and penalty",
        "Một tiêu chí không thể vừa là điểm thưởng (bonus) vừa là điểm trừ (penalty).",
    ),
    "penalty_deduction": (
        "a penalty criterion scores the amount to subtract: use number, choice or manual",
        "Tiêu chí điểm trừ chấm số điểm bị trừ: hãy dùng quy tắc “number”, “choice” hoặc "
        "“manual”, không dùng “deduction”.",
    ),
    "description_not_text": (
        "description must be text",
        "Mô tả (description) phải là văn bản.",
    ),
    "guidance_not_text": (
        "guidance must be text",
        "Hướng dẫn (guidance) phải là văn bản.",
    ),
    "version_out_of_range": (
        "version must lie in [1, {max}], got {value}",
        "Phiên bản (version) phải nằm trong khoảng từ 1 đến {max}; giá trị hiện tại: {value}.",
    ),
    "too_deep": (
        "criteria are nested more than {max} levels deep",
        "Các tiêu chí lồng nhau quá {max} cấp.",
    ),
}
MESSAGES: Final[dict[str, tuple[str, str]]] = {**FRAMEWORK_MESSAGES, **RULE_MESSAGES}

_ENGLISH, _VIETNAMESE = 0, 1


def _render(value: Any, language: int) -> str:
    """Write one message parameter in a language (Vietnamese: decimal comma, quoted lists)."""
    if isinstance(value, Shown):
        return value.english() if language == _ENGLISH else value.vietnamese()
    if language == _VIETNAMESE:
        return render_param(value, ",")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a framework file, told in English (`message`) and Vietnamese (`vi`).

    `code` names the criterion (None: the file itself, then `where` may give the place in the
    file); `kind` is a stable key of MESSAGES and `params` fill its templates.
    """

    code: str | None
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    where: str | None = None

    def _format(self, language: int) -> str:
        """Fill the template of one language; an unknown kind is shown as it is."""
        template = MESSAGES.get(self.kind, (self.kind, self.kind))[language]
        rendered = {key: _render(value, language) for key, value in self.params.items()}
        text = template.format(**rendered)
        if self.where is None:
            return text
        return f"{self.where}: {text}" if language == _ENGLISH else f"Vị trí {self.where}: {text}"

    @property
    def message(self) -> str:
        """The problem in English."""
        return self._format(_ENGLISH)

    @property
    def vi(self) -> str:
        """The problem in Vietnamese (decimal comma)."""
        return self._format(_VIETNAMESE)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code is not None else self.message


class FrameworkError(ValueError):
    """A framework file that breaks the contract; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True, slots=True)
class Band:
    """A band (xếp loại): values from `min` upwards get `label`."""

    min: Decimal
    label: str


@dataclass(frozen=True, slots=True)
class Node:
    """An area, criterion or sub-criterion: it has children or a rule, never both."""

    code: str
    name: str
    max: Decimal | None = None
    rule: Rule | None = None
    children: tuple[Node, ...] = ()
    evidence: str = "optional"
    applies_to: frozenset[str] | None = None
    allow_na: bool = False
    bonus: bool = False
    penalty: bool = False
    description: str | None = None
    guidance: str | None = None

    @property
    def is_leaf(self) -> bool:
        """Whether the node is scored by its own rule."""
        return self.rule is not None

    @property
    def is_survey(self) -> bool:
        """Whether the node is a survey criterion (never self-scored)."""
        return isinstance(self.rule, SurveyRule)

    def applies_to_kind(self, unit_kind: str) -> bool:
        """Whether this node's own applies_to admits the unit kind (ancestors not considered)."""
        return self.applies_to is None or unit_kind in self.applies_to

    def walk(self) -> Iterator[Node]:
        """This node and all its descendants, depth first in file order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def parse_value(self, raw: str, stage: str | None = None) -> Value:
        """Read a raw value for this node at a stage ('self', 'appraisal', 'survey' or None).

        Leaves take their rule's values; a parent only takes 'na' (when allow_na), which takes its
        whole subtree out. At the self and appraisal stages survey criteria are refused; at the
        survey stage only survey criteria are accepted.
        """
        if stage is not None and stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        try:
            if self.rule is None:
                text = raw.strip()
                check_raw(text)
                if text.casefold() != "na":
                    raise ValueProblem("empty" if not text else "not_a_leaf")
                if not self.allow_na:
                    raise ValueProblem("na_not_allowed")
                return NA
            if stage in ("self", "appraisal") and self.is_survey:
                raise ValueProblem("survey_not_self_scored")
            if stage == "survey" and not self.is_survey:
                raise ValueProblem("not_a_survey_criterion")
            return self.rule.parse(raw, allow_na=self.allow_na)
        except ValueProblem as problem:
            raise problem.for_criterion(self.code) from None


@dataclass(frozen=True, slots=True)
class Framework:
    """A validated, immutable framework; build it with `parse_framework`."""

    code: str
    version: int
    name: str
    kind: str
    result: str
    bands: tuple[Band, ...]
    criteria: tuple[Node, ...]
    _index: dict[str, Node] = field(init=False, repr=False, compare=False)
    _parents: dict[str, str] = field(init=False, repr=False, compare=False)
    survey_codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {node.code: node for top in self.criteria for node in top.walk()}
        object.__setattr__(self, "_index", index)
        parents = {child.code: node.code for node in index.values() for child in node.children}
        object.__setattr__(self, "_parents", parents)
        surveys = frozenset(code for code, node in index.items() if node.is_survey)
        object.__setattr__(self, "survey_codes", surveys)

    def node(self, code: str) -> Node:
        """The node with this criterion code; KeyError if there is none."""
        return self._index[code]

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def nodes(self) -> Iterator[Node]:
        """Every node, depth first in file order."""
        for top in self.criteria:
            yield from top.walk()

    def leaves(self) -> Iterator[Node]:
        """Every scored (leaf) criterion, in file order."""
        return (node for node in self.nodes() if node.is_leaf)

    def applies_to_unit(self, code: str, unit_kind: str) -> bool:
        """Whether a criterion and every node above it apply to a unit of this kind.

        A criterion that does not apply is not on the unit's form and takes no value.
        """
        current: str | None = code
        while current is not None:
            if not self._index[current].applies_to_kind(unit_kind):
                return False
            current = self._parents.get(current)
        return True

    def applies_to_kind(self, unit_kind: str) -> bool:
        """Whether a unit of this kind has at least one criterion that counts in its max."""

        def counts(node: Node) -> bool:
            if not node.applies_to_kind(unit_kind):
                return False
            return node.is_leaf or any(counts(child) for child in node.children)

        return any(counts(top) for top in self.criteria if not (top.bonus or top.penalty))


def parse_values(
    framework: Framework, raw: Mapping[str, str], stage: str | None = None
) -> tuple[dict[str, Value], list[ValueProblem]]:
    """Read many raw values at once; returns the good ones and every problem (with criterion)."""
    values: dict[str, Value] = {}
    problems: list[ValueProblem] = []
    for code, text in raw.items():
        if code not in framework:
            problems.append(ValueProblem("unknown_criterion", {"criterion": code}, code))
            continue
        try:
            values[code] = framework.node(code).parse_value(text, stage)
        except ValueProblem as problem:
            problems.append(problem)
    return values, problems


class _Problems:
    """Collects problems while validating."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: str | None, kind: str, where: str | None = None, **params: Any) -> None:
        self.items.append(Problem(code, kind, params, where))

    def reporter(self, code: str | None, where: str) -> Report:
        """A callable that files problems under a criterion code (or its place in the file)."""
        place = None if code is not None else where

        def report(kind: str, /, **params: Any) -> None:
            self.add(code, kind, place, **params)

        return report


def _text(value: Any) -> str | None:
    """Non-empty text (ints are accepted for codes and read as text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def parse_bands(raw: Any, problems: _Problems | None = None) -> tuple[Band, ...]:
    """Read bands [{min, label}, ...] listed from the highest min down; FrameworkError if bad."""
    own = problems is None
    collected = problems if problems is not None else _Problems()
    bands: list[Band] = []
    if not isinstance(raw, list) or not raw:
        collected.add(None, "bands_empty")
    else:
        for position, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                collected.add(None, "band_not_mapping", position=position)
                continue
            extra = sorted(str(key) for key in item if key not in ("min", "label"))
            if extra:
                collected.add(None, "band_unknown_keys", position=position, keys=extra)
            report = collected.reporter(None, f"bands[{position}]")
            minimum = to_decimal(item.get("min"))
            if minimum is not None:
                minimum = checked_figure(minimum, "min", report, THRESHOLD_DIGITS)
                if minimum is None:
                    continue
            label = item.get("label")
            if minimum is None or minimum < 0:
                collected.add(None, "band_bad_min", position=position)
            if not isinstance(label, str) or not label.strip():
                collected.add(None, "band_bad_label", position=position)
            elif not check_text(label, "label", BAND_LABEL_LENGTH, report):
                continue
            elif any(band.label == label for band in bands):
                collected.add(None, "band_duplicate_label", position=position, label=Shown(label))
            if minimum is not None and minimum >= 0 and isinstance(label, str):
                bands.append(Band(minimum, label))
        for before, after in zip(bands, bands[1:], strict=False):
            if after.min == before.min:
                first, second = Shown(before.label), Shown(after.label)
                collected.add(None, "bands_share_min", first=first, second=second)
            elif after.min > before.min:
                collected.add(None, "bands_not_descending")
    if own and collected.items:
        raise FrameworkError(collected.items)
    return tuple(bands)


def _flag(raw: Mapping[str, Any], key: str, report: Report) -> bool:
    """Read an optional boolean flag."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        report(f"{key}_not_bool", value=Shown(value))
        return False
    return value


def _parse_node(
    raw: Any, where: str, problems: _Problems, seen: dict[str, str], depth: int = 1
) -> Node | None:
    """Validate one node and its subtree, reporting every problem; None if anything is wrong."""
    if not isinstance(raw, Mapping):
        problems.add(None, "node_not_mapping", where)
        return None
    before = len(problems.items)
    code = _text(raw.get("code"))
    if code is not None and not check_text(
        code, "code", CODE_LENGTH, problems.reporter(None, where)
    ):
        code = None
    if code is not None and code != code.strip():
        problems.add(code, "node_code_spaces")
    if code is not None and code in seen:
        problems.add(code, "node_duplicate_code", other=seen[code])
    if code is not None:
        seen.setdefault(code, where)
    report = problems.reporter(code, where)
    if code is None and len(problems.items) == before:
        report("node_code_missing", value=Shown(raw.get("code")))

    extra = sorted(str(key) for key in raw if key not in _NODE_KEYS)
    if extra:
        report("node_unknown_keys", keys=extra)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        report("node_name_missing")
    else:
        check_text(name, "name", CRITERION_NAME_LENGTH, report)

    maximum: Decimal | None = None
    if raw.get("max") is not None:
        maximum = to_decimal(raw["max"])
        if maximum is None:
            report("max_not_number", value=Shown(raw["max"]))
        elif checked_figure(maximum, "max", report) is None:
            maximum = None
        elif maximum <= 0:
            report("max_not_positive", value=maximum)
            maximum = None
    elif "max" in raw:
        report("max_empty")

    children_raw = raw.get("children")
    has_children = children_raw is not None
    rule: Rule | None = None
    children: list[Node | None] = []
    if has_children and "rule" in raw:
        report("children_and_rule")
    if has_children:
        if not isinstance(children_raw, list) or not children_raw:
            report("children_empty")
        elif depth >= MAX_DEPTH:
            report("too_deep", max=MAX_DEPTH)
        else:
            label = code if code is not None else where
            for position, child in enumerate(children_raw):
                place = f"{label}.children[{position}]"
                children.append(_parse_node(child, place, problems, seen, depth + 1))
    else:
        if "rule" not in raw:
            report("leaf_needs_rule")
        else:
            rule = parse_rule(raw["rule"], maximum, report)
        if "max" not in raw:
            report("leaf_needs_max")

    evidence = raw.get("evidence", "optional")
    if evidence not in EVIDENCE:
        report("bad_evidence", value=Shown(evidence))
    applies_to: frozenset[str] | None = None
    if "applies_to" in raw:
        kinds = raw["applies_to"]
        if (
            not isinstance(kinds, list)
            or not kinds
            or not all(isinstance(kind, str) and kind.strip() for kind in kinds)
        ):
            report("bad_applies_to")
        elif all(
            check_text(kind.strip(), "applies_to", UNIT_KIND_LENGTH, report) for kind in kinds
        ):
            applies_to = frozenset(kind.strip() for kind in kinds)
    allow_na = _flag(raw, "allow_na", report)
    bonus = _flag(raw, "bonus", report)
    penalty = _flag(raw, "penalty", report)
    if bonus and penalty:
        report("bonus_and_penalty")
    if penalty and rule is not None and rule.type == "deduction":
        # A penalty's points are what is subtracted; a deduction rule counts down from max.
        report("penalty_deduction")
    texts: dict[str, str | None] = {}
    for key in ("description", "guidance"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            report(f"{key}_not_text")
            value = None
        elif value is not None:
            check_text(value, key, GUIDANCE_LENGTH, report)
        texts[key] = value

    if len(problems.items) != before or code is None or None in children:
        return None
    return Node(
        code=code,
        name=name,  # type: ignore[arg-type]
        max=maximum,
        rule=rule,
        children=tuple(children),  # type: ignore[arg-type]
        evidence=evidence,
        applies_to=applies_to,
        allow_na=allow_na,
        bonus=bonus,
        penalty=penalty,
        description=texts["description"],
        guidance=texts["guidance"],
    )


def parse_framework(data: Mapping[str, Any]) -> Framework:
    """Validate a loaded framework file whole; FrameworkError lists every problem found."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise FrameworkError([Problem(None, "file_not_mapping")])
    extra = sorted(str(key) for key in data if key not in _TOP_KEYS)
    if extra:
        problems.add(None, "unknown_keys", keys=extra)

    def top(kind: str, /, **params: Any) -> None:
        problems.add(None, kind, **params)

    code = _text(data.get("code"))
    if code is None:
        problems.add(None, "code_missing")
    else:
        check_text(code, "code", CODE_LENGTH, top)
    version = data.get("version")
    if version is None:
        problems.add(None, "version_missing")
    elif not isinstance(version, int) or isinstance(version, bool):
        problems.add(None, "version_not_whole", value=Shown(version))
    elif not 1 <= version <= MAX_VERSION:
        problems.add(None, "version_out_of_range", max=MAX_VERSION, value=Shown(version))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(None, "name_missing")
    else:
        check_text(name, "name", FRAMEWORK_NAME_LENGTH, top)
    kind = data.get("kind")
    if kind not in KINDS:
        problems.add(None, "bad_kind", value=Shown(kind))
    result = data.get("result")
    if result not in RESULTS:
        problems.add(None, "bad_result", value=Shown(result))
    bands = parse_bands(data.get("bands"), problems)

    criteria: list[Node | None] = []
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        problems.add(None, "criteria_empty")
    else:
        seen: dict[str, str] = {}
        for position, raw in enumerate(raw_criteria):
            criteria.append(_parse_node(raw, f"criteria[{position}]", problems, seen))
    _check_individual(kind, bands, criteria, problems)
    if problems.items:
        raise FrameworkError(problems.items)
    return Framework(
        code=code,  # type: ignore[arg-type]
        version=version,  # type: ignore[arg-type]
        name=name,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        result=result,  # type: ignore[arg-type]
        bands=bands,
        criteria=tuple(criteria),  # type: ignore[arg-type]
    )


def _check_individual(
    kind: Any, bands: tuple[Band, ...], criteria: list[Node | None], problems: _Problems
) -> None:
    """Task rules only in individual frameworks, and those classify into four levels."""
    for top in criteria:
        for node in top.walk() if top is not None else ():
            if isinstance(node.rule, TaskRule) and kind != INDIVIDUAL:
                problems.add(node.code, "task_rule_kind")
    if kind == INDIVIDUAL and bands and (len(bands) != INDIVIDUAL_BANDS or bands[-1].min != 0):
        problems.add(None, "individual_bands")


def _node_to_dict(node: Node) -> dict[str, Any]:
    """One node in canonical key order, defaults omitted."""
    data: dict[str, Any] = {"code": node.code, "name": node.name}
    if node.max is not None:
        data["max"] = decimal_to_yaml(node.max)
    if node.rule is not None:
        data["rule"] = node.rule.to_dict()
    if node.evidence != "optional":
        data["evidence"] = node.evidence
    if node.applies_to is not None:
        data["applies_to"] = sorted(node.applies_to)
    for flag in ("allow_na", "bonus", "penalty"):
        if getattr(node, flag):
            data[flag] = True
    for key in ("description", "guidance"):
        if getattr(node, key) is not None:
            data[key] = getattr(node, key)
    if node.children:
        data["children"] = [_node_to_dict(child) for child in node.children]
    return data


def framework_to_dict(framework: Framework) -> dict[str, Any]:
    """The canonical, YAML-ready form: parse_framework(framework_to_dict(f)) == f."""
    return {
        "code": framework.code,
        "version": framework.version,
        "name": framework.name,
        "kind": framework.kind,
        "result": framework.result,
        "bands": [{"min": decimal_to_yaml(b.min), "label": b.label} for b in framework.bands],
        "criteria": [_node_to_dict(node) for node in framework.criteria],
    }
