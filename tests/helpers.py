"""Helpers shared by the tests: the test password, signing in, reading a CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

TEST_PASSWORD = "correct horse battery"

SMALL_FRAMEWORK = """\
code: TEST-FW
version: 1
name: "Bộ tiêu chí thử"
kind: reform
result: percent
bands: [{min: 90, label: "A"}, {min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Chỉ đạo, điều hành"
    children:
      - code: "1.1"
        name: "Kế hoạch CCHC"
        max: 2
        rule: {type: choice, options: [{label: "Đúng hạn", points: 2}, {label: "Chậm", points: 1}]}
        evidence: required
      - code: "1.2"
        name: "Báo cáo"
        max: 1
        rule: {type: yesno}
"""


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
