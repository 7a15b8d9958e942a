"""People (cán bộ, công chức, viên chức, người lao động) of a unit, and their status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reform.extensions import db
from reform.models.units import SortKey, Unit
from reform.models.users import User
from reform.scoring import vi_sort_string

# A person's category (the law that governs them).
CADRE = "cadre"  # cán bộ
CIVIL_SERVANT = "civil_servant"  # công chức
PUBLIC_EMPLOYEE = "public_employee"  # viên chức
WORKER = "worker"  # người lao động
CATEGORIES = (CADRE, CIVIL_SERVANT, PUBLIC_EMPLOYEE, WORKER)


def person_sort_string(full_name: str) -> str:
    """The order of Vietnamese staff lists: by given name (the last word), then the full name."""
    words = full_name.split()
    given = words[-1] if words else ""
    return vi_sort_string(f"{given} {full_name}")


class Person(db.Model):
    """Someone who works in a unit and is evaluated there; not an account (most never sign in)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The unit's own staff number; the staff list import matches people on it.
    code: Mapped[str | None] = mapped_column(String(40))
    full_name: Mapped[str] = mapped_column(String(200))
    sort_key: Mapped[str | None] = mapped_column(SortKey, index=True)
    # Post or title (chức vụ, chức danh), e.g. "Phó Chánh Văn phòng", "Chuyên viên".
    position: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(20), default=CIVIL_SERVANT)
    is_leader: Mapped[bool] = mapped_column(default=False)
    # The group of people with similar duties (nhóm có nhiệm vụ tương đồng) inside the unit:
    # the quota of "xuất sắc" is counted per unit and per group.
    duty_group: Mapped[str] = mapped_column(String(100), default="")
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The account this person signs in with, if any (at most one person per account).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Optimistic concurrency: every UPDATE is "WHERE version = <the version read>".
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    unit: Mapped[Unit] = relationship()
    manager: Mapped[Person | None] = relationship(remote_side=[id])
    user: Mapped[User | None] = relationship()
    status_changes: Mapped[list[PersonStatusChange]] = relationship(
        back_populates="person",
        order_by="PersonStatusChange.effective_on.desc(), PersonStatusChange.id.desc()",
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("full_name")
    def _keep_sort_key(self, _key: str, full_name: str | None) -> str | None:
        """Set the sort key with the name, so no code that creates or renames someone forgets."""
        self.sort_key = None if full_name is None else person_sort_string(full_name)
        return full_name

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.full_name}>"


class PersonStatusChange(db.Model):
    """One deactivation (moved, retired...) or reactivation, with its date and reason."""

    __tablename__ = "person_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    active: Mapped[bool]
    effective_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    person: Mapped[Person] = relationship(back_populates="status_changes")
    recorded_by: Mapped[User | None] = relationship()
