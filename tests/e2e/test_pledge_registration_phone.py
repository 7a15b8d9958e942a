"""On a 390×844 phone, a member unit's head signs the cluster's pledge and registers the unit's
titles, from the home page, in a real Chromium; every page fits the phone, its targets are big
enough and axe-core finds nothing serious."""

from __future__ import annotations

import re

import pytest
from emulation_world import build_world
from helpers import TEST_PASSWORD
from playwright.sync_api import expect
from test_pages_phone_and_desktop import SMALL_TARGETS, serious_violations

from reform.extensions import db
from reform.models import PledgeSignature, Registration

pytestmark = pytest.mark.e2e


def check_page(page, where: str) -> list[str]:
    """What is wrong with the page as a phone shows it."""
    problems = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > 390:
        problems.append(f"{where}: scrolls sideways ({width} px)")
    problems += [f"{where}: axe {v}" for v in serious_violations(page)]
    problems += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    return problems


def test_a_unit_head_signs_the_pledge_and_registers_on_a_phone(
    phone, live_server, units, users, make_unit, make_user
):
    from reform.services.emulation.pledges import save_text

    world = build_world(units, users, make_unit, make_user)
    save_text(
        world.cluster_a,
        "GIAO ƯỚC THI ĐUA NĂM 2025\nCác đơn vị cam kết hoàn thành xuất sắc nhiệm vụ.",
        base_version=0,
        actor=users["head"],
        then_send=True,
    )
    page = phone
    problems: list[str] = []
    page.goto(live_server + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill("head_sgd")
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    expect(page).to_have_url(re.compile(r"/home/head$"))

    # The home page says a pledge waits to be signed.
    card = page.locator("section", has=page.get_by_role("heading", name="Thi đua"))
    expect(card.get_by_text("Cần ký")).to_be_visible()
    problems += check_page(page, "home")
    card.get_by_role("link", name=re.compile("Giao ước thi đua")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Khối Văn hóa – Xã hội")
    expect(page.get_by_text("Các đơn vị cam kết hoàn thành xuất sắc nhiệm vụ.")).to_be_visible()
    problems += check_page(page, "pledge")
    # Signed with the keyboard: focus the button, press Enter.
    sign = page.get_by_role("button", name="Ký giao ước")
    sign.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Đơn vị của bạn đã ký giao ước.")).to_be_visible()
    row = page.locator("li", has_text="Sở Giáo dục và Đào tạo")
    expect(row.get_by_text("Đã ký")).to_be_visible()
    expect(row.get_by_text("Phạm Thị Giáo")).to_be_visible()
    expect(page.get_by_role("button", name="Ký giao ước")).to_have_count(0)

    # The registration, from the home page.
    page.goto(live_server + "/home/head")
    page.get_by_role("link", name="Đăng ký thi đua").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký thi đua")
    problems += check_page(page, "registration")
    page.get_by_label("Danh hiệu, hình thức khen thưởng đơn vị phấn đấu đạt").select_option(
        label="Tập thể lao động xuất sắc"
    )
    page.get_by_label("Chỉ tiêu").fill("Hoàn thành 100% nhiệm vụ\nKhông có đơn thư khiếu nại")
    person = page.locator("fieldset", has_text="Người thứ 1")
    person.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    person.get_by_label("Chức vụ").fill("Phó Giám đốc")
    person.get_by_label("Danh hiệu đăng ký").select_option(label="Chiến sĩ thi đua cơ sở")
    # A person without a name is refused beside the field, and what was typed stays.
    second = page.locator("fieldset", has_text="Người thứ 2")
    second.get_by_label("Danh hiệu đăng ký").select_option(label="Lao động tiên tiến")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator("#people-1-full_name-error")).to_be_visible()
    expect(page.locator("#people-0-full_name")).to_have_value("Nguyễn Thị Hoa")
    problems += check_page(page, "registration refused")
    page.locator("fieldset", has_text="Người thứ 2").get_by_label("Họ và tên").fill("Lê Văn Minh")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Lưu và gửi đăng ký").click()
    expect(page.get_by_text("Đã gửi bản đăng ký thi đua.")).to_be_visible()
    expect(page.get_by_text("Đã gửi", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Nguyễn Thị Hoa")).to_be_visible()
    expect(page.get_by_role("cell", name="Lê Văn Minh")).to_be_visible()
    problems += check_page(page, "registration submitted")
    assert not problems, "\n".join(problems)

    db.session.rollback()
    signature = db.session.scalar(db.select(PledgeSignature))
    assert signature.signer_name == "Phạm Thị Giáo"
    registration = db.session.scalar(db.select(Registration))
    assert registration.status == "submitted" and registration.title.code == "TT-LDXS"
    assert [p.full_name for p in registration.people] == ["Nguyễn Thị Hoa", "Lê Văn Minh"]


@pytest.fixture
def desktop(browser):
    """A page in a 1366×900 desktop window."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()


def test_the_cluster_head_sends_the_pledge_and_collects_registrations_on_a_desktop(
    desktop, live_server, units, users, make_unit, make_user
):
    from reform.services.emulation import registrations

    world = build_world(units, users, make_unit, make_user)
    entry = registrations.RegistrationInput(None, "Chỉ tiêu năm", [])
    from emulation_world import title_id

    entry.title_id = title_id("TT-LDXS")
    head_syt = world.people["head_syt"]
    registrations.save(
        world.campaign, head_syt.unit_id, entry, base_version=0, actor=head_syt, then_submit=True
    )
    page = desktop
    problems: list[str] = []
    sign_in(page, live_server, "head")
    expect(page).to_have_url(re.compile(r"/home/head$"))
    page.get_by_role("link", name=re.compile("Giao ước thi đua")).click()
    editor = page.get_by_label("Nội dung giao ước")
    expect(editor).to_contain_text("Sở Giáo dục và Đào tạo")
    problems += [f"pledge editor: {p}" for p in serious_violations(page)]
    editor.fill(editor.input_value() + "\n5. Nội dung khối bổ sung.")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Lưu và gửi để ký").click()
    expect(page.get_by_text("Đã gửi giao ước để ký")).to_be_visible()
    expect(page.get_by_text("5. Nội dung khối bổ sung.")).to_be_visible()
    expect(page.get_by_role("button", name="Mở lại giao ước")).to_be_visible()
    # The signing record prints in the official layout.
    page.get_by_role("link", name="Biên bản ký kết (để in)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("biên bản ký kết", re.I))
    problems += [f"record: {p}" for p in serious_violations(page)]
    # The cluster's registrations, and the office's workbook.
    page.goto(live_server + "/home/head")
    page.get_by_role("link", name="Đăng ký thi đua của khối").click()
    expect(page.locator("li", has_text="Sở Y tế").get_by_text("Đã gửi")).to_be_visible()
    expect(page.get_by_text("Sở Tài chính")).to_have_count(0)
    problems += [f"registrations: {p}" for p in serious_violations(page)]
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về tệp Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path", ["/emulation/titles/", "/emulation/titles/new", "settings", "list"]
)
def test_the_secretariats_pages_pass_axe(
    desktop, live_server, units, users, make_unit, make_user, path
):
    world = build_world(units, users, make_unit, make_user)
    url = {
        "settings": f"/campaigns/{world.campaign.code}/settings",
        "list": f"/emulation/{world.campaign.code}/registrations",
    }.get(path, path)
    page = desktop
    sign_in(page, live_server, "secretariat")
    for size in ({"width": 1366, "height": 900}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        page.goto(live_server + url)
        problems = serious_violations(page) + page.evaluate(SMALL_TARGETS)
        if size["width"] == 390:
            width = page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 390, f"{url} scrolls sideways ({width} px)"
        assert not problems, f"{url} at {size['width']} px: " + "\n".join(map(str, problems))
