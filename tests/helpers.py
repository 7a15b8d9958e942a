"""Helpers shared by the tests: the test password, signing in, reading a CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

TEST_PASSWORD = "correct horse battery"


def login(client: FlaskClient, username: str, password: str = TEST_PASSWORD):
    """Sign in through the real login form."""
    return client.post("/login", data={"username": username, "password": password})


def csrf_token_from(html: str) -> str:
    """The CSRF token embedded in a rendered page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)
