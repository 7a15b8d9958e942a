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


# Every rule type, N/A, applies_to, bonus and penalty, in two areas and a survey area.
RULES_FRAMEWORK = """\
code: RULES
version: 1
name: "Khung kiểm thử mọi loại quy tắc"
kind: reform
result: percent
bands: [{min: 90, label: "A"}, {min: 80, label: "B"}, {min: 70, label: "C"}, {min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Chỉ đạo, điều hành"
    children:
      - code: "1.1"
        name: "Kế hoạch CCHC"
        max: 2
        rule: {type: choice, options: [{label: "Đúng hạn", points: 2}, {label: "Chậm", points: 1}, {label: "Không ban hành", points: 0}]}
        evidence: required
      - code: "1.2"
        name: "Báo cáo định kỳ"
        max: 1
        rule: {type: yesno}
      - code: "1.3"
        name: "Điểm đánh giá của Hội đồng"
        max: 2
        rule: {type: manual, step: 0.25}
      - code: "1.4"
        name: "Chỉ dành cho phường"
        max: 1
        rule: {type: yesno}
        applies_to: [ward]
  - code: "2"
    name: "Thủ tục hành chính"
    allow_na: true
    children:
      - code: "2.1"
        name: "Hồ sơ đúng hạn"
        max: 4
        rule: {type: ratio, mode: tiers, zero_denominator: full, tiers: [{min: 0, points: 0}, {min: 90, points: 2}, {min: 100, points: 4}]}
        evidence: required
      - code: "2.2"
        name: "Hồ sơ trực tuyến"
        max: 2
        rule: {type: ratio, mode: proportional, zero_denominator: na}
        allow_na: true
      - code: "2.3"
        name: "Sáng kiến"
        max: 2
        rule: {type: number, tiers: [{min: 1, points: 1}, {min: 3, points: 2}]}
      - code: "2.4"
        name: "Vi phạm"
        max: 2
        rule: {type: deduction, per_item: 0.5}
  - code: "3"
    name: "Điều tra xã hội học"
    children:
      - code: "3.1"
        name: "Mức độ hài lòng"
        max: 4
        rule: {type: survey}
  - code: "T"
    name: "Điểm thưởng"
    bonus: true
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
