"""Who reaches the clusters' pages and the cluster head's scope: each role, anonymous, the
cluster head and deputy, a plain member, another cluster's head, another campaign's cluster."""

from __future__ import annotations

import pytest
from cluster_setup import build_world, new_campaign

from reform.extensions import db
from reform.models import Cluster, ClusterMember

ANON = "anonymous"
# The six roles of test_access, the deputy (syt_head), a plain member's head (sxd_head) and
# the head of the other cluster (sct_head); "head" is the head of Văn hóa – Xã hội.
WHO = (ANON, "admin", "secretariat", "evaluator", "leader", "head", "officer")
CLUSTER_PEOPLE = ("syt_head", "sxd_head", "sct_head")
EVERYONE = WHO + CLUSTER_PEOPLE
MANAGERS = {"admin", "secretariat"}


@pytest.fixture
def world(make_unit, make_user, units, users):
    return build_world(make_unit, make_user, units, users)


def _client(app, login_as, who):
    return app.test_client() if who == ANON else login_as(who)


def _admin_routes(world) -> list[tuple[str, str]]:
    code, vhxh = world.campaign.code, world.clusters["VHXH"].id
    member = db.session.scalar(
        db.select(ClusterMember.id).where(ClusterMember.unit_id == world.units["SXD"].id)
    )
    base = f"/campaigns/{code}/clusters"
    return [
        ("GET", f"{base}/"),
        ("POST", f"{base}/"),
        ("GET", f"{base}/{vhxh}"),
        ("POST", f"{base}/{vhxh}/edit"),
        ("POST", f"{base}/{vhxh}/delete"),
        ("POST", f"{base}/{vhxh}/members"),
        ("POST", f"{base}/{vhxh}/members/{member}/remove"),
        ("POST", f"{base}/{vhxh}/leaders"),
        ("GET", f"{base}/import"),
        ("POST", f"{base}/import"),
        ("POST", f"{base}/copy"),
    ]


@pytest.mark.parametrize("who", EVERYONE)
def test_cluster_pages_are_the_managers_whoever_leads_a_cluster(world, app, login_as, who):
    client = _client(app, login_as, who)
    for method, url in _admin_routes(world):
        response = client.open(url, method=method)
        if who == ANON:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif who in MANAGERS:
            assert response.status_code in (200, 303, 422), (method, url, response.status_code)
        else:
            assert response.status_code == 403, (who, method, url, response.status_code)


def test_another_campaigns_cluster_and_member_answer_404(world, login_as):
    other_year = new_campaign("TD-2027", list(world.units.values()), year=2027)
    foreign = Cluster(campaign_id=other_year.id, code="KT", name="Khối Kinh tế")
    db.session.add(foreign)
    db.session.commit()
    code, vhxh = world.campaign.code, world.clusters["VHXH"].id
    elsewhere = db.session.scalar(
        db.select(ClusterMember.id).where(ClusterMember.unit_id == world.units["SNV"].id)
    )
    c = login_as("secretariat")
    assert c.get(f"/campaigns/{code}/clusters/{foreign.id}").status_code == 404
    assert c.post(f"/campaigns/{code}/clusters/{foreign.id}/edit").status_code == 404
    # Sở Nội vụ sits in Kinh tế: it cannot be taken out through Văn hóa – Xã hội.
    url = f"/campaigns/{code}/clusters/{vhxh}/members/{elsewhere}/remove"
    assert c.post(url).status_code == 404
    assert c.get("/campaigns/NO-SUCH/clusters/").status_code == 404


def test_a_reform_campaign_has_no_cluster_pages(world, login_as, campaign):
    c = login_as("secretariat")
    assert c.get(f"/campaigns/{campaign.code}/clusters/").status_code == 404
    assert c.get(f"/campaigns/{campaign.code}/clusters/import").status_code == 404


# What each person gets on the appraisal page of Sở Xây dựng, a member of Văn hóa – Xã hội.
APPRAISAL_PAGE = {
    ANON: "login",
    "admin": 200,
    "secretariat": 200,
    "evaluator": 404,  # not assigned
    "leader": 404,
    "head": 200,  # the cluster head
    "officer": 404,  # an officer of the head unit: only its head acts for it
    "syt_head": 404,  # the deputy appraises the head unit only
    "sxd_head": 404,  # the unit itself
    "sct_head": 404,  # another cluster's head
}
QUEUE = {
    ANON: "login",
    "admin": 403,
    "secretariat": 403,
    "evaluator": 200,
    "leader": 403,
    "head": 200,
    "officer": 403,
    "syt_head": 200,
    "sxd_head": 403,
    "sct_head": 200,
}


@pytest.mark.parametrize("who", EVERYONE)
def test_the_cluster_heads_scope_for_each_person(world, app, login_as, who):
    client = _client(app, login_as, who)
    member = world.submission("SXD")
    for url, expected in ((f"/appraisal/{member.id}", APPRAISAL_PAGE), ("/appraisal/queue", QUEUE)):
        response = client.get(url)
        if expected[who] == "login":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == expected[who], (who, url, response.status_code)


@pytest.mark.parametrize("who", EVERYONE)
def test_the_cluster_ranking_is_for_staff_only(world, app, login_as, who):
    response = _client(app, login_as, who).get("/rankings/TD-2026?cluster=VHXH")
    if who == ANON:
        assert response.status_code == 302
    elif who in ("admin", "secretariat", "evaluator", "leader"):
        assert response.status_code == 200
    else:
        assert response.status_code == 404
