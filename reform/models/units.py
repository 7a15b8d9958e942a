"""Units (đơn vị) and the blocks (khối) they are ranked in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db


class Block(db.Model):
    """A group of units ranked against each other, e.g. "Sở, ban, ngành"."""

    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    units: Mapped[list[Unit]] = relationship(back_populates="block")

    def __repr__(self) -> str:
        return f"<Block {self.code}>"


class Unit(db.Model):
    """An agency: department, commune, ward, special zone, public service unit, ministry."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # A free word (department, commune, ward...) that frameworks name in applies_to.
    kind: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Vietnamese dictionary order of the name as a plain string (kept with the name), so lists
    # and rankings can be ordered and paged by the database.
    sort_key: Mapped[str | None] = mapped_column(String(1200), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    block: Mapped[Block | None] = relationship(back_populates="units")

    def ancestors(self) -> list[Unit]:
        """Parents from the nearest up to the root."""
        chain, node, seen = [], self.parent, {self.id}
        while node is not None and node.id not in seen:
            chain.append(node)
            seen.add(node.id)
            node = node.parent
        return chain

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
