"""The fragment cache: in this worker's memory, or in Redis shared by every worker."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from reform.cache import FragmentCache, MemoryStore, RedisStore, build_cache, fragment_cache

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test alone (runs on SQLite and PostgreSQL share one Redis)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    prefix = f"reform-test-{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def _app_like(**config):
    class Fake:
        def __init__(self) -> None:
            self.config = config
            self.extensions: dict = {}

    return Fake()


# ---- in memory ------------------------------------------------------------------------------


def test_memory_renders_once_and_serves_the_same_text():
    cache = build_cache(_app_like())
    assert not cache.shared
    calls = []

    def render() -> str:
        calls.append(1)
        return "<p>Sở Tư pháp</p>"

    assert cache.get_or_render("k", render) == "<p>Sở Tư pháp</p>"
    assert cache.get_or_render("k", render) == "<p>Sở Tư pháp</p>"
    assert len(calls) == 1 and cache.renders == 1 and cache.hits == 1
    assert cache.get("other") is None


def test_memory_keeps_to_its_budget_least_recently_used_first():
    store = MemoryStore(max_bytes=100, ttl=60)
    store.set("a", b"x" * 40)
    store.set("b", b"y" * 40)
    assert store.get("a") is not None  # a is now the most recently used
    store.set("c", b"z" * 40)
    assert store.get("b") is None and store.get("a") is not None and store.get("c") is not None
    store.set("huge", b"h" * 500)
    assert store.get("huge") is None


def test_memory_entries_expire():
    store = MemoryStore(max_bytes=1000, ttl=0.05)
    store.set("a", b"1")
    time.sleep(0.1)
    assert store.get("a") is None


def test_threads_asking_for_one_missing_fragment_wait_for_one_render():
    cache = build_cache(_app_like())
    started = threading.Event()

    def slow() -> str:
        started.set()
        time.sleep(0.2)
        return "rendered"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_render("same", slow)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["rendered"] * 6
    assert cache.renders == 1 and cache.hits == 5


def test_the_app_builds_its_cache_once(app):
    assert fragment_cache(app) is fragment_cache(app)
    assert not fragment_cache(app).shared


# ---- in Redis -------------------------------------------------------------------------------


def test_redis_is_shared_between_workers(redis_prefix):
    one = build_cache(_app_like(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix))
    two = build_cache(_app_like(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=redis_prefix))
    assert one.shared and two.shared
    assert one.get_or_render("k", lambda: "Phường Bến Nghé") == "Phường Bến Nghé"
    assert two.get_or_render("k", lambda: "never") == "Phường Bến Nghé"
    assert one.renders == 1 and two.renders == 0 and two.hits == 1
    # Stored under the prefix, with a time to live.
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=redis_prefix + "*"))
    assert keys == [(redis_prefix + "fragment:k").encode()]
    assert 0 < client.ttl(keys[0]) <= 600


def test_a_worker_waits_for_the_render_another_worker_has_claimed(redis_prefix):
    config = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": redis_prefix}
    rendering, waiting = build_cache(_app_like(**config)), build_cache(_app_like(**config))
    store = rendering.store
    assert isinstance(store, RedisStore) and store.claim("k")

    def finish() -> None:
        time.sleep(0.3)
        rendering._set(store, "k", "from the other worker")
        store.release("k")

    thread = threading.Thread(target=finish)
    thread.start()
    assert waiting.get_or_render("k", lambda: "rendered twice") == "from the other worker"
    thread.join()
    assert waiting.renders == 0


def test_without_redis_the_worker_uses_its_memory():
    # Nothing listens on port 1: every call fails at once.
    cache = build_cache(_app_like(REDIS_URL="redis://127.0.0.1:1/0"))
    assert isinstance(cache, FragmentCache) and cache.shared
    assert cache.get_or_render("k", lambda: "still rendered") == "still rendered"
    assert cache.get_or_render("k", lambda: "again") == "still rendered"
    assert cache.renders == 1
    # It stops asking Redis for a while instead of waiting on it for every request.
    assert cache._active() is cache.memory
