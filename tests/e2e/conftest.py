"""A live server and a real Chromium for end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from live import live_server as serve

CHROMIUM = os.environ.get("REFORM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture
def live_server(make_app) -> Iterator[str]:
    """The application served on a free local port, with CSRF on as in production."""
    with serve(make_app(WTF_CSRF_ENABLED=True)) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the run; absent, tests skip loudly (or fail when CI needs them)."""
    reason = _chromium_missing()
    if reason is not None:
        if os.environ.get("REFORM_REQUIRE_E2E") == "1":
            pytest.fail(f"end-to-end tests required but {reason}")
        pytest.skip(f"END-TO-END SKIPPED: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A page in a 390×844 phone viewport with touch."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    yield page
    context.close()
