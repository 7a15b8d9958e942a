"""The append-only audit log: every change of a value, points, state or phase."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.users import User


class AuditEvent(db.Model):
    """Who changed what, when, from what to what, and why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    # Plain ids, no foreign keys: the log outlives anything it mentions.
    campaign_id: Mapped[int | None] = mapped_column(index=True)
    submission_id: Mapped[int | None] = mapped_column(index=True)
    # The person (people.id) an event about staff, their tasks, scores or classification concerns.
    person_id: Mapped[int | None] = mapped_column(index=True)
    criterion_code: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    from_points: Mapped[str | None] = mapped_column(String(40))
    to_points: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()


# The database refuses to change or remove an event (triggers created by migration 0003).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    """The log only grows; the database triggers refuse it too, this explains it sooner."""
    raise PermissionError("audit events are append-only")
