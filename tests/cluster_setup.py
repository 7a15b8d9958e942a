"""An emulation campaign with two clusters, scored and submitted, for the tests of clusters,
the cluster head's cross-review and the cluster ranking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Submission, Unit, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, MEMBER
from reform.models.submissions import SUBMITTED
from reform.services.campaigns import PhaseDates, create_campaign
from reform.services.frameworks import import_framework
from reform.services.phases import today
from reform.services.scores_import import import_scores

EMULATION = """\
code: TD-CUM
version: 1
name: "Bảng chấm điểm thi đua cụm"
kind: emulation
result: points
bands: [{min: 100, label: "Xuất sắc"}, {min: 0, label: "Khá"}]
criteria:
  - code: "I"
    name: "Nhiệm vụ chuyên môn"
    children:
      - {code: "I.1", name: "Chỉ tiêu được giao", max: 100, rule: {type: manual, step: 1}}
  - {code: "T", name: "Cờ thi đua của tỉnh đã nhận", bonus: true, max: 15, rule: {type: yesno}}
"""

# (code, name, cluster, role, I.1 points, bonus flag). STP and SYT come from the `units` fixture.
LAYOUT = [
    ("STP", "Sở Tư pháp", "VHXH", CLUSTER_HEAD, 90, True),  # 105 with the flag
    ("SYT", "Sở Y tế", "VHXH", CLUSTER_DEPUTY, 95, False),
    ("SXD", "Sở Xây dựng", "VHXH", MEMBER, 80, True),  # 95
    ("SCT", "Sở Công Thương", "KT", CLUSTER_HEAD, 70, False),
    ("SNV", "Sở Nội vụ", "KT", MEMBER, 99, False),
]
CLUSTER_NAMES = {"VHXH": "Khối Văn hóa – Xã hội", "KT": "Khối Kinh tế"}


@dataclass
class ClusterWorld:
    """The campaign, its clusters, the units, each unit's head user and submission."""

    campaign: Campaign
    clusters: dict[str, Cluster]
    units: dict[str, Unit]
    heads: dict[str, User]
    submissions: dict[str, Submission]

    def submission(self, code: str) -> Submission:
        return db.session.get(Submission, self.submissions[code].id)


def emulation_framework():
    """The emulation sheet (imported once per test)."""
    from reform.models import Framework

    found = db.session.scalar(db.select(Framework).where(Framework.code == "TD-CUM"))
    return found or import_framework(EMULATION)


def new_campaign(code: str, units: list[Unit], *, year: int, appraisal_open: bool = True):
    """An emulation campaign of these units; its appraisal open today when asked."""
    day = today()
    dates = PhaseDates(
        day - timedelta(days=20),
        day - timedelta(days=1),
        appraisal_opens_on=day if appraisal_open else None,
        appraisal_closes_on=day + timedelta(days=14) if appraisal_open else None,
    )
    name = f"Thi đua {code}"
    return create_campaign(code, name, emulation_framework(), dates, units=units, year=year)


def build_world(make_unit, make_user, units, users, *, clusters: bool = True) -> ClusterWorld:
    """Create the campaign of the five departments, its two clusters, and a head per unit."""
    province = units["province"]
    known = {"STP": units["own"], "SYT": units["other"]}
    for code, name, *_rest in LAYOUT:
        if code not in known:
            known[code] = make_unit(code, name, parent=province)
    heads = {"STP": users["head"]}
    for code, *_rest in LAYOUT:
        if code not in heads:
            heads[code] = make_user(f"{code.lower()}_head", ["head"], known[code])
            users[f"{code.lower()}_head"] = heads[code]  # so login_as("syt_head") works
    campaign = new_campaign("TD-2026", list(known.values()), year=2026)
    rows = "unit_code,criterion_code,value,note\n" + "".join(
        f"{code},I.1,{points},\n" + (f"{code},T,yes,\n" if flag else f"{code},T,no,\n")
        for code, _n, _c, _r, points, flag in LAYOUT
    )
    assert import_scores(campaign, rows.encode(), stage="self", filename="td.csv").ok
    submissions = {
        s.unit.code: s
        for s in db.session.scalars(
            db.select(Submission).where(Submission.campaign_id == campaign.id)
        )
    }
    for submission in submissions.values():
        submission.status = SUBMITTED
    made: dict[str, Cluster] = {}
    if clusters:
        for cluster_code, name in CLUSTER_NAMES.items():
            made[cluster_code] = Cluster(campaign_id=campaign.id, code=cluster_code, name=name)
            db.session.add(made[cluster_code])
        db.session.flush()
        for code, _n, cluster_code, role, _p, _f in LAYOUT:
            db.session.add(
                ClusterMember(
                    campaign_id=campaign.id,
                    cluster_id=made[cluster_code].id,
                    unit_id=known[code].id,
                    role=role,
                )
            )
    db.session.commit()
    return ClusterWorld(campaign, made, known, heads, submissions)
