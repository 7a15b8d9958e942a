"""Failed sign-ins, limited per username and address and, more loosely, per address.

The counters live in the rate limiter's storage (RATELIMIT_STORAGE_URI: Redis in production),
so every worker process sees the same counts. Only failures count. A username typed from one
address is held once it reaches LOGIN_ACCOUNT_RATE_LIMIT; the address as a whole has the looser
ceiling LOGIN_RATE_LIMIT. Above that ceiling a correct password still signs in (an office behind
one NAT address is not locked out by one person), but each further failure holds that username
at that address for the rest of its window, so a guesser spraying many usernames gets one try
per username instead of the full allowance.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter

from reform.extensions import limiter

# After a storage error the shared storage is left alone this long before it is tried again.
STORAGE_RETRY_SECONDS = 30


@dataclass(frozen=True)
class Hold:
    """A username held at an address until retry_at (seconds since the epoch)."""

    retry_at: float

    @property
    def seconds(self) -> int:
        """Whole seconds left to wait, at least one."""
        return max(1, math.ceil(self.retry_at - time.time()))

    @property
    def until(self) -> datetime:
        """The moment the hold ends, in UTC."""
        return datetime.fromtimestamp(self.retry_at, UTC)


class _State:
    """Per-application fallback: an in-memory counter used while the shared storage fails."""

    def __init__(self, strategy: type[RateLimiter]) -> None:
        self.fallback = strategy(MemoryStorage())
        self.dead_until = 0.0


def _state() -> _State:
    """This application's fallback state, made on first use."""
    state = current_app.extensions.get("reform.login_limits")
    if state is None:
        state = current_app.extensions["reform.login_limits"] = _State(type(limiter.limiter))
    return state


def _run(action):
    """Run action(rate_limiter) on the shared storage, or in memory while that storage fails."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None  # limits switched off (RATELIMIT_ENABLED=False): nothing is held or counted
    state = _state()
    fallback_enabled = current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if time.time() >= state.dead_until or not fallback_enabled:
        try:
            return action(limiter.limiter)
        except Exception:
            if not fallback_enabled:
                raise
            current_app.logger.warning(
                "Login rate limit storage unreachable; counting in this process's memory"
            )
            state.dead_until = time.time() + STORAGE_RETRY_SECONDS
    return action(state.fallback)


def _limits(setting: str) -> list[RateLimitItem]:
    """The limits a setting names ("5 per minute; 20 per hour")."""
    return parse_many(str(current_app.config[setting]))


def _prefix() -> list[str]:
    """RATELIMIT_KEY_PREFIX, as Flask-Limiter puts it before its own keys."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [prefix] if prefix else []


def _account_key(username: str, address: str) -> list[str]:
    """The counter of one username (as find_user compares it) at one address."""
    # Hashed: what was typed as a username (sometimes a password) is not kept in the storage.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return [*_prefix(), "login-account", address, name]


def _address_key(address: str) -> list[str]:
    """The counter of one address, whatever the username."""
    return [*_prefix(), "login-address", address]


def _hold(rl: RateLimiter, items: list[RateLimitItem], key: list[str]) -> Hold | None:
    """The hold the exhausted limits impose, ending when the last of them resets."""
    ends = [rl.get_window_stats(i, *key).reset_time for i in items if not rl.test(i, *key)]
    return Hold(max(ends)) if ends else None


def account_hold(username: str, address: str) -> Hold | None:
    """The hold on this username at this address, if its failures used up the allowance."""
    items, key = _limits("LOGIN_ACCOUNT_RATE_LIMIT"), _account_key(username, address)
    return _run(lambda rl: _hold(rl, items, key))


def record_failure(username: str, address: str) -> Hold | None:
    """Count a failed sign-in; return the hold it leaves on this username, if any."""
    account_items = _limits("LOGIN_ACCOUNT_RATE_LIMIT")
    address_items = _limits("LOGIN_RATE_LIMIT")
    account, whole = _account_key(username, address), _address_key(address)

    def count(rl: RateLimiter) -> Hold | None:
        within_ceiling = all([rl.hit(item, *whole) for item in address_items])
        if within_ceiling:
            for item in account_items:
                rl.hit(item, *account)
        else:
            # Above the address ceiling one failure uses up the username's shortest window.
            shortest = min(account_items, key=lambda item: item.get_expiry())
            left = rl.get_window_stats(shortest, *account).remaining
            if left > 0:
                rl.hit(shortest, *account, cost=left)
        return _hold(rl, account_items, account)

    hold = _run(count)
    if hold is not None:
        current_app.logger.warning("Sign-in failures from %s: a username is held", address)
    return hold


def forget_failures(username: str, address: str) -> None:
    """Clear the username's failures at this address after it signed in."""
    items, key = _limits("LOGIN_ACCOUNT_RATE_LIMIT"), _account_key(username, address)
    _run(lambda rl: [rl.clear(item, *key) for item in items])
