"""Commendation in a real Chromium: on a phone a unit's officer records an initiative with the
keyboard; on a desktop the secretariat imports last years' titles, checks a person's eligibility
(each condition with the fact that decides it, linked), reads the register and its statistics.
Every page fits a phone, its targets are big enough and axe-core finds nothing serious."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect
from test_pages_phone_and_desktop import SMALL_TARGETS, serious_violations

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import Initiative, Person
from reform.services.commendation import catalogue

pytestmark = pytest.mark.e2e

PAST_YEARS = (
    "year,title_code,unit_code,name,decision_number,decision_date,signer\n"
    "2023,CN-CSTD-CS,STP,Nguyễn Thị Lan,12/QĐ-STP,15/01/2024,Giám đốc Sở Tư pháp\n"
    "2024,CN-CSTD-CS,STP,Nguyễn Thị Lan,9/QĐ-STP,14/01/2025,Giám đốc Sở Tư pháp\n"
    "2024,TT-LDTT,STP,,9/QĐ-STP,14/01/2025,Giám đốc Sở Tư pháp\n"
)


def check_page(page, where: str, width: int = 390) -> list[str]:
    """What is wrong with the page as the screen shows it."""
    problems = []
    scroll = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll > width:
        problems.append(f"{where}: scrolls sideways ({scroll} px)")
    problems += [f"{where}: axe {v}" for v in serious_violations(page)]
    problems += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    return problems


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    expect(page).to_have_url(re.compile(r"/home/"))


def test_an_initiative_on_a_phone_then_the_secretariat_checks_eligibility_on_a_desktop(
    browser, phone, live_server, units, users, tmp_path
):
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    lan = Person(unit_id=units["own"].id, full_name="Nguyễn Thị Lan", position="Chuyên viên")
    db.session.add(lan)
    db.session.commit()
    problems: list[str] = []

    # The officer, on a phone: the menu leads to the initiatives; the form is filled and sent
    # with the keyboard.
    page = phone
    sign_in(page, live_server, "officer")
    page.get_by_text("Danh mục", exact=True).click()
    page.get_by_role("link", name="Sáng kiến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sáng kiến")
    page.get_by_role("link", name="Ghi nhận sáng kiến").click()
    # The link navigates: measure the form once it is the page on screen.
    expect(page).to_have_url(re.compile(r"/commendation/initiatives/new"))
    page.wait_for_load_state()
    problems += check_page(page, "initiative form")
    page.get_by_label("Tên sáng kiến").fill("Số hóa hồ sơ lý lịch tư pháp")
    page.get_by_label("Cấp công nhận").select_option(label="Cấp tỉnh")
    page.get_by_label("Số quyết định").fill("45/QĐ-UBND")
    page.get_by_label("Ngày quyết định").fill("2024-06-10")
    page.get_by_label("Ngày công nhận").fill("2024-06-10")
    page.get_by_label("Cơ quan, người ban hành").fill("Chủ tịch UBND tỉnh")
    page.get_by_label(re.compile("Nguyễn Thị Lan")).check()
    save = page.get_by_role("button", name="Lưu")
    save.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Số hóa hồ sơ lý lịch tư pháp")
    problems += check_page(page, "initiative")
    assert db.session.scalar(db.select(Initiative.level)) == "province"

    # The secretariat, on a desktop: last years' list, then the check.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    desk = context.new_page()
    try:
        sign_in(desk, live_server, "secretariat")
        desk.goto(live_server + "/commendation/awards/import")
        upload = tmp_path / "khen-thuong-2023-2024.csv"
        upload.write_text(PAST_YEARS, encoding="utf-8")
        desk.get_by_label(re.compile("Danh sách danh hiệu")).set_input_files(str(upload))
        desk.get_by_role("button", name="Nhập dữ liệu").click()
        expect(
            desk.get_by_text("Đã nhập 3 danh hiệu, hình thức khen thưởng (2023, 2024).")
        ).to_be_visible()
        problems += check_page(desk, "register", 1280)

        desk.goto(live_server + "/commendation/catalogue/")
        problems += check_page(desk, "catalogue", 1280)
        desk.get_by_role("link", name="Kiểm tra điều kiện").click()
        desk.get_by_label("Danh hiệu hoặc hình thức khen thưởng").select_option(
            label="Chiến sĩ thi đua cấp tỉnh (Cá nhân)"
        )
        desk.get_by_label("Năm").fill("2025")
        desk.get_by_label("Đơn vị").select_option(label="Sở Tư pháp")
        desk.get_by_role("button", name="Kiểm tra").click()
        desk.get_by_label("Cán bộ của đơn vị").select_option(label="Nguyễn Thị Lan")
        desk.get_by_role("button", name="Kiểm tra").click()
        result = desk.locator(".eligibility-result")
        expect(result).to_contain_text("Chiến sĩ thi đua cấp tỉnh · Nguyễn Thị Lan · 2025")
        held = result.locator("li.outcome", has_text="Đạt “Chiến sĩ thi đua cơ sở” 3 năm liên tục")
        # 2023 and 2024 from the list; the register holds nothing of 2025 for the unit yet:
        # unknown, not a failure, with the year named and the import linked.
        expect(held.locator(".badge")).to_have_text("Chưa rõ")
        expect(held).to_contain_text("Sổ khen thưởng chưa có gì của đơn vị năm 2025")
        expect(held.get_by_role("link", name=re.compile("năm 2023"))).to_have_attribute(
            "href", f"/commendation/awards/people/{lan.id}"
        )
        initiative = result.locator("li.outcome", has_text="sáng kiến được công nhận")
        expect(initiative.locator(".badge")).to_have_text("Đạt")
        initiative.get_by_role("link", name=re.compile("Số hóa hồ sơ lý lịch tư pháp")).click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Số hóa hồ sơ lý lịch tư pháp")
        desk.go_back()
        expect(desk).to_have_url(re.compile(r"/commendation/eligibility"))
        desk.wait_for_load_state()
        problems += check_page(desk, "eligibility", 1280)

        desk.goto(live_server + "/commendation/awards/statistics")
        expect(desk.get_by_role("heading", name=re.compile("Năm 2024"))).to_be_visible()
        problems += check_page(desk, "statistics", 1280)
        # The same pages on a phone.
        desk.set_viewport_size({"width": 390, "height": 844})
        for path in (
            "/commendation/awards/",
            "/commendation/awards/statistics",
            "/commendation/catalogue/",
            f"/commendation/awards/people/{lan.id}",
            "/commendation/initiatives/",
            f"/commendation/eligibility/?title=CN-CSTD-TINH&year=2025&unit={units['own'].id}"
            f"&person={lan.id}",
        ):
            desk.goto(live_server + path)
            problems += check_page(desk, f"{path} (phone)")
    finally:
        context.close()
    assert problems == []
