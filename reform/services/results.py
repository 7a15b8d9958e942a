"""The council's figures for a submission and the campaign's results (contract 3.3)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select

from reform.extensions import db
from reform.models import Block, Campaign, Criterion, Entry, Submission, Unit
from reform.models.submissions import APPRAISAL, SELF, SURVEY
from reform.scoring import UnitResult, evaluate, rank, vi_sort_string
from reform.services.bands import bands_for_block
from reform.services.framework_cache import parsed_framework

Values = dict[str, str]

# A unit's figures in a results row (contract 3.3), in the order `UnitResult.as_dict` gives them.
# `submissions.area_figures` stores exactly that dict, so a document is assembled from the
# stored strings and never rounds a figure twice.
FIGURE_KEYS = (
    "self_points",
    "appraised_points",
    "survey_points",
    "points",
    "max_points",
    "index",
    "band",
    "areas",
)
AREA_KEYS = ("code", "points", "max_points", "index")
# Above this many submissions without stored figures, their values are read campaign-wide
# rather than through an IN list (which SQLite bounds).
_IN_LIST_LIMIT = 500


def stage_values(submission: Submission) -> tuple[Values, Values, Values]:
    """The submission's raw values by criterion code: self, appraised, survey (one query)."""
    rows = db.session.execute(
        select(Entry.stage, Criterion.code, Entry.value)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Entry.value.is_not(None))
    ).all()
    out: dict[str, Values] = {SELF: {}, APPRAISAL: {}, SURVEY: {}}
    for stage, code, value in rows:
        out[stage][code] = value
    return out[SELF], out[APPRAISAL], out[SURVEY]


def unit_result(
    submission: Submission, values: tuple[Values, Values, Values] | None = None, **cards
):
    """Every stage figure of one submission, computed by the core with its block's bands.

    `own_card` / `appraised_card`: the core's cards a caller already scored (see evaluate)."""
    own, appraised, survey = stage_values(submission) if values is None else values
    fw = parsed_framework(submission.campaign.framework)
    bands = bands_for_block(submission.campaign, submission.block_id)
    return evaluate(fw, submission.unit.kind, own, appraised, survey, bands=bands, **cards)


def refresh_results(submission: Submission, values=None, **cards) -> UnitResult:
    """Store the council's current figures on the submission (caller commits)."""
    own, appraised, survey = stage_values(submission) if values is None else values
    result = unit_result(submission, (own, appraised, survey), **cards)
    submission.appraised_points = result.appraised_points
    submission.survey_points = result.survey_points
    submission.points = result.points
    submission.index = result.index
    submission.band = result.band
    submission.appraised_count = len(appraised)
    # The row of the results document as the core writes it (2-place strings): the live
    # document, the exports and the heat map read it instead of rescoring every entry.
    submission.area_figures = result.as_dict()
    return result


def campaign_values(
    campaign: Campaign, submission_ids: Collection[int] | None = None
) -> dict[int, tuple[Values, Values, Values]]:
    """Every submission's stage values in one query (or only those of some submissions), by id."""
    query = (
        select(Entry.submission_id, Entry.stage, Criterion.code, Entry.value)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .join(Submission, Entry.submission_id == Submission.id)
        .where(Submission.campaign_id == campaign.id, Entry.value.is_not(None))
    )
    if submission_ids is not None:
        query = query.where(Entry.submission_id.in_(submission_ids))
    rows = db.session.execute(query).all()
    grouped: dict[int, dict[str, Values]] = defaultdict(
        lambda: {SELF: {}, APPRAISAL: {}, SURVEY: {}}
    )
    for submission_id, stage, code, value in rows:
        grouped[submission_id][stage][code] = value
    return {sid: (v[SELF], v[APPRAISAL], v[SURVEY]) for sid, v in grouped.items()}


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One submission's unit and its figures as a results row shows them (`FIGURE_KEYS`)."""

    submission_id: int
    block_id: int | None
    unit_code: str
    unit_name: str
    unit_kind: str
    # The unit's stored Vietnamese sort key (`vi_sort_string` of its name), so ranking a block
    # does not work the key out again for every unit.
    unit_sort_key: str | None
    figures: dict[str, Any]

    def value(self, key: str) -> Decimal | None:
        """A figure as a decimal (None where the row has none), e.g. to rank on."""
        text = self.figures[key]
        return None if text is None else Decimal(text)


def complete_row(figures: dict | None) -> bool:
    """Whether stored figures hold every key of a row (older rows, or none yet, are computed)."""
    return isinstance(figures, dict) and all(key in figures for key in FIGURE_KEYS)


def stored_rows(
    campaign: Campaign, *, where: ColumnElement[bool] | None = None, rescore: bool = False
) -> list[StoredRow]:
    """The campaign's submissions (those matching `where`) with their figures, in one query.

    Figures come from `submissions.area_figures`, written with the totals by every write path.
    A submission without them (stored before they existed; `reform recompute` fills them) is
    computed from its entries here, as is every submission with `rescore` (the full check).
    """
    query = (
        select(
            Submission.id,
            Submission.block_id,
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.sort_key,
            Submission.area_figures,
        )
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id)
    )
    if where is not None:
        query = query.where(where)
    rows = [StoredRow(*row) for row in db.session.execute(query)]
    missing = [row for row in rows if rescore or not complete_row(row.figures)]
    if not missing:
        return rows
    computed = _computed_figures(campaign, missing)
    return [
        replace(row, figures=computed[row.submission_id]) if row.submission_id in computed else row
        for row in rows
    ]


def _computed_figures(campaign: Campaign, rows: list[StoredRow]) -> dict[int, dict[str, Any]]:
    """Figures of some submissions computed from their entries by the core, by submission id."""
    ids = [row.submission_id for row in rows]
    values = campaign_values(campaign, ids if len(ids) <= _IN_LIST_LIMIT else None)
    fw = parsed_framework(campaign.framework)
    empty: tuple[Values, Values, Values] = ({}, {}, {})
    return {
        row.submission_id: evaluate(
            fw,
            row.unit_kind,
            *values.get(row.submission_id, empty),
            bands=bands_for_block(campaign, row.block_id),
        ).as_dict()
        for row in rows
    }


def result_row(rank_: int | None, row: StoredRow) -> dict[str, Any]:
    """One row of the contract document: rank, unit, then the figures in the core's order."""
    out: dict[str, Any] = {"rank": rank_, "unit_code": row.unit_code, "unit_name": row.unit_name}
    # The JSON comes back as it was written (PostgreSQL's json and SQLite's text keep the key
    # order), so the areas pass as they are: in the core's order.
    for key in FIGURE_KEYS:
        out[key] = row.figures[key]
    return out


def ranked_rows(campaign: Campaign, rows: Iterable[StoredRow]) -> list[dict[str, Any]]:
    """Rows of one block ranked by the core on the published figure, as the document lists them."""
    key = "points" if campaign.framework.result == "points" else "index"
    ranked = rank(
        rows,
        value=lambda row: row.value(key),
        name=lambda row: row.unit_name,
        order=lambda row: row.unit_sort_key or vi_sort_string(row.unit_name),
    )
    return [result_row(item.rank, item.item) for item in ranked]


def campaign_results(campaign: Campaign, *, published: bool, rescore: bool = False) -> dict:
    """The results document of the contract from the stored figures, ranked per block.

    Two queries whatever the size (submissions with units, then their blocks); `rescore`
    computes every figure from the entries instead, which gives the same document.
    """
    fw = campaign.framework
    by_block: dict[int | None, list[StoredRow]] = defaultdict(list)
    for row in stored_rows(campaign, rescore=rescore):
        by_block[row.block_id].append(row)
    wanted = [b for b in by_block if b is not None]
    blocks = (
        {b.id: b for b in db.session.scalars(select(Block).where(Block.id.in_(wanted)))}
        if wanted
        else {}
    )
    document = {
        "campaign": campaign.code,
        "framework": {"code": fw.code, "version": fw.version},
        "published": published,
        "blocks": [],
    }
    for block_id in sorted(by_block, key=lambda b: blocks[b].code if b in blocks else ""):
        block = blocks.get(block_id)
        document["blocks"].append(
            {
                "code": block.code if block else "",
                "name": block.name if block else "",
                "results": ranked_rows(campaign, by_block[block_id]),
            }
        )
    return document


def change_count(campaign: Campaign) -> int:
    """The campaign's change counter as committed (a trigger bumps it; the object may be stale)."""
    return db.session.scalar(select(Campaign.change_count).where(Campaign.id == campaign.id)) or 0


def live_etag(campaign: Campaign, count: int | None = None) -> str:
    """The fingerprint of the live results document: the campaign and its change counter.

    Database triggers (migration 0008) bump `campaigns.change_count` whenever a figure, a unit's
    or block's name or a published version of the campaign changes, so the counter stands for
    every row of the document. `count` is the counter when the caller has just read it with
    the campaign; otherwise it is read (one indexed query).
    """
    count = change_count(campaign) if count is None else count
    parts = ("live", campaign.id, campaign.code, campaign.created_at, campaign.framework_id, count)
    return hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


def canonical_json(document: dict) -> str:
    """The document as stored and hashed: UTF-8, sorted keys, no spaces."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(document: dict) -> str:
    """SHA-256 of the canonical JSON: anyone can recompute it from the published file."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
