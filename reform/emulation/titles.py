"""The secretariat's pages for the catalogue of titles and awards."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from reform.extensions import db
from reform.models import Title
from reform.models.titles import KINDS, SCOPES
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services.emulation import titles as service
from reform.services.units import CODE_RE
from reform.validation import SafeForm
from reform.web import render, see_other

bp = Blueprint("titles", __name__, url_prefix="/emulation/titles")
MANAGERS = (ADMIN, SECRETARIAT)


class TitleForm(SafeForm):
    """One entry of the catalogue."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(CODE_RE.pattern, message=_l("Letters, digits and . _ - only (max 40).")),
        ],
        description=_l("Short and stable, e.g. TT-LDXS."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    scope = SelectField(_l("For"), validate_choice=True)
    kind = SelectField(_l("Kind"), validate_choice=True)
    level = SelectField(_l("Conferred at the level of"), validate_choice=True)
    position = IntegerField(
        _l("Order in lists"),
        default=0,
        validators=[InputRequired(_l("Enter a whole number."))],
        description=_l("Lower numbers come first."),
    )
    description = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = [(s, service.label(service.SCOPE_LABELS, s)) for s in SCOPES]
        self.kind.choices = [(k, service.label(service.KIND_LABELS, k)) for k in KINDS]
        self.level.choices = [(v, service.label(service.LEVEL_LABELS, v)) for v in service.LEVELS]

    def data_for_service(self) -> service.TitleData:
        """The entered values, trimmed."""
        return service.TitleData(
            code=self.code.data.strip(),
            name=self.name.data.strip(),
            scope=self.scope.data,
            kind=self.kind.data,
            level=self.level.data,
            position=self.position.data,
            description=(self.description.data or "").strip() or None,
        )


def _title_or_404(title_id: int) -> Title:
    title = db.session.get(Title, title_id)
    if title is None:
        abort(404)
    return title


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    """The catalogue: collective entries, then individual ones, deactivated ones marked."""
    entries = service.catalogue()
    return render(
        "emulation/titles/index.html",
        collective=[t for t in entries if t.scope == "collective"],
        individual=[t for t in entries if t.scope == "individual"],
    )


def _save(form: TitleForm, title: Title | None):
    if not form.validate_on_submit():
        return None
    try:
        return service.save_title(form.data_for_service(), actor=current_user, title=title)
    except service.TitleProblem as problem:
        db.session.rollback()
        getattr(form, problem.field).errors.append(problem.message)
        return None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    """Add a title or award."""
    form = TitleForm()
    if request.method == "GET" and request.args.get("scope") in SCOPES:
        form.scope.data = request.args["scope"]
    saved = _save(form, None)
    if saved is not None:
        flash(_("%(name)s added to the catalogue.", name=saved.name), "success")
        return see_other(url_for("titles.index"))
    status = 422 if request.method == "POST" else 200
    return render("emulation/titles/form.html", status=status, form=form, title=None)


@bp.route("/<int:title_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(title_id: int):
    """Change an entry (what registrations already name follows the new name)."""
    title = _title_or_404(title_id)
    form = TitleForm(obj=title if request.method == "GET" else None)
    saved = _save(form, title)
    if saved is not None:
        flash(_("%(name)s saved.", name=saved.name), "success")
        return see_other(url_for("titles.index"))
    status = 422 if request.method == "POST" else 200
    return render("emulation/titles/form.html", status=status, form=form, title=title)


@bp.post("/<int:title_id>/active")
@roles_required(*MANAGERS)
def set_active(title_id: int):
    """Deactivate an entry (no new registration can choose it) or bring it back."""
    title = _title_or_404(title_id)
    active = request.form.get("active") == "1"
    service.set_active(title, active, actor=current_user)
    message = _("%(name)s is in use again.") if active else _("%(name)s is no longer in use.")
    flash(message % {"name": title.name}, "success")
    return see_other(url_for("titles.index"))


@bp.app_template_global()
def title_kind_label(kind: str | None) -> str:
    """Title or award, in the interface language."""
    return service.label(service.KIND_LABELS, kind)


@bp.app_template_global()
def title_level_label(level: str | None) -> str:
    """The level that confers an entry, in the interface language."""
    return service.label(service.LEVEL_LABELS, level)


@bp.app_template_global()
def title_scope_label(scope: str | None) -> str:
    """Collective or individual, in the interface language."""
    return service.label(service.SCOPE_LABELS, scope)
