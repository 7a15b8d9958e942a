"""An evaluator appraises on a desktop, asks for an explanation, the officer answers on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

from reform.extensions import db
from reform.services.phases import today

pytestmark = pytest.mark.e2e


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()


@pytest.fixture
def submitted(app, submission, campaign, users):
    """A submitted self-assessment, appraisal open, the evaluator assigned to the unit."""
    from reform.services.assessment import approve_and_submit, save_self_entry
    from reform.services.assignments import assign

    values = {
        "1.1": "Đúng hạn",
        "1.2": "yes",
        "1.3": "2",
        "2.1": "95/100",
        "2.2": "1/2",
        "2.3": "3",
        "2.4": "0",
    }
    for code, value in values.items():
        save_self_entry(
            submission,
            code,
            value=value,
            note=None,
            explanation="Có số liệu" if code in ("1.1", "2.1") else None,
            base_version=0,
            actor=users["officer"],
        )
    approve_and_submit(submission, actor=users["head"])
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign(campaign, users["evaluator"], submission=submission, actor=users["secretariat"])
    return submission


def test_appraise_request_answer_close(browser, live_server, submitted):
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    evaluator, officer = desk.new_page(), phone.new_page()
    try:
        sign_in(evaluator, live_server, "evaluator")
        evaluator.goto(f"{live_server}/appraisal/{submitted.id}")
        evaluator.evaluate("window.__noReload = true")
        row = evaluator.locator('[id="a-1.3"]')
        row.get_by_label(re.compile("Điểm|Points")).fill("1,5")
        status = evaluator.locator('[id="ast-1.3"]')
        # Points differ from the unit's: a comment is required, said next to the field.
        expect(status).to_have_attribute("data-state", "error", timeout=10_000)
        row.get_by_label(re.compile("Nhận xét|Comment")).fill("Chưa đủ minh chứng quý IV")
        expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
        expect(evaluator.locator("#sum-diff")).to_have_text("-0,50")
        assert evaluator.evaluate("window.__noReload") is True

        # Ask the unit to explain 2.1.
        evaluator.locator("#areas").get_by_role("link", name=re.compile("Thủ tục")).click()
        ask = evaluator.locator('[id="a-2.1"]')
        ask.get_by_text(re.compile("Yêu cầu giải trình|Request explanation")).click()
        ask.get_by_label(re.compile("cần giải trình|explain or add")).fill("Bổ sung sổ theo dõi")
        ask.get_by_role("button", name=re.compile("Gửi yêu cầu|Send request")).click()
        expect(evaluator.locator('[id="a-2.1"]').get_by_text("Bổ sung sổ theo dõi")).to_be_visible()

        # The officer answers on the phone: only that criterion is reopened.
        sign_in(officer, live_server, "officer")
        officer.goto(f"{live_server}/assessments/{submitted.id}?area=2")
        expect(officer.get_by_text("Bổ sung sổ theo dõi")).to_be_visible()
        officer.get_by_label(re.compile("Nội dung giải trình|Your explanation")).fill(
            "Đã bổ sung sổ theo dõi hồ sơ"
        )
        officer.get_by_role(
            "button", name=re.compile("Gửi giải trình|Send the explanation")
        ).click()
        expect(officer.get_by_text("Đã bổ sung sổ theo dõi hồ sơ")).to_be_visible()
        assert officer.evaluate("document.documentElement.scrollWidth") <= 390

        # The evaluator reads the answer in the thread and closes the request.
        evaluator.reload()
        thread = evaluator.locator('[id="a-2.1"]')
        expect(thread.get_by_text("Đã bổ sung sổ theo dõi hồ sơ")).to_be_visible()
        thread.get_by_label(re.compile("Kết luận|Decision")).fill("Chấp nhận giải trình")
        thread.get_by_role("button", name=re.compile("Kết thúc yêu cầu|Close the request")).click()
        expect(
            evaluator.locator('[id="a-2.1"]').get_by_text("Chấp nhận giải trình")
        ).to_be_visible()
    finally:
        desk.close()
        phone.close()
