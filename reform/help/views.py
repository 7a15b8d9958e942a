"""The user guide inside the application, and the help link of every page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, request, url_for
from flask_babel import get_locale

from reform.help.guide import Document, load
from reform.web import render

bp = Blueprint("help", __name__, url_prefix="/help")

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The user guide per interface language.
GUIDES = {"vi": "user-guide.vi.md", "en": "user-guide.en.md"}
# What the guide links to, readable here too so its links work; nothing else in docs/ is served.
LINKED = frozenset(
    {
        *GUIDES.values(),
        "framework-format.md",
        "framework-format.vi.md",
        "operations.md",
        "commendation-rules.md",
        "commendation-rules.vi.md",
    }
)

# The guide section of each page (anchors of guide.py: numbered sections, the same in both
# languages). A page that is not here links the guide's top: tests/integration/test_help.py
# asks for every page of a blueprint named here, so a new page of a documented capability gets
# its section, and a new capability its own once the guide describes it.
SECTIONS = {
    "auth.login": "section-1",
    "auth.account": "section-4",
    "main.index": "section-3",
    "main.home": "section-3",
    "main.notifications": "section-14",
    "admin.units": "section-5",
    "admin.unit_new": "section-5",
    "admin.unit_edit": "section-5",
    "units.directory": "section-5",
    "units.detail": "section-5",
    "admin.blocks": "section-6",
    "admin.block_edit": "section-6",
    "admin.units_import": "section-7",
    "admin.users": "section-8",
    "admin.user_new": "section-8",
    "admin.user_edit": "section-8",
    "frameworks.index": "section-9",
    "frameworks.show": "section-9",
    "frameworks.import_page": "section-9",
    "frameworks.edit": "section-9",
    "frameworks.compare": "section-9",
    "campaigns.index": "section-10",
    "campaigns.new": "section-10-1",
    "campaigns.settings": "section-10-2",
    "campaigns.show": "section-10-5",
    "assignments.index": "section-10-6",
    "publication.survey": "section-10-7",
    "publication.publish_page": "section-10-8",
    "publication.appeals": "section-10-9",
    "audit.campaign_log": "section-10-10",
    "assessment.form": "section-11-2",
    "assessment.check": "section-11-10",
    "assessment.report": "section-11-12",
    "audit.criterion_history": "section-11-14",
    "publication.new_appeal": "section-11-15",
    "assignments.queue": "section-12-1",
    "assignments.recuse": "section-12-2",
    "appraisal.page": "section-12-3",
    "publication.public_index": "section-13-1",
    "publication.public_results": "section-13-1",
    "publication.public_version": "section-13-2",
    "rankings.index": "section-15-1",
    "rankings.show": "section-15-1",
    "reports.campaign": "section-15-2",
    "reports.unit": "section-15-2",
    "profile.show": "section-15-4",
    "insights.heatmap": "section-15-5",
    "whatif.show": "section-15-6",
    "history.index": "section-15-7",
    "history.import_page": "section-15-7",
    "movements.index": "section-16-1",
    "movements.new": "section-16-1",
    "movements.show": "section-16-1",
    "movements.edit": "section-16-1",
    "clusters.index": "section-16-2",
    "clusters.show": "section-16-2",
    "clusters.import_csv": "section-16-2",
    "titles.index": "section-16-3",
    "titles.new": "section-16-3",
    "titles.edit": "section-16-3",
    "pledges.index": "section-16-4",
    "pledges.page": "section-16-4",
    "pledges.record": "section-16-4",
    "registrations.form": "section-16-5",
    "registrations.index": "section-16-5",
    "registrations.show": "section-16-5",
    "registrations.deadline": "section-16-5",
    "ballots.overview": "section-16-8",
    "ballots.cluster": "section-16-8",
    "ballots.show": "section-16-8",
    "ballots.record_page": "section-16-8",
    "people_staff.index": "section-17-1",
    "people_staff.new": "section-17-1",
    "people_staff.edit": "section-17-1",
    "people_staff.show": "section-17-1",
    "people_staff.import_page": "section-17-1",
    "people_tasks.settings": "section-17-2",
    "people_tasks.me": "section-17-3",
    "people_tasks.periods": "section-17-3",
    "people_tasks.period": "section-17-3",
    "people_tasks.team": "section-17-4",
    "people_classification.unit_page": "section-17-5",
    "people_classification.year": "section-17-5",
    "people_classification.history": "section-17-6",
    "catalogue.index": "section-18-1",
    "catalogue.show": "section-18-1",
    "catalogue.import_page": "section-18-1",
    "catalogue.edit": "section-18-1",
    "initiatives.index": "section-18-2",
    "initiatives.new": "section-18-2",
    "initiatives.show": "section-18-2",
    "initiatives.edit": "section-18-2",
    "awards.index": "section-18-3",
    "awards.new": "section-18-3",
    "awards.edit": "section-18-3",
    "awards.unit_history": "section-18-3",
    "awards.person_history": "section-18-3",
    "awards.import_page": "section-18-4",
    "awards.statistics": "section-18-5",
    "eligibility.page": "section-18-6",
}


def guide_name() -> str:
    """The guide's file name in the interface language."""
    language = getattr(get_locale(), "language", "vi")
    return GUIDES.get(language, GUIDES["vi"])


def section_of(endpoint: str | None) -> str | None:
    """The guide anchor for a page's endpoint, or None for the guide's top."""
    return SECTIONS.get(endpoint or "")


@bp.app_context_processor
def _help_link() -> dict:
    def help_url() -> str:
        """The guide, opened at the section about the page being shown."""
        anchor = section_of(request.endpoint)
        return url_for("help.guide", _anchor=anchor) if anchor else url_for("help.guide")

    return {"help_url": help_url}


def _page(document: Document, name: str):
    return render("help/guide.html", document=document, name=name)


@bp.get("/")
def guide():
    """The user guide in the interface language; a page's help link opens it at its section."""
    name = guide_name()
    return _page(load(DOCS / name), name)


@bp.get("/<name>")
def document(name: str):
    """Another document the guide links to (framework file format, operations)."""
    if name not in LINKED:
        abort(404)
    return _page(load(DOCS / name), name)
