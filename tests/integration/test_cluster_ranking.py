"""The ranking page of an emulation campaign with clusters ranks within each cluster, live as
the reform index's blocks: a cluster picker (the viewer's own cluster first), exact stored
figures (above 100 with bonuses), ties side by side, and a poll that follows the cluster only."""

from __future__ import annotations

import re

import pytest
from cluster_setup import build_world

from reform.extensions import db
from reform.services.scores_import import import_scores


@pytest.fixture
def world(make_unit, make_user, units, users):
    return build_world(make_unit, make_user, units, users)


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, unit code, points) of each ranking row, in page order."""
    out = []
    for code, row in re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', html, re.S):
        rank = re.search(r'<td class="rank"[^>]*>([^<]*)</td>', row).group(1).strip()
        points = re.search(r'data-figure="points">([^<]*)</td>', row).group(1)
        out.append((rank, code, points))
    return out


def _picker(html: str) -> list[str]:
    select = re.search(r'<select id="f-block" name="([^"]+)">(.*?)</select>', html, re.S)
    assert select.group(1) == "cluster"
    return re.findall(r">([^<]+)</option>", select.group(2))


def test_each_cluster_is_ranked_on_its_own(world, login_as):
    c = login_as("leader")
    html = c.get("/rankings/TD-2026?cluster=VHXH").get_data(as_text=True)
    assert '<label for="f-block">Cụm, khối thi đua</label>' in html
    assert _picker(html) == ["Khối Kinh tế", "Khối Văn hóa – Xã hội"]  # Vietnamese order
    # 90 + the provincial flag 15 = 105,00 ranks first; Sở Xây dựng (80 + 15) and Sở Y tế (95)
    # tie at 95,00 and share the second place, listed by name.
    assert _rows(html) == [
        ("1", "STP", "105,00"),
        ("2", "SXD", "95,00"),
        ("2", "SYT", "95,00"),
    ]
    other = c.get("/rankings/TD-2026?cluster=KT").get_data(as_text=True)
    assert _rows(other) == [("1", "SNV", "99,00"), ("2", "SCT", "70,00")]


def test_the_viewers_own_cluster_comes_first(world, login_as, make_user, users):
    users["leader_vhxh"] = make_user("leader_vhxh", ["leader"], world.units["SXD"])
    users["leader_kt"] = make_user("leader_kt", ["leader"], world.units["SCT"])
    own = login_as("leader_vhxh").get("/rankings/TD-2026").get_data(as_text=True)
    assert [code for _r, code, _p in _rows(own)] == ["STP", "SXD", "SYT"]
    kt = login_as("leader_kt").get("/rankings/TD-2026").get_data(as_text=True)
    assert [code for _r, code, _p in _rows(kt)] == ["SNV", "SCT"]
    # Without a unit: the first cluster in name order.
    first = login_as("leader").get("/rankings/TD-2026").get_data(as_text=True)
    assert [code for _r, code, _p in _rows(first)] == ["SNV", "SCT"]


def test_the_live_poll_follows_its_cluster_only(world, login_as):
    c = login_as("leader")
    url = "/rankings/TD-2026/live?cluster=VHXH"
    first = c.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200
    assert c.get(url, headers={"If-None-Match": tag}).status_code == 304
    # A change in the other cluster leaves this one's answer unchanged.
    header = "unit_code,criterion_code,value,note\n"
    campaign = world.campaign
    assert import_scores(
        campaign, (header + "SCT,I.1,60,x\n").encode(), stage="appraisal", filename="a.csv"
    ).ok
    assert c.get(url, headers={"If-None-Match": tag}).status_code == 304
    # A change in this cluster is drawn at once.
    assert import_scores(
        campaign, (header + "SYT,I.1,99,x\n").encode(), stage="appraisal", filename="a.csv"
    ).ok
    changed = c.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert _rows(changed.get_data(as_text=True))[1] == ("2", "SYT", "99,00")
    # So does a unit that joins the cluster (Sở Nội vụ moves from Kinh tế).
    tag = changed.headers["ETag"]
    from reform.models import ClusterMember

    member = db.session.scalar(
        db.select(ClusterMember).where(ClusterMember.unit_id == world.units["SNV"].id)
    )
    member.cluster_id = world.clusters["VHXH"].id
    db.session.commit()
    moved = c.get(url, headers={"If-None-Match": tag})
    assert moved.status_code == 200
    assert _rows(moved.get_data(as_text=True))[0] == ("1", "STP", "105,00")
    assert ("2", "SNV", "99,00") in _rows(moved.get_data(as_text=True))


def test_published_results_are_ranked_within_each_cluster(world, login_as):
    from reform.services.publication import publish

    publish(world.campaign, actor=None, force=True)
    c = login_as("leader")
    html = c.get("/rankings/TD-2026?view=published&cluster=VHXH").get_data(as_text=True)
    assert "Kết quả công bố" in html or "công bố" in html
    assert _rows(html) == [
        ("1", "STP", "105,00"),
        ("2", "SXD", "95,00"),
        ("2", "SYT", "95,00"),
    ]


def test_a_campaign_without_clusters_keeps_its_blocks(login_as, campaign):
    html = login_as("leader").get(f"/rankings/{campaign.code}").get_data(as_text=True)
    assert '<select id="f-block" name="block">' in html
    assert '<label for="f-block">Khối</label>' in html


def test_units_see_no_live_cluster_ranking(world, login_as):
    for who in ("head", "officer"):
        assert login_as(who).get("/rankings/TD-2026?cluster=VHXH").status_code == 404
