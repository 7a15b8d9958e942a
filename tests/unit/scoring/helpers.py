"""Builders for small framework dicts and a loader for the sample frameworks."""

from __future__ import annotations

from typing import Any

import yaml

from reform.frameworks import sample_paths
from reform.scoring import Framework, parse_framework


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


def build(criteria: list[dict[str, Any]], **top: Any) -> Framework:
    """Parse a framework made of the given criteria."""
    return parse_framework(framework_dict(criteria, **top))


def load_sample(name: str) -> Framework:
    """Parse one of the shipped sample frameworks by file name."""
    path = next(p for p in sample_paths() if p.name == name)
    return parse_framework(yaml.safe_load(path.read_text(encoding="utf-8")))
