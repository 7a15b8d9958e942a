"""History import page: past years' published results from a CSV."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from reform.extensions import db
from reform.history.forms import HistoryImportForm
from reform.models import Framework
from reform.models.users import ADMIN, LEADER, SECRETARIAT
from reform.security import roles_required
from reform.services import history as service
from reform.web import render, see_other

bp = Blueprint("history", __name__, url_prefix="/history")
MANAGERS = (ADMIN, SECRETARIAT)
READERS = (ADMIN, SECRETARIAT, LEADER)
# The cap when the configuration sets none (HISTORY_CSV_MAX_BYTES overrides it).
MAX_BYTES = 2 * 1024 * 1024
SAMPLE = "year,unit_code,points,index,rank\r\n2024,STP,88.50,88.50,2\r\n2023,STP,,84.75,4\r\n"


@dataclass(frozen=True)
class Series:
    """One framework code on the index: its name, imported years and campaign years."""

    code: str
    name: str | None
    imported: list[service.ImportedYear]
    campaigns: list[service.CampaignYear]

    @property
    def campaign_year_set(self) -> set[int]:
        return {c.year for c in self.campaigns}


def _max_bytes() -> int:
    return int(current_app.config.get("HISTORY_CSV_MAX_BYTES", MAX_BYTES))


def _names() -> dict[str, str]:
    """Each framework code with the name of its latest version."""
    rows = db.session.execute(
        select(Framework.code, Framework.name).order_by(Framework.code, Framework.version)
    )
    return {code: name for code, name in rows}


def _series() -> list[Series]:
    names = _names()
    imported: dict[str, list[service.ImportedYear]] = {}
    for item in service.imported_years():
        imported.setdefault(item.framework_code, []).append(item)
    codes = sorted(set(names) | set(imported))
    return [
        Series(code, names.get(code), imported.get(code, []), service.campaign_years(code))
        for code in codes
    ]


@bp.get("/")
@roles_required(*READERS)
def index():
    """Per framework code, the years imported and the years from published campaigns."""
    can_manage = current_user.has_role(*MANAGERS)
    return render(
        "history/index.html",
        series=_series(),
        can_manage=can_manage,
        events=service.recent_events() if can_manage else [],
    )


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_page():
    """Upload past years' results of a framework code: all rows, or none with every error."""
    form = HistoryImportForm()
    form.framework_code.choices = [
        (code, f"{code} · {name}") for code, name in sorted(_names().items())
    ]
    if request.method == "GET" and request.args.get("code") in _names():
        form.framework_code.data = request.args["code"]
    errors: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(_max_bytes() + 1)
        if len(data) > _max_bytes():
            form.file.errors.append(
                _("The file is larger than %(size)s MB.", size=_max_bytes() // (1024 * 1024) or 1)
            )
        else:
            report = service.import_history(
                data,
                framework_code=form.framework_code.data,
                filename=upload.filename or "upload.csv",
                actor=current_user,
            )
            if report.ok:
                flash(
                    ngettext("%(num)s row stored.", "%(num)s rows stored.", report.stored),
                    "success",
                )
                return see_other(url_for("history.index"))
            db.session.rollback()
            errors = report.errors
    return render(
        "history/import.html",
        status=422 if request.method == "POST" else 200,
        form=form,
        errors=errors,
        columns=service.COLUMNS,
        max_mb=_max_bytes() // (1024 * 1024) or 1,
    )


@bp.get("/sample.csv")
@roles_required(*READERS)
def sample():
    """A sample history file: the header and two example rows."""
    return Response(
        SAMPLE,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="history-sample.csv"'},
    )


@bp.post("/<framework_code>/<int:year>/delete")
@roles_required(*MANAGERS)
def delete_year(framework_code: str, year: int):
    """Remove one imported year of a framework code (campaign results are never touched)."""
    removed = service.delete_year(framework_code, year, actor=current_user)
    if not removed:
        abort(404)
    flash(
        ngettext(
            "%(code)s %(year)s: %(num)s imported row deleted",
            "%(code)s %(year)s: %(num)s imported rows deleted",
            removed,
            code=framework_code,
            year=year,
        ),
        "success",
    )
    return see_other(url_for("history.index"))
