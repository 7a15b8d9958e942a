"""One Vietnamese term per idea: the rejected synonyms stay out of the catalogue and the docs.

A reader of the official texts found the same thing named several ways ("giá trị trực tiếp",
"giá trị hiện hành" and "số liệu tạm tính" for unpublished figures; "điểm %" for percentage
points). The chosen terms are in the glossary below; each rejected variant names its
replacement so whoever adds a string sees what to write instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
VI_PO = ROOT / "reform" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
VI_DOCS = sorted((ROOT / "docs").glob("*.vi.md"))

# Rejected variant (a regular expression, case-insensitive) → the term to use instead.
# "bộ tiêu chí" is the app's word for any framework (PAR index, emulation sheet, a person's
# sheet), as in the glossary of the domain notes; a framework's own name is data, written as
# its decision titles it ("Bộ Chỉ số CCHC ..."), so YAML examples in code blocks are not read.
REJECTED = {
    r"điểm\s*%(?!\()": "điểm phần trăm",  # not "thời điểm %(time)s"
    r"bản đồ nhiệt": "biểu đồ nhiệt",
    # "giả định" alone is also "an assumption" (the commendation rules list theirs).
    r"(xếp hạng|kịch bản|phân tích|bảng|tình huống|trang|chế độ) giả định": "mô phỏng (what-if)",
    r"hàng chờ|hàng đợi": "danh sách chờ thẩm định",
    r"bộ chỉ số": "bộ tiêu chí",
    r"ngưỡng xếp loại": "mức xếp loại",
    r"(giá trị|số liệu|bảng xếp hạng|xếp hạng) (trực tiếp|hiện hành)": "số liệu tạm tính",
    r"\(trực tiếp\)|\(hiện hành\)|trực tiếp\s*[—-]\s*chưa công bố": "tạm tính",
}
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def _catalogue_texts() -> list[tuple[str, str]]:
    with VI_PO.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        out.extend((f"msgid {ids[0]!r}", text) for text in strings if text)
    return out


def _doc_texts() -> list[tuple[str, str]]:
    out = []
    for path in VI_DOCS:
        # Line breaks inside a paragraph must not hide a phrase split over two lines.
        prose = FENCE.sub("", path.read_text(encoding="utf-8"))
        out.append((path.name, " ".join(prose.split())))
    return out


def _offences(texts: list[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        for pattern, instead in REJECTED.items():
            for match in re.finditer(pattern, text, re.I):
                found.append(f"{where}: “{match.group(0)}” → write “{instead}”")
    return found


def test_the_catalogue_uses_one_term_per_idea():
    assert not _offences(_catalogue_texts())


def test_the_vietnamese_docs_use_one_term_per_idea():
    assert VI_DOCS, "no Vietnamese docs found"
    assert not _offences(_doc_texts())


@pytest.mark.parametrize(
    "text",
    [
        "+0,51 điểm %",
        "Bản đồ nhiệt",
        "Xếp hạng giả định",
        "Hàng chờ thẩm định",
        "Mã bộ chỉ số",
        "Ngưỡng xếp loại",
        "Giá trị trực tiếp",
        "giá trị hiện hành",
        "Trực tiếp — chưa công bố",
    ],
)
def test_each_rejected_variant_is_caught(text):
    assert _offences([("sample", text)])


def test_the_chosen_terms_pass():
    chosen = (
        "Số liệu tạm tính — chưa công bố · +0,51 điểm phần trăm · Biểu đồ nhiệt · Mô phỏng · "
        "Danh sách chờ thẩm định · Mã bộ tiêu chí · Mức xếp loại · Xem phiên bản hiện hành · "
        "Người chấm nhập điểm trực tiếp"
    )
    assert not _offences([("sample", chosen)])
