"""Official outputs: the campaign's Excel, CSV and printed report, and one unit's report."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.extensions import db
from reform.models import Unit
from reform.models.users import ADMIN, EVALUATOR, LEADER, SECRETARIAT
from reform.security import roles_required
from reform.services import official
from reform.services.access import can_see_unit, get_campaign_or_404
from reform.web import render

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (ADMIN, SECRETARIAT, LEADER, EVALUATOR)
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


@bp.get("/<code>")
@roles_required(*READERS)
def campaign(code: str):
    """The campaign's results in the official document layout, for the browser's print."""
    report = official.official_report(get_campaign_or_404(code))
    return render("reports/campaign.html", report=report, pdf=False)


@bp.get("/<code>.pdf")
@roles_required(*READERS)
def campaign_pdf(code: str):
    """The same report as an A4 PDF file."""
    from reform.services.pdf import render_pdf

    report = official.official_report(get_campaign_or_404(code))
    pdf = render_pdf(render_template("reports/campaign.html", report=report, pdf=True))
    return _download(pdf, "application/pdf", _file_name(report, _("Results")), ".pdf")


@bp.get("/<code>/results.xlsx")
@roles_required(*READERS)
def results_xlsx(code: str):
    """The results workbook in the official layout: a sheet per block and a sheet of bands."""
    report = official.official_report(get_campaign_or_404(code))
    name = _file_name(report, _("Results"))
    return _download(official.official_xlsx(report), XLSX, name, ".xlsx")


@bp.get("/<code>/results.csv")
@roles_required(*READERS)
def results_csv(code: str):
    """The results as CSV (UTF-8 with BOM), with area indices and the publication status."""
    report = official.official_report(get_campaign_or_404(code))
    name = _file_name(report, _("Results"))
    # Flask adds "; charset=utf-8" to a text/* type: naming it here too would send it twice.
    return _download(official.official_csv(report), "text/csv", name, ".csv")


def _unit_report(code: str, unit_code: str) -> official.UnitReport:
    """The unit's report if this user may see the unit and it takes part; otherwise 404."""
    campaign = get_campaign_or_404(code)
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None or not can_see_unit(current_user, unit):
        abort(404)
    found = official.unit_report(official.official_report(campaign), unit)
    if found is None:
        abort(404)
    return found


@bp.get("/<code>/units/<unit_code>")
@login_required
def unit(code: str, unit_code: str):
    """One unit's results: figures, rank, areas against the block average, criteria."""
    return render("reports/unit.html", unit_report=_unit_report(code, unit_code), pdf=False)


@bp.get("/<code>/units/<unit_code>.pdf")
@login_required
def unit_pdf(code: str, unit_code: str):
    """The unit's report as an A4 PDF file."""
    from reform.services.pdf import render_pdf

    found = _unit_report(code, unit_code)
    pdf = render_pdf(render_template("reports/unit.html", unit_report=found, pdf=True))
    name = _file_name(found.report, _("Results"), found.unit.name)
    return _download(pdf, "application/pdf", name, ".pdf")
