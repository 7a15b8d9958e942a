"""Accounts: authentication, password changes, ending sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import User, UserSession
from reform.services.passwords import hash_password, needs_rehash, verify_password

# Signed-in browsers kept per user; signing in once more ends the oldest. Sessions that end by
# idling out leave their row behind (nothing is written per request), and this bounds them.
MAX_SESSIONS_PER_USER = 20


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
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if commit:
        db.session.commit()


def _token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """Record a new signed-in browser of the user; return the token its cookie must carry."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_token_hash(token)))
    db.session.flush()
    kept = (
        select(UserSession.id)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.id.desc())
        .limit(MAX_SESSIONS_PER_USER)
    )
    db.session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user.id, UserSession.id.not_in(kept))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token


def close_session(token: str | None) -> None:
    """End the signed-in browser holding this token; its cookie, copied or not, stops working."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        db.session.commit()


def session_user(user_id: int, version: int, token: str) -> User | None:
    """The active user whose session this is, or None once it was ended in any way."""
    # The roles come in the same statement: every request signs in, so this is the hot path.
    user = (
        db.session.scalars(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(User.id == user_id, UserSession.token_hash == _token_hash(token))
            .options(joinedload(User.role_rows))
        )
        .unique()
        .first()
    )
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def temporary_password() -> str:
    """A random password to hand over once; the user must change it at first sign-in."""
    return secrets.token_urlsafe(9)
