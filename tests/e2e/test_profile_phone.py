"""A leader opens a unit's profile from the ranking on a phone: charts, their names, the tables."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

HEADER = "unit_code,criterion_code,value,note\n"
VALUES = {
    "1.1": "Đúng hạn",
    "1.2": "yes",
    "1.3": "1",
    "2.1": "9/10",
    "2.2": "1/2",
    "2.3": "3",
    "2.4": "1",
}


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()


@pytest.fixture
def scored(app, campaign, submission):
    """Both departments scored and surveyed; Sở Tư pháp has two earlier years on record."""
    from reform.services.history import import_history
    from reform.services.scores_import import import_scores

    rows = "".join(
        f"{unit},{code},{value},\n" for unit in ("STP", "SYT") for code, value in VALUES.items()
    )
    assert import_scores(campaign, (HEADER + rows).encode(), stage="self", filename="s.csv").ok
    survey = HEADER + "STP,3.1,3,\nSYT,3.1,2,\n"
    assert import_scores(campaign, survey.encode(), stage="survey", filename="k.csv").ok
    history = "year,unit_code,index,rank\n2023,STP,64.50,2\n2024,STP,70.25,1\n"
    assert import_history(history.encode(), framework_code="RULES", filename="cu.csv").ok
    return campaign


def test_leader_reads_a_units_profile_on_a_phone(phone, live_server, scored):
    sign_in(phone, live_server, "leader")
    phone.goto(f"{live_server}/rankings/{scored.code}")
    phone.get_by_role("link", name="Sở Tư pháp").click()
    expect(phone).to_have_url(re.compile(rf"/rankings/{scored.code}/units/STP$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sở Tư pháp")

    # The chart over the years is an image named by its title, described with its figures.
    years = phone.locator('svg[aria-labelledby="chart-years-title chart-years-desc"]')
    expect(years).to_be_visible()
    expect(years).to_have_attribute("role", "img")
    expect(years).to_have_accessible_name(re.compile(r"Sở Tư pháp.*2023: 64,50.*2024: 70,25"))
    areas = phone.locator('svg[aria-labelledby="chart-areas-title chart-areas-desc"]')
    expect(areas).to_be_visible()
    expect(areas).to_have_accessible_name(re.compile(r"Sở Tư pháp.*Bình quân khối"))
    # The chart fits the phone's width: nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = years.bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 100

    # The same figures as a table, one tap away.
    table = phone.locator("#years-table")
    expect(table).to_be_hidden()
    phone.locator("details.chart-data summary").first.click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator('tr[data-year="2023"] td').first).to_have_text("64,50")
    year = scored.year or scored.self_opens_on.year
    expect(table.locator(f'tr[data-year="{year}"]')).to_have_attribute("data-status", "live")

    # On paper the tables print even when closed on screen, the links to the evidence do not.
    phone.emulate_media(media="print")
    expect(phone.locator("#areas-table")).to_be_visible()
    expect(phone.locator(".crit-links").first).to_be_hidden()
    phone.emulate_media(media="screen")

    # The evidence trail is one tap away from a criterion.
    strongest = phone.locator("#strongest-list li").first
    strongest.get_by_role("link", name=re.compile("Lịch sử|History")).click()
    expect(phone).to_have_url(re.compile(r"/assessments/\d+/history/"))
