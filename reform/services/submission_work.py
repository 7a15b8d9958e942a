"""A submission's unit of work: loaded once under its lock, scored once, written in one flush."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, CampaignBlock, Criterion, Entry, Evidence, Submission
from reform.services.locking import mark_locked, take_write_lock, transaction_memo

_BANDS = "reform.block_bands"


@dataclass
class SubmissionWork:
    """What a write to one submission needs, read in one statement with the row locked."""

    submission: Submission
    # Entries of the loaded stages by stage, then criterion code.
    entries: dict[str, dict[str, Entry]] = field(default_factory=dict)
    # Evidence files per criterion id, for the criteria that hold an entry.
    evidence: dict[int, int] = field(default_factory=dict)

    def stage(self, stage: str) -> dict[str, Entry]:
        """One stage's entries by criterion code (empty when none is stored)."""
        return self.entries.setdefault(stage, {})


def open_work(submission_id: int, stages: Iterable[str]) -> SubmissionWork | None:
    """Lock and load a submission with its campaign, unit, block bands and entries of stages."""
    stages = tuple(stages)
    take_write_lock()
    if db.session.get_bind().dialect.name != "sqlite":
        # The row lock is its own statement: a statement that waited for a lock still reads
        # the other tables as they were when it began (PostgreSQL re-reads only the locked
        # row), so the entries must be read by the next statement, after the wait.
        found = db.session.scalar(
            select(Submission.id).where(Submission.id == submission_id).with_for_update()
        )
        if found is None:
            return None
    files = (
        select(func.count())
        .where(
            Evidence.submission_id == Entry.submission_id,
            Evidence.criterion_id == Entry.criterion_id,
        )
        .scalar_subquery()
    )
    bands = (
        select(CampaignBlock.bands)
        .where(
            CampaignBlock.campaign_id == Submission.campaign_id,
            CampaignBlock.block_id == Submission.block_id,
        )
        .scalar_subquery()
    )
    # One row per entry (or one row with no entry): the submission's columns repeat, which
    # costs less than a round trip each for the campaign, bands, entries and evidence counts.
    rows = db.session.execute(
        select(Submission, bands, Entry, Criterion.code, files)
        .outerjoin(Entry, and_(Entry.submission_id == Submission.id, Entry.stage.in_(stages)))
        .outerjoin(Criterion, Criterion.id == Entry.criterion_id)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.campaign).joinedload(Campaign.framework),
            joinedload(Submission.unit),
        )
        .execution_options(populate_existing=True)
    ).all()
    if not rows:
        return None
    submission = rows[0][0]
    work = SubmissionWork(submission, {stage: {} for stage in stages})
    for _submission, _bands, entry, code, count in rows:
        if entry is not None:
            work.entries[entry.stage][code] = entry
            if count:
                work.evidence[entry.criterion_id] = count
    remember_bands(submission.campaign_id, submission.block_id, rows[0][1])
    mark_locked(submission.id)
    return work


def remember_bands(campaign_id: int, block_id: int | None, bands: list | None) -> None:
    """Keep a block's band override for the rest of the transaction (read with the lock)."""
    transaction_memo(_BANDS, dict)[campaign_id, block_id] = bands


def remembered_bands(campaign_id: int, block_id: int | None) -> tuple[bool, list | None]:
    """(known, bands) of a block as this transaction already read them."""
    found = transaction_memo(_BANDS, dict)
    key = (campaign_id, block_id)
    return (key in found, found.get(key))
