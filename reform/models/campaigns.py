"""Campaigns (kỳ đánh giá, đợt thi đua): a framework version, participants, phases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.frameworks import Framework
from reform.models.units import Block


class Campaign(db.Model):
    """One round of assessment of the participant units against one framework version."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"), index=True)
    # The year the results are for (PAR 2025 is assessed early in 2026); trends use it.
    year: Mapped[int | None]
    # Phase dates, inclusive, in the province's calendar; the server enforces them.
    self_opens_on: Mapped[date]
    self_closes_on: Mapped[date]
    appraisal_opens_on: Mapped[date | None]
    appraisal_closes_on: Mapped[date | None]
    explanation_opens_on: Mapped[date | None]
    explanation_closes_on: Mapped[date | None]
    publication_on: Mapped[date | None]
    published_at: Mapped[datetime | None]
    # Days after publication during which a unit head may file an appeal.
    appeal_days: Mapped[int] = mapped_column(default=10)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Bumped by every write that changes a figure of the campaign: a live poll that finds the
    # number it saw last answers 304 after this one indexed read.
    change_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Emulation: the movement this campaign scores, and the last day units may register titles.
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"), index=True)
    registration_closes_on: Mapped[date | None]

    framework: Mapped[Framework] = relationship()
    blocks: Mapped[list[CampaignBlock]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.code}>"


class CampaignBlock(db.Model):
    """A block taking part in a campaign, with its own band thresholds if it has them."""

    __tablename__ = "campaign_blocks"
    __table_args__ = (UniqueConstraint("campaign_id", "block_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"))
    # [{"min": "90", "label": "A"}, ...] overriding the framework's bands; None keeps them.
    bands: Mapped[list | None] = mapped_column(JSON)

    campaign: Mapped[Campaign] = relationship(back_populates="blocks")
    block: Mapped[Block] = relationship()
