"""The framework tree (bộ tiêu chí): validation of a loaded file and its canonical form."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from reform.scoring.numbers import decimal_to_yaml, to_decimal
from reform.scoring.rules import Rule, SurveyRule, parse_rule
from reform.scoring.values import NA, STAGES, Value, ValueProblem

KINDS: Final = ("reform", "emulation")
RESULTS: Final = ("percent", "points")
EVIDENCE: Final = ("required", "optional")

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


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a framework file; `code` names the criterion (None: the file itself)."""

    code: str | None
    message: str

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
    survey_codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {node.code: node for top in self.criteria for node in top.walk()}
        object.__setattr__(self, "_index", index)
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

    def add(self, code: str | None, message: str) -> None:
        self.items.append(Problem(code, message))

    def reporter(self, code: str | None, where: str) -> Callable[[str], None]:
        """A callable that files messages under a criterion code (or its place in the file)."""
        prefix = "" if code is not None else f"{where}: "
        return lambda message: self.add(code, prefix + message)


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
        collected.add(None, "bands must be a non-empty list of {min, label}")
    else:
        for position, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping):
                collected.add(None, f"band {position} must be a mapping with min and label")
                continue
            extra = sorted(str(key) for key in item if key not in ("min", "label"))
            if extra:
                collected.add(None, f"band {position} has unknown keys: {', '.join(extra)}")
            minimum = to_decimal(item.get("min"))
            label = item.get("label")
            if minimum is None or minimum < 0:
                collected.add(None, f"band {position}: min must be a number ≥ 0")
            if not isinstance(label, str) or not label.strip():
                collected.add(None, f"band {position}: label must be non-empty text")
            elif any(band.label == label for band in bands):
                collected.add(None, f"band {position}: duplicate label {label!r}")
            if minimum is not None and minimum >= 0 and isinstance(label, str):
                bands.append(Band(minimum, label))
        for before, after in zip(bands, bands[1:], strict=False):
            if after.min == before.min:
                collected.add(None, f"bands {before.label!r} and {after.label!r} share min")
            elif after.min > before.min:
                collected.add(None, "bands must be listed from the highest min down")
    if own and collected.items:
        raise FrameworkError(collected.items)
    return tuple(bands)


def _flag(raw: Mapping[str, Any], key: str, report: Any) -> bool:
    """Read an optional boolean flag."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        report(f"{key} must be true or false, got {value!r}")
        return False
    return value


def _parse_node(raw: Any, where: str, problems: _Problems, seen: dict[str, str]) -> Node | None:
    """Validate one node and its subtree, reporting every problem; None if anything is wrong."""
    if not isinstance(raw, Mapping):
        problems.add(None, f"{where}: a criterion must be a mapping")
        return None
    before = len(problems.items)
    code = _text(raw.get("code"))
    if code is not None and code != code.strip():
        problems.add(code, "code must not start or end with spaces")
    if code is not None and code in seen:
        problems.add(code, f"duplicate criterion code (also at {seen[code]})")
    if code is not None:
        seen.setdefault(code, where)
    report = problems.reporter(code, where)
    if code is None:
        report(f"code is missing or empty (got {raw.get('code')!r}; quote codes like '1.1')")

    extra = sorted(str(key) for key in raw if key not in _NODE_KEYS)
    if extra:
        report(f"unknown keys: {', '.join(extra)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        report("name is missing or empty")

    maximum: Decimal | None = None
    if raw.get("max") is not None:
        maximum = to_decimal(raw["max"])
        if maximum is None:
            report(f"max must be a number, got {raw['max']!r}")
        elif maximum <= 0:
            report(f"max must be greater than 0, got {maximum}")
            maximum = None
    elif "max" in raw:
        report("max is empty")

    children_raw = raw.get("children")
    has_children = children_raw is not None
    rule: Rule | None = None
    children: list[Node | None] = []
    if has_children and "rule" in raw:
        report("a criterion has children or a rule, never both")
    if has_children:
        if not isinstance(children_raw, list) or not children_raw:
            report("children must be a non-empty list")
        else:
            label = code if code is not None else where
            for position, child in enumerate(children_raw):
                children.append(_parse_node(child, f"{label}.children[{position}]", problems, seen))
    else:
        if "rule" not in raw:
            report("a leaf criterion needs a rule")
        else:
            rule = parse_rule(raw["rule"], maximum, report)
        if "max" not in raw:
            report("a leaf criterion needs a max")

    evidence = raw.get("evidence", "optional")
    if evidence not in EVIDENCE:
        report(f"evidence must be required or optional, got {evidence!r}")
    applies_to: frozenset[str] | None = None
    if "applies_to" in raw:
        kinds = raw["applies_to"]
        if (
            not isinstance(kinds, list)
            or not kinds
            or not all(isinstance(kind, str) and kind.strip() for kind in kinds)
        ):
            report("applies_to must be a non-empty list of unit kinds (text)")
        else:
            applies_to = frozenset(kind.strip() for kind in kinds)
    allow_na = _flag(raw, "allow_na", report)
    bonus = _flag(raw, "bonus", report)
    penalty = _flag(raw, "penalty", report)
    if bonus and penalty:
        report("a criterion cannot be both bonus and penalty")
    if penalty and rule is not None and rule.type == "deduction":
        # A penalty's points are what is subtracted; a deduction rule counts down from max.
        report("a penalty criterion scores the amount to subtract: use number, choice or manual")
    texts: dict[str, str | None] = {}
    for key in ("description", "guidance"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            report(f"{key} must be text")
            value = None
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
        raise FrameworkError([Problem(None, "a framework file must be a mapping")])
    extra = sorted(str(key) for key in data if key not in _TOP_KEYS)
    if extra:
        problems.add(None, f"unknown keys: {', '.join(extra)}")
    code = _text(data.get("code"))
    if code is None:
        problems.add(None, "code is missing or empty")
    version = data.get("version")
    if version is None:
        problems.add(None, "version is missing")
    elif not isinstance(version, int) or isinstance(version, bool):
        problems.add(None, f"version must be a whole number, got {version!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(None, "name is missing or empty")
    kind = data.get("kind")
    if kind not in KINDS:
        problems.add(None, f"kind must be reform or emulation, got {kind!r}")
    result = data.get("result")
    if result not in RESULTS:
        problems.add(None, f"result must be percent or points, got {result!r}")
    bands = parse_bands(data.get("bands"), problems)

    criteria: list[Node | None] = []
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        problems.add(None, "criteria must be a non-empty list")
    else:
        seen: dict[str, str] = {}
        for position, raw in enumerate(raw_criteria):
            criteria.append(_parse_node(raw, f"criteria[{position}]", problems, seen))
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
