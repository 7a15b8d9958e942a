"""Password hashing with Argon2id, parameters from the configuration."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 8
# Verifying against this keeps the time of "unknown user" equal to "wrong password".
_DUMMY_PASSWORD = "reform-timing-equaliser"


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; spends the same effort when there is no user."""
    hasher = _hasher()
    try:
        if stored_hash is None:
            hasher.verify(hasher.hash(_DUMMY_PASSWORD), password + "\0")
            return False
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    return _hasher().check_needs_rehash(stored_hash)
