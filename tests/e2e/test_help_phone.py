"""On a phone, the header's help link opens the guide at the page's section, in view."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_help_opens_the_section_of_the_page_in_view(phone, live_server, users, campaign):
    page = phone
    refused = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(live_server + "/login")
    # The sign-in page links the public results, and its own help.
    expect(page.get_by_role("link", name="Kết quả đã công bố")).to_have_attribute(
        "href", "/public/"
    )
    help_link = page.get_by_role("link", name="Trợ giúp")
    box = help_link.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.get_by_label("Tên đăng nhập").fill(users["evaluator"].username)
    page.get_by_label("Mật khẩu", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server + "/appraisal/queue")
    page.get_by_role("link", name="Trợ giúp").click()
    expect(page).to_have_url(re.compile(r"/help/#section-12-1$"))
    heading = page.get_by_role("heading", name=re.compile(r"^12\.1 Danh sách chờ thẩm định"))
    expect(heading).to_be_in_viewport()
    # Not hidden under the sticky top bar.
    bar = page.locator("header.topbar").bounding_box()
    assert heading.bounding_box()["y"] >= bar["y"] + bar["height"] - 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The contents open and lead to another section.
    page.locator("summary", has_text="Mục lục").click()
    page.get_by_role("link", name=re.compile(r"^15\.1 ")).click()
    expect(page).to_have_url(re.compile(r"#section-15-1$"))
    assert refused == []
