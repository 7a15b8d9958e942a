"""Official outputs: the campaign's Excel, CSV and printed report, and one unit's report."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.extensions import db
from reform.models import Unit
from reform.services import official
from reform.services.access import (
    PUBLISHED,
    can_see_unit,
    get_campaign_or_404,
    results_access_or_404,
    staff_results_page,
)
from reform.web import render

bp = Blueprint("reports", __name__, url_prefix="/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ascii_filename(text: str) -> str:
    """Letters without diacritics, digits, dots and dashes: safe for any browser."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", plain).strip("-.") or "report"


def _download(body: bytes, mimetype: str, name: str, ext: str) -> Response:
    """An attachment with an ASCII file name and the full name for browsers that read it."""
    fallback = _ascii_filename(name) + ext
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + ext, safe='')}"
    )
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def _file_name(report: official.OfficialReport, *parts: str) -> str:
    status = f"v{report.version.version}" if report.version else _("not published")
    return " - ".join((*parts, report.campaign.code, status))


def _number() -> tuple[str | None, str | None]:
    """The document number asked for (?number=125), and why it is refused if it is."""
    text = request.args.get("number", "").strip()
    if not text:
        return None, None
    problem = official.document_number_problem(text)
    return (None, problem) if problem else (text, None)


def _refused_number(page: str, problem: str, **context) -> Response:
    """The report's page with the number field marked: nothing is generated with a bad number."""
    return render(page, status=422, pdf=False, number_error=problem, **context)


@bp.get("/<code>")
@staff_results_page
def campaign(code: str):
    """The campaign's results in the official document layout, for the browser's print."""
    number, problem = _number()
    report = official.official_report(get_campaign_or_404(code), number)
    status = 422 if problem else 200
    return render(
        "reports/campaign.html", status=status, report=report, pdf=False, number_error=problem
    )


@bp.get("/<code>.pdf")
@staff_results_page
def campaign_pdf(code: str):
    """The same report as an A4 PDF file."""
    from reform.services.pdf import render_pdf

    number, problem = _number()
    report = official.official_report(get_campaign_or_404(code), number)
    if problem:
        return _refused_number("reports/campaign.html", problem, report=report)
    pdf = render_pdf(render_template("reports/campaign.html", report=report, pdf=True))
    return _download(pdf, "application/pdf", _file_name(report, _("Results")), ".pdf")


@bp.get("/<code>/results.xlsx")
@staff_results_page
def results_xlsx(code: str):
    """The results workbook in the official layout: a sheet per block and a sheet of bands."""
    number, problem = _number()
    report = official.official_report(get_campaign_or_404(code), number)
    if problem:
        return _refused_number("reports/campaign.html", problem, report=report)
    name = _file_name(report, _("Results"))
    return _download(official.official_xlsx(report), XLSX, name, ".xlsx")


@bp.get("/<code>/results.csv")
@staff_results_page
def results_csv(code: str):
    """The results as CSV (UTF-8 with BOM), with area indices and the publication status."""
    report = official.official_report(get_campaign_or_404(code))
    name = _file_name(report, _("Results"))
    # Flask adds "; charset=utf-8" to a text/* type: naming it here too would send it twice.
    return _download(official.official_csv(report), "text/csv", name, ".csv")


def _unit_report(code: str, unit_code: str, number: str | None = None) -> official.UnitReport:
    """The unit's report if this user may see its results (the rule in services.access) and it
    takes part; otherwise 404."""
    campaign = get_campaign_or_404(code)
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None or not can_see_unit(current_user, unit):
        abort(404)
    access = results_access_or_404(current_user, campaign, unit)
    found = official.unit_report(official.official_report(campaign, number), unit)
    # A unit's people read the published version only, never figures computed live.
    if found is None or (access == PUBLISHED and not found.report.published):
        abort(404)
    return found


@bp.get("/<code>/units/<unit_code>")
@login_required
def unit(code: str, unit_code: str):
    """One unit's results: figures, rank, areas against the block average, criteria."""
    number, problem = _number()
    found = _unit_report(code, unit_code, number)
    status = 422 if problem else 200
    return render(
        "reports/unit.html", status=status, unit_report=found, pdf=False, number_error=problem
    )


@bp.get("/<code>/units/<unit_code>.pdf")
@login_required
def unit_pdf(code: str, unit_code: str):
    """The unit's report as an A4 PDF file."""
    from reform.services.pdf import render_pdf

    number, problem = _number()
    found = _unit_report(code, unit_code, number)
    if problem:
        return _refused_number("reports/unit.html", problem, unit_report=found)
    pdf = render_pdf(render_template("reports/unit.html", unit_report=found, pdf=True))
    name = _file_name(found.report, _("Results"), found.unit.name)
    return _download(pdf, "application/pdf", name, ".pdf")
