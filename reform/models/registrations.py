"""A unit's registration (đăng ký thi đua) for a campaign: its aims, collective and individual."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.campaigns import Campaign
from reform.models.titles import Title
from reform.models.units import Unit
from reform.models.users import User

# Officers and the head fill it in as a draft; the head submits it.
DRAFT = "draft"
SUBMITTED = "submitted"
REGISTRATION_STATUSES = (DRAFT, SUBMITTED)


class Registration(db.Model):
    """What one participant unit aims for in one campaign."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The collective title or award it aims for (from the catalogue's collective entries).
    title_id: Mapped[int | None] = mapped_column(ForeignKey("titles.id"))
    targets: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    # Optimistic concurrency: a save names the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    unit: Mapped[Unit] = relationship()
    title: Mapped[Title | None] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    people: Mapped[list[RegisteredPerson]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="RegisteredPerson.position",
    )

    # Every UPDATE is a compare-and-set "WHERE version = <the version read>".
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Registration campaign={self.campaign_id} unit={self.unit_id}>"


class RegisteredPerson(db.Model):
    """One person of the unit and the individual title registered for them (free text for now)."""

    __tablename__ = "registered_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # Row order as the unit entered it.
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(String(200))
    # Their post (chức vụ), e.g. "Phó Giám đốc", "Chuyên viên".
    job_title: Mapped[str | None] = mapped_column(String(200))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"))

    registration: Mapped[Registration] = relationship(back_populates="people")
    title: Mapped[Title] = relationship()
