"""Builders for small framework dicts and a loader for the sample frameworks."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from reform.frameworks import sample_paths
from reform.scoring import Framework, Problem, parse_framework
from reform.scoring.framework import MESSAGES
from reform.scoring.numbers import fmt_plain
from reform.scoring.rules import Shown

# English words that must never be left in a Vietnamese problem (outside quoted file values).
UNTRANSLATED = re.compile(r"\b(must|should|unknown|missing|greater|number)\b", re.IGNORECASE)
# Values, keys and rule types quoted from the file, e.g. “number” or 'na'.
_QUOTED = re.compile(r"“[^”]*”|'[^']*'")
_VIETNAMESE_LETTERS = frozenset(
    "ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)


def framework_dict(criteria: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A valid top-level framework mapping around the given criteria."""
    data: dict[str, Any] = {
        "code": "T",
        "version": 1,
        "name": "Test",
        "kind": "reform",
        "result": "percent",
        "bands": [
            {"min": 90, "label": "A"},
            {"min": 80, "label": "B"},
            {"min": 70, "label": "C"},
            {"min": 0, "label": "D"},
        ],
        "criteria": criteria,
    }
    data.update(top)
    return data


def leaf(code: str, max_points: Any = 1, rule: dict[str, Any] | None = None, **extra: Any) -> dict:
    """A leaf criterion mapping (manual rule unless told otherwise)."""
    node: dict[str, Any] = {
        "code": code,
        "name": f"Tiêu chí {code}",
        "max": max_points,
        "rule": rule if rule is not None else {"type": "manual"},
    }
    node.update(extra)
    return node


def parent(code: str, children: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A parent criterion mapping."""
    node: dict[str, Any] = {"code": code, "name": f"Lĩnh vực {code}", "children": children}
    node.update(extra)
    return node


def with_leaf(**fields: Any) -> dict[str, Any]:
    """A framework whose only area holds a leaf '1.1' with the given fields replaced."""
    node = leaf("1.1", 2)
    node.update(fields)
    for key, value in list(node.items()):
        if value is None:
            del node[key]
    return framework_dict([parent("1", [node])])


def with_rule(rule: Any, max_points: Any = 2) -> dict[str, Any]:
    """A framework whose leaf '1.1' has this rule."""
    return with_leaf(rule=rule, max=max_points)


def build(criteria: list[dict[str, Any]], **top: Any) -> Framework:
    """Parse a framework made of the given criteria."""
    return parse_framework(framework_dict(criteria, **top))


def load_sample(name: str) -> Framework:
    """Parse one of the shipped sample frameworks by file name."""
    path = next(p for p in sample_paths() if p.name == name)
    return parse_framework(yaml.safe_load(path.read_text(encoding="utf-8")))


def assert_bilingual(problem: Problem) -> None:
    """A framework problem has a Vietnamese text of its own that keeps every detail."""
    assert problem.kind in MESSAGES, f"no message for {problem.kind!r}"
    vi, en = problem.vi, problem.message
    assert vi and vi != en, problem
    assert _VIETNAMESE_LETTERS & set(vi.lower()), f"no Vietnamese letters in {vi!r}"
    leftover = UNTRANSLATED.search(_QUOTED.sub("", vi))
    assert leftover is None, f"untranslated {leftover.group()!r} in {vi!r}"
    if problem.where is not None:
        assert vi.startswith(f"Vị trí {problem.where}: ") and en.startswith(problem.where)
    for value in problem.params.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, Shown):
                shown = item.vietnamese()
            elif isinstance(item, Decimal):
                shown = fmt_plain(item, ",")
            else:
                shown = str(item)
            assert shown in vi, f"{shown!r} is lost in {vi!r}"
