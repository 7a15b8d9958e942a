"""Commendation (khen thưởng): catalogue versions with eligibility conditions, the register of
initiatives (sáng kiến) and the register of titles and awards conferred."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.people import Person
from reform.models.units import Unit
from reform.models.users import User

# Where a register entry came from.
ENTERED = "entered"  # typed in by the secretariat
IMPORTED = "imported"  # a past year's list imported from a file
DECIDED = "decided"  # a decision issued in the application
SOURCES = (ENTERED, IMPORTED, DECIDED)

# How the yearly statistics count an entry: flags (cờ thi đua), certificates (bằng khen, giấy
# khen), other titles (danh hiệu), other forms (orders, medals).
FLAG = "flag"
CERTIFICATE = "certificate"
TITLE_FAMILY = "title"
OTHER = "other"
FAMILIES = (FLAG, CERTIFICATE, TITLE_FAMILY, OTHER)


class CatalogueVersion(db.Model):
    """One version of the catalogue of titles and awards with their conditions, as imported."""

    __tablename__ = "catalogue_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(300))
    # The canonical dict of the catalogue file, the single source of truth.
    definition: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_versions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Set when something is first decided against this version; from then on it never changes.
    locked_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def entries(self) -> list[dict]:
        return list(self.definition.get("titles") or [])

    def entry(self, code: str) -> dict | None:
        """The entry with this code, or None."""
        return next((e for e in self.entries if e["code"] == code), None)

    def __repr__(self) -> str:
        return f"<CatalogueVersion {self.version}>"


class Initiative(db.Model):
    """A recognised initiative (sáng kiến) of a unit, with its authors and the decision."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    # The reach recognised: base (cơ sở), province (cấp tỉnh), national (toàn quốc).
    level: Mapped[str] = mapped_column(String(12))
    recognised_on: Mapped[date] = mapped_column(index=True)
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    decision_issuer: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    # Optimistic concurrency: every UPDATE is "WHERE version = <the version read>".
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    unit: Mapped[Unit] = relationship()
    authors: Mapped[list[InitiativeAuthor]] = relationship(
        back_populates="initiative",
        cascade="all, delete-orphan",
        order_by="InitiativeAuthor.position",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Initiative {self.id}>"


class InitiativeAuthor(db.Model):
    """An author of an initiative: a name, linked to a person of the staff when known."""

    __tablename__ = "initiative_authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)

    initiative: Mapped[Initiative] = relationship(back_populates="authors")
    person: Mapped[Person | None] = relationship()


class Award(db.Model):
    """A title or award conferred on a person or a collective in a year, with its decision.

    The title is kept by code and as it read when conferred (name, kind, level), so the register
    stays true when the catalogue changes.
    """

    __tablename__ = "awards"
    __table_args__ = (
        Index("ix_awards_title_year", "title_code", "year"),
        Index("ix_awards_unit_year", "unit_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    # collective or individual (models.titles.SCOPES).
    scope: Mapped[str] = mapped_column(String(12))
    # The collective itself, or the unit the person belonged to when it was conferred.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The name as the decision writes it (a person's full name, or the collective's).
    recipient_name: Mapped[str] = mapped_column(String(300))
    title_code: Mapped[str] = mapped_column(String(40))
    title_name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(20))
    family: Mapped[str] = mapped_column(String(12))
    decision_number: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    # Who signed, with their position ("Nguyễn Văn A, Chủ tịch UBND tỉnh").
    signer: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default=ENTERED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit] = relationship()
    person: Mapped[Person | None] = relationship()

    def __repr__(self) -> str:
        return f"<Award {self.year} {self.title_code} {self.recipient_name}>"
