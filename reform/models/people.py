"""People (cán bộ, công chức, viên chức, người lao động) of a unit, and their status history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from reform.extensions import db
from reform.models.frameworks import Framework as FrameworkRow
from reform.models.types import Figure
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


# ---- tasks and periodic scores --------------------------------------------------------------

# How often a unit's people are scored.
MONTH = "month"
QUARTER = "quarter"
PERIOD_KINDS = (MONTH, QUARTER)
MONTHS_IN = {MONTH: 1, QUARTER: 3}

# A period's sheet: the person records and self-scores (draft), submits it to their direct
# manager (submitted), who confirms or adjusts it (confirmed).
DRAFT = "draft"
SUBMITTED = "submitted"
CONFIRMED = "confirmed"
PERIOD_STATUSES = (DRAFT, SUBMITTED, CONFIRMED)


class PeopleSettings(db.Model):
    """A unit's choices for its people: monthly or quarterly periods, and the sheet used."""

    __tablename__ = "people_settings"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(10), default=MONTH)
    # The individual framework version new periods take (None: the latest one imported).
    framework_id: Mapped[int | None] = mapped_column(ForeignKey("frameworks.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PersonPeriod(db.Model):
    """One person's month or quarter: their self-score, the manager's review, the totals."""

    __tablename__ = "person_periods"
    __table_args__ = (UniqueConstraint("person_id", "kind", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The unit the person was in for this period (people move; their periods stay where scored).
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The month (1–12) or the quarter (1–4).
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    # Raw values of the general criteria by code: the person's, then the manager's.
    self_values: Mapped[dict] = mapped_column(JSON, default=dict)
    review_values: Mapped[dict | None] = mapped_column(JSON)
    # The self-assessed total as submitted, and the confirmed total with its three percentages.
    self_points: Mapped[Decimal | None] = mapped_column(Figure)
    points: Mapped[Decimal | None] = mapped_column(Figure)
    quantity: Mapped[Decimal | None] = mapped_column(Figure)
    quality: Mapped[Decimal | None] = mapped_column(Figure)
    progress: Mapped[Decimal | None] = mapped_column(Figure)
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit] = relationship()
    framework: Mapped[FrameworkRow] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
    tasks: Mapped[list[PersonTask]] = relationship(
        back_populates="period",
        cascade="all, delete-orphan",
        order_by="PersonTask.position, PersonTask.id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def months(self) -> int:
        """How many months the period covers."""
        return MONTHS_IN[self.kind]


class PersonTask(db.Model):
    """One task or product (sản phẩm/công việc) of a period, with what became of it."""

    __tablename__ = "person_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        ForeignKey("person_periods.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    # The weight after conversion (quy đổi) to comparable products.
    weight: Mapped[Decimal] = mapped_column(Figure)
    completed: Mapped[bool] = mapped_column(default=False)
    quality_met: Mapped[bool] = mapped_column(default=False)
    errors: Mapped[int] = mapped_column(default=0)
    delays: Mapped[int] = mapped_column(default=0)
    # Set only by the manager or the head: its errors and delays had an objective cause.
    objective: Mapped[bool] = mapped_column(default=False)
    objective_reason: Mapped[str | None] = mapped_column(Text)
    objective_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    period: Mapped[PersonPeriod] = relationship(back_populates="tasks")
    objective_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


# ---- the yearly classification ----------------------------------------------------------------

# The cases of Decree 335/2025 that give "Không hoàn thành nhiệm vụ" whatever the score.
REPRIMAND = "reprimand"  # kỷ luật từ khiển trách trở lên trong năm
DEGRADATION = "degradation"  # kết luận suy thoái, "tự diễn biến", "tự chuyển hóa"...
MANAGED_CORRUPTION = "managed_corruption"  # (lãnh đạo) nơi mình quản lý có tham nhũng bị xử lý
OTHER_CASE = "other"
DISQUALIFYING_KINDS = (REPRIMAND, DEGRADATION, MANAGED_CORRUPTION, OTHER_CASE)


class DisqualifyingFact(db.Model):
    """A fact of the year that makes the person "Không hoàn thành nhiệm vụ", with its decision.

    Recorded by the unit head; one recorded in error is withdrawn with a reason, never deleted.
    """

    __tablename__ = "person_disqualifying_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))
    decision_number: Mapped[str] = mapped_column(String(60))
    decided_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    recorded_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        """Whether it still counts (not withdrawn)."""
        return self.withdrawn_at is None


class Classification(db.Model):
    """A person's yearly classification: their self-assessment, the direct manager's comment and
    proposal, and the head's conclusion (the level), with the score it was concluded on."""

    __tablename__ = "person_classifications"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    # Where the person was classified, and in which group of similar duties (the quota's scope).
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    duty_group: Mapped[str] = mapped_column(String(100), default="")
    self_text: Mapped[str | None] = mapped_column(Text)
    self_level: Mapped[str | None] = mapped_column(String(20))
    manager_text: Mapped[str | None] = mapped_column(Text)
    manager_level: Mapped[str | None] = mapped_column(String(20))
    manager_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The head's conclusion; None while not concluded.
    level: Mapped[str | None] = mapped_column(String(20))
    head_text: Mapped[str | None] = mapped_column(Text)
    year_score: Mapped[Decimal | None] = mapped_column(Figure)
    periods_counted: Mapped[int] = mapped_column(default=0)
    # The competent authority's decision that allows "xuất sắc" beyond the quota.
    exception_decision: Mapped[str | None] = mapped_column(String(300))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit] = relationship()
    manager_by: Mapped[User | None] = relationship(foreign_keys=[manager_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}


class AgencyClassification(db.Model):
    """The yearly classification of a unit as an agency (Decree 335/2025 grades agencies too),
    with the decision that made it."""

    __tablename__ = "agency_classifications"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    # One of the four levels people are classified at (reform.scoring.classification.LEVELS).
    level: Mapped[str] = mapped_column(String(20))
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decided_on: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
