"""Bands on the published figure, ranking with ties, and Vietnamese alphabetical order."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal as D

import pytest

from reform.scoring import Band, Entry, band_for, rank, vi_sort_key

BANDS = (Band(D(90), "A"), Band(D(80), "B"), Band(D(70), "C"), Band(D(0), "D"))


class TestBands:
    @pytest.mark.parametrize(
        ("value", "label"),
        [
            (D(100), "A"),
            (D(90), "A"),
            (D("89.99"), "B"),
            (D("89.995"), "A"),  # published as 90.00, so banded A
            (D("89.994999"), "B"),
            (D(80), "B"),
            (D("69.99"), "D"),
            (D(0), "D"),
        ],
    )
    def test_band_of_the_published_figure(self, value: D, label: str) -> None:
        assert band_for(value, BANDS) == label

    def test_no_value(self) -> None:
        assert band_for(None, BANDS) is None

    def test_below_every_band(self) -> None:
        assert band_for(D(40), (Band(D(50), "Đạt"),)) is None

    def test_order_of_bands_does_not_matter(self) -> None:
        assert band_for(D(85), tuple(reversed(BANDS))) == "B"

    def test_fractional_threshold(self) -> None:
        assert band_for(D("72.49"), (Band(D("72.5"), "Khá"), Band(D(0), "TB"))) == "TB"
        assert band_for(D("72.5"), (Band(D("72.5"), "Khá"), Band(D(0), "TB"))) == "Khá"


class TestRank:
    def test_ties_share_a_rank_and_the_next_skips(self) -> None:
        entries = [
            Entry("STC", "Sở Tài chính", D("67.81")),
            Entry("SYT", "Sở Y tế", D("90.10")),
            Entry("SXD", "Sở Xây dựng", D("67.81")),
            Entry("STP", "Sở Tư pháp", D("70")),
        ]
        ranked = rank(entries)
        assert [(r.rank, r.item.key) for r in ranked] == [
            (1, "SYT"),
            (2, "STP"),
            (3, "STC"),
            (3, "SXD"),
        ]

    def test_ties_on_the_published_figure(self) -> None:
        entries = [Entry("a", "Bắc", D("81.334")), Entry("b", "An", D("81.3349"))]
        ranked = rank(entries)
        assert [r.rank for r in ranked] == [1, 1]
        assert [r.item.name for r in ranked] == ["An", "Bắc"]
        assert ranked[0].shown == D("81.33")

    def test_one_two_two_four(self) -> None:
        values = ["9", "8", "8", "7", "7", "7", "1"]
        ranked = rank(Entry(str(i), f"U{i}", D(v)) for i, v in enumerate(values))
        assert [r.rank for r in ranked] == [1, 2, 2, 4, 4, 4, 7]

    def test_units_without_value_last_unranked(self) -> None:
        entries = [
            Entry("x", "Xã Yên", None),
            Entry("y", "Phường An", D(5)),
            Entry("z", "Ấp", None),
        ]
        ranked = rank(entries)
        assert [(r.rank, r.item.name) for r in ranked] == [
            (1, "Phường An"),
            (None, "Ấp"),
            (None, "Xã Yên"),
        ]

    def test_empty(self) -> None:
        assert rank([]) == []

    def test_any_object_with_accessors(self) -> None:
        @dataclass
        class Row:
            unit_name: str
            index: D | None

        rows = [Row("B", D(1)), Row("A", D(2))]
        ranked = rank(rows, value=lambda row: row.index, name=lambda row: row.unit_name)
        assert [r.item.unit_name for r in ranked] == ["A", "B"]


def ordered(*names: str) -> list[str]:
    """Names sorted with the Vietnamese key."""
    return sorted(names, key=vi_sort_key)


class TestVietnameseOrder:
    def test_d_stroke_after_d_before_e(self) -> None:
        names = ["Ea Súp", "Đồng Xoài", "Dương Minh Châu", "Duy Xuyên", "Đà Lạt", "Dầu Tiếng"]
        assert ordered(*names) == [
            "Dầu Tiếng",
            "Duy Xuyên",
            "Dương Minh Châu",
            "Đà Lạt",
            "Đồng Xoài",
            "Ea Súp",
        ]

    def test_departments(self) -> None:
        names = [
            "Sở Y tế",
            "Sở Xây dựng",
            "Sở Tư pháp",
            "Sở Tài chính",
            "Sở Nội vụ",
            "Sở Công Thương",
        ]
        assert ordered(*names) == [
            "Sở Công Thương",
            "Sở Nội vụ",
            "Sở Tài chính",
            "Sở Tư pháp",
            "Sở Xây dựng",
            "Sở Y tế",
        ]

    def test_letters_with_marks_follow_their_base(self) -> None:
        assert ordered("ư", "u", "v", "ơ", "ô", "o", "ă", "â", "a", "b", "ê", "e") == [
            "a", "ă", "â", "b", "e", "ê", "o", "ô", "ơ", "u", "ư", "v",
        ]  # fmt: skip

    def test_tone_order(self) -> None:
        assert ordered("mạ", "má", "mã", "mả", "mà", "ma") == ["ma", "mà", "mả", "mã", "má", "mạ"]

    def test_letters_before_tones(self) -> None:
        # "an" < "ản" on tones, but "ản" < "ang" on letters.
        assert ordered("ang", "ản", "an") == ["an", "ản", "ang"]

    def test_word_by_word(self) -> None:
        assert ordered("Hòa Bình", "Hoa Lư", "Hoà An") == ["Hoa Lư", "Hoà An", "Hòa Bình"]

    def test_case_insensitive(self) -> None:
        assert vi_sort_key("ĐÀ NẴNG")[0] == vi_sort_key("đà nẵng")[0]
        assert ordered("bắc", "AN") == ["AN", "bắc"]

    def test_decomposed_and_precomposed_alike(self) -> None:
        for name in ["Đồng Tháp", "Thừa Thiên Huế", "Quảng Ngãi", "Hà Tĩnh", "ợ"]:
            decomposed = unicodedata.normalize("NFD", name)
            assert decomposed != name or name.isascii()
            assert vi_sort_key(decomposed) == vi_sort_key(name)

    def test_numbers_in_names(self) -> None:
        assert ordered("Phường 10", "Phường 2", "Phường An") == [
            "Phường 2",
            "Phường 10",
            "Phường An",
        ]

    def test_punctuation_separates_words(self) -> None:
        key = vi_sort_key("Sở Lao động - Thương binh và Xã hội")[0]
        assert len(key) == 8
