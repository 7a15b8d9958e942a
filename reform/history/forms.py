"""The history import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import DataRequired

from reform.validation import SafeForm


class HistoryImportForm(SafeForm):
    """A framework code and the CSV of its past published results."""

    framework_code = SelectField(
        _l("Framework code"),
        validators=[DataRequired()],
        description=_l("The series the figures belong to, e.g. PAR-DEPT."),
    )
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv"], _l("Choose a .csv file.")),
        ],
    )
