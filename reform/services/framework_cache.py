"""Frameworks as the scoring core and the saves see them, read once per framework version.

A framework version never changes once imported (a change is a new version), so what is
derived from it is kept for the life of the process, keyed by id and content hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from reform.extensions import db
from reform.models import Criterion, Framework, Submission
from reform.scoring import Framework as ScoringFramework
from reform.scoring import parse_framework
from reform.scoring.framework import Node

_PARSED: dict[tuple[int, str], ScoringFramework] = {}


def parsed_framework(framework: Framework) -> ScoringFramework:
    """The scoring core's framework, parsed once per version and content."""
    key = (framework.id, framework.content_hash)
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) > 64:
            _PARSED.clear()
        found = _PARSED[key] = parse_framework(framework.definition)
    return found


@dataclass(frozen=True, slots=True)
class CriterionRef:
    """A criterion's row id and what a save needs of it, kept across requests."""

    id: int
    code: str
    evidence: str | None


_REFS: dict[tuple[int, str], dict[str, CriterionRef]] = {}


def criterion_refs(framework: Framework) -> dict[str, CriterionRef]:
    """Criterion ids by code, read once per framework version (its criteria never change)."""
    key = (framework.id, framework.content_hash)
    found = _REFS.get(key)
    if found is None:
        if len(_REFS) > 64:
            _REFS.clear()
        rows = db.session.execute(
            select(Criterion.id, Criterion.code, Criterion.evidence).where(
                Criterion.framework_id == framework.id
            )
        ).all()
        found = _REFS[key] = {code: CriterionRef(id_, code, ev) for id_, code, ev in rows}
    return found


def area_of(framework: Framework, code: str) -> str:
    """The top-level area holding a criterion (LookupError when the framework has none)."""
    for top in parsed_framework(framework).criteria:
        if any(node.code == code for node in top.walk()):
            return top.code
    raise LookupError(code)


def applicable_leaves(submission: Submission) -> list[Node]:
    """Criteria the unit must fill: applicable, self-scored, not bonus or penalty items."""
    fw = parsed_framework(submission.campaign.framework)
    kind = submission.unit.kind
    out = []

    def walk(nodes, applies: bool) -> None:
        for node in nodes:
            # Bonus and penalty items are filled only when they arise, so never "missing".
            here = applies and node.applies_to_kind(kind) and not (node.bonus or node.penalty)
            if node.is_leaf:
                if here and not node.is_survey:
                    out.append(node)
            else:
                walk(node.children, here)

    walk(fw.criteria, True)
    return out
