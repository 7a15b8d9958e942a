"""Every interface string has a Vietnamese translation, and the catalog compiles.

The sources are extracted exactly as `make extract` does, into a temporary template, so a
string added to the code or a template without a translation fails here with its msgid.
"""

from __future__ import annotations

import re
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "reform" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
# The same keywords as the `extract` target of the Makefile.
EXTRACT_KEYWORDS = ("_l", "lazy_gettext")
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]")
HOW_TO_FIX = (
    "Run `make extract`, then translate these in "
    "reform/translations/vi/LC_MESSAGES/messages.po (no fuzzy entries):"
)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text)}


def _describe(message: Message) -> str:
    text = " | ".join(_ids(message))
    if message.context:
        text = f"[{message.context}] {text}"
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    return f"  {text!r}" + (f"  ({where})" if where else "")


def _read_vi() -> Catalog:
    with VI_PO.open("rb") as fh:
        return read_po(fh, locale="vi", abort_invalid=True)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages the sources use today, extracted into a throwaway template."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
    command += ["-F", "babel.cfg", "-o", str(pot)]
    for keyword in EXTRACT_KEYWORDS:
        command += ["-k", keyword]
    command.append(".")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"extraction failed:\n{done.stdout}\n{done.stderr}"
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    assert len([m for m in catalog if m.id]) > 0, "extraction found no messages"
    return catalog


@pytest.fixture(scope="module")
def vi_catalog() -> Catalog:
    return _read_vi()


def test_every_source_message_has_a_vietnamese_translation(
    source_messages: Catalog, vi_catalog: Catalog
) -> None:
    missing = []
    for message in source_messages:
        if not message.id:
            continue
        translated = vi_catalog.get(message.id, message.context)
        if (
            translated is None
            or _ids(translated) != _ids(message)
            or translated.fuzzy
            or not all(s.strip() for s in _strings(translated))
        ):
            missing.append(_describe(message))
    assert not missing, "\n".join(
        [f"{len(missing)} message(s) without a Vietnamese translation.", HOW_TO_FIX, *missing]
    )


def test_translations_keep_the_placeholders_of_their_msgid(vi_catalog: Catalog) -> None:
    wrong = []
    for message in vi_catalog:
        if not message.id or not any(_strings(message)):
            continue
        expected = set().union(*(_placeholders(text) for text in _ids(message)))
        for text in _strings(message):
            found = _placeholders(text)
            if found != expected:
                wrong.append(
                    f"{_describe(message)}: expected {sorted(expected)}, found {sorted(found)}"
                )
    assert not wrong, "Translations whose %(name)s placeholders differ:\n" + "\n".join(wrong)


def test_the_vietnamese_catalog_is_complete_and_has_one_plural_form(vi_catalog: Catalog) -> None:
    assert vi_catalog.locale is not None and str(vi_catalog.locale) == "vi"
    assert vi_catalog.num_plurals == 1 and vi_catalog.plural_expr == "0"
    assert not vi_catalog.fuzzy, "the catalog header is marked fuzzy"
    fuzzy = [_describe(m) for m in vi_catalog if m.id and m.fuzzy]
    assert not fuzzy, "Fuzzy entries left in the catalog:\n" + "\n".join(fuzzy)
    too_many = [_describe(m) for m in vi_catalog if m.pluralizable and len(m.string) != 1]
    assert not too_many, "Plural entries must have exactly msgstr[0]:\n" + "\n".join(too_many)


def test_the_vietnamese_catalog_compiles() -> None:
    catalog = _read_vi()
    errors = [f"{_describe(m)}: {error}" for m, errs in catalog.check() for error in errs]
    assert not errors, "The catalog does not compile cleanly:\n" + "\n".join(errors)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = Translations(fp=compiled)
    assert translations.gettext("Sign in") == "Đăng nhập"
    assert translations.ngettext("%(num)s unit", "%(num)s units", 5) == "%(num)s đơn vị"
