"""Ranking within a block, with shared ranks for equal published figures, and Vietnamese order."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Generic, Protocol, TypeVar

from reform.scoring.numbers import round2

# The Vietnamese alphabet, with the Latin letters it does not use (f, j, w, z) in their Latin
# places so that foreign names still sort sensibly.
_ALPHABET: Final = tuple("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")
_LETTER_RANK: Final[dict[str, int]] = {letter: rank for rank, letter in enumerate(_ALPHABET)}

# Combining marks that make a different letter (ă â ê ô ơ ư) rather than a tone.
_LETTER_MARKS: Final = {"\u0306", "\u0302", "\u031b"}
# Tones in dictionary order: none (0), huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK: Final[dict[str, int]] = {
    "\u0300": 1,  # huyền (grave)
    "\u0309": 2,  # hỏi (hook above)
    "\u0303": 3,  # ngã (tilde)
    "\u0301": 4,  # sắc (acute)
    "\u0323": 5,  # nặng (dot below)
}
# Digit runs sort before letters and by numeric value ("Phường 2" before "Phường 10").
_NUMBER_BASE: Final = -(10**40)
_UNKNOWN_BASE: Final = 1000

WordKey = tuple[tuple[int, ...], tuple[int, ...]]
T = TypeVar("T")


def _word_key(word: str) -> WordKey:
    """Letters then tones of one decomposed, lower-case word (syllable)."""
    letters: list[int] = []
    tones: list[int] = []
    digits = ""
    index = 0
    while index < len(word):
        char = word[index]
        index += 1
        # Decimal digits only: "²" is a digit to isdigit() but int() cannot read it.
        if char.isdecimal():
            digits += char
            continue
        if digits:
            letters.append(_NUMBER_BASE + int(digits))
            digits = ""
        marks = ""
        while index < len(word) and unicodedata.combining(word[index]):
            marks += word[index]
            index += 1
        letter = unicodedata.normalize(
            "NFC", char + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        rank = _LETTER_RANK.get(letter)
        if rank is None:
            rank = _LETTER_RANK.get(char, _UNKNOWN_BASE + ord(char))
        letters.append(rank)
        tones.extend(_TONE_RANK[m] for m in marks if m in _TONE_RANK)
    if digits:
        letters.append(_NUMBER_BASE + int(digits))
    return tuple(letters), tuple(tones)


def vi_sort_key(name: str) -> tuple[tuple[WordKey, ...], str, str]:
    """Sort key for Vietnamese names, as dictionaries order them.

    Words (syllables) are compared in turn; within a word the letters in the order
    a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y come first, then the tone
    (none, huyền, hỏi, ngã, sắc, nặng). Case is ignored; precomposed and decomposed text sort
    alike; punctuation only separates words. Ties fall back to the text itself for a stable order.
    """
    decomposed = unicodedata.normalize("NFD", name).lower()
    words: list[str] = []
    current = ""
    for char in decomposed:
        if char.isalnum() or (unicodedata.combining(char) and current):
            current += char
        elif current:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    composed = unicodedata.normalize("NFC", name)
    return tuple(_word_key(word) for word in words), composed.casefold(), composed


# ---- the same order as plain text ------------------------------------------------------------
#
# A database orders text, not tuples. `vi_sort_string` writes `vi_sort_key` as text whose plain
# code-point order (Python's, SQLite's BINARY, PostgreSQL's "C" collation) is the key's order.
# Sequences end with a character below every element, so a shorter sequence sorts first as in a
# tuple; every element's code is prefix-free, so codes concatenate without separators.
SORT_STRING_LENGTH: Final = 1200
_DIGITS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE: Final = len(_DIGITS)
_END: Final = _DIGITS[0]
# Before every letter: a word mark in a sequence of words, a digit run in a word's letters.
_MARK: Final = _DIGITS[1]
# Letters (0 to 32) and tones (1 to 5) take one character each; larger values (letters outside
# the alphabet) take a prefix, a length and their digits.
_SMALL_LIMIT: Final = _BASE - 3
_LARGE: Final = _DIGITS[_BASE - 1]
# Ends a tie-break text; NUL (no database stores it) and U+0001 inside one are escaped.
_TEXT_END: Final = "\x01\x01"


def _unsigned(number: int) -> str:
    """A whole number ≥ 0 as its digit count (two characters) and base-62 digits."""
    digits = ""
    while True:
        number, digit = divmod(number, _BASE)
        digits = _DIGITS[digit] + digits
        if number == 0:
            break
    count = len(digits)
    if count >= _BASE * _BASE:
        raise ValueError("number too large for a sort string")
    return _DIGITS[count // _BASE] + _DIGITS[count % _BASE] + digits


def _element(value: int) -> str:
    """One letter, tone or digit run of a word key, as prefix-free ordered text."""
    if 0 <= value < _SMALL_LIMIT:
        return _DIGITS[2 + value]
    if value >= _SMALL_LIMIT:
        return _LARGE + _unsigned(value - _SMALL_LIMIT)
    if value >= _NUMBER_BASE:
        return _MARK + _unsigned(value - _NUMBER_BASE)
    raise ValueError("not a value of a word key")


def _sequence(values: tuple[int, ...]) -> str:
    """A tuple of word-key values, ended so that a prefix sorts first."""
    return "".join(_element(value) for value in values) + _END


def _escaped(text: str) -> str:
    """Text with NUL and U+0001 written as U+0001 and one more character, in the same order."""
    return text.replace("\x01", "\x01\x03").replace("\x00", "\x01\x02")


def vi_sort_string(name: str) -> str:
    """`vi_sort_key(name)` as text that sorts in the same order under plain code-point order.

    For two names, comparing their strings gives the same answer as comparing their keys.
    Letters and tones are base-62 characters; the two tie-break texts follow as they are
    (escaped). The string is cut at SORT_STRING_LENGTH characters (a name of 200 Vietnamese
    characters stays far below): a cut string still never sorts after a larger key.
    """
    words, folded, composed = vi_sort_key(name)
    parts = [_MARK + _sequence(letters) + _sequence(tones) for letters, tones in words]
    text = "".join(parts) + _END + _escaped(folded) + _TEXT_END + _escaped(composed)
    return text[:SORT_STRING_LENGTH]


def vi_sorted(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """Items in the Vietnamese order of their names (`vi_sort_key`): users, blocks, campaigns.

    Units carry the same order stored (`Unit.sort_key`, their `vi_sort_string`), so a query can
    order them in the database instead.
    """
    return sorted(items, key=lambda item: vi_sort_key(name(item)))


def vi_fold(text: str) -> str:
    """Text without case or diacritics ("Đắk Lắk" → "dak lak"), for searches typed either way."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.replace("đ", "d").split())


class Rankable(Protocol):
    """Anything with a name and a value (None: no figure yet)."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Entry:
    """A simple rankable item: a unit's key (e.g. its code), name and value."""

    key: str
    name: str
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    """An item with its rank (None when it has no value) and the published figure ranked on."""

    rank: int | None
    shown: Decimal | None
    item: T


def rank(
    entries: Iterable[T],
    *,
    value: Callable[[T], Decimal | None] = lambda entry: entry.value,  # type: ignore[attr-defined]
    name: Callable[[T], str] = lambda entry: entry.name,  # type: ignore[attr-defined]
    order: Callable[[T], Any] | None = None,
) -> list[Ranked[T]]:
    """Rank highest first on the value rounded to 2 places (the published figure).

    Equal published figures share a rank and the next rank skips (1, 2, 2, 4): a rank is 1 plus
    the number of strictly higher figures. Inside a tie, items are listed by name in Vietnamese
    order. Items without a value come last, by name, with rank None. `order` may give each
    item's name key already computed (e.g. its stored `vi_sort_string`): same order, less work.
    """
    name_key = order or (lambda entry: vi_sort_key(name(entry)))
    scored: list[tuple[Decimal | None, Any, T]] = []
    for entry in entries:
        raw = value(entry)
        scored.append((None if raw is None else round2(raw), name_key(entry), entry))
    with_value = sorted(
        (item for item in scored if item[0] is not None),
        key=lambda item: (-item[0], item[1]),  # type: ignore[operator]
    )
    without = sorted((item for item in scored if item[0] is None), key=lambda item: item[1])
    ranked: list[Ranked[T]] = []
    previous: Decimal | None = None
    current_rank = 0
    for position, (shown, _, entry) in enumerate(with_value, start=1):
        if shown != previous:
            current_rank = position
            previous = shown
        ranked.append(Ranked(current_rank, shown, entry))
    ranked.extend(Ranked(None, None, entry) for _, _, entry in without)
    return ranked
