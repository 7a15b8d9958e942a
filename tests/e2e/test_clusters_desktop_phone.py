"""Clusters in a real Chromium. On a desktop the secretariat builds a cluster (units added in
place, head and deputy chosen), the cluster head appraises a member from its queue and a leader
switches the ranking between clusters; on a 390×844 phone the new cluster head reads the notice
and the movement. axe-core finds nothing serious on the pages on the way."""

from __future__ import annotations

import re

import pytest
from cluster_setup import LAYOUT, build_world
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CODES = {name: code for code, name, *_rest in LAYOUT}
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


def test_build_a_cluster_appraise_a_member_and_rank_by_cluster(
    browser, live_server, make_unit, make_user, units, users
):
    from datetime import date

    from reform.services.emulation.movements import MovementData, create_movement

    world = build_world(make_unit, make_user, units, users, clusters=False)
    movement = create_movement(
        MovementData(
            "TMG",
            "Tham mưu giỏi, phục vụ tốt",
            "Ủy ban nhân dân tỉnh",
            "themed",
            date(2026, 1, 1),
            date(2026, 12, 31),
            "Hoàn thành xuất sắc nhiệm vụ được giao.\nKhông có cán bộ vi phạm kỷ luật.",
        ),
        actor=users["secretariat"],
    )
    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    # One desktop browser per person: each keeps its own sign-in.
    desks = [browser.new_context(viewport=DESKTOP, locale="vi-VN") for _person in range(2)]
    try:
        # The secretariat creates the cluster and fills it in place.
        page = desk.new_page()
        _sign_in(page, live_server, "secretariat")
        page.goto(f"{live_server}/campaigns/{world.campaign.code}/clusters/")
        assert _serious(page) == []
        page.locator("#new-code").fill("VHXH")
        page.locator("#new-name").fill("Khối Văn hóa – Xã hội")
        page.get_by_role("button", name="Tạo").click()
        expect(page.get_by_role("heading", name="Khối Văn hóa – Xã hội")).to_be_visible()
        page.evaluate("window.__noReload = true")
        for name in ("Sở Tư pháp", "Sở Y tế", "Sở Xây dựng"):
            page.locator("#unit_id").select_option(label=f"{name} · {CODES[name]}")
            page.get_by_role("button", name="Thêm", exact=True).click()
            expect(page.locator("#cluster-members").get_by_text(f"Đã thêm {name}")).to_be_visible()
        page.locator("#head").select_option(label="Sở Tư pháp")
        page.locator("#deputy").select_option(label="Sở Y tế")
        page.get_by_role("button", name="Lưu khối trưởng và khối phó").click()
        expect(page.get_by_text("Đã lưu khối trưởng và khối phó.")).to_be_visible()
        assert page.evaluate("window.__noReload") is True  # swapped in place, no reload
        assert _serious(page) == []
        # The other cluster comes from a file, as most secretariats prepare them.
        page.goto(f"{live_server}/campaigns/{world.campaign.code}/clusters/import")
        page.locator("#file").set_input_files(
            {
                "name": "kinh-te.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "unit_code,cluster_code,cluster_name,role\n"
                    "SCT,KT,Khối Kinh tế,khối trưởng\nSNV,KT,,thành viên\n"
                ).encode(),
            }
        )
        page.get_by_role("button", name="Nhập dữ liệu", exact=True).click()
        expect(page.get_by_text(re.compile("tạo mới 1 cụm, khối; xếp 2 đơn vị"))).to_be_visible()

        # On a phone the head of Sở Tư pháp reads the notice, then the movement.
        mobile = phone.new_page()
        _sign_in(mobile, live_server, "head")
        mobile.goto(live_server + "/notifications")
        notice = mobile.get_by_text(re.compile("Sở Tư pháp là khối trưởng của Khối Văn hóa"))
        expect(notice).to_be_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        mobile.goto(f"{live_server}/movements/{movement.id}")
        expect(mobile.get_by_text("Không có cán bộ vi phạm kỷ luật.")).to_be_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert _serious(mobile) == []

        # On a desktop the cluster head appraises Sở Xây dựng from the queue.
        head = desks[0].new_page()
        _sign_in(head, live_server, "head")
        head.locator("details.menu summary").click()
        head.get_by_role("link", name="Danh sách chờ thẩm định").click()
        assert _serious(head) == []
        queue = head.locator("main")
        expect(queue.get_by_text("Sở Xây dựng")).to_be_visible()
        expect(queue.get_by_text("Sở Tư pháp")).to_have_count(0)  # never its own unit
        member = world.submission("SXD")
        head.goto(f"{live_server}/appraisal/{member.id}")
        row = head.locator('[id="a-I.1"]')
        row.get_by_label(re.compile("Điểm")).fill("85")
        row.get_by_label(re.compile("Nhận xét")).fill("Thiếu minh chứng một chỉ tiêu")
        expect(head.locator('[id="ast-I.1"]')).to_have_attribute(
            "data-state", "saved", timeout=10_000
        )

        # A leader switches the ranking between clusters.
        leader = desks[1].new_page()
        _sign_in(leader, live_server, "leader")
        leader.goto(f"{live_server}/rankings/{world.campaign.code}?cluster=VHXH")
        table = leader.locator("#ranking-results")
        # Sở Tư pháp 90 + the flag 15 = 105,00; Sở Xây dựng appraised 85 + 15 = 100,00.
        expect(table.locator('tr[data-unit="STP"] [data-figure="points"]')).to_have_text("105,00")
        expect(table.locator('tr[data-unit="SXD"] [data-figure="points"]')).to_have_text("100,00")
        assert _serious(leader) == []
        leader.locator("#f-block").select_option(label="Khối Kinh tế")
        expect(table.locator('tr[data-unit="SNV"] [data-figure="points"]')).to_have_text("99,00")
        expect(table.locator('tr[data-unit="STP"]')).to_have_count(0)
        expect(leader).to_have_url(re.compile(r"cluster=KT"))
    finally:
        for context in (desk, phone, *desks):
            context.close()
