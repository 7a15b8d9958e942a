"""The catalogue's pages: versions with their titles and conditions, import, export, edit."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reform.commendation.display import condition_text, entry_label
from reform.extensions import db
from reform.models import CatalogueVersion
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services.commendation import catalogue as service
from reform.web import render, see_other

bp = Blueprint("catalogue", __name__, url_prefix="/commendation/catalogue")
MANAGERS = (ADMIN, SECRETARIAT)
bp.add_app_template_global(condition_text, "condition_text")
bp.add_app_template_global(entry_label, "catalogue_entry_label")


def _version_or_404(number: int) -> CatalogueVersion:
    found = service.get_version(number)
    if found is None:
        abort(404)
    return found


def _names(version: CatalogueVersion) -> dict[str, str]:
    return {e["code"]: e["name"] for e in version.entries}


def _can_manage() -> bool:
    return current_user.has_role(*MANAGERS)


@bp.get("/")
@login_required
def index():
    """The version in force with its titles and conditions, and every version."""
    versions = service.versions()
    current = versions[0] if versions else None
    return render(
        "commendation/catalogue/index.html",
        versions=versions,
        version=current,
        views=service.entry_views(current) if current else [],
        names=_names(current) if current else {},
        can_manage=_can_manage(),
    )


@bp.get("/<int:number>")
@login_required
def show(number: int):
    """One version with its titles and conditions."""
    version = _version_or_404(number)
    return render(
        "commendation/catalogue/show.html",
        version=version,
        latest=service.current(),
        views=service.entry_views(version),
        names=_names(version),
        can_manage=_can_manage(),
    )


@bp.get("/<int:number>/export")
@login_required
def export(number: int):
    """Download the catalogue file of this version."""
    version = _version_or_404(number)
    return Response(
        service.export_yaml(version),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="catalogue-{version.version}.yaml"'},
    )


def _refused(refused: service.CatalogueRefused, content: str) -> Response:
    db.session.rollback()
    return render(
        "commendation/catalogue/import.html", status=422, problems=refused.problems, content=content
    )


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_page():
    """Upload or paste a catalogue file, preview its titles and conditions, then confirm."""
    if request.method == "GET":
        return render("commendation/catalogue/import.html", problems=None, content="")
    content = request.form.get("content", "")
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read(service.MAX_YAML_BYTES + 1)
        try:
            service.load_yaml(data)  # size, encoding and syntax, before showing it back
        except service.CatalogueRefused as refused:
            return _refused(refused, "")
        content = data.decode("utf-8-sig")
    if not content.strip():
        return _refused(service.CatalogueRefused([(None, _("Choose a YAML file."))]), "")
    try:
        definition = service.parse(content)
        if request.form.get("confirm") == "1":
            version = service.import_catalogue(content, actor=current_user)
            flash(_("Catalogue version %(n)s imported.", n=version.version), "success")
            return see_other(url_for("catalogue.show", number=version.version))
    except service.CatalogueRefused as refused:
        return _refused(refused, content)
    preview = CatalogueVersion(version=definition["version"], definition=definition)
    return render(
        "commendation/catalogue/preview.html",
        definition=definition,
        content=content,
        exists=service.get_version(definition["version"]) is not None,
        views=service.entry_views(preview),
        names=_names(preview),
    )


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(number: int):
    """Edit an unused version's file; every problem is listed and nothing is saved."""
    version = _version_or_404(number)
    content = request.form.get("content") if request.method == "POST" else None
    problems, status = None, 200
    if version.locked:
        problems = [(None, service.locked_message())]
        status = 409 if request.method == "POST" else 200
    elif content is not None:
        try:
            service.replace_definition(version, content, actor=current_user)
        except service.CatalogueRefused as refused:
            db.session.rollback()
            problems, status = refused.problems, 422
        else:
            flash(_("Catalogue version %(n)s saved.", n=version.version), "success")
            return see_other(url_for("catalogue.show", number=version.version))
    return render(
        "commendation/catalogue/edit.html",
        status=status,
        version=version,
        content=content if content is not None else service.export_yaml(version),
        problems=problems,
    )


@bp.post("/<int:number>/new-version")
@roles_required(*MANAGERS)
def new_version(number: int):
    """Copy this version under the next number, for editing."""
    version = _version_or_404(number)
    copy = service.new_version_from(version, actor=current_user)
    flash(
        _("Version %(new)s created from version %(old)s.", new=copy.version, old=version.version),
        "success",
    )
    return see_other(url_for("catalogue.edit", number=copy.version))
