"""Forms for campaigns: code, name, framework, phase dates, block bands."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from reform.validation import SafeForm


class DatesForm(SafeForm):
    """The phase dates of a campaign."""

    self_opens_on = DateField(_l("Self-assessment opens"), validators=[DataRequired()])
    self_closes_on = DateField(_l("Self-assessment closes"), validators=[DataRequired()])
    appraisal_opens_on = DateField(_l("Appraisal opens"), validators=[Optional()])
    appraisal_closes_on = DateField(_l("Appraisal closes"), validators=[Optional()])
    explanation_opens_on = DateField(_l("Explanations open"), validators=[Optional()])
    explanation_closes_on = DateField(_l("Explanations close"), validators=[Optional()])
    publication_on = DateField(_l("Publication"), validators=[Optional()])
    appeal_days = IntegerField(
        _l("Days for appeals after publication"),
        default=10,
        validators=[Optional(), NumberRange(min=1, max=90)],
    )


class CampaignForm(DatesForm):
    """A new campaign."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("Short and stable, e.g. PAR-2026."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    framework_id = SelectField(_l("Framework version"), coerce=int, validate_choice=True)


class SettingsForm(DatesForm):
    """Phase dates of a running campaign, with the reason kept in the audit log."""

    reason = StringField(
        _l("Reason for the change (kept in the audit log)"),
        validators=[Optional(), Length(max=300)],
    )
