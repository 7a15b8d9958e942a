"""Units (đơn vị) and the blocks (khối) they are ranked in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reform.extensions import db
from reform.scoring import SORT_STRING_LENGTH, vi_sort_string

# The sort key compares by code point: PostgreSQL's default collation (e.g. en_US) would not,
# so the column takes "C" there; SQLite compares text by code point already.
SortKey = String(SORT_STRING_LENGTH).with_variant(
    String(SORT_STRING_LENGTH, collation="C"), "postgresql"
)


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
    sort_key: Mapped[str | None] = mapped_column(SortKey, index=True)
    # What its official documents are dated and numbered with: the place name of the date line
    # ("Hòa Sơn, ngày … tháng … năm …") and the abbreviation of the number ("Số: …/BC-UBND").
    place: Mapped[str | None] = mapped_column(String(100))
    abbreviation: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    block: Mapped[Block | None] = relationship(back_populates="units")

    @validates("name")
    def _keep_sort_key(self, _key: str, name: str | None) -> str | None:
        """Set the sort key with the name, so no code that creates or renames a unit forgets."""
        self.sort_key = None if name is None else vi_sort_string(name)
        return name

    def place_name(self) -> str | None:
        """The place its documents are dated at: its own, else its nearest parent's."""
        return next((unit.place for unit in (self, *self.ancestors()) if unit.place), None)

    @property
    def document_abbreviation(self) -> str:
        """The abbreviation its document numbers carry: the one set, else its code."""
        return self.abbreviation or self.code

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
