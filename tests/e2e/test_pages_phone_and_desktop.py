"""Every main page, as each role sees it in the demo, on a phone (390×844) and a desktop
(1366×900): axe-core finds no serious or critical violation, a phone never scrolls sideways,
every link, button and checkbox is at least 24×24 px; the folded summary, the compact ranking
rows and the one campaign navigation behave as a phone user needs.

The demo is loaded once for the module and each role's browser page is reused across its pages,
so the whole sweep stays within a few dozen seconds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from live import live_server as serve
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
DEMO_PASSWORD = "reform-demo"
DEPT, COMMUNE = "CCHC-SBN-2025", "CCHC-XA-2025"
EMULATION = "TD-SBN-2025"
SERIOUS = ("serious", "critical")

# Targets smaller than 24×24 px (WCAG 2.5.8). A link inside running text is exempt, as the
# criterion says: an inline link whose block holds other words. Links in a <nav> never are.
SMALL_TARGETS = """() => {
  const blockOf = (el) => {
    let p = el.parentElement;
    while (p && getComputedStyle(p).display.startsWith('inline')) p = p.parentElement;
    return p;
  };
  const small = [];
  const targets = 'a[href], button, summary, select, input[type=checkbox], input[type=radio]';
  for (const el of document.querySelectorAll(targets)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (box.width >= 24 && box.height >= 24) continue;
    if (el.tagName === 'A' && style.display === 'inline' && !el.closest('nav')) {
      const block = blockOf(el);
      const own = el.textContent.trim().length;
      const all = block ? block.textContent.replace(/\\s+/g, ' ').trim().length : own;
      if (all - own >= 12) continue;
    }
    const text = (el.textContent || el.name || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    small.push(`${el.tagName} "${text}" ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return small;
}"""


@dataclass
class Demo:
    """The served demo and the places its pages need."""

    base: str
    own_submission: int  # the demo officer's draft (Sở Tư pháp, departments' campaign)
    appraised_submission: int  # a ward the demo evaluator appraises
    ward: str  # that ward's code
    cluster: int  # the emulation cluster the demo head's unit heads
    ballot: int  # its open ballot


@pytest.fixture(scope="module")
def demo(browser, module_app) -> Iterator[Demo]:
    """`reform demo` loaded once and served for the whole module."""
    from sqlalchemy import select

    from reform.extensions import db
    from reform.models import Ballot, Campaign, Cluster, ClusterMember, Submission, Unit

    result = module_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with module_app.app_context():

        def submission(campaign: str, unit_kind: str | None = None, unit_code: str | None = None):
            query = (
                select(Submission.id, Unit.code)
                .join(Unit, Submission.unit_id == Unit.id)
                .join(Campaign, Submission.campaign_id == Campaign.id)
                .where(Campaign.code == campaign)
                .order_by(Unit.code)
            )
            if unit_kind:
                query = query.where(Unit.kind == unit_kind)
            if unit_code:
                query = query.where(Unit.code == unit_code)
            return db.session.execute(query).first()

        own = submission(DEPT, unit_code="STP")
        ward = submission(COMMUNE, unit_kind="ward")
        cluster = db.session.scalar(
            select(Cluster.id)
            .join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
            .join(Unit, Unit.id == ClusterMember.unit_id)
            .join(Campaign, Campaign.id == Cluster.campaign_id)
            .where(Campaign.code == EMULATION, Unit.code == "STP")
        )
        ballot = db.session.scalar(select(Ballot.id).where(Ballot.cluster_id == cluster))
        db.session.remove()
    with serve(module_app) as base:
        yield Demo(base, own.id, ward.id, ward.code, cluster, ballot)


def pages_of(role: str | None, demo: Demo) -> list[str]:
    """The main pages a role works on."""
    campaign = f"/campaigns/{COMMUNE}"
    rankings = f"/rankings/{COMMUNE}"
    return {
        None: ["/login", "/public/"],
        "officer": [
            "/home/officer",
            f"/assessments/{demo.own_submission}",
            f"/assessments/{demo.own_submission}/report",
            "/notifications",
            "/account",
            f"/emulation/{EMULATION}/registration",
        ],
        "head": [
            "/home/head",
            f"/assessments/{demo.own_submission}",
            f"/emulation/{EMULATION}/clusters/{demo.cluster}/pledge",
            f"/emulation/ballots/{demo.ballot}",
            "/appraisal/queue",
        ],
        "evaluator": [
            "/home/evaluator",
            "/appraisal/queue",
            f"/appraisal/{demo.appraised_submission}",
        ],
        "leader": [
            "/home/leader",
            rankings,
            f"{rankings}/heatmap",
            f"{rankings}/what-if",
            f"/reports/{COMMUNE}",
            f"{rankings}/units/{demo.ward}",
            f"/reports/{COMMUNE}/units/{demo.ward}",
            f"/rankings/{EMULATION}",
        ],
        "secretariat": [
            "/home/secretariat",
            campaign,
            f"{campaign}/survey",
            f"{campaign}/publish",
            f"{campaign}/audit",
            f"{campaign}/assignments",
            "/admin/units",
            "/admin/users",
            f"/campaigns/{EMULATION}/clusters/",
            f"/emulation/{EMULATION}/registrations",
        ],
        "admin": ["/home/admin"],  # the admin pages are the secretariat's, checked above
    }[role]


def signed_in(browser, demo: Demo, role: str | None):
    """A phone-sized page of its own browser context, signed in as the demo account."""
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="vi-VN")
    page = context.new_page()
    if role:
        page.goto(demo.base + "/login")
        page.locator("#username").fill(role)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("^(Đăng nhập|Sign in)$")).click()
        expect(page).to_have_url(re.compile(rf"/home/{role}$"))
    return page


def serious_violations(page) -> list[str]:
    """What axe-core finds serious or critical on the page as laid out now, one line per rule.
    axe is loaded into the page once (the package ships a current axe.min.js) and run per size."""
    from axe_playwright_python.sync_playwright import Axe

    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")["violations"]
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"][:4])
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize(
    "role", [None, "officer", "head", "evaluator", "leader", "secretariat", "admin"]
)
def test_main_pages_pass_axe_fit_a_phone_and_have_big_enough_targets(browser, demo, role):
    page = signed_in(browser, demo, role)
    problems: list[str] = []
    try:
        for path in pages_of(role, demo):
            page.set_viewport_size(PHONE)
            answer = page.goto(demo.base + path)
            assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{path}: scrolls sideways on a phone ({width} px wide)")
            # The same page laid out again at each size (the CSS is what differs).
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                where = f"{path} at {size['width']} px"
                problems += [f"{where}: axe {v}" for v in serious_violations(page)]
                problems += [f"{where}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    finally:
        page.context.close()
    assert not problems, "\n".join(problems)


def test_the_self_assessment_summary_is_one_line_until_opened(browser, demo):
    page = signed_in(browser, demo, "officer")
    try:
        page.goto(f"{demo.base}/assessments/{demo.own_submission}")
        summary = page.locator("#summary")
        line = page.locator("#summary-line")
        # One line: the height of a touch target, not a third of the screen.
        assert summary.bounding_box()["height"] <= 60
        expect(line).to_have_attribute("aria-live", "polite")
        progress = page.locator("#summary-more progress")
        expect(progress).to_be_hidden()
        toggle = summary.locator("details > summary")
        expect(toggle).to_have_accessible_name("Chi tiết")
        toggle.click()
        expect(progress).to_be_visible()
        assert summary.bounding_box()["height"] > 60
        # A save redraws the figures in the same live region and leaves the details open.
        page.evaluate("document.getElementById('summary-line').dataset.mark = 'kept'")
        before = page.locator("#sum-points").inner_text()
        options = page.locator('[id="c-1.1"] input[type=radio]')
        (options.nth(1) if options.first.is_checked() else options.first).check()
        expect(page.locator("#sum-points")).not_to_have_text(before, timeout=10_000)
        expect(line).to_have_attribute("data-mark", "kept")
        expect(progress).to_be_visible()
    finally:
        page.context.close()


def test_ranking_rows_are_compact_on_a_phone_and_unfold(browser, demo):
    page = signed_in(browser, demo, "leader")
    try:
        page.goto(f"{demo.base}/rankings/{COMMUNE}")
        rows = page.locator(".ranking-table tbody tr")
        count = rows.count()
        assert count >= 10
        heights = [rows.nth(i).bounding_box()["height"] for i in range(count)]
        # Rank, name, index, band and change: three short lines, not nine rows of figures.
        assert max(heights) <= 130, heights
        first = rows.first
        for cell in ('td[data-label="Chỉ số"]', 'td[data-label="Xếp loại"]', "td.change"):
            expect(first.locator(cell)).to_be_visible()
        max_points = first.locator('td[data-label="Điểm tối đa"]')
        expect(max_points).to_be_hidden()
        toggle = first.get_by_role("button", name=re.compile("^Xem chi tiết"))
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(max_points).to_be_visible()
        expect(max_points).to_have_text("100,00")
        expect(rows.nth(1).locator('td[data-label="Điểm tối đa"]')).to_be_hidden()
        # A desktop shows every column, with no button to unfold.
        page.set_viewport_size(DESKTOP)
        expect(rows.nth(1).locator('td[data-label="Điểm tối đa"]')).to_be_visible()
        expect(toggle).to_be_hidden()
    finally:
        page.context.close()


def test_one_campaign_navigation_on_every_campaign_page(browser, demo):
    page = signed_in(browser, demo, "secretariat")
    pages = {
        "Tổng quan": f"/campaigns/{COMMUNE}",
        "Thiết lập": f"/campaigns/{COMMUNE}/settings",
        "Phân công thẩm định": f"/campaigns/{COMMUNE}/assignments",
        "Điều tra xã hội học": f"/campaigns/{COMMUNE}/survey",
        "Công bố": f"/campaigns/{COMMUNE}/publish",
        "Phúc khảo": f"/campaigns/{COMMUNE}/appeals",
        "Bảng xếp hạng": f"/rankings/{COMMUNE}",
        "Biểu đồ nhiệt": f"/rankings/{COMMUNE}/heatmap",
        "Mô phỏng": f"/rankings/{COMMUNE}/what-if",
        "Báo cáo chính thức": f"/reports/{COMMUNE}",
        "Nhật ký thay đổi": f"/campaigns/{COMMUNE}/audit",
    }
    seen = set()
    try:
        for label, path in pages.items():
            page.goto(demo.base + path)
            nav = page.get_by_role("navigation", name="Các trang của kỳ đánh giá")
            expect(nav).to_have_count(1)
            links = nav.get_by_role("link")
            seen.add(tuple(links.all_inner_texts()))
            current = nav.locator('[aria-current="page"]')
            expect(current).to_have_count(1)
            expect(current).to_have_text(label)
            # One row on a phone that scrolls sideways, with the current page in view.
            box = nav.bounding_box()
            assert box["height"] <= 70, (path, box)
            assert nav.locator("ul").evaluate("u => u.scrollWidth > u.clientWidth"), path
            here = current.bounding_box()
            assert (
                box["x"] - 1 <= here["x"]
                and here["x"] + here["width"] <= box["x"] + box["width"] + 1
            )
    finally:
        page.context.close()
    assert len(seen) == 1, seen
    assert set(pages) <= set(next(iter(seen)))
