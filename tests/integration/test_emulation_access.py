"""What tests/integration/test_pledge_registration_access.py leaves out: the form posts of the
titles catalogue and the registration deadline against every person, and one unit's
registration read by the other units of its cluster and of the other cluster.

The people are those of tests/emulation_world.py: `head` and `officer` of Sở Tư pháp, cluster
A's head unit; `head_syt` and `other_officer` of Sở Y tế, its deputy; `head_sgd` of Sở Giáo dục
và Đào tạo, a plain member; `head_stc` of Sở Tài chính, cluster B's head, and `head_sct` of Sở
Công Thương, a member of B.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from emulation_world import build_world, title_id
from helpers import login

from reform.extensions import db
from reform.models import Campaign, Title
from reform.services.phases import today

ANON = "anonymous"
WHO = (
    ANON,
    "admin",
    "secretariat",
    "leader",
    "evaluator",
    "head",
    "officer",
    "head_syt",
    "other_officer",
    "head_sgd",
    "head_stc",
    "head_sct",
)
MANAGERS = ("admin", "secretariat")


@pytest.fixture
def world(units, users, make_unit, make_user):
    return build_world(units, users, make_unit, make_user)


def _client(app, who: str):
    client = app.test_client()
    if who != ANON:
        assert login(client, who).status_code == 303
    return client


def _posts(world) -> dict[str, tuple[str, dict]]:
    """Each form post with a body its own page would send: (url, data)."""
    title = title_id("TT-LDTT")
    entry = {
        "name": "Danh hiệu thử",
        "scope": "collective",
        "kind": "title",
        "level": "unit",
        "position": "90",
    }
    return {
        "titles.new": ("/emulation/titles/new", {**entry, "code": "TT-THU"}),
        "titles.edit": (f"/emulation/titles/{title}/edit", {**entry, "code": "TT-LDTT"}),
        "registrations.deadline": (
            f"/emulation/{world.campaign.code}/registration-deadline",
            {"registration_closes_on": (today() + timedelta(days=30)).isoformat()},
        ),
    }


@pytest.mark.parametrize("route", ["titles.new", "titles.edit", "registrations.deadline"])
@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_and_admin_post_the_catalogue_and_the_deadline(app, world, route, who):
    url, data = _posts(world)[route]
    before_deadline = world.campaign.registration_closes_on
    db.session.rollback()
    response = _client(app, who).post(url, data=data)
    db.session.rollback()
    campaign = db.session.get(Campaign, world.campaign.id)
    changed = {
        "titles.new": db.session.scalar(db.select(Title).where(Title.code == "TT-THU")) is not None,
        "titles.edit": db.session.get(Title, title_id("TT-LDTT")).name == "Danh hiệu thử",
        "registrations.deadline": campaign.registration_closes_on != before_deadline,
    }[route]
    if who == ANON:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif who in MANAGERS:
        assert response.status_code == 303, (route, who, response.status_code)
    else:
        assert response.status_code == 403, (route, who, response.status_code)
    assert changed == (who in MANAGERS), (route, who)


# Sở Y tế's registration (a member of cluster A, not its head): who reads it.
READS_SYT = {
    ANON: "login",
    "admin": 200,
    "secretariat": 200,
    "leader": 200,
    "evaluator": 403,
    "head": 200,  # the cluster head
    "officer": 404,  # the head unit's officer: only its head acts as cluster head
    "head_syt": 200,  # its own
    "other_officer": 200,  # its own unit's officer
    "head_sgd": 404,  # another member of the same cluster
    "head_stc": 404,  # another cluster's head
    "head_sct": 404,  # another cluster's member
}


@pytest.mark.parametrize("who", WHO)
def test_a_units_registration_is_read_by_its_unit_its_cluster_head_and_the_staff(app, world, who):
    from reform.services.emulation import registrations

    head_syt = world.people["head_syt"]
    registrations.save(
        world.campaign,
        head_syt.unit_id,
        registrations.RegistrationInput(title_id("TT-LDXS"), "Chỉ tiêu của Sở Y tế", []),
        base_version=0,
        actor=head_syt,
        then_submit=True,
    )
    url = f"/emulation/{world.campaign.code}/registrations/{head_syt.unit_id}"
    response = _client(app, who).get(url)
    expected = READS_SYT[who]
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    assert response.status_code == expected, (who, response.status_code)
    if expected == 200:
        assert "Chỉ tiêu của Sở Y tế" in response.get_data(as_text=True)
