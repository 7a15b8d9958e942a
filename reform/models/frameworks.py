"""Criteria frameworks (bộ tiêu chí): versioned data, never code."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db


class Framework(db.Model):
    """One version of a framework; the whole definition is kept as imported."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    # The canonical dict of the framework file (design 3.2), the single source of truth.
    definition: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("frameworks.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    # Set when a campaign first uses this version; from then on it never changes.
    locked_at: Mapped[datetime | None]

    based_on: Mapped[Framework | None] = relationship(remote_side=[id])
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="framework",
        cascade="all, delete-orphan",
        order_by="Criterion.position",
    )

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def __repr__(self) -> str:
        return f"<Framework {self.code} v{self.version}>"


class Criterion(db.Model):
    """A node of a framework's tree, flattened for queries and references."""

    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    parent_code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(500))
    position: Mapped[int]
    depth: Mapped[int]
    max_points: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    rule_type: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(String(10), default="optional")
    applies_to: Mapped[list | None] = mapped_column(JSON)
    allow_na: Mapped[bool] = mapped_column(default=False)
    bonus: Mapped[bool] = mapped_column(default=False)
    penalty: Mapped[bool] = mapped_column(default=False)

    framework: Mapped[Framework] = relationship(back_populates="criteria")

    @property
    def is_leaf(self) -> bool:
        return self.rule_type is not None

    def __repr__(self) -> str:
        return f"<Criterion {self.code}>"
