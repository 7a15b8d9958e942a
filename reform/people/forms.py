"""Forms of the people pages: a person, a status change, a staff list file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from reform.models.people import CATEGORIES
from reform.services.people.staff import CODE_RE, category_label
from reform.validation import SafeForm


class PersonForm(SafeForm):
    """Who someone is in the unit: name, post, category, leadership, group, manager, account."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Staff number"),
        validators=[
            Optional(),
            Regexp(CODE_RE.pattern, message=_l("Letters, digits and . _ - only (max 40).")),
        ],
        description=_l("The unit's own number for this person; the staff list import uses it."),
    )
    position = StringField(
        _l("Post or title"),
        validators=[Length(max=200)],
        description=_l("For example: Phó Chánh Văn phòng, Chuyên viên."),
    )
    category = SelectField(_l("Staff category"), validate_choice=True)
    is_leader = BooleanField(_l("Holds a leadership or management post"))
    duty_group = StringField(
        _l("Group of similar duties"),
        validators=[Length(max=100)],
        render_kw={"list": "duty-groups", "autocomplete": "off"},
        description=_l(
            "People of the same group are compared for the quota of “Hoàn thành xuất sắc "
            "nhiệm vụ”. Write the group's name the same way for everyone in it."
        ),
    )
    manager_id = SelectField(_l("Direct manager"), coerce=int, validate_choice=True)
    user_id = SelectField(
        _l("Linked account"),
        coerce=int,
        validate_choice=True,
        description=_l("The account this person signs in with to record their own tasks."),
    )
    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [(c, category_label(c)) for c in CATEGORIES]


class StatusForm(SafeForm):
    """A deactivation or reactivation: from when, and why."""

    effective_on = DateField(_l("From"), validators=[DataRequired(_l("Give the date."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=1000)],
        description=_l("For example: moved to another unit, retired, back from leave."),
    )
    version = HiddenField()


class ImportStaffForm(SafeForm):
    """A staff list file (CSV or Excel)."""

    file = FileField(
        _l("Staff list (CSV or Excel)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file."))],
    )
