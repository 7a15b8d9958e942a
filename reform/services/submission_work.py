"""A submission's unit of work: loaded once under its lock, scored once, written in one flush."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
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
    bands = (
        select(CampaignBlock.bands)
        .where(
            CampaignBlock.campaign_id == Submission.campaign_id,
            CampaignBlock.block_id == Submission.block_id,
        )
        .scalar_subquery()
    )
    # The submission with its campaign, framework, unit and block bands: one row. On
    # PostgreSQL this statement also takes the row lock (FOR UPDATE OF submissions); the
    # entries are read by the next statement, after any wait for the lock, because a
    # statement that waited still sees the other tables as they were when it began.
    head = db.session.execute(
        select(Submission, bands)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.campaign).joinedload(Campaign.framework),
            joinedload(Submission.unit),
        )
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    ).first()
    if head is None:
        return None
    submission, block_bands = head
    files = (
        select(func.count())
        .where(
            Evidence.submission_id == Entry.submission_id,
            Evidence.criterion_id == Entry.criterion_id,
        )
        .scalar_subquery()
    )
    # The entries as plain rows of their own: joined to the submission they repeated its
    # large columns (the framework's definition) on every row.
    rows = db.session.execute(
        select(Entry, Criterion.code, files)
        .join(Criterion, Criterion.id == Entry.criterion_id)
        .where(Entry.submission_id == submission_id, Entry.stage.in_(stages))
        .execution_options(populate_existing=True)
    ).all()
    work = SubmissionWork(submission, {stage: {} for stage in stages})
    for entry, code, count in rows:
        work.entries[entry.stage][code] = entry
        if count:
            work.evidence[entry.criterion_id] = count
    remember_bands(submission.campaign_id, submission.block_id, block_bands)
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
