"""Users: create, edit roles and unit, reset password, deactivate."""

from __future__ import annotations

import re

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from reform.extensions import db
from reform.models import Unit, User, UserRole
from reform.models.users import ADMIN, ROLES, UNIT_ROLES
from reform.scoring import vi_sorted
from reform.services.accounts import end_all_sessions, find_user, set_password, temporary_password
from reform.services.passwords import hash_password

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}$")


class UserProblem(ValueError):
    """A user cannot be saved as asked; field names the form field to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_assignment(
    roles: list[str], unit: Unit | None, *, actor: User | None, target: User | None = None
) -> None:
    """Refuse unknown roles, unit roles without a unit, and admin changes by non-admins."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UserProblem("roles", _("Unknown role: %(role)s.", role=", ".join(unknown)))
    if not roles:
        raise UserProblem("roles", _("Choose at least one role."))
    if UNIT_ROLES.intersection(roles) and unit is None:
        raise UserProblem("unit_id", _("A unit head or officer must belong to a unit."))
    if unit is not None and not unit.active:
        raise UserProblem("unit_id", _("This unit is deactivated."))
    if actor is not None and not actor.has_role(ADMIN):
        touches_admin = ADMIN in roles or (target is not None and target.has_role(ADMIN))
        if touches_admin:
            raise UserProblem(
                "roles", _("Only an administrator can grant or change admin accounts.")
            )


def can_see_user(viewer: User, target: User) -> bool:
    """Only an administrator sees an administrator's account; other managers see the rest."""
    return viewer.has_role(ADMIN) or not target.has_role(ADMIN)


def get_user_or_404(user_id: int, *, for_user: User) -> User:
    """The account if this user may see it; otherwise 404, so its existence is not revealed."""
    user = db.session.get(User, user_id)
    if user is None or not can_see_user(for_user, user):
        abort(404)
    return user


def check_can_manage(target: User, *, actor: User) -> None:
    """Only an administrator may act on an administrator's account."""
    if target.has_role(ADMIN) and not actor.has_role(ADMIN):
        raise UserProblem("roles", _("Only an administrator can grant or change admin accounts."))


def create_user(
    username: str,
    full_name: str,
    roles: list[str],
    *,
    unit: Unit | None = None,
    email: str | None = None,
    password: str | None = None,
    actor: User | None = None,
    is_demo: bool = False,
) -> tuple[User, str | None]:
    """A new user; without a password a temporary one is made and returned once."""
    if not USERNAME_RE.match(username.strip()):
        raise UserProblem("username", _("2–64 letters, digits or . _ - (no spaces, no accents)."))
    if find_user(username) is not None:
        raise UserProblem("username", _("This username is taken."))
    check_assignment(roles, unit, actor=actor)
    temp = None
    if password is None:
        temp = password = temporary_password()
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        email=(email or None),
        unit=unit,
        password_hash=hash_password(password),
        must_change_password=temp is not None,
        is_demo=is_demo,
    )
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    return user, temp


def update_user(
    user: User,
    *,
    full_name: str,
    email: str | None,
    roles: list[str],
    unit: Unit | None,
    actor: User,
) -> None:
    """Change a user's name, e-mail, roles and unit."""
    check_assignment(roles, unit, actor=actor, target=user)
    if user.id == actor.id and user.has_role(ADMIN) and ADMIN not in roles:
        raise UserProblem("roles", _("You cannot remove your own administrator role."))
    user.full_name, user.email, user.unit = full_name.strip(), email or None, unit
    user.set_roles(roles)
    db.session.commit()


def reset_password(user: User, *, actor: User) -> str:
    """Give the user a temporary password, ending their sessions; return it once."""
    check_can_manage(user, actor=actor)
    temp = temporary_password()
    set_password(user, temp, must_change=True)
    return temp


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (ending every session) or reactivate a user."""
    if user.id == actor.id and not active:
        raise UserProblem("active", _("You cannot deactivate your own account."))
    check_can_manage(user, actor=actor)
    user.active = active
    if not active:
        end_all_sessions(user, commit=False)
    db.session.commit()


def search_users(
    q: str = "", role: str = "", include_inactive: bool = True, *, for_user: User | None = None
) -> list[User]:
    """Users matching a username or name fragment and holding the role, in the Vietnamese
    order of their full names."""
    stmt = select(User).options(selectinload(User.unit))
    if for_user is not None and not for_user.has_role(ADMIN):
        # Administrators' accounts are listed to administrators only.
        stmt = stmt.where(~User.role_rows.any(UserRole.role == ADMIN))
    if q:
        term = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(User.username).contains(term, autoescape=True),
                func.lower(User.full_name).contains(term, autoescape=True),
            )
        )
    if role in ROLES:
        stmt = stmt.where(User.role_rows.any(UserRole.role == role))
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    return vi_sorted(db.session.scalars(stmt), lambda user: user.full_name or user.username)
