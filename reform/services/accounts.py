"""Accounts: authentication, password changes, ending sessions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select

from reform.extensions import db
from reform.models import User
from reform.services.passwords import hash_password, needs_rehash, verify_password


def find_user(username: str) -> User | None:
    """The user with this username, compared without case."""
    name = username.strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password matches, else None (same cost either way)."""
    user = find_user(username)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Store a new password and end every existing session of the user."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_all_sessions(user, commit=False)
    db.session.commit()


def end_all_sessions(user: User, *, commit: bool = True) -> None:
    """Invalidate every session of the user, on every device."""
    user.session_version = (user.session_version or 0) + 1
    if commit:
        db.session.commit()


def temporary_password() -> str:
    """A random password to hand over once; the user must change it at first sign-in."""
    return secrets.token_urlsafe(9)
