"""Published results of past years, imported so trends start from day one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.types import Figure
from reform.models.units import Unit


class HistoricalResult(db.Model):
    """One unit's published figure for one year of a framework series (e.g. PAR-DEPT)."""

    __tablename__ = "historical_results"
    __table_args__ = (UniqueConstraint("unit_id", "framework_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    framework_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int]
    points: Mapped[Decimal | None] = mapped_column(Figure())
    index: Mapped[Decimal | None] = mapped_column(Figure())
    rank: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(server_default=func.now())

    unit: Mapped[Unit] = relationship()
