"""A submission's unit of work: loaded once under its lock, scored once, written in one flush."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Text, cast, func, literal_column, select
from sqlalchemy.orm import aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from reform.extensions import db
from reform.models import Campaign, CampaignBlock, Entry, Evidence, Submission, User
from reform.models.types import FIGURE_SCALE
from reform.services.framework_cache import criterion_refs
from reform.services.locking import mark_locked, take_write_lock, transaction_memo

_BANDS = "reform.block_bands"


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An entry as read with its submission: plain values, read only (see `writable`)."""

    id: int
    criterion_id: int
    stage: str
    value: str | None
    points: Decimal | None
    note: str | None
    explanation: str | None
    version: int
    updated_by_id: int | None
    updated_at: datetime | None

    @property
    def is_na(self) -> bool:
        """The unit declared the criterion not applicable."""
        return self.value == "na"

    @property
    def updated_by(self) -> User | None:
        """Who saved it last (read only when a conflict names them)."""
        return db.session.get(User, self.updated_by_id) if self.updated_by_id else None


@dataclass
class SubmissionWork:
    """What a write to one submission needs, read in one statement with the row locked."""

    submission: Submission
    # Entries of the loaded stages by stage, then criterion code: plain rows, except those
    # made writable, which are the session's Entry objects.
    entries: dict[str, dict[str, EntryRow | Entry]] = field(default_factory=dict)
    # Evidence files per criterion id, for the criteria that hold an entry.
    evidence: dict[int, int] = field(default_factory=dict)

    def stage(self, stage: str) -> dict[str, EntryRow | Entry]:
        """One stage's entries by criterion code (empty when none is stored)."""
        return self.entries.setdefault(stage, {})

    def writable(self, stage: str, code: str) -> Entry:
        """The stored entry of a criterion as a session object, to change and flush."""
        row = self.stage(stage)[code]
        if isinstance(row, Entry):
            return row
        entry = db.session.identity_map.get(identity_key(Entry, row.id))
        if entry is None:
            # The values just read become the entry's committed state without another query;
            # its UPDATE then compares the version read here ("WHERE version = :seen").
            entry = Entry(
                id=row.id,
                submission_id=self.submission.id,
                criterion_id=row.criterion_id,
                stage=row.stage,
                value=row.value,
                points=row.points,
                note=row.note,
                explanation=row.explanation,
                version=row.version,
                updated_by_id=row.updated_by_id,
                updated_at=row.updated_at,
            )
            make_transient_to_detached(entry)
            db.session.add(entry)
        self.stage(stage)[code] = entry
        return entry


def _entries_json(stages: tuple[str, ...]):
    """A scalar subquery: the submission's entries of stages as one JSON array of arrays."""
    files = (
        select(func.count())
        .where(
            Evidence.submission_id == Entry.submission_id,
            Evidence.criterion_id == Entry.criterion_id,
        )
        .scalar_subquery()
    )
    columns = (
        Entry.id,
        Entry.criterion_id,
        Entry.stage,
        Entry.value,
        Entry.points,
        Entry.note,
        Entry.explanation,
        Entry.version,
        Entry.updated_by_id,
        Entry.updated_at,
        files,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # As text: decoded here with exact decimals, not by the driver as floats.
        aggregate = cast(func.json_agg(func.json_build_array(*columns)), Text)
    else:
        aggregate = func.json_group_array(func.json_array(*columns))
    return (
        select(aggregate)
        .where(Entry.submission_id == Submission.id, Entry.stage.in_(stages))
        .scalar_subquery()
    )


def _fresh_marker():
    """PostgreSQL: whether the locked row is the one this statement's snapshot saw.

    A statement that waited for the row lock returns the row as the other writer committed
    it, but reads every other table (the entries here) as they were when it began. The other
    writer changed the row (every change to entries touches it, migration 0009), so the
    snapshot's own copy of the row differs from the locked one and the statement is re-run.
    """
    again = aliased(Submission)
    seen = (
        # Unqualified: the nearest FROM, this alias of the row, as the snapshot saw it.
        select(cast(literal_column("xmin"), Text))
        .select_from(again)
        .where(again.id == Submission.id)
        .scalar_subquery()
    )
    return cast(literal_column("submissions.xmin"), Text) == seen


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
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    columns = [Submission, bands, _entries_json(stages)]
    if postgresql:
        columns.append(_fresh_marker())
    # The submission with its campaign, framework, unit, block bands and entries: one row, and
    # on PostgreSQL the row lock (FOR UPDATE OF submissions); SQLite holds its write lock.
    query = (
        select(*columns)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.campaign).joinedload(Campaign.framework),
            joinedload(Submission.unit),
        )
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    )
    head = db.session.execute(query).first()
    if head is not None and postgresql and not head[3]:
        head = db.session.execute(query).first()  # the lock is ours now: read what was committed
    if head is None:
        return None
    submission, block_bands, entries = head[0], head[1], head[2]
    work = SubmissionWork(submission, {stage: {} for stage in stages})
    codes = {ref.id: code for code, ref in criterion_refs(submission.campaign.framework).items()}
    for item in json.loads(entries or "[]", parse_float=Decimal):
        row = _entry_row(item)
        code = codes.get(row.criterion_id)
        if code is None:
            continue  # not a criterion of this framework: nothing reads it
        work.entries[row.stage][code] = row
        if item[10]:
            work.evidence[row.criterion_id] = item[10]
    remember_bands(submission.campaign_id, submission.block_id, block_bands)
    mark_locked(submission.id)
    return work


def _entry_row(item: list) -> EntryRow:
    """An EntryRow from its JSON array (the order of `_entries_json`)."""
    points, updated_at = item[4], item[9]
    return EntryRow(
        id=item[0],
        criterion_id=item[1],
        stage=item[2],
        value=item[3],
        points=None if points is None else Decimal(points).quantize(FIGURE_SCALE),
        note=item[5],
        explanation=item[6],
        version=item[7] or 0,
        updated_by_id=item[8],
        updated_at=datetime.fromisoformat(updated_at) if updated_at else None,
    )


def remember_bands(campaign_id: int, block_id: int | None, bands: list | None) -> None:
    """Keep a block's band override for the rest of the transaction (read with the lock)."""
    transaction_memo(_BANDS, dict)[campaign_id, block_id] = bands


def remembered_bands(campaign_id: int, block_id: int | None) -> tuple[bool, list | None]:
    """(known, bands) of a block as this transaction already read them."""
    found = transaction_memo(_BANDS, dict)
    key = (campaign_id, block_id)
    return (key in found, found.get(key))
