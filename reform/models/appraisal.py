"""Appraisal by the council: assignments, recusals, explanation requests, appeals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.frameworks import Criterion
from reform.models.submissions import Submission
from reform.models.units import Block
from reform.models.users import User


class Assignment(db.Model):
    """An evaluator appraises a block (optionally one area of it) or a single submission."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE")
    )
    # A top-level area code; None means every area.
    area_code: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    block: Mapped[Block | None] = relationship()
    submission: Mapped[Submission | None] = relationship()


class Recusal(db.Model):
    """An evaluator steps aside from one unit's appraisal, with the reason."""

    __tablename__ = "recusals"
    __table_args__ = (UniqueConstraint("evaluator_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    evaluator: Mapped[User] = relationship()
    submission: Mapped[Submission] = relationship()


class ExplanationRequest(db.Model):
    """The council asks the unit to explain or supplement one criterion (giải trình, bổ sung)."""

    __tablename__ = "explanation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    message: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    # open (the unit may answer) → answered → closed (the evaluator decided)
    status: Mapped[str] = mapped_column(String(12), default="open")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(server_default=func.now())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    criterion: Mapped[Criterion] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class ResultsVersion(db.Model):
    """An immutable published snapshot of a campaign's results (contract 3.3 JSON)."""

    __tablename__ = "results_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    version: Mapped[int]
    payload: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What moved against the previous version (appeals), as JSON text; None for the first.
    change_log: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Appeal(db.Model):
    """A unit contests one criterion of its published result (phúc khảo)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"))
    reason: Mapped[str] = mapped_column(Text)
    # filed → accepted (the appraised value changed) or rejected (with a reason)
    status: Mapped[str] = mapped_column(String(12), default="filed")
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decision: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    criterion: Mapped[Criterion] = relationship()
    submission: Mapped[Submission] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
