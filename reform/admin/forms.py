"""Forms for units, blocks and users."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from reform.i18n import role_label
from reform.models.users import ROLES
from reform.services.units import ABBREVIATION_RE, CODE_RE, KIND_RE
from reform.services.users import USERNAME_RE
from reform.validation import SafeForm


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes, which suit touch screens."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UnitForm(SafeForm):
    """A unit's code, name, kind, parent and block."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(CODE_RE.pattern, message=_l("Letters, digits and . _ - only (max 40).")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = StringField(
        _l("Kind"),
        validators=[
            DataRequired(),
            Regexp(KIND_RE.pattern, message=_l("One lowercase word, e.g. department, ward.")),
        ],
        description=_l("department, commune, ward, special_zone, public_service…"),
    )
    parent_id = SelectField(_l("Parent unit"), coerce=int, validate_choice=True)
    block_id = SelectField(_l("Block"), coerce=int, validate_choice=True)
    place = StringField(
        _l("Place name on documents"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "Dates its official documents: “Hòa Sơn, ngày … tháng … năm …”. Empty: its parent "
            "unit's place."
        ),
    )
    abbreviation = StringField(
        _l("Abbreviation in document numbers"),
        validators=[
            Optional(),
            Regexp(ABBREVIATION_RE.pattern, message=_l("Letters, digits and - only (max 20).")),
        ],
        description=_l("As in “Số: 125/BC-UBND”. Empty: the unit's code."),
    )


class BlockForm(SafeForm):
    """A block's code and name."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(CODE_RE.pattern, message=_l("Letters, digits and . _ - only (max 40).")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class ImportUnitsForm(SafeForm):
    """A CSV file of units."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class UserForm(SafeForm):
    """A user's identity, roles and unit."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Regexp(
                USERNAME_RE.pattern,
                message=_l("2–64 letters, digits or . _ - (no spaces, no accents)."),
            ),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r, role_label(r)) for r in ROLES]
