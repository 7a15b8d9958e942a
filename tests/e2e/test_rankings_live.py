"""A leader watches the live ranking while an evaluator saves an appraised value elsewhere."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import expect

from reform.extensions import db
from reform.services.phases import today

pytestmark = pytest.mark.e2e

VALUES = {
    "1.1": "Đúng hạn",
    "1.2": "yes",
    "2.1": "10/10",
    "2.2": "1/1",
    "2.3": "3",
    "2.4": "0",
}


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.get_by_label(re.compile("Tên đăng nhập|Username")).fill(username)
    page.get_by_label(re.compile("^(Mật khẩu|Password)$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập|Sign in")).click()


@pytest.fixture
def appraising(app, campaign, submission, units, users):
    """Sở Tư pháp (13.5 of 19) ranks below Sở Y tế (14 of 19); appraisal open and assigned."""
    from reform.services.assessment import approve_and_submit, save_self_entry
    from reform.services.assignments import assign
    from reform.services.scores_import import import_scores

    for code, value in dict(VALUES, **{"1.3": "0.5"}).items():
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
    other = "unit_code,criterion_code,value,note\n" + "".join(
        f"SYT,{code},{value},\n" for code, value in dict(VALUES, **{"1.3": "1"}).items()
    )
    assert import_scores(campaign, other.encode(), stage="self", filename="syt.csv").ok
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign(campaign, users["evaluator"], submission=submission, actor=users["secretariat"])
    return submission


def test_leader_sees_an_appraisal_change_without_reloading(browser, live_server, appraising):
    leader_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    evaluator_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    leader, evaluator = leader_ctx.new_page(), evaluator_ctx.new_page()
    polls: list[int] = []
    leader.on(
        "response",
        lambda r: polls.append(r.status) if "/rankings/PAR-TEST/live" in r.url else None,
    )
    try:
        sign_in(leader, live_server, "leader")
        leader.goto(f"{live_server}/rankings/PAR-TEST")
        expect(leader.get_by_text("Số liệu tạm tính — chưa công bố").first).to_be_visible()
        leader.evaluate("window.__marker = 'still here'")
        own = leader.locator('tr[data-unit="STP"]')
        expect(own.locator("td.rank")).to_have_text("2")
        expect(own.locator('[data-figure="index"]')).to_have_text("71,05")
        expect(leader.locator('tr[data-unit="SYT"] td.rank')).to_have_text("1")
        # Nothing changes for a while: the polls answer 304 and the table stays as it was.
        leader.wait_for_timeout(6_000)
        assert 304 in polls, polls
        expect(own.locator("td.rank")).to_have_text("2")
        # The header stays on screen on a desktop.
        position = leader.eval_on_selector(
            ".ranking-table thead th", "th => getComputedStyle(th).position"
        )
        assert position == "sticky"

        sign_in(evaluator, live_server, "evaluator")
        evaluator.goto(f"{live_server}/appraisal/{appraising.id}")
        row = evaluator.locator('[id="a-1.3"]')
        row.get_by_label(re.compile("Điểm|Points")).fill("2")
        row.get_by_label(re.compile("Nhận xét|Comment")).fill("Đủ hồ sơ kiểm chứng")
        expect(evaluator.locator('[id="ast-1.3"]')).to_have_attribute(
            "data-state", "saved", timeout=10_000
        )

        # 15 of 19: Sở Tư pháp moves to first place on the leader's open page.
        expect(own.locator('[data-figure="index"]')).to_have_text("78,95", timeout=12_000)
        expect(own.locator("td.rank")).to_have_text("1")
        expect(leader.locator('tr[data-unit="SYT"] td.rank')).to_have_text("2")
        expect(leader.locator("#ranking-status")).to_contain_text("Cập nhật lúc")
        assert leader.evaluate("window.__marker") == "still here"
        assert 200 in polls

        # One block at a time, its name in the picker; a search typed without diacritics
        # narrows the table in place and goes into the address; Back returns to the block.
        expect(leader.get_by_label(re.compile("^(Khối|Block)$"))).to_have_value("SBN")
        leader.get_by_label(re.compile("Tên hoặc mã đơn vị|Unit name or code")).fill("y te")
        expect(leader.locator('tr[data-unit="STP"]')).to_have_count(0, timeout=5_000)
        expect(leader.locator('tr[data-unit="SYT"] td.rank')).to_have_text("2")
        expect(leader).to_have_url(re.compile(r"[?&]q=y(\+|%20)te"))
        assert leader.evaluate("window.__marker") == "still here"
        leader.go_back()
        expect(leader.locator('tr[data-unit="STP"] td.rank')).to_have_text("1")
    finally:
        leader_ctx.close()
        evaluator_ctx.close()
