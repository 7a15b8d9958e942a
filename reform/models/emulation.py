"""Emulation movements (phong trào thi đua) and the clusters (cụm, khối thi đua) of a campaign."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.campaigns import Campaign
from reform.models.submissions import StoredFile
from reform.models.units import Unit

# How long a movement runs.
YEARLY = "yearly"
MULTI_YEAR = "multi_year"
THEMED = "themed"
PERIOD_KINDS = (YEARLY, MULTI_YEAR, THEMED)

# A unit's place in its cluster for one campaign.
MEMBER = "member"
CLUSTER_HEAD = "head"  # khối trưởng
CLUSTER_DEPUTY = "deputy"  # khối phó
# A member unit the secretariat names to the cluster's review group (nhóm chấm chéo): its head
# appraises the other members' sheets beside the cluster's head.
REVIEWER = "reviewer"
CLUSTER_ROLES = (CLUSTER_HEAD, CLUSTER_DEPUTY, REVIEWER, MEMBER)


class Movement(db.Model):
    """A movement launched by an authority, with its standards and the campaigns that score it."""

    __tablename__ = "movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    # Who launched it (e.g. "Ủy ban nhân dân tỉnh").
    authority: Mapped[str] = mapped_column(String(300))
    period_kind: Mapped[str] = mapped_column(String(20), default=YEARLY)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # The standards (tiêu chuẩn) as the launching document words them.
    standards: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    documents: Mapped[list[MovementDocument]] = relationship(
        back_populates="movement", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Movement {self.code}>"


class MovementDocument(db.Model):
    """A document attached to a movement (the launching decision, the standards, a guide)."""

    __tablename__ = "movement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    movement_id: Mapped[int] = mapped_column(
        ForeignKey("movements.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    movement: Mapped[Movement] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship()


class Cluster(db.Model):
    """A cluster or block of units that emulate together in one campaign."""

    __tablename__ = "clusters"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))

    campaign: Mapped[Campaign] = relationship()
    members: Mapped[list[ClusterMember]] = relationship(
        back_populates="cluster", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cluster {self.code}>"


class ClusterMember(db.Model):
    """A unit in a cluster for one campaign: member, head, deputy or in the review group."""

    __tablename__ = "cluster_members"
    # One cluster per unit and campaign; the campaign is repeated here so the database says so.
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(12), default=MEMBER)

    cluster: Mapped[Cluster] = relationship(back_populates="members")
    unit: Mapped[Unit] = relationship()
