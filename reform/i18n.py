"""Language choice and the locale-aware formatting used by templates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from reform.scoring import vi_sort_key


def select_locale() -> str:
    """The user's saved language, else this browser's choice, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_vietnamese() -> bool:
    """True when the interface speaks Vietnamese."""
    return str(get_locale()).startswith("vi")


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in Vietnamese, the English medium form otherwise."""
    if value is None:
        return ""
    return format_date(value, "dd/MM/yyyy" if is_vietnamese() else "d MMM yyyy")


def fmt_datetime(value: datetime | None) -> str:
    """Date and time in the chosen locale and the configured time zone."""
    if value is None:
        return ""
    return format_datetime(value, "dd/MM/yyyy HH:mm" if is_vietnamese() else "d MMM yyyy, HH:mm")


def fmt_number(value: Decimal | int | float | None, places: int = 2) -> str:
    """A number with the locale's separators (decimal comma in Vietnamese)."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern)


def init_i18n(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel and expose the formatters to templates."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    app.jinja_env.filters.update(
        date=fmt_date, datetime=fmt_datetime, number=fmt_number, unit_kind=unit_kind_label
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, unit_kinds_text=unit_kinds_text, kind_choices=kind_choices
    )


def role_label(role: str) -> str:
    """The role's name in the interface language."""
    labels = {
        "admin": _l("Administrator"),
        "secretariat": _l("Council secretariat"),
        "evaluator": _l("Evaluator"),
        "leader": _l("Leader"),
        "head": _l("Unit head"),
        "officer": _l("Unit officer"),
    }
    return str(labels[role])


# Unit kinds are free words in the data (frameworks name them in applies_to); the usual ones
# get a name in each language, any other shows as written.
_UNIT_KINDS = {
    "department": _l("Department"),
    "commune": _l("Commune"),
    "ward": _l("Ward"),
    "special_zone": _l("Special zone"),
    "district": _l("District"),
    "province": _l("Province"),
    "city": _l("City"),
    "town": _l("Township"),
    "agency": _l("Agency"),
    "ministry": _l("Ministry"),
    "public_service": _l("Public service unit"),
    "school": _l("School"),
}


def unit_kind_label(kind: str | None) -> str:
    """A unit kind's name in the interface language (a kind not known here, as written)."""
    if not kind:
        return ""
    label = _UNIT_KINDS.get(kind)
    return str(label) if label is not None else kind


def unit_kinds_text(kinds: Iterable[str] | None) -> str:
    """Several unit kinds by name, in the order given; semicolons, as names hold commas."""
    return "; ".join(unit_kind_label(kind) for kind in kinds or ())


def kind_choices(kinds: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, name) pairs for a picker, in the Vietnamese order of the names."""
    return sorted(((k, unit_kind_label(k)) for k in kinds), key=lambda pair: vi_sort_key(pair[1]))
