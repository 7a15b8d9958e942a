"""Unit kinds are data words (ward, special_zone...): the interface names them in its language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reform.services.campaigns import PhaseDates, create_campaign
from reform.services.phases import today


def _english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    return client


def test_the_framework_tree_says_who_a_criterion_is_for(login_as, rules_framework):
    c = login_as("secretariat")
    html = c.get(f"/frameworks/{rules_framework.id}").get_data(as_text=True)
    assert "Chỉ áp dụng cho: Phường" in html
    assert "Chỉ áp dụng cho: ward" not in html
    # The max each kind can reach, by the kind's name.
    assert "Điểm tối đa (Phường)" in html
    html = _english(c).get(f"/frameworks/{rules_framework.id}").get_data(as_text=True)
    assert "Only for: Ward" in html and "Max points (Ward)" in html


def test_several_kinds_and_an_unknown_one(app):
    from reform.i18n import kind_choices, unit_kinds_text

    with app.test_request_context("/"):
        assert unit_kinds_text(["commune", "special_zone", "trung_tam"]) == (
            "Xã; Đặc khu; trung_tam"
        )
        assert [label for _k, label in kind_choices(["ward", "special_zone", "commune"])] == [
            "Đặc khu",
            "Phường",
            "Xã",
        ]


def test_the_unit_admin_names_kinds(login_as, units, make_unit):
    unknown = make_unit("TT1", "Trung tâm Phục vụ hành chính công", kind="trung_tam")
    c = login_as("admin")
    html = c.get("/admin/units").get_data(as_text=True)
    for label in ("Sở, ban, ngành", "Phường", "Tỉnh, thành phố", "trung_tam"):
        assert f">{label}</option>" in html, label
    assert '<option value="special_zone"' not in html  # only kinds in use are offered
    assert ">department</option>" not in html and ">ward</option>" not in html
    assert "STP · Sở, ban, ngành" in html
    assert "TT1 · trung_tam" in html
    assert "Phường" in c.get(f"/units/{units['ward'].id}").get_data(as_text=True)
    english = _english(c).get("/admin/units").get_data(as_text=True)
    assert ">Department</option>" in english and "STP · Department" in english
    assert unknown.kind == "trung_tam"


@pytest.fixture
def mixed_block(make_unit, users, rules_framework):
    members = [
        make_unit("X1", "Xã Mường Nhé", kind="commune", block_code="XA"),
        make_unit("DK", "Đặc khu Côn Đảo", kind="special_zone", block_code="XA"),
    ]
    day = today()
    return create_campaign(
        "PAR-XA",
        "Chỉ số CCHC xã",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=members,
    )


def test_the_ranking_filter_offers_kinds_by_name(login_as, mixed_block):
    html = login_as("leader").get("/rankings/PAR-XA").get_data(as_text=True)
    assert '<option value="special_zone">Đặc khu</option>' in html
    assert '<option value="commune">Xã</option>' in html
    assert html.index(">Đặc khu</option>") < html.index(">Xã</option>")
    assert "special_zone</option>" not in html


def test_comparing_versions_names_the_kinds(login_as, rules_framework):
    from helpers import RULES_FRAMEWORK

    from reform.services.frameworks import import_framework

    newer = import_framework(
        RULES_FRAMEWORK.replace("version: 1", "version: 2").replace(
            "applies_to: [ward]", "applies_to: [ward, special_zone]"
        )
    )
    html = login_as("secretariat").get(f"/frameworks/{newer.id}/compare").get_data(as_text=True)
    assert "<del>Phường</del> → <ins>Đặc khu; Phường</ins>" in html
    assert "[&#39;ward&#39;]" not in html and "['ward']" not in html
