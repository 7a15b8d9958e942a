"""What the self-assessment form shows: areas, rows of criteria, inputs per rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from reform.models import Criterion, Entry, Evidence, Submission
from reform.scoring import Node as ScoringNode
from reform.scoring import NodeScore, Scorecard
from reform.services import assessment as service


@dataclass
class Row:
    """One node of the current area as the form lays it out."""

    node: ScoringNode
    depth: int
    score: NodeScore
    criterion: Criterion
    entry: Entry | None
    files: list[Evidence] = field(default_factory=list)
    threads: list = field(default_factory=list)
    # The sections above that a unit may declare not applicable, and whether one of them is.
    na_sections: tuple[str, ...] = ()
    under_na: bool = False

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def rule(self) -> str | None:
        return self.node.rule.to_dict()["type"] if self.node.rule else None

    @property
    def value(self) -> str | None:
        return self.entry.value if self.entry else None

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def is_na(self) -> bool:
        return bool(self.entry and self.entry.is_na)

    @property
    def ratio(self) -> tuple[str, str]:
        """The numerator and denominator typed so far."""
        if self.value and "/" in self.value:
            n, d = self.value.split("/", 1)
            return n, d
        return "", ""


@dataclass
class FormView:
    """Everything one page of the form needs, computed once per request."""

    submission: Submission
    card: Scorecard
    areas: list[tuple[ScoringNode, NodeScore]]
    area: ScoringNode
    rows: list[Row]
    problems: list[service.Problem]


def build(
    submission: Submission, area_code: str | None, saved: service.Saved | None = None
) -> FormView:
    """Lay out one area of the form; after a save, reuse what the save loaded (autosave path)."""
    fw = service.parsed_framework(submission.campaign.framework)
    if saved is not None:
        entries, criteria, card = saved.entries, saved.criteria, saved.card
    else:
        entries = service.self_entries(submission)
        criteria = service.criteria_by_code(submission.campaign.framework)
        card = service.scorecard(submission, entries)
    kind = submission.unit.kind
    areas = [(n, card.node(n.code)) for n in fw.criteria if n.applies_to_kind(kind)]
    area = next((n for n, _s in areas if n.code == area_code), areas[0][0])
    # The autosave answer shows points, not files or the check list: skip those queries.
    files = _files(submission) if saved is None else {}
    threads = _threads(submission) if saved is None else {}
    rows: list[Row] = []

    def walk(node: ScoringNode, depth: int, sections: tuple[str, ...], under_na: bool) -> None:
        if not node.applies_to_kind(kind):
            return
        criterion = criteria[node.code]
        entry = entries.get(node.code)
        rows.append(
            Row(
                node,
                depth,
                card.node(node.code),
                criterion,
                entry,
                files.get(criterion.id, []),
                threads.get(node.code, []),
                sections,
                under_na,
            )
        )
        if node.allow_na and not node.is_leaf:
            sections += (node.code,)
            under_na = under_na or bool(entry and entry.is_na)
        for child in node.children:
            walk(child, depth + 1, sections, under_na)

    walk(area, 0, (), False)
    problems = (
        service.completeness(submission, entries, service.evidence_counts(submission), criteria)
        if saved is None
        else []
    )
    return FormView(submission, card, areas, area, rows, problems)


def _files(submission: Submission) -> dict[int, list[Evidence]]:
    from reform.services import evidence as evidence_service

    return evidence_service.list_for(submission)


def _threads(submission: Submission) -> dict[str, list]:
    from reform.services.appraisal import requests_for

    return requests_for(submission)


def criterion_fields(form: MultiDict, code: str, rule: str | None) -> dict[str, str | None]:
    """Read one criterion's inputs (named with its code) into value, note and explanation."""
    if form.get(f"na-{code}"):
        value: str | None = "na"
    elif rule == "ratio":
        n, d = form.get(f"n-{code}", "").strip(), form.get(f"d-{code}", "").strip()
        value = f"{n}/{d}" if (n or d) else None
    else:
        value = form.get(f"v-{code}")
    return {
        "value": value,
        "note": form.get(f"note-{code}"),
        "explanation": form.get(f"expl-{code}"),
    }
