"""A cache of rendered fragments that every worker shares.

Redis when `REDIS_URL` is set (REFORM_REDIS_URL), so a hundred pollers on any number of workers
cost one render per change; otherwise each worker keeps its own in memory (least recently used
entries go first once `FRAGMENT_CACHE_BYTES` is full). Keys are fingerprints of everything a
fragment shows: an entry never needs clearing, it stops being asked for when the figures move
on, and expires after `FRAGMENT_CACHE_TTL` seconds. If Redis stops answering, the worker falls
back to its memory for a while instead of failing the page.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable
from typing import Protocol

import redis
from cachetools import TTLCache
from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION = "reform.fragment_cache"
# Threads of one worker asking for the same missing fragment wait for one render: keys map
# onto this many locks.
_STRIPES = 64
# How long a worker waits for another worker's render of the same fragment before rendering
# it itself, and how often it looks.
WAIT_SECONDS = 5.0
WAIT_STEP = 0.05
# After Redis fails, this worker uses its memory for this long before trying Redis again.
REDIS_RETRY_SECONDS = 30.0
_build_lock = threading.Lock()


class Store(Protocol):
    """Where rendered fragments are kept."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes) -> None: ...

    def claim(self, key: str) -> bool: ...

    def release(self, key: str) -> None: ...


class MemoryStore:
    """This worker's memory: a byte budget, least recently used first out, a time to live."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes = max_bytes
        self._data: TTLCache[str, bytes] = TTLCache(maxsize=max_bytes, ttl=ttl, getsizeof=len)
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The stored value, or None."""
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        """Store a value (one larger than the whole budget is not kept)."""
        if len(value) > self.max_bytes:
            return
        with self._lock:
            self._data[key] = value

    def claim(self, key: str) -> bool:
        """Only this worker renders into its memory: the thread locks are enough."""
        return True

    def release(self, key: str) -> None:
        """Nothing to release."""


class RedisStore:
    """Redis, shared by every worker; errors are raised for the cache to fall back."""

    def __init__(self, url: str, prefix: str, ttl: int) -> None:
        # Short timeouts: a slow Redis must not hold a page longer than rendering it would.
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.ttl = ttl

    def get(self, key: str) -> bytes | None:
        """The stored value, or None."""
        return self.client.get(self.prefix + key)

    def set(self, key: str, value: bytes) -> None:
        """Store a value for the time to live."""
        self.client.set(self.prefix + key, value, ex=self.ttl)

    def claim(self, key: str) -> bool:
        """True for the one worker that should render this fragment now."""
        return bool(self.client.set(self.prefix + "render:" + key, b"1", nx=True, ex=30))

    def release(self, key: str) -> None:
        """Let another worker render this fragment (after a failed render, say)."""
        self.client.delete(self.prefix + "render:" + key)


class FragmentCache:
    """Rendered fragments by key, rendered once by whichever request first misses them."""

    def __init__(self, store: Store, memory: MemoryStore) -> None:
        self.store = store
        self.memory = memory
        self.hits = 0
        self.renders = 0
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]
        self._store_down_until = 0.0

    @property
    def shared(self) -> bool:
        """Whether entries are shared with other workers (Redis)."""
        return self.store is not self.memory

    def _active(self) -> Store:
        if self.shared and time.monotonic() < self._store_down_until:
            return self.memory
        return self.store

    def _failed(self, error: Exception) -> None:
        log.warning("fragment cache: Redis unavailable (%s); using this worker's memory", error)
        self._store_down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def _get(self, key: str) -> bytes | None:
        store = self._active()
        try:
            return store.get(key)
        except redis.RedisError as error:
            self._failed(error)
            return self.memory.get(key)

    def get(self, key: str) -> str | None:
        """The fragment stored under key, or None."""
        value = self._get(key)
        return None if value is None else zlib.decompress(value).decode("utf-8")

    def get_or_render(self, key: str, render: Callable[[], str]) -> str:
        """The fragment under key; on a miss render it once (other askers wait for it)."""
        found = self.get(key)
        if found is not None:
            self.hits += 1
            return found
        with self._stripes[hash(key) % _STRIPES]:
            found = self.get(key)
            if found is not None:
                self.hits += 1
                return found
            store = self._active()
            try:
                claimed = store.claim(key)
            except redis.RedisError as error:
                self._failed(error)
                store, claimed = self.memory, True
            if not claimed:
                found = self._wait_for(key)
                if found is not None:
                    self.hits += 1
                    return found
            try:
                text = render()
                self.renders += 1
                self._set(store, key, text)
            finally:
                if claimed:
                    self._release(store, key)
        return text

    def _wait_for(self, key: str) -> str | None:
        """Another worker is rendering this fragment: wait for it a little while."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(WAIT_STEP)
            found = self.get(key)
            if found is not None:
                return found
        return None

    def _set(self, store: Store, key: str, text: str) -> None:
        # Compressed: a page of the ranking is mostly repeated markup (about 10 × smaller).
        value = zlib.compress(text.encode("utf-8"), 1)
        try:
            store.set(key, value)
        except redis.RedisError as error:
            self._failed(error)
            self.memory.set(key, value)

    def _release(self, store: Store, key: str) -> None:
        try:
            store.release(key)
        except redis.RedisError as error:
            self._failed(error)


def build_cache(app: Flask) -> FragmentCache:
    """The cache the app's settings ask for."""
    config = app.config
    ttl = int(config.get("FRAGMENT_CACHE_TTL", 600))
    memory = MemoryStore(int(config.get("FRAGMENT_CACHE_BYTES", 32 * 1024 * 1024)), ttl)
    url = config.get("REDIS_URL") or ""
    if not url:
        return FragmentCache(memory, memory)
    prefix = str(config.get("CACHE_KEY_PREFIX", "reform:")) + "fragment:"
    return FragmentCache(RedisStore(url, prefix, ttl), memory)


def fragment_cache(app: Flask | None = None) -> FragmentCache:
    """The app's fragment cache, built on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(EXTENSION)
    if found is None:
        with _build_lock:
            found = app.extensions.get(EXTENSION)
            if found is None:
                found = app.extensions[EXTENSION] = build_cache(app)
    return found
