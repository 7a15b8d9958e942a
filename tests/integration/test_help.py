"""Help inside the application: each page's header links to its section of the user guide."""

from __future__ import annotations

import re

import pytest

from reform.help.guide import render_markdown
from reform.help.views import DOCS, GUIDES, SECTIONS

HELP_RE = re.compile(r'<a class="help-link" href="([^"]+)">')
# GET endpoints that are not pages (files, fragments, redirects): no header, no help link.
NOT_PAGES = {
    "static",
    "favicon",
    "api.campaign_results_json",
    "assessment.report_pdf",
    "assignments.recusals_csv",
    "audit.campaign_log_csv",
    "evidence.download",
    "evidence.preview",
    "frameworks.export",
    "history.sample",
    "publication.public_json",
    "publication.public_version_json",
    "rankings.live",
    "reports.campaign_pdf",
    "reports.results_csv",
    "reports.results_xlsx",
    "reports.unit_pdf",
    "help.guide",
    "help.document",
    "movements.download",
    "pledges.record_pdf",
    "registrations.export",
    "ballots.record_pdf",
    "ballots.record_word",
    "catalogue.export",
    "awards.export",
    "people_classification.form_pdf",
    "people_classification.summary_xlsx",
}


def help_href(html: str) -> str:
    found = HELP_RE.search(html)
    assert found, "no help link in the header"
    return found.group(1)


def anchors_of(html: str) -> set[str]:
    return set(re.findall(r' id="([^"]+)"', html))


def test_every_page_of_the_app_has_a_section_in_both_guides(app):
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
    }
    # Every page of a capability the guide describes has its own section; a capability the
    # guide does not describe yet links the guide's top until its section is written.
    covered = {endpoint.split(".")[0] for endpoint in SECTIONS}
    unmapped = {page for page in pages - set(SECTIONS) if page.split(".")[0] in covered}
    assert unmapped == set(), (
        "pages without a help section: map each in SECTIONS (reform/help/views.py) to an anchor "
        "of docs/user-guide.*.md, or list it in NOT_PAGES above if it answers a file, not a page"
    )
    for name in GUIDES.values():
        anchors = render_markdown((DOCS / name).read_text(encoding="utf-8")).anchors
        assert set(SECTIONS.values()) - anchors == set(), name


def test_anchors_come_from_the_section_numbers_and_are_the_same_in_both_languages():
    vi, en = (render_markdown((DOCS / GUIDES[lang]).read_text(encoding="utf-8")) for lang in GUIDES)
    numbered = [h.anchor for h in vi.headings if re.fullmatch(r"section-[\d-]+", h.anchor)]
    assert "section-10-4" in numbered and "section-12-1" in numbered
    assert numbered == [h.anchor for h in en.headings if re.fullmatch(r"section-[\d-]+", h.anchor)]
    assert len(vi.anchors) == len(vi.headings)  # unique
    again = render_markdown("# T\n\n## 2. A\n\n### Tìm đơn vị\n\n### Tìm đơn vị\n")
    assert [h.anchor for h in again.headings] == [
        "top",
        "section-2",
        "section-2-tim-don-vi",
        "section-2-tim-don-vi-2",
    ]


MAIN_PAGES = [
    # (who, url, the section its help link opens)
    (None, "/login", "section-1"),
    (None, "/public/", "section-13-1"),
    ("officer", "/home/officer", "section-3"),
    ("officer", "/assessments/{submission}", "section-11-2"),
    ("officer", "/assessments/{submission}/check", "section-11-10"),
    ("evaluator", "/appraisal/queue", "section-12-1"),
    ("secretariat", "/campaigns/PAR-TEST", "section-10-5"),
    ("secretariat", "/campaigns/PAR-TEST/assignments", "section-10-6"),
    ("secretariat", "/campaigns/PAR-TEST/publish", "section-10-8"),
    ("secretariat", "/admin/units", "section-5"),
    ("admin", "/admin/users", "section-8"),
    ("secretariat", "/frameworks/", "section-9"),
    ("leader", "/rankings/PAR-TEST", "section-15-1"),
    ("leader", "/rankings/PAR-TEST/heatmap", "section-15-5"),
    ("leader", "/rankings/PAR-TEST/what-if", "section-15-6"),
    ("leader", "/notifications", "section-14"),
    # The printable documents have their own toolbar; the link is there, never on paper.
    ("officer", "/assessments/{submission}/report", "section-11-12"),
    ("leader", "/reports/PAR-TEST", "section-15-2"),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_main_page_links_to_an_existing_section(app, login_as, submission, lang):
    for who, url, section in MAIN_PAGES:
        client = login_as(who) if who else app.test_client()
        client.set_cookie("reform_lang", lang)
        page = client.get(url.format(submission=submission.id))
        assert page.status_code == 200, url
        href = help_href(page.get_data(as_text=True))
        assert href == f"/help/#{section}", url
        guide = client.get(href.split("#")[0])
        assert guide.status_code == 200
        assert section in anchors_of(guide.get_data(as_text=True)), (url, lang)


def test_the_guide_follows_the_language(client):
    vi = client.get("/help/").get_data(as_text=True)
    assert "Hướng dẫn sử dụng" in vi and '<h3 id="section-12-1">12.1 Danh sách chờ' in vi
    client.set_cookie("reform_lang", "en")
    en = client.get("/help/").get_data(as_text=True)
    assert "user guide" in en and '<h3 id="section-12-1">12.1 The appraisal queue' in en


def test_the_guide_is_a_normal_page_for_anyone(client, login_as):
    for c in (client, login_as("officer"), login_as("admin")):
        page = c.get("/help/")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and page.mimetype == "text/html"
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        # Nothing the policy would block: no style attribute, no inline script.
        assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert 'class="help-link"' in html and 'id="guide-contents-title"' in html


def test_documents_the_guide_links_to_open_and_nothing_else_in_docs(client):
    for lang in GUIDES.values():
        text = (DOCS / lang).read_text(encoding="utf-8")
        for target in set(re.findall(r"\]\(([\w.-]+\.md)\)", text)):
            assert client.get(f"/help/{target}").status_code == 200, target
    assert client.get("/help/framework-format.vi.md").status_code == 200
    for other in ("README.md", "deployment.md", "..%2FREADME.md", "user-guide.fr.md", "x"):
        assert client.get(f"/help/{other}").status_code == 404, other


def test_markdown_is_rendered_safely():
    doc = render_markdown(
        "# T\n\n<script>alert(1)</script>\n\n<b onclick=x>b</b> and `<unit>`\n\n"
        "[link](javascript:alert(1))\n\n| a | b |\n|--:|:-:|\n| 1 | 2 |\n"
    )
    html = str(doc.html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b onclick" not in html and "&lt;unit&gt;" in html
    assert 'href="javascript' not in html
    assert "style=" not in html and 'class="align-right"' in html and 'class="align-center"' in html
