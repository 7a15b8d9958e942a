"""The demo's emulation year: after `reform demo` each demo role finds its emulation step waiting
and can take it, on the real pages."""

from __future__ import annotations

import io
import re

import pytest
from helpers import login
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import (
    Ballot,
    Campaign,
    Cluster,
    ClusterMember,
    Entry,
    Movement,
    Notification,
    Pledge,
    PledgeSignature,
    Registration,
    Submission,
    Unit,
    User,
)
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD
from reform.models.submissions import APPRAISAL, SUBMITTED
from reform.services.demo import DEMO_PASSWORD
from reform.services.demo_emulation import CLUSTERS, EMULATION_CAMPAIGN, MOVEMENT, NOT_REVIEWED

CODE = EMULATION_CAMPAIGN[0]


@pytest.fixture
def demo(runner) -> Campaign:
    """`reform demo` run once; the emulation campaign."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Campaign).where(Campaign.code == CODE))


def sign_in(app, username: str):
    """A client signed in as a demo account, reading the interface in English."""
    client = app.test_client()
    client.set_cookie("reform_lang", "en")
    assert login(client, username, DEMO_PASSWORD).status_code == 303
    return client


def words(response) -> str:
    """The visible text of a page, one space between words."""
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_the_demo_runs_an_emulation_year_and_every_role_has_its_step(app, demo):
    head, officer = user("head"), user("officer")
    own_unit = head.unit

    # The movement, launched by the province, is scored by the campaign on the emulation sheet.
    movement = db.session.get(Movement, demo.movement_id)
    assert movement.code == MOVEMENT[0] and movement.authority == "Ủy ban nhân dân tỉnh Hòa Sơn"
    assert movement.standards and [d.filename for d in movement.documents] == [
        "ke-hoach-phat-dong-thi-dua-2025.pdf"
    ]
    assert demo.framework.kind == "emulation" and demo.framework.result == "points"

    # Two clusters, each with a head and a deputy; the demo head's unit heads one.
    clusters = list(db.session.scalars(select(Cluster).where(Cluster.campaign_id == demo.id)))
    assert len(clusters) == 2
    for cluster in clusters:
        roles = [m.role for m in cluster.members]
        assert roles.count(CLUSTER_HEAD) == 1 and roles.count(CLUSTER_DEPUTY) == 1
    own = db.session.scalar(
        select(ClusterMember).where(
            ClusterMember.campaign_id == demo.id, ClusterMember.unit_id == own_unit.id
        )
    )
    assert own.role == CLUSTER_HEAD
    cluster = own.cluster

    # Pledges sent and partly signed; the demo unit's signature is still missing.
    signed = dict(
        db.session.execute(
            select(Pledge.cluster_id, func.count(PledgeSignature.id))
            .join(PledgeSignature, PledgeSignature.pledge_id == Pledge.id)
            .group_by(Pledge.cluster_id)
        ).all()
    )
    for c in clusters:
        assert 0 < signed[c.id] < len(c.members)

    # Registrations in; the demo unit's is a draft, one unit has not registered.
    registrations = {
        r.unit_id: r
        for r in db.session.scalars(select(Registration).where(Registration.campaign_id == demo.id))
    }
    assert registrations[own_unit.id].status == "draft"
    assert sum(r.status == "submitted" for r in registrations.values()) == 12

    # Every sheet submitted; cross-reviewed by the cluster's head, the head's own by its deputy,
    # the other cluster's last two not yet; bonus points carry some totals above 100.
    sheets = list(db.session.scalars(select(Submission).where(Submission.campaign_id == demo.id)))
    assert len(sheets) == 14 and all(s.status == SUBMITTED for s in sheets)
    assert any(s.self_points > 100 for s in sheets)
    reviewers = dict(
        db.session.execute(
            select(Unit.code, func.min(User.unit_id))
            .select_from(Entry)
            .join(Submission, Entry.submission_id == Submission.id)
            .join(Unit, Unit.id == Submission.unit_id)
            .join(User, User.id == Entry.updated_by_id)
            .where(Submission.campaign_id == demo.id, Entry.stage == APPRAISAL)
            .group_by(Unit.code)
        ).all()
    )
    assert set(reviewers) == {u for _c, _n, m in CLUSTERS for u, _r in m} - NOT_REVIEWED
    leaders = {
        (m.cluster_id, m.role): m.unit_id for c in clusters for m in c.members if m.role != "member"
    }
    for c in clusters:
        for m in c.members:
            if m.unit.code in reviewers:
                wanted = CLUSTER_DEPUTY if m.role == CLUSTER_HEAD else CLUSTER_HEAD
                assert reviewers[m.unit.code] == leaders[(c.id, wanted)], m.unit.code

    # One ballot open for the demo head's cluster; every member but the demo unit has voted.
    ballot = db.session.scalar(select(Ballot).where(Ballot.cluster_id == cluster.id))
    assert ballot.status == "open"

    # The head: the home lists the pledge to sign and the vote; both pages take the step.
    client = sign_in(app, "head")
    home = words(client.get("/home/head"))
    assert "To sign" in home and "To vote" in home and ballot.name in home
    pledge_url = f"/emulation/{CODE}/clusters/{cluster.id}/pledge"
    version = db.session.scalar(select(Pledge.version).where(Pledge.cluster_id == cluster.id))
    assert client.post(pledge_url + "/sign", data={"version": version}).status_code == 303
    assert "Your unit has signed the pledge." in words(client.get(pledge_url))
    page = client.get(f"/emulation/ballots/{ballot.id}")
    assert "6 of 7 members voted" in words(page)
    picks = re.findall(r'name="(item-\d+)" value="(\d+)"', page.get_data(as_text=True))
    first = {}
    for field, value in picks:
        first.setdefault(field, value)
    cast = client.post(f"/emulation/ballots/{ballot.id}/vote", data=first)
    assert cast.status_code == 200 and "receipt-code" in cast.get_data(as_text=True)
    # Everyone has voted: the cluster head closes and downloads the meeting record.
    assert client.post(f"/emulation/ballots/{ballot.id}/close").status_code == 303
    record = client.get(f"/emulation/ballots/{ballot.id}/record.docx")
    from docx import Document

    document = Document(io.BytesIO(record.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "RECORD OF THE MEETING TO VOTE ON EMULATION TITLES" in text and ballot.name in text
    assert cluster.name.upper() in " ".join(cells)
    # Seven ballots counted: every member's, the demo head's last.
    assert len(re.search(r"counted: (.*)", text)[1].split("; ")) == 7
    # The head's appraisal queue holds the cluster's members, its own unit not among them.
    queue = words(client.get("/appraisal/queue"))
    members = [m.unit.name for m in cluster.members if m.unit_id != own_unit.id]
    assert all(name in queue for name in members) and own_unit.name not in queue

    # The officer: the draft registration, still open, saves.
    client = sign_in(app, "officer")
    assert "Emulation registration" in words(client.get("/home/officer"))
    form = client.get(f"/emulation/{CODE}/registration")
    assert form.status_code == 200 and "Draft" in words(form)
    draft = registrations[own_unit.id]
    saved = client.post(
        f"/emulation/{CODE}/registration",
        data={
            "version": draft.version,
            "title_id": draft.title_id,
            "targets": "Hoàn thành 100% nhiệm vụ được giao.",
        },
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, draft.id).targets == "Hoàn thành 100% nhiệm vụ được giao."

    # The secretariat: the clusters with their heads, and the registrations to review.
    client = sign_in(app, "secretariat")
    page = words(client.get(f"/campaigns/{CODE}/clusters/"))
    for c in clusters:
        assert c.name in page
    assert f"Head: {own_unit.name}" in page
    listing = words(client.get(f"/emulation/{CODE}/registrations"))
    assert "12 of 14 units have submitted." in listing and "Not registered" in listing

    # The leader: the live ranking of each cluster, its own units only.
    other = next(c for c in clusters if c.id != cluster.id)
    client = sign_in(app, "leader")
    page = words(client.get(f"/rankings/{CODE}?cluster={other.code}"))
    assert all(m.unit.name in page for m in other.members)
    assert own_unit.name not in page

    # Each hand-off told the people it concerns.
    kinds = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == head.id))
    )
    # The cluster head hears of its role, the deadline and its members' registrations; a member
    # of its cluster of the pledge to sign and the vote the cluster head opened.
    assert {"cluster_role", "registration_deadline", "registration"} <= kinds
    member = user("head.snv")
    assert {"pledge_to_sign", "ballot_opened"} <= set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id))
    )
    assert "registration_deadline" in set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == officer.id))
    )
