"""Input bounds in one place: integers in URLs and filters, free text, and what may be stored.

Every value a request carries is checked before it reaches the database, so that neither
database answers with an error (PostgreSQL refuses NUL characters, numbers beyond a column's
precision and integers beyond its range) and neither stores what the other would refuse (SQLite
keeps 300 characters in a column of 200). Criterion values are bounded by the scoring core; this
module bounds everything else:

- `<int:...>` in every route matches only numbers a database id can hold, and path segments
  with control characters match nothing, so both answer 404;
- a query string with control characters is answered by the same page without them, and
  `query_int` ignores a filter that is not a usable number; both tell the user;
- `text_problem` and the `SafeText` validator (added to every field of a `SafeForm`) refuse
  control characters and text longer than its column, with a message for the field;
- a last check before every flush refuses any value its column cannot hold (422, never 500).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, flash, redirect, request
from flask_babel import format_number
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import BigInteger, Float, Integer, Numeric, String, event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError
from wtforms import IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import StopValidation

from reform.scoring.values import has_control_character

# Ids and counts live in PostgreSQL integer columns (4 bytes); SQLite takes 8.
DB_INT_MAX = 2**31 - 1
BIG_INT_MAX = 2**63 - 1
# Notes, explanations, comments, reasons and decisions: long enough for any of them.
TEXT_MAX_LENGTH = 4000
# A path segment is a code or a name; none is anywhere near this long.
SEGMENT_MAX_LENGTH = 200
# Line breaks and tabs are kept in multi-line text; a one-line field keeps tabs only.
MULTILINE_WHITESPACE = "\t\n\r"
LINE_WHITESPACE = "\t"

_INT_RE = re.compile(r"[+-]?[0-9]{1,19}")


# ---- numbers ---------------------------------------------------------------------------------


def bounded_int(text: Any, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """The whole number written in text when it lies in [low, high], else None; never raises."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if low <= text <= high else None
    if not isinstance(text, str) or not _INT_RE.fullmatch(text.strip()):
        return None
    value = int(text.strip())
    return value if low <= value <= high else None


def query_int(name: str, *, low: int = 1, high: int = DB_INT_MAX) -> int | None:
    """An integer filter from the query string; a bad one is ignored and the user is told so."""
    text = request.args.get(name, "")
    if not text.strip():
        return None
    value = bounded_int(text, low=low, high=high)
    if value is None:
        flash(
            _("The filter “%(name)s” was ignored: it is not a valid number.", name=name), "warning"
        )
    return value


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only what a database id can hold; anything larger is a 404."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Checked before int(): Python refuses to read integers of thousands of digits.
        if len(value) > len(str(DB_INT_MAX)):
            raise ValidationError()
        return super().to_python(value)


class CleanStringConverter(UnicodeConverter):
    """A path segment (a code, a name) without control characters and of a sane length."""

    def to_python(self, value: str) -> str:
        if len(value) > SEGMENT_MAX_LENGTH or has_control_character(value):
            raise ValidationError()
        return value


# ---- free text -------------------------------------------------------------------------------


def text_problem(
    text: str | None, *, max_length: int = TEXT_MAX_LENGTH, multiline: bool = True
) -> str | None:
    """What makes a text unfit to store, in the user's language, or None when it is fine."""
    if text is None:
        return None
    # Length first: it is cheap, and a text of megabytes need not be read character by character.
    if len(text.strip()) > max_length:
        return _("At most %(n)s characters.", n=format_number(max_length))
    if has_control_character(text, MULTILINE_WHITESPACE if multiline else LINE_WHITESPACE):
        return _("Remove the invisible control characters (such as NUL) from this text.")
    return None


class SafeText:
    """A WTForms validator: no control characters, and no text longer than `max_length`."""

    def __init__(self, max_length: int = TEXT_MAX_LENGTH, multiline: bool = False) -> None:
        self.max_length = max_length
        self.multiline = multiline

    def __call__(self, form: Any, field: Any) -> None:
        data = field.data
        if isinstance(data, str):
            problem = text_problem(data, max_length=self.max_length, multiline=self.multiline)
            if problem:
                # The first message is the one that matters; the others would only repeat it.
                raise StopValidation(problem)


class SafeInteger:
    """A WTForms validator: a whole number an integer column can hold.

    Checked first: other validators (NumberRange) fail on integers of hundreds of digits.
    """

    def __call__(self, form: Any, field: Any) -> None:
        data = field.data
        if isinstance(data, int) and bounded_int(data, low=-DB_INT_MAX - 1) is None:
            raise StopValidation(_("This number is too large."))


class SafeForm(FlaskForm):
    """A form whose text fields refuse control characters and overlong text, and whose number
    fields refuse numbers no column holds.

    Passwords are left as typed: they are hashed, never stored or searched.
    """

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Any:
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                multiline = isinstance(field, TextAreaField)
                field.validators = [SafeText(multiline=multiline), *field.validators]
            elif isinstance(field, IntegerField):
                field.validators = [SafeInteger(), *field.validators]
            return field


# ---- what may be stored ----------------------------------------------------------------------


class StoredValueRefused(Exception):
    """A value its column cannot hold reached a flush; nothing of the transaction is written."""

    def __init__(self, table: str, column: str, problem: str) -> None:
        super().__init__(f"{table}.{column}: {problem}")
        self.table = table
        self.column = column
        self.problem = problem


def column_problem(column_type: Any, value: Any) -> str | None:
    """Why a column of this type cannot hold the value ('nul', 'length', 'range'), or None."""
    impl = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(value, str):
        if "\x00" in value:
            return "nul"
        length = getattr(impl, "length", None) if isinstance(impl, String) else None
        if length is not None and len(value) > length:
            return "length"
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | float) and isinstance(impl, Numeric):
        number = Decimal(value)
        if not number.is_finite():
            return "range"
        if impl.precision is None or isinstance(impl, Float):
            return None
        # Numeric(14, 4) holds numbers below 10^10; PostgreSQL refuses more, SQLite mangles it.
        whole_digits = impl.precision - (impl.scale or 0)
        return "range" if abs(number) >= Decimal(10) ** whole_digits else None
    if isinstance(value, int) and isinstance(impl, Integer):
        limit = BIG_INT_MAX if isinstance(impl, BigInteger) else DB_INT_MAX
        return "range" if not -limit - 1 <= value <= limit else None
    return None


def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse the flush when any new or changed value does not fit its column.

    Of a changed row only the changed values are checked: a value stored before input was
    checked does not keep its row from being corrected.
    """
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if state.persistent and not state.attrs[attr.key].history.has_changes():
                continue
            value = state.dict.get(attr.key)
            if value is None:
                continue
            column = attr.columns[0]
            problem = column_problem(column.type, value)
            if problem:
                table = getattr(state.mapper.local_table, "name", state.mapper.class_.__name__)
                raise StoredValueRefused(table, column.key, problem)


def _clean_query() -> Response | None:
    """Answer a query string holding control characters with the same page without them."""
    bad = [
        key
        for key, value in request.args.items(multi=True)
        if has_control_character(key) or has_control_character(value, MULTILINE_WHITESPACE)
    ]
    if not bad:
        return None
    if request.method not in ("GET", "HEAD"):
        return Response(_("The address holds characters that cannot be read."), 400)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in bad]
    flash(_("A filter with characters that cannot be read was ignored."), "warning")
    return redirect(request.path + ("?" + urlencode(kept) if kept else ""), code=303)


def init_validation(app: Flask) -> None:
    """Bounded converters for every route (call before blueprints), the query and flush checks."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = CleanStringConverter
    app.url_map.converters["string"] = CleanStringConverter
    app.before_request(_clean_query)
    if not event.contains(Session, "before_flush", _check_flush):
        event.listen(Session, "before_flush", _check_flush)

    @app.errorhandler(StoredValueRefused)
    def stored_value_refused(refused: StoredValueRefused):
        from reform.extensions import db
        from reform.web import render

        db.session.rollback()
        # A value got past the checks of its form: worth a look, but the user only needs to
        # know what to change.
        current_app.logger.warning("refused to store %s", refused)
        return render(
            "errors/error.html",
            status=422,
            title=_("Not saved"),
            message=_(
                "A value is too long or holds characters that cannot be stored (%(field)s). "
                "Shorten or retype it and try again.",
                field=refused.column,
            ),
        )
