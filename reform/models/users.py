"""User accounts and the roles they hold."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.units import Unit

ADMIN = "admin"
SECRETARIAT = "secretariat"
EVALUATOR = "evaluator"
LEADER = "leader"
HEAD = "head"
OFFICER = "officer"
# Order decides which home page a user with several roles lands on first.
ROLES = (ADMIN, SECRETARIAT, EVALUATOR, LEADER, HEAD, OFFICER)
# Roles that act for one unit and so must belong to one.
UNIT_ROLES = frozenset({HEAD, OFFICER})
# Roles that see every unit's data.
STAFF_ROLES = frozenset({ADMIN, SECRETARIAT, EVALUATOR, LEADER})


class User(UserMixin, db.Model):
    """A person who signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped to end every session of the user: it is part of the id stored in each session.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column()

    unit: Mapped[Unit | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        """Roles held, in the order of ROLES."""
        held = {r.role for r in self.role_rows}
        return [r for r in ROLES if r in held]

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the roles."""
        return any(r.role in roles for r in self.role_rows)

    def set_roles(self, roles: list[str]) -> None:
        """Replace the held roles."""
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = {r.role for r in self.role_rows}
        self.role_rows.extend(UserRole(role=r) for r in ROLES if r in wanted - have)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """The id kept in the session: it stops matching once session_version is bumped."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """One signed-in browser: its cookie is honoured only while this row exists."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token kept in the cookie: the table alone cannot be replayed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
