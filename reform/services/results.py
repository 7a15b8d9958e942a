"""The council's figures for a submission and the campaign's results (contract 3.3)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Block, Campaign, Criterion, Entry, Submission
from reform.models.submissions import APPRAISAL, SELF, SURVEY
from reform.scoring import UnitResult, evaluate, rank
from reform.services.assessment import parsed_framework
from reform.services.campaigns import bands_for_block

Values = dict[str, str]


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


def unit_result(submission: Submission, values: tuple[Values, Values, Values] | None = None):
    """Every stage figure of one submission, computed by the core with its block's bands."""
    own, appraised, survey = stage_values(submission) if values is None else values
    fw = parsed_framework(submission.campaign.framework)
    bands = bands_for_block(submission.campaign, submission.block_id)
    return evaluate(fw, submission.unit.kind, own, appraised, survey, bands=bands)


def refresh_results(submission: Submission, values=None) -> UnitResult:
    """Store the council's current figures on the submission (caller commits)."""
    own, appraised, survey = stage_values(submission) if values is None else values
    result = unit_result(submission, (own, appraised, survey))
    submission.appraised_points = result.appraised_points
    submission.survey_points = result.survey_points
    submission.points = result.points
    submission.index = result.index
    submission.band = result.band
    submission.appraised_count = len(appraised)
    return result


def campaign_values(campaign: Campaign) -> dict[int, tuple[Values, Values, Values]]:
    """Every submission's stage values in one query, by submission id."""
    rows = db.session.execute(
        select(Entry.submission_id, Entry.stage, Criterion.code, Entry.value)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .join(Submission, Entry.submission_id == Submission.id)
        .where(Submission.campaign_id == campaign.id, Entry.value.is_not(None))
    ).all()
    grouped: dict[int, dict[str, Values]] = defaultdict(
        lambda: {SELF: {}, APPRAISAL: {}, SURVEY: {}}
    )
    for submission_id, stage, code, value in rows:
        grouped[submission_id][stage][code] = value
    return {sid: (v[SELF], v[APPRAISAL], v[SURVEY]) for sid, v in grouped.items()}


def campaign_results(campaign: Campaign, *, published: bool) -> dict:
    """The results document of the contract, computed from the entries, ranked per block."""
    fw = campaign.framework
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.campaign_id == campaign.id)
        .options(joinedload(Submission.unit))
    ).all()
    values = campaign_values(campaign)
    empty: tuple[Values, Values, Values] = ({}, {}, {})
    by_block: dict[int | None, list[tuple[Submission, UnitResult]]] = defaultdict(list)
    for submission in submissions:
        result = unit_result(submission, values.get(submission.id, empty))
        by_block[submission.block_id].append((submission, result))
    blocks = {b.id: b for b in db.session.scalars(select(Block))}
    document = {
        "campaign": campaign.code,
        "framework": {"code": fw.code, "version": fw.version},
        "published": published,
        "blocks": [],
    }
    key = "points" if fw.result == "points" else "index"
    for block_id in sorted(by_block, key=lambda b: blocks[b].code if b in blocks else ""):
        ranked = rank(
            by_block[block_id],
            value=lambda member: getattr(member[1], key),
            name=lambda member: member[0].unit.name,
        )
        rows = [
            {
                "rank": item.rank,
                "unit_code": item.item[0].unit.code,
                "unit_name": item.item[0].unit.name,
                **item.item[1].as_dict(),
            }
            for item in ranked
        ]
        block = blocks.get(block_id)
        document["blocks"].append(
            {
                "code": block.code if block else "",
                "name": block.name if block else "",
                "results": rows,
            }
        )
    return document


def canonical_json(document: dict) -> str:
    """The document as stored and hashed: UTF-8, sorted keys, no spaces."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(document: dict) -> str:
    """SHA-256 of the canonical JSON: anyone can recompute it from the published file."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
