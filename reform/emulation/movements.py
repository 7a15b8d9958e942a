"""Movements (phong trào thi đua): everyone signed in reads them and their documents; the
secretariat records them, attaches their documents and links the campaigns that score them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reform.extensions import db
from reform.models import Campaign, Movement, MovementDocument
from reform.models.emulation import MULTI_YEAR, THEMED, YEARLY
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services import evidence
from reform.services.emulation import movements as service
from reform.validation import SafeForm, bounded_int
from reform.web import render, see_other

bp = Blueprint("movements", __name__, url_prefix="/movements")
MANAGERS = (ADMIN, SECRETARIAT)
PERIOD_LABELS = {
    YEARLY: _l("Yearly"),
    MULTI_YEAR: _l("Multi-year"),
    THEMED: _l("Themed drive"),
}


class MovementForm(SafeForm):
    """A movement's code, name, launching authority, period and standards."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Short and stable, e.g. TMG-2026."),
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("E.g. “Tham mưu giỏi, phục vụ tốt”."),
    )
    authority = StringField(
        _l("Launched by"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("E.g. Ủy ban nhân dân tỉnh."),
    )
    period_kind = SelectField(
        _l("Period"),
        choices=[(key, label) for key, label in PERIOD_LABELS.items()],
        validate_choice=True,
    )
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    standards = TextAreaField(
        _l("Standards"),
        validators=[Optional(), Length(max=service.STANDARDS_MAX)],
        description=_l("The standards (tiêu chuẩn) as the launching document words them."),
        render_kw={"rows": 8},
    )

    def data_for_service(self) -> service.MovementData:
        """The form's values as the service takes them."""
        return service.MovementData(
            code=self.code.data or "",
            name=self.name.data or "",
            authority=self.authority.data or "",
            period_kind=self.period_kind.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            standards=self.standards.data,
        )


def _movement_or_404(movement_id: int) -> Movement:
    movement = db.session.get(Movement, movement_id)
    if movement is None:
        abort(404)
    return movement


def _document_or_404(movement: Movement, document_id: int) -> MovementDocument:
    document = db.session.get(MovementDocument, document_id)
    if document is None or document.movement_id != movement.id:
        abort(404)
    return document


def _can_manage() -> bool:
    return current_user.has_role(*MANAGERS)


@bp.get("/")
@login_required
def index():
    """Every movement, the latest first."""
    return render(
        "emulation/movements/index.html",
        movements=service.movements(),
        period_labels=PERIOD_LABELS,
        can_manage=_can_manage(),
    )


def _form_page(form: MovementForm, movement: Movement | None, status: int = 200):
    return render("emulation/movements/form.html", status=status, form=form, movement=movement)


def _refused_field(form: MovementForm, problem: service.MovementProblem) -> None:
    field = getattr(form, problem.field)
    field.errors = [*field.errors, problem.message]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    """Record a new movement."""
    form = MovementForm()
    if form.validate_on_submit():
        try:
            movement = service.create_movement(form.data_for_service(), actor=current_user)
        except service.MovementProblem as problem:
            db.session.rollback()
            _refused_field(form, problem)
        else:
            flash(_("Movement %(code)s recorded.", code=movement.code), "success")
            return see_other(url_for("movements.show", movement_id=movement.id))
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:movement_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(movement_id: int):
    """Change what is recorded of a movement."""
    movement = _movement_or_404(movement_id)
    form = MovementForm(obj=movement if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.update_movement(movement, form.data_for_service(), actor=current_user)
        except service.MovementProblem as problem:
            db.session.rollback()
            _refused_field(form, problem)
        else:
            flash(_("Movement saved."), "success")
            return see_other(url_for("movements.show", movement_id=movement.id))
    return _form_page(form, movement, 422 if request.method == "POST" else 200)


def _show(movement: Movement, status: int = 200, errors: dict | None = None):
    return render(
        "emulation/movements/show.html",
        status=status,
        movement=movement,
        documents=service.documents_of(movement),
        campaigns=service.campaigns_of(movement),
        linkable=service.linkable_campaigns(movement) if _can_manage() else [],
        period_labels=PERIOD_LABELS,
        can_manage=_can_manage(),
        errors=errors or {},
        accept=evidence.ACCEPT,
    )


@bp.get("/<int:movement_id>")
@login_required
def show(movement_id: int):
    """A movement: its standards, its documents and the campaigns that score it."""
    return _show(_movement_or_404(movement_id))


@bp.post("/<int:movement_id>/documents")
@roles_required(*MANAGERS)
def upload(movement_id: int):
    """Attach one or several documents; one bad file refuses them all."""
    movement = _movement_or_404(movement_id)
    try:
        added = service.attach_documents(
            movement, request.files.getlist("files"), actor=current_user
        )
    except service.MovementProblem as problem:
        db.session.rollback()
        return _show(movement, 422, {problem.field: problem.message})
    flash(
        _("%(num)s document(s) attached.", num=len(added)),
        "success",
    )
    return see_other(url_for("movements.show", movement_id=movement.id) + "#documents")


@bp.get("/<int:movement_id>/documents/<int:document_id>")
@login_required
def download(movement_id: int, document_id: int):
    """A document of the movement, as a download."""
    document = _document_or_404(_movement_or_404(movement_id), document_id)
    try:
        path = evidence.open_file(document)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        path,
        mimetype=document.file.mime_type,
        as_attachment=True,
        download_name=document.filename,
        conditional=True,
        etag=document.file.sha256,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:movement_id>/documents/<int:document_id>/remove")
@roles_required(*MANAGERS)
def remove_document(movement_id: int, document_id: int):
    """Detach a document from the movement."""
    document = _document_or_404(_movement_or_404(movement_id), document_id)
    service.remove_document(document, actor=current_user)
    flash(_("Document removed."), "success")
    return see_other(url_for("movements.show", movement_id=movement_id) + "#documents")


@bp.post("/<int:movement_id>/campaigns")
@roles_required(*MANAGERS)
def link_campaign(movement_id: int):
    """Record that an emulation campaign scores the movement."""
    movement = _movement_or_404(movement_id)
    campaign_id = bounded_int(request.form.get("campaign_id"))
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    try:
        service.link_campaign(movement, campaign, actor=current_user)
    except service.MovementProblem as problem:
        db.session.rollback()
        return _show(movement, 422, {problem.field: problem.message})
    flash(_("%(campaign)s scores this movement.", campaign=campaign.name), "success")
    return see_other(url_for("movements.show", movement_id=movement.id) + "#campaigns")


@bp.post("/<int:movement_id>/campaigns/<int:campaign_id>/unlink")
@roles_required(*MANAGERS)
def unlink_campaign(movement_id: int, campaign_id: int):
    """The campaign no longer scores the movement."""
    movement = _movement_or_404(movement_id)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.movement_id != movement.id:
        abort(404)
    service.unlink_campaign(movement, campaign, actor=current_user)
    flash(_("%(campaign)s no longer scores this movement.", campaign=campaign.name), "success")
    return see_other(url_for("movements.show", movement_id=movement.id) + "#campaigns")
