"""Pages to import, browse, export, version and compare frameworks."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.extensions import db
from reform.frameworks import sample_paths
from reform.frameworks.display import describe_rule, kind_label, num, rule_type_label
from reform.models import Framework
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services import frameworks as service
from reform.validation import query_int
from reform.web import render, see_other

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")
MANAGERS = (ADMIN, SECRETARIAT)


# Globals rather than a context processor, so imported template macros see them too.
for _helper in (describe_rule, rule_type_label, kind_label, num):
    bp.add_app_template_global(_helper)


def _get_or_404(framework_id: int) -> Framework:
    framework = db.session.get(Framework, framework_id)
    if framework is None:
        abort(404)
    return framework


@bp.get("/")
@login_required
def index():
    """Every framework with its versions, newest first."""
    frameworks = db.session.scalars(
        select(Framework).order_by(Framework.code, Framework.version.desc())
    ).all()
    grouped: dict[str, list[Framework]] = {}
    for fw in frameworks:
        grouped.setdefault(fw.code, []).append(fw)
    return render("frameworks/index.html", grouped=grouped, can_manage=_can_manage())


def _can_manage() -> bool:
    return current_user.has_role(*MANAGERS)


def _samples() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sample_paths()}


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_page():
    """Upload a framework file (or pick a sample), preview its tree, then confirm."""
    if request.method == "GET":
        return render("frameworks/import.html", samples=sorted(_samples()), problems=None)
    content = request.form.get("content", "")
    upload = request.files.get("file")
    sample = request.form.get("sample", "")
    if upload and upload.filename:
        data = upload.read(service.MAX_YAML_BYTES + 1)
        try:
            service.load_yaml(data)  # size, encoding and syntax, before showing it back
        except service.FrameworkRefused as refused:
            return _import_refused(refused, "")
        content = data.decode("utf-8-sig")
    elif sample:
        content = _samples().get(sample, "")
    if not content.strip():
        refused = service.FrameworkRefused([(None, _("Choose a YAML file or a sample."))])
        return _import_refused(refused, "")
    try:
        definition = service.validate(service.load_yaml(content))
        if request.form.get("confirm") == "1":
            framework = service.import_framework(content, actor=current_user)
            flash(
                _(
                    "Imported %(code)s version %(version)s.",
                    code=framework.code,
                    version=framework.version,
                ),
                "success",
            )
            return see_other(url_for("frameworks.show", framework_id=framework.id))
        exists = service.get_version(definition["code"], definition["version"]) is not None
    except service.FrameworkRefused as refused:
        db.session.rollback()
        return _import_refused(refused, content)
    return render(
        "frameworks/preview.html",
        definition=definition,
        content=content,
        exists=exists,
        stats=service.stats(definition),
    )


def _import_refused(refused: service.FrameworkRefused, content: str) -> Response:
    return render(
        "frameworks/import.html",
        status=422,
        samples=sorted(_samples()),
        problems=refused.problems,
        content=content,
    )


@bp.get("/<int:framework_id>")
@login_required
def show(framework_id: int):
    """The framework as a collapsible tree with max, rule, evidence and applicability."""
    framework = _get_or_404(framework_id)
    versions = db.session.scalars(
        select(Framework).where(Framework.code == framework.code).order_by(Framework.version)
    ).all()
    return render(
        "frameworks/show.html",
        framework=framework,
        definition=framework.definition,
        stats=service.stats(framework.definition),
        versions=versions,
        can_manage=_can_manage(),
    )


@bp.get("/<int:framework_id>/export")
@login_required
def export(framework_id: int):
    """Download the framework file of this version."""
    framework = _get_or_404(framework_id)
    filename = f"{framework.code}-{framework.version}.yaml"
    return Response(
        service.export_yaml(framework),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/<int:framework_id>/new-version")
@roles_required(*MANAGERS)
def new_version(framework_id: int):
    """Copy this version under the next version number, for editing."""
    framework = _get_or_404(framework_id)
    copy = service.new_version_from(framework, actor=current_user)
    flash(
        _(
            "Version %(version)s created from version %(old)s.",
            version=copy.version,
            old=framework.version,
        ),
        "success",
    )
    return see_other(url_for("frameworks.edit", framework_id=copy.id))


@bp.route("/<int:framework_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(framework_id: int):
    """Edit an unused version's file; every problem is listed and nothing is saved."""
    framework = _get_or_404(framework_id)
    content = request.form.get("content") if request.method == "POST" else None
    problems = None
    status = 200
    if framework.locked:
        problems = [
            (
                None,
                _(
                    "This version is used by a campaign and can no longer change. "
                    "Make a new version from it."
                ),
            )
        ]
        status = 409 if request.method == "POST" else 200
    elif content is not None:
        try:
            service.replace_definition(framework, content)
        except service.FrameworkRefused as refused:
            db.session.rollback()
            problems, status = refused.problems, 422
        else:
            flash(_("Version %(version)s saved.", version=framework.version), "success")
            return see_other(url_for("frameworks.show", framework_id=framework.id))
    return render(
        "frameworks/edit.html",
        status=status,
        framework=framework,
        content=content if content is not None else service.export_yaml(framework),
        problems=problems,
    )


@bp.post("/<int:framework_id>/delete")
@roles_required(*MANAGERS)
def delete(framework_id: int):
    """Delete a version no campaign uses."""
    framework = _get_or_404(framework_id)
    label = f"{framework.code} {framework.version}"
    try:
        service.delete_draft(framework)
    except service.FrameworkRefused as refused:
        flash(refused.problems[0][1], "error")
        return see_other(url_for("frameworks.show", framework_id=framework.id))
    flash(_("Deleted %(label)s.", label=label), "success")
    return see_other(url_for("frameworks.index"))


@bp.get("/<int:framework_id>/compare")
@login_required
def compare(framework_id: int):
    """What changed between another version and this one."""
    framework = _get_or_404(framework_id)
    others = db.session.scalars(
        select(Framework)
        .where(Framework.id != framework.id)
        .order_by(Framework.code, Framework.version)
    ).all()
    other_id = query_int("with")
    if other_id is None:
        same_code = [
            o for o in others if o.code == framework.code and o.version < framework.version
        ]
        other = same_code[-1] if same_code else None
    else:
        other = _get_or_404(other_id)
    changes = service.diff(other, framework) if other is not None else None
    return render(
        "frameworks/compare.html",
        framework=framework,
        other=other,
        others=others,
        changes=changes,
    )
