"""Odd and hostile input to the pledge, the registration and the catalogue: refused with a
message (or 400 for a forged form), never a 500, and nothing stored."""

from __future__ import annotations

import pytest
from emulation_world import build_world, title_id
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import Pledge, Registration, Title


@pytest.fixture
def world(units, users, make_unit, make_user):
    return build_world(units, users, make_unit, make_user)


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"text": "Giao ước"}, 400),  # no version: only a forged form lacks it
        ({"version": "abc", "text": "Giao ước"}, 400),
        ({"version": "99999999999999999999", "text": "Giao ước"}, 400),
        ({"version": "-1", "text": "Giao ước"}, 400),
        ({"version": "0", "text": "x" * 20_001}, 422),
        ({"version": "0", "text": "Giao\x00ước"}, 422),
        ({"version": "0", "text": "Giao\x07ước"}, 422),
        ({"version": "7", "text": "Giao ước"}, 422),  # a version that never existed
    ],
)
def test_odd_pledge_input(app, world, login_as, data, status):
    url = f"/emulation/{world.campaign.code}/clusters/{world.cluster_a.id}/pledge"
    assert login_as("head").post(url, data=data).status_code == status
    assert count(Pledge) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"version": "0", "title_id": "abc", "targets": "x"},
        {"version": "0", "title_id": "-5", "targets": "x"},
        {"version": "0", "title_id": "99999999999999", "targets": "x"},
        {"version": "0", "title_id": "999999", "targets": "x"},
        {"version": "0", "targets": "x" * 5000},
        {"version": "0", "targets": "a\x00b"},
        {"version": "0", "people-0-full_name": "A" * 201, "people-0-title_id": "{cn}"},
        {"version": "0", "people-0-full_name": "Lê\x00A", "people-0-title_id": "{cn}"},
        {"version": "0", "people-0-full_name": "Lê A", "people-0-title_id": "abc"},
        {"version": "0", "people-0-full_name": "Lê A", "people-0-job_title": "x" * 300},
    ],
)
def test_odd_registration_input_is_refused_beside_the_field(app, world, login_as, data):
    data = {k: v.replace("{cn}", str(title_id("CN-LDTT"))) for k, v in data.items()}
    r = login_as("officer").post(f"/emulation/{world.campaign.code}/registration", data=data)
    assert r.status_code == 422
    assert 'class="error"' in r.get_data(as_text=True)
    assert count(Registration) == 0


def test_too_many_people_rows_are_refused(app, world, login_as):
    data = {"version": "0", "targets": "x", "title_id": str(title_id("TT-LDTT"))}
    for n in range(301):
        data[f"people-{n}-full_name"] = f"Người {n}"
        data[f"people-{n}-title_id"] = str(title_id("CN-LDTT"))
    r = login_as("officer").post(f"/emulation/{world.campaign.code}/registration", data=data)
    assert r.status_code == 422
    assert count(Registration) == 0


@pytest.mark.parametrize("version", ["", "x", "99999999999999999999"])
def test_forged_versions_on_the_other_steps(app, world, login_as, version):
    code, a = world.campaign.code, world.cluster_a.id
    head = login_as("head")
    assert (
        head.post(
            f"/emulation/{code}/clusters/{a}/pledge/sign", data={"version": version}
        ).status_code
        == 400
    )
    assert (
        head.post(f"/emulation/{code}/registration/withdraw", data={"version": version}).status_code
        == 400
    )


def test_odd_deadlines_and_titles(app, world, login_as):
    sec = login_as("secretariat")
    url = f"/emulation/{world.campaign.code}/registration-deadline"
    for text in ("2026-13-01", "hôm nay", "9" * 40, "2026-02-30\x00"):
        assert sec.post(url, data={"registration_closes_on": text}).status_code == 422, text
    before = count(Title)
    for position in ("", "1.5", "abc"):
        data = {
            "code": "TT-X",
            "name": "X",
            "scope": "collective",
            "kind": "title",
            "level": "unit",
            "position": position,
        }
        assert sec.post("/emulation/titles/new", data=data).status_code == 422, position
    assert count(Title) == before
