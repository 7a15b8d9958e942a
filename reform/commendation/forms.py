"""Forms of the commendation pages: an initiative, a register entry, a file to import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from reform.scoring.eligibility import INITIATIVE_LEVELS
from reform.services.commendation.initiatives import level_label
from reform.validation import SafeForm


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes, which suit touch screens."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InitiativeForm(SafeForm):
    """An initiative: what it is, its level, its recognition and its authors."""

    title = StringField(_l("Name of the initiative"), validators=[DataRequired(), Length(max=500)])
    level = SelectField(_l("Recognised at"), validate_choice=True)
    recognised_on = DateField(
        _l("Date recognised"), validators=[InputRequired(_l("Give the date (dd/mm/yyyy)."))]
    )
    decision_number = StringField(
        _l("Decision number"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("For example: 45/QĐ-STP."),
    )
    decision_date = DateField(
        _l("Decision date"), validators=[InputRequired(_l("Give the date (dd/mm/yyyy)."))]
    )
    decision_issuer = StringField(
        _l("Issued by"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("The authority that recognised it, e.g. Giám đốc Sở Tư pháp."),
    )
    person_ids = MultiCheckboxField(_l("Authors among the unit's staff"), coerce=int)
    other_authors = TextAreaField(
        _l("Other authors"),
        validators=[Length(max=4000)],
        description=_l("One name per line, for authors not on the staff list."),
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [(level, level_label(level)) for level in INITIATIVE_LEVELS]


class AwardForm(SafeForm):
    """A register entry: the year, the title or award, the recipient and the decision."""

    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year."))])
    title_code = SelectField(_l("Title or award"), validate_choice=True)
    person_id = SelectField(
        _l("Person of the staff"),
        coerce=int,
        validate_choice=True,
        description=_l("For an individual title or award; or write the name below."),
    )
    recipient_name = StringField(
        _l("Name as the decision writes it"),
        validators=[Length(max=300)],
        description=_l("Empty: the unit's name for a collective, the person's for someone chosen."),
    )
    decision_number = StringField(
        _l("Decision number"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("For example: 125/QĐ-UBND."),
    )
    decision_date = DateField(
        _l("Decision date"), validators=[InputRequired(_l("Give the date (dd/mm/yyyy)."))]
    )
    signer = StringField(
        _l("Signed by"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("Name and position, e.g. Nguyễn Văn A, Chủ tịch UBND tỉnh."),
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DeleteAwardForm(SafeForm):
    """Why an entry is removed from the register."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=1000)],
        description=_l("For example: entered twice, wrong person."),
    )


class ImportAwardsForm(SafeForm):
    """A list of past years' titles and awards (Excel or CSV)."""

    file = FileField(
        _l("List of titles and awards (Excel or CSV)"),
        validators=[FileRequired(_l("Choose a CSV or Excel file."))],
    )
