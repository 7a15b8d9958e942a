"""A unit's submission in a campaign: its entries per stage and their evidence."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.campaigns import Campaign
from reform.models.frameworks import Criterion
from reform.models.types import Figure
from reform.models.units import Block, Unit
from reform.models.users import User

# Self-assessment workflow: the officer fills (draft), sends to the head (pending_approval);
# the head approves and submits (submitted, locked) or returns it (returned, editable again).
DRAFT = "draft"
PENDING_APPROVAL = "pending_approval"
RETURNED = "returned"
SUBMITTED = "submitted"
EDITABLE_STATUSES = frozenset({DRAFT, RETURNED})

SELF = "self"
APPRAISAL = "appraisal"
SURVEY = "survey"


class Submission(db.Model):
    """One participant unit in one campaign, with the totals last computed by the core."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The unit's block when it joined: a later move does not reshuffle a running ranking.
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    head_comment: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Stored results of the scoring core, refreshed by the service on every write.
    self_points: Mapped[Decimal] = mapped_column(Figure(), default=Decimal(0))
    max_points: Mapped[Decimal] = mapped_column(Figure(), default=Decimal(0))
    self_index: Mapped[Decimal | None] = mapped_column(Figure())
    self_band: Mapped[str | None] = mapped_column(String(40))
    filled_count: Mapped[int] = mapped_column(default=0)
    applicable_count: Mapped[int] = mapped_column(default=0)
    evidence_missing_count: Mapped[int] = mapped_column(default=0)
    # The council's figures (appraised where set, else self; survey added), kept for rankings.
    appraised_points: Mapped[Decimal | None] = mapped_column(Figure())
    survey_points: Mapped[Decimal] = mapped_column(Figure(), default=Decimal(0))
    points: Mapped[Decimal] = mapped_column(Figure(), default=Decimal(0))
    index: Mapped[Decimal | None] = mapped_column(Figure())
    band: Mapped[str | None] = mapped_column(String(40))
    appraised_count: Mapped[int] = mapped_column(default=0)
    # The unit's row of the results document as the core gives it (UnitResult.as_dict(): every
    # figure as a 2-place string, areas included), kept with the totals so the live document
    # never rescans the entries. None until first written (`reform recompute` fills it).
    area_figures: Mapped[dict | None] = mapped_column(JSON)
    appraisal_closed_at: Mapped[datetime | None]
    appraisal_closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    block: Mapped[Block | None] = relationship()
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    @property
    def editable_by_unit(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def __repr__(self) -> str:
        return f"<Submission {self.campaign_id}/{self.unit_id} {self.status}>"


class Entry(db.Model):
    """The value of one criterion at one stage (self, appraisal, survey) of a submission."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("submission_id", "criterion_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    # The rule's raw input exactly as the contract writes it ("yes", "12/15", "na", "0.75").
    value: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[Decimal | None] = mapped_column(Figure())
    note: Mapped[str | None] = mapped_column(Text)
    # Why required evidence is missing (giải trình); a reason is also required for N/A.
    explanation: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: a save names the version it started from.
    version: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    criterion: Mapped[Criterion] = relationship()
    updated_by: Mapped[User | None] = relationship()

    # Every UPDATE of an entry is a compare-and-set: "WHERE version = <the version read>".
    # The services set the next version themselves (a recompute of points keeps it).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def is_na(self) -> bool:
        return self.value == "na"


class StoredFile(db.Model):
    """File content stored once under a generated name, whoever uploaded it first."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(100))
    storage_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Evidence(db.Model):
    """A file attached to one criterion of a submission (tài liệu kiểm chứng)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(12), default=SELF)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    file: Mapped[StoredFile] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship()
