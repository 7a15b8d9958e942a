"""Every page under a campaign carries one navigation, the same on each page for a given person,
with the page they are on marked."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from reform.extensions import db
from reform.models import Campaign

CODE = "PAR-TEST"
PAGES = {  # the page marked current -> its address
    "/campaigns/PAR-TEST": "Tổng quan",
    "/campaigns/PAR-TEST/settings": "Thiết lập",
    "/campaigns/PAR-TEST/assignments": "Phân công thẩm định",
    "/campaigns/PAR-TEST/survey": "Điều tra xã hội học",
    "/campaigns/PAR-TEST/publish": "Công bố",
    "/campaigns/PAR-TEST/appeals": "Phúc khảo",
    "/rankings/PAR-TEST": "Bảng xếp hạng",
    "/rankings/PAR-TEST/heatmap": "Biểu đồ nhiệt",
    "/rankings/PAR-TEST/what-if": "Mô phỏng",
    "/reports/PAR-TEST": "Báo cáo chính thức",
    "/campaigns/PAR-TEST/audit": "Nhật ký thay đổi",
}
MANAGERS_ONLY = {
    "/campaigns/PAR-TEST/settings",
    "/campaigns/PAR-TEST/assignments",
    "/campaigns/PAR-TEST/survey",
    "/campaigns/PAR-TEST/publish",
    "/campaigns/PAR-TEST/appeals",
}


class _Nav(HTMLParser):
    """The links of the page's campaign navigation: (address, text, aria-current)."""

    def __init__(self) -> None:
        super().__init__()
        self.navs = 0
        self.inside = False
        self.links: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and "campaign-nav" in (attrs.get("class") or "").split():
            self.navs += 1
            self.inside = True
        elif tag == "a" and self.inside:
            self.links.append([attrs["href"], "", attrs.get("aria-current")])

    def handle_endtag(self, tag):
        if tag == "nav":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.links:
            self.links[-1][1] += data.strip()


def nav_of(client, path: str) -> _Nav:
    response = client.get(path)
    assert response.status_code == 200, path
    parser = _Nav()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_the_secretariat_finds_the_same_navigation_on_every_page_with_it_marked(login_as, campaign):
    client = login_as("secretariat")
    seen = set()
    for path, label in PAGES.items():
        nav = nav_of(client, path)
        assert nav.navs == 1, path
        seen.add(tuple((href, text) for href, text, _ in nav.links))
        marked = [(href, text, mark) for href, text, mark in nav.links if mark]
        assert marked == [(path, label, "page")], path
    assert len(seen) == 1
    assert [text for _, text in seen.pop()] == list(PAGES.values())


@pytest.mark.parametrize(
    ("who", "missing"),
    [
        ("leader", MANAGERS_ONLY),
        ("evaluator", MANAGERS_ONLY | {"/rankings/PAR-TEST/what-if"}),
    ],
)
def test_other_staff_see_the_links_they_may_open_and_the_same_on_each_page(
    login_as, campaign, who, missing
):
    client = login_as(who)
    expected = [path for path in PAGES if path not in missing]
    for path in expected:
        nav = nav_of(client, path)
        assert [href for href, _, _ in nav.links] == expected, path
        assert [href for href, _, mark in nav.links if mark == "page"] == [path]
    for path in missing:
        assert client.get(path).status_code in (403, 404)


def test_a_page_inside_one_marks_it_and_publication_adds_the_public_page(
    login_as, campaign, submission
):
    from reform.services.publication import publish

    publish(db.session.get(Campaign, campaign.id), actor=None, force=True)
    client = login_as("leader")
    for path, inside in (
        ("/rankings/PAR-TEST/units/STP", "/rankings/PAR-TEST"),
        ("/reports/PAR-TEST/units/STP", "/reports/PAR-TEST"),
    ):
        nav = nav_of(client, path)
        assert [(href, mark) for href, _, mark in nav.links if mark] == [(inside, "true")], path
    assert nav.links[-1][:2] == ["/public/PAR-TEST", "Kết quả đã công bố"]
    # The unit's own people open its report, but none of the campaign's pages: no navigation.
    assert nav_of(login_as("head"), "/reports/PAR-TEST/units/STP").navs == 0
