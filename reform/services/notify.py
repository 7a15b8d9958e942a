"""Notices to users in the application (and, later, by e-mail)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from reform.extensions import db
from reform.models import Notification, User
from reform.models.users import HEAD, OFFICER, UserRole


def unit_people(unit_id: int, roles: Iterable[str] = (HEAD, OFFICER)) -> list[User]:
    """The active heads and officers of a unit (or only those holding one of roles)."""
    return people_by_unit([unit_id], roles).get(unit_id, [])


def people_by_unit(
    unit_ids: Iterable[int], roles: Iterable[str] = (HEAD, OFFICER)
) -> dict[int, list[User]]:
    """The active heads and officers of many units at once, by unit id."""
    ids = sorted(set(unit_ids))
    out: dict[int, list[User]] = {}
    if not ids:
        return out
    for user in db.session.scalars(
        select(User)
        .where(
            User.unit_id.in_(ids),
            User.active.is_(True),
            User.role_rows.any(UserRole.role.in_(list(roles))),
        )
        .order_by(User.id)
    ):
        out.setdefault(user.unit_id, []).append(user)
    return out


def notify(users: list[User], kind: str, message: str, link: str | None = None) -> int:
    """Add a notice for each user (caller commits); returns how many were added."""
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, message=message, link=link))
    return len(users)


def unread_count(user: User) -> int:
    """How many notices the user has not read."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def recent(user: User, limit: int = 50) -> list[Notification]:
    """The user's latest notices, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user: User) -> None:
    """Mark every notice of the user as read."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC).replace(tzinfo=None))
    )
    db.session.commit()
