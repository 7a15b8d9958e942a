"""The heat map of units by areas and the criteria that lose the most points, per block."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Campaign, ResultsVersion, Submission, Unit
from reform.scoring import (
    CriterionLoss,
    Scorecard,
    average,
    criterion_losses,
    evaluate,
    heat_level,
    round2,
    share_of,
)
from reform.services.framework_cache import parsed_framework
from reform.services.publication import document_of, latest_version
from reform.services.results import campaign_results, campaign_values

LIVE = "live"
PUBLISHED = "published"
Source = Literal["live", "published"]
LOSING_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Area:
    """A heat map column: a top-level area that is neither bonus nor penalty."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class HeatCell:
    """A figure as published (2 places, None without one) and its heat level (0–4)."""

    value: Decimal | None
    level: int | None


@dataclass(frozen=True, slots=True)
class HeatRow:
    """One unit of a block: its rank, overall index and each area's component index."""

    rank: int | None
    unit_code: str
    unit_name: str
    index: HeatCell
    band: str | None
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class HeatBlock:
    """A block's heat map: its rows in rank order and the block average of each column."""

    code: str
    name: str
    block_id: int | None
    rows: list[HeatRow] = field(default_factory=list)
    index_average: HeatCell = HeatCell(None, None)
    averages: tuple[HeatCell, ...] = ()


@dataclass(frozen=True)
class HeatMap:
    """What the heat map page shows, and where its figures come from."""

    source: str
    version: ResultsVersion | None
    by_points: bool
    areas: tuple[Area, ...]
    blocks: list[HeatBlock]


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _figure(figures: dict | None, by_points: bool) -> tuple[HeatCell, Decimal | None]:
    """A document figure ("index", with its "points" and "max_points") as a cell, and the share
    of the max that sets its level: the index itself, or for `result: points` frameworks (where
    the index is the points) points ÷ max × 100."""
    shown = _dec(figures["index"]) if figures else None
    if shown is None:
        return HeatCell(None, None), None
    share = (
        share_of(Decimal(figures["points"]), Decimal(figures["max_points"])) if by_points else shown
    )
    return HeatCell(shown, heat_level(share)), share


def _mean(cells: list[HeatCell], shares: list[Decimal]) -> HeatCell:
    """The mean of published figures (2 places, as the unit reports' block averages)."""
    values = [cell.value for cell in cells if cell.value is not None]
    if not values:
        return HeatCell(None, None)
    return HeatCell(round2(average(values)), heat_level(average(shares)))


def _document(campaign: Campaign, source: Source) -> tuple[dict, str, ResultsVersion | None]:
    """The results document to draw: the latest published version's, or the live one."""
    version = latest_version(campaign) if source == PUBLISHED else None
    if version is not None:
        return document_of(version), PUBLISHED, version
    return campaign_results(campaign, published=False), LIVE, None


def heat_map(campaign: Campaign, source: Source = LIVE, block_id: int | None = None) -> HeatMap:
    """Each block's units (in rank order) by area, from the contract document's "areas".

    Live figures are the live results document's (stored with each submission); published ones
    are the latest version's document as stored. A published source without a published version
    falls back to live (the result says which it is). The block average of a column is the mean
    of the units' published 2-place figures, units without one left out.
    """
    fw = parsed_framework(campaign.framework)
    by_points = fw.result == "points"
    areas = tuple(Area(n.code, n.name) for n in fw.criteria if not (n.bonus or n.penalty))
    document, used, version = _document(campaign, source)
    codes = [block["code"] for block in document["blocks"] if block["code"]]
    ids = (
        dict(db.session.execute(select(Block.code, Block.id).where(Block.code.in_(codes))).all())
        if codes
        else {}
    )
    blocks: list[HeatBlock] = []
    for block in document["blocks"]:
        found = ids.get(block["code"])
        if block_id is not None and found != block_id:
            continue
        rows: list[HeatRow] = []
        shares: dict[str, list[Decimal]] = defaultdict(list)
        for result in block["results"]:
            by_area = {area["code"]: area for area in result.get("areas", [])}
            cells = []
            for area in areas:
                cell, share = _figure(by_area.get(area.code), by_points)
                cells.append(cell)
                if share is not None:
                    shares[area.code].append(share)
            overall, share = _figure(result, by_points)
            if share is not None:
                shares[""].append(share)
            rows.append(
                HeatRow(
                    rank=result["rank"],
                    unit_code=result["unit_code"],
                    unit_name=result["unit_name"],
                    index=overall,
                    band=result["band"],
                    cells=tuple(cells),
                )
            )
        blocks.append(
            HeatBlock(
                code=block["code"],
                name=block["name"],
                block_id=found,
                rows=rows,
                index_average=_mean([row.index for row in rows], shares[""]),
                averages=tuple(
                    _mean([row.cells[i] for row in rows], shares[area.code])
                    for i, area in enumerate(areas)
                ),
            )
        )
    return HeatMap(source=used, version=version, by_points=by_points, areas=areas, blocks=blocks)


def _scorecards(campaign: Campaign, block_id: int | None) -> dict[int | None, list[Scorecard]]:
    """Every submission's current scorecard by block: two queries whatever the size."""
    fw = parsed_framework(campaign.framework)
    query = (
        select(Submission.id, Submission.block_id, Unit.kind)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
    )
    if block_id is not None:
        query = query.where(Submission.block_id == block_id)
    members = db.session.execute(query).all()
    values = campaign_values(campaign) if members else {}
    empty: tuple[dict, dict, dict] = ({}, {}, {})
    cards: dict[int | None, list[Scorecard]] = defaultdict(list)
    for submission_id, member_block, kind in members:
        # The same evaluation as the results document: appraised over self, survey apart.
        result = evaluate(fw, kind, *values.get(submission_id, empty))
        cards[member_block].append(result.scorecard)
    return cards


def losing_by_block(
    campaign: Campaign, block_id: int | None = None, limit: int = LOSING_LIMIT
) -> dict[int | None, list[CriterionLoss]]:
    """Per block (or only the one asked for), the criteria that lost points, most lost first.

    Always from the current values (appraised over self, survey apart): a published document
    keeps no per-criterion figures. Criteria with nothing lost are left out.
    """
    fw = parsed_framework(campaign.framework)
    return {
        block: [item for item in criterion_losses(fw, cards) if item.lost > 0][:limit]
        for block, cards in _scorecards(campaign, block_id).items()
    }


def losing_criteria(
    campaign: Campaign, block_id: int | None, limit: int = LOSING_LIMIT
) -> list[CriterionLoss]:
    """The block's criteria that lost the most points over its units (see `losing_by_block`)."""
    return losing_by_block(campaign, block_id, limit).get(block_id, [])
