"""The stored sort string orders names exactly as the Vietnamese sort key does."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reform.scoring import SORT_STRING_LENGTH, rank, vi_sort_key, vi_sort_string
from reform.scoring.ranking import Entry

MANY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Vowels with every tone, the letters with their own marks, both cases.
VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
LETTERS = [unicodedata.normalize("NFC", base + tone) for base in VOWELS for tone in TONES] + list(
    "bcdđghklmnpqrstvx" + "fjwz"
)
LETTERS += [letter.upper() for letter in LETTERS]

letter = st.sampled_from(LETTERS)
digits = st.text(alphabet="0123456789", min_size=1, max_size=4)
# Now and then a character from anywhere (other scripts, symbols, marks, control characters).
stray = st.characters(exclude_categories=("Cs",))
word = st.lists(st.one_of(letter, letter, letter, digits, stray), min_size=1, max_size=8).map(
    "".join
)
separator = st.sampled_from([" ", " ", " ", "-", ", ", " (", ") ", ".", "  "])


@st.composite
def names(draw: st.DrawFn) -> str:
    """A unit-like name: words and numbers, tones, punctuation, sometimes decomposed."""
    words = draw(st.lists(word, min_size=0, max_size=7))
    text = ""
    for item in words:
        text += item + draw(separator)
    text = text.strip() if draw(st.booleans()) else text
    form = draw(st.sampled_from(["NFC", "NFC", "NFD", None]))
    return unicodedata.normalize(form, text) if form else text


def sign(a, b) -> int:
    return (a > b) - (a < b)


@MANY
@given(names(), names())
@example("Phường 2", "Phường 10")
@example("an", "ản")
@example("ản", "ang")
@example("Sở A-B", "Sở A B")
@example("Hoa", "hoa")
@example("a\x01", "a")
@example("a\x00b", "a\x01")
@example("Phường ²", "Phường 2")
@example("Đ", "Dz")
@example("x" + "9" * 60, "x" + "9" * 59)
def test_same_order_as_the_key(a: str, b: str) -> None:
    assert sign(vi_sort_string(a), vi_sort_string(b)) == sign(vi_sort_key(a), vi_sort_key(b))
    assert len(vi_sort_string(a)) <= SORT_STRING_LENGTH


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(names(), max_size=12))
def test_sorting_a_list_gives_the_same_list(items: list[str]) -> None:
    assert sorted(items, key=vi_sort_string) == sorted(items, key=vi_sort_key)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ăâđêôơưạảấầẩẫậ0123456789 ", min_size=150, max_size=200)))
def test_long_names_stay_in_order_and_in_the_column(items: list[str]) -> None:
    keys = [vi_sort_string(item) for item in items]
    assert all(len(key) <= SORT_STRING_LENGTH for key in keys)
    assert sorted(items, key=vi_sort_string) == sorted(items, key=vi_sort_key)


def test_a_cut_string_never_sorts_after_a_larger_key() -> None:
    names_ = ["界" * 200 + "b", "界" * 200 + "a"]
    keys = [vi_sort_string(name) for name in names_]
    assert all(len(key) == SORT_STRING_LENGTH for key in keys)
    # Cut inside the long common start: equal, where the keys differ; never reversed.
    assert keys[0] == keys[1]


def test_plain_characters_and_no_nul() -> None:
    key = vi_sort_string("Ủy ban nhân dân phường Bến Nghé")
    letters_and_tones = key.split("ủy ban nhân dân phường bến nghé")[0]
    assert letters_and_tones.isascii() and letters_and_tones.isalnum()
    assert "\x00" not in vi_sort_string("a\x00b")


def test_departments_in_dictionary_order() -> None:
    names_ = ["Sở Y tế", "Sở Điện lực", "Sở Dân tộc", "Sở Công thương", "Sở An", "Phường 10"]
    assert sorted(names_, key=vi_sort_string) == [
        "Phường 10",
        "Sở An",
        "Sở Công thương",
        "Sở Dân tộc",
        "Sở Điện lực",
        "Sở Y tế",
    ]


def test_rank_takes_a_stored_key() -> None:
    entries = [Entry("B", "Sở Điện lực", None), Entry("A", "Sở Dân tộc", None)]
    by_name = rank(entries)
    by_string = rank(entries, order=lambda entry: vi_sort_string(entry.name))
    assert [r.item.key for r in by_name] == [r.item.key for r in by_string] == ["A", "B"]
