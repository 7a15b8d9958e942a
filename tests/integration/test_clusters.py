"""Clusters of an emulation campaign: membership per campaign, head and deputy, import from CSV
(web and command line), copy from last year, and the helpers the other parts use."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from cluster_setup import build_world, new_campaign
from helpers import TEST_PASSWORD
from live import Browser, live_server
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Cluster, ClusterMember, Notification
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, MEMBER
from reform.services.emulation import clusters as helpers


@pytest.fixture
def world(make_unit, make_user, units, users):
    return build_world(make_unit, make_user, units, users)


@pytest.fixture
def bare(make_unit, make_user, units, users):
    """The same campaign without any cluster yet."""
    return build_world(make_unit, make_user, units, users, clusters=False)


def _cluster_members(campaign_id: int) -> dict[str, tuple[str, str]]:
    """unit code -> (cluster code, role), as the database holds them now."""
    db.session.rollback()
    rows = db.session.execute(
        select(ClusterMember.unit_id, Cluster.code, ClusterMember.role)
        .join(Cluster, Cluster.id == ClusterMember.cluster_id)
        .where(ClusterMember.campaign_id == campaign_id)
    ).all()
    from reform.models import Unit

    codes = dict(db.session.execute(select(Unit.id, Unit.code)).all())
    return {codes[unit_id]: (cluster, role) for unit_id, cluster, role in rows}


# ---- the helpers ------------------------------------------------------------------------------


def test_helpers_name_a_units_cluster_place_and_leaders(world, users):
    campaign, vhxh, kt = world.campaign, world.clusters["VHXH"], world.clusters["KT"]
    stp, syt, snv = world.units["STP"], world.units["SYT"], world.units["SNV"]
    assert helpers.cluster_of(campaign.id, stp.id).id == vhxh.id
    assert helpers.cluster_of(campaign.id, snv.id).id == kt.id
    assert helpers.membership(campaign.id, syt.id).role == CLUSTER_DEPUTY
    assert helpers.cluster_of(campaign.id, world.units["STP"].parent_id) is None
    # Vietnamese order: Sở Tư pháp, Sở Xây dựng, Sở Y tế (T < X < Y).
    assert [m.unit.code for m in helpers.members(vhxh)] == ["STP", "SXD", "SYT"]
    head, deputy = users["head"], world.heads["SYT"]
    assert helpers.is_cluster_head(head, vhxh) and not helpers.is_cluster_head(head, kt)
    assert not helpers.is_cluster_head(deputy, vhxh) and helpers.is_cluster_deputy(deputy, vhxh)
    assert [c.id for c in helpers.led_clusters(head, campaign.id)] == [vhxh.id]
    assert [c.id for c in helpers.led_clusters(deputy, campaign.id)] == [vhxh.id]
    assert helpers.led_clusters(world.heads["SXD"], campaign.id) == []
    # The officer of the head unit does not act for it: only its head does.
    assert not helpers.is_cluster_head(users["officer"], vhxh)
    assert helpers.led_clusters(users["officer"], campaign.id) == []


# ---- membership per campaign ------------------------------------------------------------------


def test_a_unit_sits_in_different_clusters_in_two_campaigns(world, login_as):
    other_year = new_campaign("TD-2027", list(world.units.values()), year=2027)
    c = login_as("secretariat")
    r = c.post(
        f"/campaigns/{other_year.code}/clusters/", data={"code": "KT", "name": "Khối Kinh tế"}
    )
    assert r.status_code == 303
    cluster = db.session.scalar(select(Cluster).where(Cluster.campaign_id == other_year.id))
    r = c.post(
        f"/campaigns/{other_year.code}/clusters/{cluster.id}/members",
        data={"unit_id": world.units["STP"].id},
    )
    assert r.status_code == 303
    # Sở Tư pháp heads Văn hóa – Xã hội in 2026 and is a member of Kinh tế in 2027.
    assert _cluster_members(world.campaign.id)["STP"] == ("VHXH", CLUSTER_HEAD)
    assert _cluster_members(other_year.id)["STP"] == ("KT", MEMBER)


def test_a_unit_is_refused_a_second_cluster_in_one_campaign(world, login_as):
    c = login_as("secretariat")
    kt = world.clusters["KT"]
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    r = c.post(
        f"/campaigns/{world.campaign.code}/clusters/{kt.id}/members",
        data={"unit_id": world.units["SYT"].id},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    # The message beside the field, in the partial htmx swaps in.
    assert 'id="unit_id-error"' in html and "Khối Văn hóa – Xã hội" in html
    assert 'id="cluster-members"' in html and "<html" not in html
    assert _cluster_members(world.campaign.id)["SYT"] == ("VHXH", CLUSTER_DEPUTY)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_only_participants_join_a_cluster(world, login_as, make_unit):
    outsider = make_unit("SGD", "Sở Giáo dục và Đào tạo")
    c = login_as("secretariat")
    r = c.post(
        f"/campaigns/{world.campaign.code}/clusters/{world.clusters['KT'].id}/members",
        data={"unit_id": outsider.id},
    )
    assert r.status_code == 422
    assert "không tham gia" in r.get_data(as_text=True)
    assert "SGD" not in _cluster_members(world.campaign.id)


def test_adding_and_removing_members_is_audited(world, login_as, make_unit):
    campaign = world.campaign
    c = login_as("secretariat")
    kt = world.clusters["KT"]
    member = db.session.scalar(
        select(ClusterMember).where(ClusterMember.unit_id == world.units["SNV"].id)
    )
    r = c.post(f"/campaigns/{campaign.code}/clusters/{kt.id}/members/{member.id}/remove")
    assert r.status_code == 303
    r = c.post(
        f"/campaigns/{campaign.code}/clusters/{world.clusters['VHXH'].id}/members",
        data={"unit_id": world.units["SNV"].id},
    )
    assert r.status_code == 303
    assert _cluster_members(campaign.id)["SNV"] == ("VHXH", MEMBER)
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.campaign_id == campaign.id)
            .order_by(AuditEvent.id)
        )
    )
    assert actions[-2:] == ["cluster_member_removed", "cluster_member_added"]


def test_the_same_unit_added_to_two_clusters_at_once_lands_in_one(world, app, make_user):
    """Two secretaries add Sở Giáo dục to two clusters at the same moment: one wins."""
    from reform.services.campaigns import add_participant

    unit = world.units["STP"].__class__(code="SGD", name="Sở Giáo dục", kind="department")
    unit.block_id = world.units["STP"].block_id
    db.session.add(unit)
    db.session.commit()
    add_participant(world.campaign, unit, actor=None)
    make_user("sec2", ["secretariat"])
    targets = [world.clusters["VHXH"].id, world.clusters["KT"].id]
    outcomes: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def run(username: str, cluster_id: int) -> None:
        try:
            browser = Browser(base)
            browser.sign_in(username, TEST_PASSWORD)
            start.wait(timeout=30)
            path = f"/campaigns/{world.campaign.code}/clusters/{cluster_id}/members"
            outcomes.append(browser.post(path, {"unit_id": str(unit.id)}).status)
        except BaseException as failed:  # reported to the test thread below
            failures.append(failed)

    with live_server(app) as base:
        threads = [
            threading.Thread(target=run, args=(name, cluster))
            for name, cluster in zip(("secretariat", "sec2"), targets, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures
    assert Counter(outcomes) == Counter({200: 1, 422: 1}), outcomes
    placed = _cluster_members(world.campaign.id)
    assert placed["SGD"][0] in ("VHXH", "KT")
    assert (
        db.session.scalar(
            select(func.count()).select_from(ClusterMember).where(ClusterMember.unit_id == unit.id)
        )
        == 1
    )


# ---- head and deputy --------------------------------------------------------------------------


def _leaders(client, world, cluster_code, head, deputy=""):
    cluster = world.clusters[cluster_code]
    return client.post(
        f"/campaigns/{world.campaign.code}/clusters/{cluster.id}/leaders",
        data={"head": str(head), "deputy": str(deputy)},
        headers={"HX-Request": "true"},
    )


def test_exactly_one_head_and_at_most_one_deputy_both_members(world, login_as):
    c, u = login_as("secretariat"), world.units
    r = _leaders(c, world, "VHXH", "")
    assert r.status_code == 422 and 'id="head-error"' in r.get_data(as_text=True)
    r = _leaders(c, world, "VHXH", u["SXD"].id, u["SXD"].id)
    assert r.status_code == 422 and 'id="deputy-error"' in r.get_data(as_text=True)
    r = _leaders(c, world, "VHXH", u["SCT"].id)  # a unit of the other cluster
    assert r.status_code == 422 and 'id="head-error"' in r.get_data(as_text=True)
    assert _cluster_members(world.campaign.id)["STP"] == ("VHXH", CLUSTER_HEAD)
    # Rotation: Sở Xây dựng heads the cluster this year, no deputy.
    r = _leaders(c, world, "VHXH", u["SXD"].id)
    assert r.status_code == 200 and "Đã lưu khối trưởng và khối phó." in r.get_data(as_text=True)
    placed = _cluster_members(world.campaign.id)
    roles = {code: role for code, (cluster, role) in placed.items() if cluster == "VHXH"}
    assert roles == {"STP": MEMBER, "SYT": MEMBER, "SXD": CLUSTER_HEAD}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "cluster_leaders_changed")
    )
    assert event.from_value == "VHXH: head STP, deputy SYT"
    assert event.to_value == "VHXH: head SXD, deputy -"


def test_the_new_head_and_deputy_units_heads_are_told(world, login_as):
    c, u = login_as("secretariat"), world.units
    assert _leaders(c, world, "KT", u["SNV"].id, u["SCT"].id).status_code == 200
    db.session.rollback()
    told = {
        n.user_id: n.message
        for n in db.session.scalars(select(Notification).where(Notification.kind == "cluster_role"))
    }
    assert set(told) == {world.heads["SNV"].id, world.heads["SCT"].id}
    assert "Sở Nội vụ là khối trưởng" in told[world.heads["SNV"].id]
    assert "Sở Công Thương là khối phó" in told[world.heads["SCT"].id]


def test_two_secretaries_choosing_heads_at_once_leave_one_head(world, app, make_user):
    make_user("sec2", ["secretariat"])
    u = world.units
    cluster = world.clusters["VHXH"]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(username: str, head_code: str) -> None:
        try:
            browser = Browser(base)
            browser.sign_in(username, TEST_PASSWORD)
            start.wait(timeout=30)
            for _round in range(5):
                path = f"/campaigns/{world.campaign.code}/clusters/{cluster.id}/leaders"
                answer = browser.post(path, {"head": str(u[head_code].id), "deputy": ""})
                assert answer.status == 200, answer.status
        except BaseException as failed:  # reported to the test thread below
            failures.append(failed)

    with live_server(app) as base:
        threads = [
            threading.Thread(target=run, args=args)
            for args in (("secretariat", "SXD"), ("sec2", "SYT"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures
    roles = Counter(
        role for cl, role in _cluster_members(world.campaign.id).values() if cl == "VHXH"
    )
    assert roles[CLUSTER_HEAD] == 1 and roles[CLUSTER_DEPUTY] == 0


# ---- pages ------------------------------------------------------------------------------------


def test_the_clusters_page_lists_heads_and_units_left_out(world, login_as, make_unit):
    c = login_as("secretariat")
    html = c.get(f"/campaigns/{world.campaign.code}/clusters/").get_data(as_text=True)
    assert "Khối Văn hóa – Xã hội" in html and "Khối Kinh tế" in html
    assert "Khối trưởng: Sở Tư pháp" in html and "Khối phó: Sở Y tế" in html
    assert 'href="/campaigns/TD-2026/clusters/"' in html  # the campaign navigation
    page = c.get(f"/campaigns/{world.campaign.code}/clusters/{world.clusters['VHXH'].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.index("Sở Tư pháp") < text.index("Sở Y tế")


def test_a_new_cluster_needs_a_code_and_name_beside_the_fields(world, login_as):
    c = login_as("secretariat")
    r = c.post(f"/campaigns/{world.campaign.code}/clusters/", data={"code": "KT", "name": "X"})
    assert r.status_code == 422 and 'id="new-code-error"' in r.get_data(as_text=True)
    r = c.post(f"/campaigns/{world.campaign.code}/clusters/", data={"code": "NN", "name": " "})
    assert r.status_code == 422 and 'id="new-name-error"' in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 2


def test_clusters_belong_to_emulation_campaigns_only(login_as, campaign):
    assert login_as("secretariat").get(f"/campaigns/{campaign.code}/clusters/").status_code == 404


def test_an_empty_cluster_can_be_deleted_a_full_one_not(world, login_as):
    c = login_as("secretariat")
    code = world.campaign.code
    r = c.post(f"/campaigns/{code}/clusters/{world.clusters['KT'].id}/delete")
    assert r.status_code == 422
    c.post(f"/campaigns/{code}/clusters/", data={"code": "NN", "name": "Khối Nông nghiệp"})
    empty = db.session.scalar(select(Cluster).where(Cluster.code == "NN"))
    assert c.post(f"/campaigns/{code}/clusters/{empty.id}/delete").status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Cluster).where(Cluster.code == "NN")) is None


def test_a_unit_leaving_the_campaign_leaves_its_cluster(world, login_as, make_unit):
    from reform.models import Entry, Submission
    from reform.services.campaigns import remove_participant

    submission = db.session.scalar(
        select(Submission).where(Submission.unit_id == world.units["SNV"].id)
    )
    # Only a unit that has entered nothing may leave.
    db.session.execute(db.delete(Entry).where(Entry.submission_id == submission.id))
    db.session.commit()
    remove_participant(submission, actor=None)
    assert "SNV" not in _cluster_members(world.campaign.id)


# ---- import -----------------------------------------------------------------------------------

GOOD = """unit_code,cluster_code,cluster_name,role
STP,VHXH,Khối Văn hóa – Xã hội,thành viên
SYT,VHXH,,Khối trưởng
SXD,VHXH,,khối phó
SCT,KT,Khối Kinh tế,head
SNV,KT,,
"""


def _import(client, code, text, name="cum.csv"):
    import io

    return client.post(
        f"/campaigns/{code}/clusters/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def test_import_a_good_file_with_vietnamese_roles(bare, login_as):
    r = _import(login_as("secretariat"), bare.campaign.code, GOOD)
    assert r.status_code == 303
    assert _cluster_members(bare.campaign.id) == {
        "STP": ("VHXH", MEMBER),
        "SYT": ("VHXH", CLUSTER_HEAD),
        "SXD": ("VHXH", CLUSTER_DEPUTY),
        "SCT": ("KT", CLUSTER_HEAD),
        "SNV": ("KT", MEMBER),
    }
    reasons = set(
        db.session.scalars(
            select(AuditEvent.reason).where(AuditEvent.action == "cluster_member_added")
        )
    )
    assert reasons == {"cum.csv"}
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "cluster_role"))
    )
    assert told == {bare.heads[c].id for c in ("SYT", "SXD", "SCT")}


def test_importing_again_moves_units_between_the_clusters_it_names(world, login_as):
    text = GOOD.replace("SNV,KT,,", "SNV,VHXH,,member").replace("SXD,VHXH,,khối phó", "SXD,KT,,")
    r = _import(login_as("secretariat"), world.campaign.code, text)
    assert r.status_code == 303
    placed = _cluster_members(world.campaign.id)
    assert placed["SNV"] == ("VHXH", MEMBER) and placed["SXD"] == ("KT", MEMBER)


BAD = """unit_code,cluster_code,cluster_name,role
STP,VHXH,Khối Văn hóa – Xã hội,head
SYT,VHXH,,head
NOPE,VHXH,,member
SXD,NEW,,trưởng nhóm
STP,KT,Khối Kinh tế,member
SCT,KT,Khối Kinh tế khác,member
"""


def test_a_bad_file_imports_nothing_and_names_every_error_by_line(bare, login_as):
    r = _import(login_as("secretariat"), bare.campaign.code, BAD)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Chưa nhập dữ liệu nào" in html
    for line, words in [
        (3, "đã có khối trưởng (dòng 2)"),
        (4, "NOPE"),
        (5, "trưởng nhóm"),
        (5, "NEW"),
        (6, "đã có ở dòng 2"),
        (7, "Khối Kinh tế"),
        (6, "chưa có khối trưởng"),
    ]:
        assert any(f"Dòng {line}:" in item and words in item for item in html.split("<li>")), (
            line,
            words,
        )
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 0
    assert db.session.scalar(select(func.count()).select_from(ClusterMember)) == 0


def test_import_refuses_a_unit_of_a_cluster_the_file_does_not_name(world, login_as):
    text = "unit_code,cluster_code,cluster_name,role\nSYT,NN,Khối Nông nghiệp,head\n"
    r = _import(login_as("secretariat"), world.campaign.code, text)
    assert r.status_code == 422 and "Dòng 2:" in r.get_data(as_text=True)
    assert _cluster_members(world.campaign.id)["SYT"] == ("VHXH", CLUSTER_DEPUTY)


def test_the_import_command(bare, runner, tmp_path):
    good, bad = tmp_path / "cum.csv", tmp_path / "sai.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    result = runner.invoke(args=["import-clusters", bare.campaign.code, str(bad)])
    assert result.exit_code != 0
    assert "sai.csv:3:" in result.output and "nothing was imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(ClusterMember)) == 0
    result = runner.invoke(args=["import-clusters", bare.campaign.code, str(good)])
    assert result.exit_code == 0, result.output
    assert "2 clusters created, 5 units placed" in result.output
    assert _cluster_members(bare.campaign.id)["SYT"] == ("VHXH", CLUSTER_HEAD)
    result = runner.invoke(args=["import-clusters", "NO-SUCH", str(good)])
    assert result.exit_code != 0 and "No campaign NO-SUCH" in result.output


# ---- copy from last year ----------------------------------------------------------------------


def test_copy_from_last_year_keeps_heads_and_says_who_was_left_out(world, login_as):
    u = world.units
    # Next year Sở Y tế (last year's deputy) and Sở Công Thương (a head) do not take part.
    next_year = new_campaign(
        "TD-2027", [u["STP"], u["SXD"], u["SNV"]], year=2027, appraisal_open=False
    )
    c = login_as("secretariat")
    r = c.post(f"/campaigns/{next_year.code}/clusters/copy", data={"source": world.campaign.id})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/campaigns/TD-2027/clusters/?copied_from=TD-2026")
    assert _cluster_members(next_year.id) == {
        "STP": ("VHXH", CLUSTER_HEAD),
        "SXD": ("VHXH", MEMBER),
        "SNV": ("KT", MEMBER),
    }
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Sở Y tế" in html and "Sở Công Thương" in html
    assert "Khối Kinh tế chưa có khối trưởng" in html  # flashed: its head did not come along
    # A second copy is refused beside the field: the campaign has clusters now.
    again = c.post(f"/campaigns/{next_year.code}/clusters/copy", data={"source": world.campaign.id})
    assert again.status_code == 422 and 'id="source-error"' in again.get_data(as_text=True)
    assert len(_cluster_members(next_year.id)) == 3
    added = set(
        db.session.scalars(
            select(AuditEvent.to_value).where(
                AuditEvent.campaign_id == next_year.id,
                AuditEvent.action == "cluster_member_added",
            )
        )
    )
    assert added == {"VHXH: STP (head)", "VHXH: SXD (member)", "KT: SNV (member)"}


def _review_group(client, world, cluster_code, *unit_ids):
    cluster = world.clusters[cluster_code]
    return client.post(
        f"/campaigns/{world.campaign.code}/clusters/{cluster.id}/review-group",
        data={"reviewers": [str(u) for u in unit_ids]},
        headers={"HX-Request": "true"},
    )


def test_the_review_group_takes_members_only_not_the_leaders_and_is_audited(world, login_as):
    from reform.models.emulation import REVIEWER

    c, u = login_as("secretariat"), world.units
    for bad in (u["STP"].id, u["SCT"].id, "x", "99999999999"):  # head; other cluster; junk
        r = _review_group(c, world, "VHXH", bad)
        assert r.status_code == 422 and 'id="reviewers-error"' in r.get_data(as_text=True)
        assert _cluster_members(world.campaign.id)["SXD"] == ("VHXH", MEMBER)
    page = c.get(f"/campaigns/{world.campaign.code}/clusters/{world.clusters['VHXH'].id}")
    assert "Tổ thẩm định chéo" in page.get_data(as_text=True)
    r = _review_group(c, world, "VHXH", u["SXD"].id)
    assert r.status_code == 200 and "Đã lưu tổ thẩm định chéo." in r.get_data(as_text=True)
    assert _cluster_members(world.campaign.id)["SXD"] == ("VHXH", REVIEWER)
    # Choosing the head and deputy again keeps the group; emptying the group ends it.
    assert _leaders(c, world, "VHXH", u["STP"].id, u["SYT"].id).status_code == 200
    assert _cluster_members(world.campaign.id)["SXD"] == ("VHXH", REVIEWER)
    assert _review_group(c, world, "VHXH").status_code == 200
    assert _cluster_members(world.campaign.id)["SXD"] == ("VHXH", MEMBER)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "cluster_review_group_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.from_value, e.to_value) for e in events] == [
        ("VHXH: review group -", "VHXH: review group SXD"),
        ("VHXH: review group SXD", "VHXH: review group -"),
    ]


def test_only_the_secretariat_names_the_review_group(world, login_as, client):
    for who in ("head", "officer", "evaluator", "leader", "sxd_head"):
        assert _review_group(login_as(who), world, "VHXH", world.units["SXD"].id).status_code in (
            403,
            404,
        )
    r = _review_group(client, world, "VHXH", world.units["SXD"].id)
    assert r.status_code in (302, 401)
    assert _cluster_members(world.campaign.id)["SXD"] == ("VHXH", MEMBER)


def test_import_names_reviewers_in_vietnamese(bare, login_as):
    from reform.models.emulation import REVIEWER

    text = GOOD.replace("SNV,KT,,\n", "SNV,KT,, Chấm  chéo \n")
    assert _import(login_as("secretariat"), bare.campaign.code, text).status_code == 303
    assert _cluster_members(bare.campaign.id)["SNV"] == ("KT", REVIEWER)
    told = db.session.scalars(
        select(Notification.message).where(Notification.user_id == bare.heads["SNV"].id)
    ).all()
    assert any("tổ thẩm định chéo của cụm Khối Kinh tế" in m for m in told)
