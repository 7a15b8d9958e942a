"""The vote in a real Chromium: a unit head votes on a 390×844 phone and keeps the receipt; on a
desktop the cluster head closes the ballot and downloads the meeting record; the phone then
finds its receipt in the count. axe-core finds nothing serious on the pages on the way."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from ballot_setup import build_world, cast_units, open_ballot
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SERIOUS = ("serious", "critical")


def _serious(page) -> list[str]:
    """What axe-core finds serious or critical on the page, one line per rule."""
    from axe_playwright_python.sync_playwright import Axe

    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in found if v["impact"] in SERIOUS]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^(Đăng nhập|Sign in)$")).click()
    expect(page).to_have_url(re.compile(r"/home/"))


def test_a_head_votes_on_a_phone_and_the_cluster_head_closes_on_a_desktop(
    browser, live_server, units, make_unit, make_user
):
    world = build_world(make_unit, make_user)
    ballot = open_ballot(world, items=(("TT-CTD-TINH", 1, 3), ("TT-BK-TINH", 2, 3)))
    cast_units(
        world,
        ballot,
        {
            code: {"TT-CTD-TINH": ["KB"], "TT-BK-TINH": ["KB", "KA"]}
            for code in ("KA", "KB", "KD", "KE")
        },
    )

    # A member unit's head votes on a phone, from the list of the cluster's votes.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = phone.new_page()
    _sign_in(page, live_server, "head_kc")
    page.goto(live_server + "/emulation/ballots")
    page.get_by_role("link", name=re.compile("Họp bình xét")).click()
    expect(page.get_by_role("button", name="Bỏ phiếu cho đơn vị")).to_be_visible()
    assert _serious(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    flag = page.get_by_role("group", name="Cờ thi đua của Ủy ban nhân dân tỉnh")
    flag.get_by_label("Sở Bảo").check()
    merit = page.get_by_role("group", name="Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh")
    box = merit.get_by_label("Sở Cúc").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    merit.get_by_label("Sở Cúc").check()
    merit.get_by_label("Sở Ánh").check()
    page.get_by_role("button", name="Bỏ phiếu cho đơn vị").click()
    expect(page.get_by_role("heading", name="Đơn vị đã bỏ phiếu")).to_be_visible()
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert _serious(page) == []
    page.get_by_role("link", name="Quay lại cuộc bỏ phiếu").click()
    expect(page.locator("#voted-note")).to_be_visible()
    expect(page.get_by_role("button", name="Bỏ phiếu cho đơn vị")).to_have_count(0)

    # On a desktop the cluster head closes the ballot and downloads the record.
    desktop = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    chair = desktop.new_page()
    _sign_in(chair, live_server, "head_ka")
    chair.goto(f"{live_server}/emulation/ballots/{ballot.id}")
    expect(chair.locator("#turnout")).to_contain_text("5/5")
    assert _serious(chair) == []
    chair.get_by_role("button", name="Kết thúc và kiểm phiếu").click()
    expect(chair.get_by_role("heading", name="Kết quả")).to_be_visible()
    flag_table = chair.get_by_role("region", name=re.compile("Cờ thi đua"))
    expect(flag_table.get_by_role("row", name=re.compile("Sở Bảo"))).to_contain_text("5/5")
    expect(flag_table.get_by_role("row", name=re.compile("Sở Bảo"))).to_contain_text("Được suy tôn")
    assert _serious(chair) == []
    with chair.expect_download() as word:
        chair.get_by_role("link", name="Tải về tệp Word").click()
    from docx import Document

    document = Document(io.BytesIO(Path(word.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BIÊN BẢN HỌP BÌNH XÉT, SUY TÔN" in text
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Sở Bảo", "5", "5/5", "Được suy tôn"] in cells
    with chair.expect_download() as pdf:
        chair.get_by_role("link", name="Tải về tệp PDF").first.click()
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
    desktop.close()

    # Back on the phone: the receipt is in the published count.
    page.goto(f"{live_server}/emulation/ballots/{ballot.id}")
    page.get_by_role("textbox", name="Mã biên nhận").fill(code.lower())
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("#receipt-result")).to_contain_text("Đã kiểm")
    assert _serious(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone.close()
