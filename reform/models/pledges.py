"""The pledge (giao ước thi đua) of a cluster and the member units' signatures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.emulation import Cluster
from reform.models.units import Unit
from reform.models.users import User

# The cluster head writes the text while it is a draft; once sent for signing it is frozen
# (every member signs the same words) until the cluster head reopens it.
DRAFT = "draft"
SIGNING = "signing"
PLEDGE_STATUSES = (DRAFT, SIGNING)


class Pledge(db.Model):
    """The pledge document of one cluster in one campaign."""

    __tablename__ = "pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), unique=True
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    # Optimistic concurrency: an edit names the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[datetime | None]
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cluster: Mapped[Cluster] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    signatures: Mapped[list[PledgeSignature]] = relationship(
        back_populates="pledge", cascade="all, delete-orphan"
    )

    # Every UPDATE is a compare-and-set "WHERE version = <the version read>".
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Pledge cluster={self.cluster_id} v{self.version}>"


class PledgeSignature(db.Model):
    """One member unit's signature, given by one of its heads, once."""

    __tablename__ = "pledge_signatures"
    __table_args__ = (UniqueConstraint("pledge_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The name as it was when signing: the record keeps it if the account is renamed later.
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(server_default=func.now())

    pledge: Mapped[Pledge] = relationship(back_populates="signatures")
    unit: Mapped[Unit] = relationship()
