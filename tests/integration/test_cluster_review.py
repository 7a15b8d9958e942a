"""Cross-review inside a cluster: the cluster head appraises its members with the council's
appraisal screens, never its own unit (the deputy does), and sees nothing of another cluster."""

from __future__ import annotations

import pytest
from cluster_setup import build_world
from sqlalchemy import select

from reform.extensions import db
from reform.models import Entry, Notification, Submission
from reform.models.submissions import APPRAISAL


@pytest.fixture
def world(make_unit, make_user, units, users):
    return build_world(make_unit, make_user, units, users)


def appraise(client, submission, code="I.1", value="85", comment="Thiếu minh chứng một chỉ tiêu"):
    return client.post(
        f"/appraisal/{submission.id}/criteria/{code}",
        data={f"ver-{code}": "0", f"v-{code}": value, f"comment-{code}": comment},
        headers={"HX-Request": "true"},
    )


def test_the_cluster_head_appraises_a_member_with_the_appraisal_screen(world, login_as):
    head = login_as("head")  # head of Sở Tư pháp, head unit of Văn hóa – Xã hội
    member = world.submission("SXD")
    page = head.get(f"/appraisal/{member.id}")
    assert page.status_code == 200 and "Sở Xây dựng" in page.get_data(as_text=True)
    r = appraise(head, member)
    assert r.status_code == 200, r.get_data(as_text=True)
    db.session.expire_all()
    entry = db.session.scalar(
        select(Entry).where(Entry.submission_id == member.id, Entry.stage == APPRAISAL)
    )
    assert entry.value == "85" and entry.updated_by_id == world.heads["STP"].id
    # Exact figures: 85 + the provincial flag 15 = 100 (a sheet may pass 100 with bonuses).
    assert db.session.get(Submission, member.id).points == 100


def test_the_cluster_head_never_appraises_its_own_unit(world, login_as):
    head = login_as("head")
    own = world.submission("STP")
    assert head.get(f"/appraisal/{own.id}").status_code == 404
    assert appraise(head, own).status_code == 404


def test_another_clusters_submissions_answer_404(world, login_as):
    head = login_as("head")
    for code in ("SCT", "SNV"):
        submission = world.submission(code)
        assert head.get(f"/appraisal/{submission.id}").status_code == 404
        assert appraise(head, submission).status_code == 404
        assert head.get(f"/assessments/{submission.id}").status_code == 404


def test_the_deputy_appraises_the_head_unit_and_nothing_else(world, login_as):
    deputy = login_as("syt_head")  # Sở Y tế is the deputy
    assert appraise(deputy, world.submission("STP"), value="88").status_code == 200
    for code in ("SXD", "SCT"):
        submission = world.submission(code)
        assert deputy.get(f"/appraisal/{submission.id}").status_code == 404
        assert appraise(deputy, submission).status_code == 404


def test_a_plain_member_and_the_head_units_officer_appraise_nothing(world, login_as, users):
    member = login_as("sxd_head")
    officer = login_as("officer")  # an officer of the head unit: only its head acts for it
    target = world.submission("SYT")
    for client in (member, officer):
        assert client.get(f"/appraisal/{target.id}").status_code == 404
        assert appraise(client, target).status_code == 404
    assert member.get("/appraisal/queue").status_code == 403


def test_the_queue_shows_the_clusters_members_only(world, login_as):
    html = login_as("head").get("/appraisal/queue").get_data(as_text=True)
    assert "Sở Xây dựng" in html and "Sở Y tế" in html
    for name in ("Sở Công Thương", "Sở Nội vụ"):
        assert name not in html
    assert f"/appraisal/{world.submission('STP').id}" not in html
    assert "/recuse" not in html  # no assignment to step aside from
    deputy = login_as("syt_head").get("/appraisal/queue").get_data(as_text=True)
    assert f"/appraisal/{world.submission('STP').id}" in deputy
    assert "Sở Xây dựng" not in deputy
    # The head's menu leads to the queue.
    home = login_as("head").get("/movements/").get_data(as_text=True)
    assert 'href="/appraisal/queue"' in home


def test_the_cluster_head_reads_the_members_evidence(world, login_as, users):
    from reform.models import Criterion, Evidence
    from reform.services.evidence import store

    member = world.submission("SXD")
    criterion = db.session.scalar(
        select(Criterion).where(
            Criterion.framework_id == world.campaign.framework_id, Criterion.code == "I.1"
        )
    )
    stored = store(b"%PDF-1.4\n%%EOF\n", filename="bc.pdf", max_bytes=1024)
    evidence = Evidence(
        submission_id=member.id, criterion_id=criterion.id, file=stored, filename="bc.pdf"
    )
    db.session.add(evidence)
    db.session.commit()
    url = f"/assessments/{member.id}/evidence/{evidence.id}/download"
    assert login_as("head").get(url).status_code == 200
    assert login_as("sct_head").get(url).status_code == 404  # the other cluster's head
    # Reading is not changing: the cluster head cannot touch the member's evidence.
    r = login_as("head").post(f"/assessments/{member.id}/evidence/{evidence.id}/remove")
    assert r.status_code == 403


def test_outside_emulation_campaigns_a_head_has_no_review_scope(world, login_as, submission):
    """The PAR campaign of the same units: clusters of another campaign give no scope here."""
    other = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == submission.campaign_id,
            Submission.unit_id == world.units["SYT"].id,
        )
    )
    assert login_as("head").get(f"/appraisal/{other.id}").status_code == 404


def test_a_member_that_submits_is_announced_to_its_cluster_head(world, login_as):
    from datetime import timedelta

    from reform.services.phases import today

    campaign = world.campaign
    campaign.self_closes_on = today() + timedelta(days=5)
    campaign.appraisal_opens_on = today() + timedelta(days=6)
    campaign.appraisal_closes_on = today() + timedelta(days=20)
    member = world.submission("SXD")
    member.status = "pending_approval"
    db.session.commit()
    assert login_as("sxd_head").post(f"/assessments/{member.id}/approve").status_code == 303
    db.session.rollback()
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "to_appraise"))
    )
    assert told == {world.heads["STP"].id}


def _name_review_group(client, world, *codes):
    cluster = world.clusters["VHXH"]
    return client.post(
        f"/campaigns/{world.campaign.code}/clusters/{cluster.id}/review-group",
        data={"reviewers": [str(world.units[c].id) for c in codes]},
        headers={"HX-Request": "true"},
    )


def test_a_review_group_unit_appraises_the_other_members_never_its_own(world, login_as):
    assert _name_review_group(login_as("secretariat"), world, "SXD").status_code == 200
    reviewer = login_as("sxd_head")
    assert reviewer.get("/appraisal/queue").status_code == 200
    for code in ("STP", "SYT"):
        assert appraise(reviewer, world.submission(code), value="77").status_code == 200
    own = world.submission("SXD")
    assert reviewer.get(f"/appraisal/{own.id}").status_code == 404
    assert appraise(reviewer, own).status_code == 404
    # Another cluster stays out of reach; the head and the deputy keep their part.
    assert appraise(reviewer, world.submission("SNV")).status_code == 404
    assert appraise(login_as("head"), own, value="81").status_code == 200
    told = db.session.scalars(
        select(Notification.message).where(
            Notification.kind == "cluster_role", Notification.user_id == world.heads["SXD"].id
        )
    ).all()
    assert told == [
        "Sở Xây dựng thuộc tổ thẩm định chéo của cụm Khối Văn hóa – Xã hội trong "
        f"{world.campaign.name}: đơn vị thẩm định bảng chấm điểm của các thành viên khác."
    ]


def test_a_sheet_sent_is_announced_to_the_review_group_too(world, login_as):
    from datetime import timedelta

    from reform.services.appraisal_scope import evaluators_of
    from reform.services.phases import today

    assert _name_review_group(login_as("secretariat"), world, "SXD").status_code == 200
    campaign = world.campaign
    campaign.self_closes_on = today() + timedelta(days=5)
    campaign.appraisal_opens_on = today() + timedelta(days=6)
    campaign.appraisal_closes_on = today() + timedelta(days=20)
    member = world.submission("SYT")
    member.status = "pending_approval"
    db.session.commit()
    assert {u.id for u in evaluators_of(member)} == {
        world.heads["STP"].id,
        world.heads["SXD"].id,
    }
    assert login_as("syt_head").post(f"/assessments/{member.id}/approve").status_code == 303
    db.session.rollback()
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "to_appraise"))
    )
    assert told == {world.heads["STP"].id, world.heads["SXD"].id}
