"""Every list of names is in Vietnamese dictionary order, not code-point order, and not by code.

Code-point order puts "Âm Sơn", "Điện Biên" and "Đông Thành" after "Tân An" and "Hòa Bình"
before "Hạc Thành"; the codes below run the other way round, so a list ordered by code fails too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reform.extensions import db
from reform.models import Block, Submission
from reform.scoring import vi_sorted

# Vietnamese order; each code sorts before the code of the name above it.
NAMES = ["Âm Sơn", "Điện Biên", "Đông Thành", "Hạc Thành", "Hòa Bình", "Tân An"]
CODES = ["F6", "E5", "D4", "C3", "B2", "A1"]


def order_in(html: str, names=NAMES) -> list[str]:
    """The names in the order they first appear in the text."""
    found = [name for name in names if name in html]
    return sorted(found, key=html.index)


def region(html: str, start: str, end: str) -> str:
    """The text between two markers (the first `end` after `start`)."""
    begin = html.index(start)
    return html[begin : html.index(end, begin + len(start))]


@pytest.fixture
def wards(make_unit, units):
    return [
        make_unit(code, name, kind="ward", block_code="PHUONG", parent=units["province"])
        for code, name in zip(CODES, NAMES, strict=True)
    ]


@pytest.fixture
def ward_campaign(wards, users, rules_framework):
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    day = today()
    return create_campaign(
        "PAR-VN",
        "Chỉ số CCHC phường",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=list(reversed(wards)),
    )


def test_the_one_helper_orders_like_a_dictionary():
    assert vi_sorted(reversed(NAMES), lambda name: name) == NAMES
    assert sorted(NAMES) != NAMES  # code points would not


def test_unit_directory_and_admin_lists_go_by_name(login_as, wards):
    c = login_as("secretariat")
    assert order_in(c.get("/units/").get_data(as_text=True)) == NAMES
    # The admin tree (the wards under their province) and a filtered flat list.
    assert order_in(c.get("/admin/units").get_data(as_text=True)) == NAMES
    filtered = c.get("/admin/units?kind=ward").get_data(as_text=True)
    assert order_in(filtered) == NAMES
    # The parent picker of the unit form too.
    form = c.get("/admin/units/new").get_data(as_text=True)
    assert order_in(region(form, 'id="parent_id"', "</select>")) == NAMES


def test_users_and_blocks_go_by_name(login_as, make_user, make_unit, wards):
    for name in reversed(NAMES):
        make_user(f"u{NAMES.index(name)}", ["officer"], wards[0], full_name=f"{name} Nguyễn")
    for code, name in zip(CODES, NAMES, strict=True):
        make_unit(f"X{code}", f"Xã {name}", kind="commune", block_code=f"K{code}")
        block = db.session.scalar(db.select(Block).where(Block.code == f"K{code}"))
        block.name = f"Khối {name}"
    db.session.commit()
    c = login_as("admin")
    users = c.get("/admin/users").get_data(as_text=True)
    assert order_in(users, [f"{n} Nguyễn" for n in NAMES]) == [f"{n} Nguyễn" for n in NAMES]
    blocks = c.get("/admin/blocks").get_data(as_text=True)
    assert order_in(blocks, [f"Khối {n}" for n in NAMES]) == [f"Khối {n}" for n in NAMES]
    people = c.get(f"/units/{wards[0].id}").get_data(as_text=True)
    assert order_in(people, [f"{n} Nguyễn" for n in NAMES]) == [f"{n} Nguyễn" for n in NAMES]


def test_campaign_pages_list_units_by_name(login_as, ward_campaign):
    c = login_as("secretariat")
    assert order_in(c.get("/campaigns/PAR-VN").get_data(as_text=True)) == NAMES
    assert order_in(c.get("/campaigns/PAR-VN/survey").get_data(as_text=True)) == NAMES
    assert order_in(c.get("/campaigns/PAR-VN/publish").get_data(as_text=True)) == NAMES
    audit = login_as("leader").get("/campaigns/PAR-VN/audit").get_data(as_text=True)
    assert order_in(region(audit, 'id="unit"', "</select>")) == NAMES
    assignments = c.get("/campaigns/PAR-VN/assignments").get_data(as_text=True)
    assert order_in(region(assignments, 'id="submission_id"', "</select>")) == NAMES


def test_evaluators_are_listed_by_name(login_as, make_user, ward_campaign):
    for position, name in enumerate(reversed(NAMES)):
        make_user(f"ev{position}", ["evaluator"], full_name=f"{name} Trần")
    html = login_as("secretariat").get("/campaigns/PAR-VN/assignments").get_data(as_text=True)
    evaluators = [f"{n} Trần" for n in NAMES]
    assert order_in(region(html, 'id="evaluator_id"', "</select>"), evaluators) == evaluators


def test_the_queue_shows_unfinished_work_first_then_by_name(login_as, users, ward_campaign):
    from reform.services.assignments import assign

    assign(
        ward_campaign,
        users["evaluator"],
        block_id=ward_campaign.blocks[0].block_id,
        actor=users["secretariat"],
    )
    closed = {"Âm Sơn", "Hạc Thành"}
    for submission in db.session.scalars(
        db.select(Submission).where(Submission.campaign_id == ward_campaign.id)
    ):
        if submission.unit.name in closed:
            submission.appraisal_closed_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    html = login_as("evaluator").get("/appraisal/queue").get_data(as_text=True)
    assert order_in(html) == [
        "Điện Biên",
        "Đông Thành",
        "Hòa Bình",
        "Tân An",
        "Âm Sơn",
        "Hạc Thành",
    ]
