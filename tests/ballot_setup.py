"""An emulation campaign with two scored clusters, for the tests of the vote (bình xét)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from reform.extensions import db
from reform.models import Ballot, Campaign, Cluster, ClusterMember, Title, Unit, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, MEMBER
from reform.services.campaigns import PhaseDates, create_campaign
from reform.services.emulation import ballots as ballot_service
from reform.services.emulation import voting
from reform.services.frameworks import import_framework
from reform.services.phases import today
from reform.services.scores_import import import_scores

EMULATION = """\
code: TD-KHOI
version: 1
name: "Bảng chấm điểm thi đua khối"
kind: emulation
result: points
bands: [{min: 0, label: "Đạt"}]
criteria:
  - code: "I"
    name: "Nhiệm vụ"
    children:
      - {code: "I.1", name: "Chỉ tiêu", max: 100, rule: {type: manual, step: 1}}
  - {code: "T", name: "Cờ thi đua đã nhận", bonus: true, max: 10, rule: {type: yesno}}
"""

# Cluster A: five units, Sở Ánh heads it, Sở Bảo is deputy. Cluster B: two units.
CLUSTER_A = [
    ("KA", "Sở Ánh", CLUSTER_HEAD, 90),
    ("KB", "Sở Bảo", CLUSTER_DEPUTY, 95),
    ("KC", "Sở Cúc", MEMBER, 80),
    ("KD", "Sở Dương", MEMBER, 70),
    ("KE", "Sở Giang", MEMBER, 60),
]
CLUSTER_B = [("KH", "Sở Hòa", CLUSTER_HEAD, 50), ("KK", "Sở Khánh", MEMBER, 40)]


@dataclass
class VoteWorld:
    """What the tests of the vote need: the campaign, clusters, units, heads and titles."""

    campaign: Campaign
    cluster: Cluster
    other_cluster: Cluster
    units: dict[str, Unit]
    heads: dict[str, User]
    officer: User
    titles: dict[str, Title]

    def head(self, code: str) -> User:
        return self.heads[code]


def build_world(make_unit, make_user, *, with_demo_users: bool = True) -> VoteWorld:
    """Create the campaign, its two clusters, a head per unit, an officer of Sở Bảo, titles."""
    framework = import_framework(EMULATION)
    province = db.session.scalar(db.select(Unit).where(Unit.code == "TINH"))
    units: dict[str, Unit] = {}
    for code, name, _role, _points in CLUSTER_A + CLUSTER_B:
        units[code] = make_unit(code, name, block_code="TD", parent=province)
    day = today()
    campaign = create_campaign(
        "TD-2025",
        "Thi đua các sở năm 2025",
        framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=list(units.values()),
        year=2025,
    )
    rows = "unit_code,criterion_code,value,note\n" + "".join(
        f"{code},I.1,{points},\n" for code, _n, _r, points in CLUSTER_A + CLUSTER_B
    )
    assert import_scores(campaign, rows.encode(), stage="self", filename="td.csv").ok
    clusters = []
    for code, name, members in (
        ("A", "Khối Văn hóa – Xã hội", CLUSTER_A),
        ("B", "Khối Kinh tế", CLUSTER_B),
    ):
        cluster = Cluster(campaign_id=campaign.id, code=code, name=name)
        db.session.add(cluster)
        db.session.flush()
        for unit_code, _n, role, _p in members:
            db.session.add(
                ClusterMember(
                    campaign_id=campaign.id,
                    cluster_id=cluster.id,
                    unit_id=units[unit_code].id,
                    role=role,
                )
            )
        clusters.append(cluster)
    titles = {}
    for position, (code, name, level) in enumerate(
        (
            ("TT-CTD-CP", "Cờ thi đua của Chính phủ", "government"),
            ("TT-CTD-TINH", "Cờ thi đua của Ủy ban nhân dân tỉnh", "province"),
            ("TT-BK-TINH", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "province"),
        )
    ):
        titles[code] = Title(
            code=code, name=name, scope="collective", kind="title", level=level, position=position
        )
        db.session.add(titles[code])
    db.session.commit()
    heads = {
        code: make_user(
            f"head_{code.lower()}", ["head"], units[code], full_name=f"Thủ trưởng {code}"
        )
        for code in units
    }
    officer = make_user("officer_kb", ["officer"], units["KB"])
    return VoteWorld(campaign, clusters[0], clusters[1], units, heads, officer, titles)


def prepared_ballot(world: VoteWorld, *, items=(("TT-CTD-TINH", 1, 3),), **settings) -> Ballot:
    """A draft ballot of cluster A with these (title code, seats, proposed) items."""
    now = ballot_service.now()
    values = {
        "name": "Họp bình xét, suy tôn năm 2025",
        "place": "Hội trường Sở Ánh",
        "opens_at": ballot_service.local_input(now - timedelta(minutes=5)),
        "closes_at": ballot_service.local_input(now + timedelta(hours=2)),
        "rule": "majority",
        "quorum": "half",
    } | settings
    chair = world.head("KA")
    ballot = ballot_service.create_ballot(
        world.cluster, ballot_service.settings_from_form(values), actor=chair
    )
    for code, seats, proposed in items:
        ballot_service.add_item(
            ballot.id,
            {
                "title_id": str(world.titles[code].id),
                "seats": str(seats),
                "proposed": str(proposed),
            },
            actor=chair,
        )
    db.session.expire_all()
    return db.session.get(Ballot, ballot.id)


def open_ballot(world: VoteWorld, **kwargs) -> Ballot:
    """A ballot of cluster A, opened (voting now)."""
    ballot = prepared_ballot(world, **kwargs)
    ballot_service.open_ballot(ballot.id, actor=world.head("KA"))
    db.session.expire_all()
    return db.session.get(Ballot, ballot.id)


def cast_units(world: VoteWorld, ballot: Ballot, choices: dict[str, dict[str, list[str]]]) -> dict:
    """Cast for each unit code: {title code: [candidate unit codes]}; the receipts by unit."""
    receipts = {}
    for unit_code, picks in choices.items():
        db.session.expire_all()
        fresh = db.session.get(Ballot, ballot.id)
        by_title = {item.title.code: item for item in fresh.items}
        chosen = {}
        for title_code, item in by_title.items():
            wanted = picks.get(title_code, [])
            chosen[item.id] = [c.id for c in item.candidates if c.unit.code in wanted]
        receipts[unit_code] = voting.cast(fresh.id, chosen, actor=world.head(unit_code))
    return receipts


def finish(ballot: Ballot) -> Ballot:
    """Move the ballot's closing time into the past, as if the meeting's time were up."""
    db.session.expire_all()
    fresh = db.session.get(Ballot, ballot.id)
    fresh.closes_at = ballot_service.now() - timedelta(seconds=1)
    fresh.opens_at = min(fresh.opens_at, fresh.closes_at - timedelta(minutes=1))
    db.session.commit()
    return fresh
