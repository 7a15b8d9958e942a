"""An officer fills the self-assessment on a phone: live totals, an offline save, evidence, send."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501


def crit(page, code):
    return page.locator(f'[id="c-{code}"]')


def status(page, code):
    return page.locator(f'[id="st-{code}"]')


def saved(page, code):
    expect(status(page, code)).to_have_attribute("data-state", "saved", timeout=10_000)


def test_officer_fills_and_sends_on_a_phone(phone, live_server, submission, tmp_path):
    page = phone
    page.goto(live_server + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill("officer")
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()
    page.get_by_role("link", name="Kỳ đánh giá thử").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{submission.id}"))
    # A marker that a reload would wipe: totals must change in place.
    page.evaluate("window.__noReload = true")
    points = page.locator("#sum-points")
    expect(points).to_have_text("0,00")

    crit(page, "1.1").get_by_role("radio", name=re.compile("^Đúng hạn")).check()
    saved(page, "1.1")
    expect(points).to_have_text("2,00")
    crit(page, "1.3").get_by_label(re.compile("Điểm|Points")).fill("1,5")
    saved(page, "1.3")
    expect(points).to_have_text("3,50")
    expect(status(page, "1.3")).to_contain_text("1,50")

    # The network drops during one save: the value stays, marked not saved, then goes through.
    page.context.set_offline(True)
    crit(page, "1.2").get_by_role("radio", name=re.compile("^(Có|Yes)$")).check()
    expect(status(page, "1.2")).to_have_attribute("data-state", "unsaved", timeout=10_000)
    expect(crit(page, "1.2").get_by_role("radio", name=re.compile("^(Có|Yes)$"))).to_be_checked()
    page.context.set_offline(False)
    saved(page, "1.2")
    expect(points).to_have_text("4,50")

    # Evidence for 1.1 (required), chosen and uploaded without leaving the page.
    pdf = tmp_path / "ke-hoach-cchc.pdf"
    pdf.write_bytes(PDF)
    evidence = page.locator(".evidence").first
    evidence.locator('input[type="file"]').set_input_files(str(pdf))
    evidence.get_by_role("button", name=re.compile("Tải lên|Upload")).click()
    expect(page.locator(".evidence").first.get_by_text("ke-hoach-cchc.pdf").first).to_be_visible()

    # Area 2: ratio, proportional ratio, a stepper and a count.
    page.locator("#areas").get_by_role("link", name=re.compile("Thủ tục hành chính")).click()
    crit(page, "2.1").get_by_label(re.compile("đạt|Achieved", re.I)).fill("95")
    crit(page, "2.1").get_by_label(re.compile("Tổng số|Total")).fill("100")
    crit(page, "2.1").get_by_label(re.compile("Giải trình|Explanation")).fill(
        "Số liệu hệ thống một cửa"
    )
    saved(page, "2.1")
    crit(page, "2.2").get_by_label(re.compile("đạt|Achieved", re.I)).fill("1")
    crit(page, "2.2").get_by_label(re.compile("Tổng số|Total")).fill("2")
    saved(page, "2.2")
    plus = crit(page, "2.3").get_by_role("button", name=re.compile("Tăng|Increase"))
    for _ in range(3):
        plus.click()
    saved(page, "2.3")
    expect(status(page, "2.3")).to_contain_text("2,00")
    crit(page, "2.4").locator("input[type=number]").fill("0")
    saved(page, "2.4")
    expect(page.locator("#summary")).to_contain_text("7")  # 7 of 7 criteria filled

    page.get_by_role("link", name=re.compile("Kiểm tra|Check")).first.click()
    expect(page.get_by_text(re.compile("Đã nhập đầy đủ|Everything is filled"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Gửi Thủ trưởng|Send to the unit head")).click()
    expect(page.locator(".badge.state-pending_approval").first).to_be_visible()
    # Sent: read-only now.
    expect(crit(page, "1.3").get_by_label(re.compile("Điểm|Points"))).to_be_disabled()
