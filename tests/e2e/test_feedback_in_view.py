"""Feedback where the user is looking: focus on refusals, an honest leave warning, no CSP errors."""

from __future__ import annotations

import re

import pytest
import test_appraisal_round_trip
from playwright.sync_api import expect
from test_appraisal_round_trip import sign_in

pytestmark = pytest.mark.e2e

# A submitted self-assessment, appraisal open, the evaluator assigned (a fixture).
submitted = test_appraisal_round_trip.submitted

# Violations reported by the page itself, whatever the console shows; set before any script.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def desk(browser):
    """A desktop page that records leave prompts, console errors and CSP violations."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    page.prompts = []
    page.errors = []

    def on_dialog(dialog):
        page.prompts.append(dialog.type)
        dialog.dismiss()  # stay on the page, as a careful user would

    page.on("dialog", on_dialog)
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def wait_for(condition, page, seconds=5):
    for _ in range(seconds * 10):
        if condition():
            return
        page.wait_for_timeout(100)


def no_csp_errors(page):
    assert page.evaluate("window.__csp") == []
    assert [e for e in page.errors if "Content Security Policy" in e] == []


def test_a_refused_survey_save_moves_focus_to_the_summary(desk, live_server, campaign):
    page = desk
    sign_in(page, live_server, "secretariat")
    page.goto(f"{live_server}/campaigns/PAR-TEST/survey")
    cells = page.locator(".survey-grid input[type=text]")
    cells.last.fill("99")  # above the criterion's maximum
    save = page.get_by_role("button", name=re.compile("Lưu điểm điều tra|Save survey points"))
    save.scroll_into_view_if_needed()
    save.click()
    summary = page.locator("#survey-errors")
    expect(summary).to_be_focused(timeout=10_000)
    expect(summary).to_be_in_viewport()
    bad = page.locator('.survey-grid input[aria-invalid="true"]')
    expect(bad).to_have_count(1)
    # The summary's link leads to the cell, whose message stands beside it.
    summary.get_by_role("link").click()
    expect(bad).to_be_in_viewport()
    message = page.locator(f'[id="{bad.get_attribute("aria-describedby")}"]')
    expect(message).to_be_visible()


def test_no_leave_prompt_once_saves_are_acknowledged_and_one_while_a_field_is_unsaved(
    desk,
    live_server,
    submitted,
):
    page = desk
    sign_in(page, live_server, "evaluator")
    page.goto(f"{live_server}/appraisal/{submitted.id}")
    row = page.locator('[id="a-1.3"]')
    status = page.locator('[id="ast-1.3"]')
    row.get_by_label(re.compile("Điểm|Points")).fill("1,5")
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    row.get_by_label(re.compile("Nhận xét|Comment")).fill("Chưa đủ minh chứng quý IV")
    expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
    expect(status).to_contain_text(re.compile("Đã lưu|Saved"))
    # Confirming another criterion leaves the page for the form's answer: nothing is unsaved.
    other = page.locator('[id="a-1.2"]')
    other.get_by_role("button", name=re.compile("Xác nhận giá trị này|Confirm this value")).click()
    expect(page.locator('[id="ast-1.2"]')).to_have_attribute("data-state", "saved")
    page.locator("#areas").get_by_role("link", name=re.compile("Thủ tục")).click()
    expect(page).to_have_url(re.compile(r"area=2"))
    assert page.prompts == []

    # A value that could not reach the server is unsaved: leaving asks first.
    page.context.set_offline(True)
    # 4 cases earn what the unit's 3 did: no comment is needed, so the save can succeed later.
    page.locator('[id="a-2.3"]').locator("input[type=number]").fill("4")
    expect(page.locator('[id="ast-2.3"]')).to_have_attribute(
        "data-state", "unsaved", timeout=10_000
    )
    page.locator("#areas").get_by_role("link", name=re.compile("Chỉ đạo")).click()
    wait_for(lambda: page.prompts, page)
    assert page.prompts == ["beforeunload"]
    expect(page).to_have_url(re.compile(r"area=2"))
    # Back online, the retried save is acknowledged and the page may be left freely.
    page.context.set_offline(False)
    expect(page.locator('[id="ast-2.3"]')).to_have_attribute("data-state", "saved", timeout=15_000)
    page.locator("#areas").get_by_role("link", name=re.compile("Chỉ đạo")).click()
    expect(page).not_to_have_url(re.compile(r"area=2"))
    assert page.prompts == ["beforeunload"]
    no_csp_errors(page)


def test_declaring_an_area_not_applicable_disables_its_criteria_and_asks_the_reason(
    desk, live_server, submission
):
    page = desk
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server}/assessments/{submission.id}?area=2")
    reason = page.locator('[id="expl-2"]')
    criterion = page.locator('[id="c-2.1"]')
    expect(reason).to_be_hidden()
    expect(criterion.get_by_label(re.compile("đạt|Achieved", re.I))).to_be_enabled()

    page.get_by_label(
        re.compile("Toàn bộ mục này không áp dụng|whole section does not apply")
    ).check()
    # At once: the criteria are set aside, the reason is asked for and the save says why not.
    for code in ("2.1", "2.2", "2.3", "2.4"):
        expect(page.locator(f'[id="c-{code}"]').locator("input").first).to_be_disabled()
    expect(reason).to_be_visible()
    expect(reason).to_have_attribute("required", "")
    status = page.locator('[id="st-2"]')
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    expect(status).to_contain_text(re.compile("cần nêu lý do|give the reason"))
    expect(reason).to_have_attribute("aria-invalid", "true")

    reason.fill("Đơn vị không giải quyết thủ tục hành chính")
    expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
    expect(reason).not_to_have_attribute("aria-invalid", "true")
    page.reload()
    expect(page.locator('[id="c-2.3"]').locator("input[type=number]")).to_be_disabled()

    # Taking the declaration back gives the criteria back.
    page.get_by_label(
        re.compile("Toàn bộ mục này không áp dụng|whole section does not apply")
    ).uncheck()
    expect(page.locator('[id="c-2.3"]').locator("input[type=number]")).to_be_enabled()
    expect(reason).to_be_hidden()
    expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
    assert page.prompts == []
    no_csp_errors(page)


def test_the_assessment_and_appraisal_pages_raise_no_csp_errors(
    desk,
    live_server,
    submitted,
):
    page = desk
    sign_in(page, live_server, "evaluator")
    for area in ("1", "2", "3"):
        page.goto(f"{live_server}/appraisal/{submitted.id}?area={area}")
        expect(page.locator("#summary")).to_be_visible()
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.goto(f"{live_server}/appraisal/{submitted.id}")
    page.locator('[id="a-1.2"]').get_by_role("radio", name=re.compile("^(Không|No)$")).check()
    status = page.locator('[id="ast-1.2"]')
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    comment = page.locator('[id="a-1.2"]').get_by_label(re.compile("Nhận xét|Comment"))
    comment.fill("Chưa có báo cáo")
    expect(status).to_have_attribute("data-state", "saved", timeout=10_000)
    for path in ("", "?area=2", "?area=3", "/report"):
        assert page.goto(f"{live_server}/assessments/{submitted.id}{path}").status == 200
    no_csp_errors(page)
    assert not [e for e in page.errors if "favicon" in e or "404" in e]
