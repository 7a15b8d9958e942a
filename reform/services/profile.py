"""A unit's profile in a campaign: its figure over the years, its areas against the block average,
and its strongest and weakest criteria with what they rest on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, Criterion, Evidence, ResultsVersion, Submission, Unit
from reform.scoring import Framework, Node, Scorecard, average, combine, round2, score
from reform.scoring.numbers import CONTEXT
from reform.services import history
from reform.services.framework_cache import parsed_framework
from reform.services.publication import document_of, latest_version
from reform.services.results import Values, ranked_rows, stage_values, stored_rows, unit_result

LIVE = "live"
PUBLISHED = "published"
IMPORTED = "imported"
Source = Literal["live", "published"]
# How many criteria each list shows.
CRITERIA_SHOWN = 5
HUNDRED = Decimal(100)
FIGURES = (
    "self_points",
    "appraised_points",
    "survey_points",
    "points",
    "max_points",
    "index",
)


@dataclass(frozen=True, slots=True)
class YearPoint:
    """The unit's figure for one year: `value` is the index (points for points frameworks).

    `status` says where it comes from: "live" (this campaign, not published), "published"
    (a published campaign version) or "imported" (a past result loaded from a file).
    """

    year: int
    value: Decimal | None
    points: Decimal | None
    index: Decimal | None
    rank: int | None
    status: str
    source: str


@dataclass(frozen=True, slots=True)
class AreaComparison:
    """One area: the unit's component figures beside the block average of the area's index."""

    code: str
    name: str
    points: Decimal
    max_points: Decimal
    index: Decimal | None
    average: Decimal | None
    difference: Decimal | None


@dataclass(frozen=True, slots=True)
class CriterionFigure:
    """One leaf criterion as the unit scored: points of its applicable max, both stages, evidence.

    `share` is the percentage of the max achieved (2 places); `self_value` and `appraised_value`
    are the raw values as entered (None where that stage has none).
    """

    code: str
    name: str
    area_code: str
    area_name: str
    points: Decimal
    max_points: Decimal
    share: Decimal
    self_value: str | None
    self_points: Decimal | None
    appraised_value: str | None
    appraised_points: Decimal | None
    evidence_count: int
    evidence_required: bool


@dataclass
class UnitProfile:
    """Everything the unit's profile page shows, with where its figures come from."""

    campaign: Campaign
    unit: Unit
    submission: Submission
    source: str
    version: ResultsVersion | None
    by_points: bool
    year: int
    block_code: str
    block_name: str
    row: dict
    block_size: int
    block_index_average: Decimal | None
    series: list[YearPoint] = field(default_factory=list)
    areas: list[AreaComparison] = field(default_factory=list)
    strongest: list[CriterionFigure] = field(default_factory=list)
    weakest: list[CriterionFigure] = field(default_factory=list)
    has_bonus: bool = False
    has_penalty: bool = False
    bonus_points: Decimal = Decimal(0)
    penalty_points: Decimal = Decimal(0)

    @property
    def figures(self) -> dict[str, Decimal | None]:
        """The row's figures as exact numbers (None where the row has none)."""
        return {key: _dec(self.row[key]) for key in FIGURES}

    @property
    def live(self) -> bool:
        """Whether the figures are live (not a published version's)."""
        return self.source == LIVE

    @property
    def top_value(self) -> Decimal | None:
        """The axis maximum of the unit's figure: 100 for an index in percent, else none fixed."""
        return None if self.by_points else HUNDRED


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _year(campaign: Campaign) -> int:
    return campaign.year or campaign.self_opens_on.year


def _submission(campaign: Campaign, unit: Unit) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(Submission.campaign_id == campaign.id, Submission.unit_id == unit.id)
        .options(joinedload(Submission.unit), joinedload(Submission.block))
    )


def _live_block(campaign: Campaign, submission: Submission) -> list[dict]:
    """The block's contract rows from the figures stored with each submission, ranked by the core
    as the live results document ranks them (one query)."""
    same_block = (
        Submission.block_id.is_(None)
        if submission.block_id is None
        else Submission.block_id == submission.block_id
    )
    return ranked_rows(campaign, stored_rows(campaign, where=same_block))


def _published_block(document: dict, unit_code: str) -> tuple[dict, list[dict]] | None:
    """The document's block holding the unit and its rows, or None when the unit is absent."""
    for block in document["blocks"]:
        if any(row["unit_code"] == unit_code for row in block["results"]):
            return block, block["results"]
    return None


def _areas(fw: Framework, row: dict, rows: list[dict]) -> list[AreaComparison]:
    """The unit's areas against the mean of the block's published (2-place) area indices."""
    by_area: dict[str, list[Decimal]] = {}
    for member in rows:
        for area in member.get("areas", []):
            if area["index"] is not None:
                by_area.setdefault(area["code"], []).append(Decimal(area["index"]))
    names = {node.code: node.name for node in fw.criteria}
    out = []
    for area in row.get("areas", []):
        mean = average(by_area.get(area["code"], []))
        shown = None if mean is None else round2(mean)
        index = _dec(area["index"])
        out.append(
            AreaComparison(
                code=area["code"],
                name=names.get(area["code"], ""),
                points=Decimal(area["points"]),
                max_points=Decimal(area["max_points"]),
                index=index,
                average=shown,
                difference=None if index is None or shown is None else index - shown,
            )
        )
    return out


def _series(
    unit: Unit, campaign: Campaign, row: dict, source: str, by_points: bool
) -> list[YearPoint]:
    """Past years from the history, and this campaign's year from the figures shown."""
    year = _year(campaign)
    points: dict[int, YearPoint] = {}
    for figure in history.series(unit, campaign.framework.code):
        status = PUBLISHED if figure.source.startswith("campaign:") else IMPORTED
        value = figure.points if by_points else figure.index
        points[figure.year] = YearPoint(
            figure.year,
            None if value is None else round2(value),
            figure.points,
            figure.index,
            figure.rank,
            status,
            figure.source,
        )
    own_points, own_index = Decimal(row["points"]), _dec(row["index"])
    points[year] = YearPoint(
        year,
        own_points if by_points else own_index,
        own_points,
        own_index,
        row["rank"],
        source,
        f"campaign:{campaign.code}",
    )
    return [points[y] for y in sorted(points)]


def code_key(code: str) -> tuple:
    """Criterion codes in natural order: 1.2 before 1.10, numbers before letters."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-]", code)
    )


def _leaves(fw: Framework, kind: str) -> list[tuple[Node, Node]]:
    """Each leaf (with its area) that may be compared: self-scored, neither bonus nor penalty."""
    out: list[tuple[Node, Node]] = []

    def walk(node: Node, area: Node) -> None:
        # Bonus and penalty points are not part of any max: their share means nothing here.
        if node.bonus or node.penalty or not node.applies_to_kind(kind):
            return
        if node.is_leaf:
            # Survey criteria are not self-assessed and carry no evidence: their area shows them.
            if not node.is_survey:
                out.append((node, area))
            return
        for child in node.children:
            walk(child, area)

    for area in fw.criteria:
        walk(area, area)
    return out


def _criteria(
    fw: Framework,
    submission: Submission,
    current: Scorecard,
    values: tuple[Values, Values, Values],
) -> tuple[list[CriterionFigure], list[CriterionFigure]]:
    """The strongest and the weakest leaf criteria by share of their applicable max.

    Not-applicable criteria (N/A or not for this kind of unit) are left out, so are bonus,
    penalty and survey criteria. Strongest: highest share first, only criteria that earned
    points; weakest: lowest share first, only criteria that lost points; never the same
    criterion in both. Ties go by criterion code.
    """
    kind = submission.unit.kind
    surveys = fw.survey_codes
    own = {code: value for code, value in values[0].items() if code not in surveys}
    appraised = {code: value for code, value in values[1].items() if code not in surveys}
    self_card = score(fw, kind, own)
    council_card = score(fw, kind, combine(own, appraised)) if appraised else None
    evidence = dict(
        db.session.execute(
            select(Criterion.code, func.count(Evidence.id))
            .join(Criterion, Evidence.criterion_id == Criterion.id)
            .where(Evidence.submission_id == submission.id)
            .group_by(Criterion.code)
        ).all()
    )
    figures = []
    for node, area in _leaves(fw, kind):
        scored = current.nodes.get(node.code)
        if scored is None or not scored.applicable or scored.max <= 0:
            continue
        share = CONTEXT.divide(CONTEXT.multiply(scored.points, HUNDRED), scored.max)
        mine = self_card.nodes.get(node.code)
        council = council_card.nodes.get(node.code) if council_card is not None else None
        figures.append(
            CriterionFigure(
                code=node.code,
                name=node.name,
                area_code=area.code,
                area_name=area.name,
                points=round2(scored.points),
                max_points=round2(scored.max),
                share=round2(share),
                self_value=own.get(node.code),
                self_points=(
                    round2(mine.points) if mine is not None and node.code in own else None
                ),
                appraised_value=appraised.get(node.code),
                appraised_points=(
                    round2(council.points)
                    if council is not None and node.code in appraised
                    else None
                ),
                evidence_count=int(evidence.get(node.code, 0)),
                evidence_required=node.evidence == "required",
            )
        )
    # With fewer than twice as many criteria as a list shows, the upper half is the strongest
    # and the lower half the weakest, so no criterion stands in both lists.
    top = min(CRITERIA_SHOWN, (len(figures) + 1) // 2)
    bottom = min(CRITERIA_SHOWN, len(figures) - top)
    ranked = sorted(figures, key=lambda f: (-f.share, code_key(f.code)))
    strongest = [f for f in ranked[:top] if f.points > 0]
    chosen = {f.code for f in ranked[:top]}
    rest = sorted(
        (f for f in figures if f.code not in chosen), key=lambda f: (f.share, code_key(f.code))
    )
    weakest = [f for f in rest[:bottom] if f.share < HUNDRED]
    return strongest, weakest


@dataclass(frozen=True, slots=True)
class Standing:
    """The unit's row of the results document in its block, with where the figures come from."""

    submission: Submission
    source: str
    version: ResultsVersion | None
    block_code: str
    block_name: str
    row: dict
    rows: list[dict]


def unit_standing(campaign: Campaign, unit: Unit, *, source: Source = LIVE) -> Standing | None:
    """The unit's ranked row in its block, or None when the unit does not take part.

    Live figures are those stored with each submission (one query for the unit's block), ranked
    in the block by the core; published ones are the latest version's document as stored
    (a published source without a version, or without the unit, falls back to live).
    """
    submission = _submission(campaign, unit)
    if submission is None:
        return None
    version = latest_version(campaign) if source == PUBLISHED else None
    found = _published_block(document_of(version), unit.code) if version is not None else None
    if found is not None:
        block, rows = found
        block_code, block_name = block["code"], block["name"]
    else:
        source, version = LIVE, None
        rows = _live_block(campaign, submission)
        block_code = submission.block.code if submission.block else ""
        block_name = submission.block.name if submission.block else ""
    row = next(r for r in rows if r["unit_code"] == unit.code)
    return Standing(submission, source, version, block_code, block_name, row, rows)


def unit_profile(campaign: Campaign, unit: Unit, *, source: Source = LIVE) -> UnitProfile | None:
    """The unit's profile in the campaign, or None when the unit does not take part.

    Live figures are those stored with each submission (one query for the unit's block), ranked
    in the block by the core; published ones are the latest version's document as stored
    (a published source without a version, or without the unit, falls back to live). The
    criteria always show the current values.
    """
    standing = unit_standing(campaign, unit, source=source)
    if standing is None:
        return None
    submission, source, version = standing.submission, standing.source, standing.version
    row, rows = standing.row, standing.rows
    fw = parsed_framework(campaign.framework)
    by_points = fw.result == "points"
    values = stage_values(submission)
    current = unit_result(submission, values).scorecard
    strongest, weakest = _criteria(fw, submission, current, values)
    indices = [Decimal(r["index"]) for r in rows if r["index"] is not None]
    mean = average(indices)
    nodes = [node for top in fw.criteria for node in top.walk()]
    return UnitProfile(
        campaign=campaign,
        unit=unit,
        submission=submission,
        source=source,
        version=version,
        by_points=by_points,
        year=_year(campaign),
        block_code=standing.block_code,
        block_name=standing.block_name,
        row=row,
        block_size=len(rows),
        block_index_average=None if mean is None else round2(mean),
        series=_series(unit, campaign, row, source, by_points),
        areas=_areas(fw, row, rows),
        strongest=strongest,
        weakest=weakest,
        has_bonus=any(node.bonus for node in nodes),
        has_penalty=any(node.penalty for node in nodes),
        bonus_points=round2(current.bonus_points),
        penalty_points=round2(current.penalty_points),
    )
