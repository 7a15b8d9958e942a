"""An emulation campaign with two clusters, for the pledge and registration tests.

Cluster A "Khối Văn hóa – Xã hội": Sở Tư pháp (head; the `head` and `officer` users), Sở Y tế
(deputy; `other_officer` and `head_syt`), Sở Giáo dục và Đào tạo (member; `head_sgd`).
Cluster B "Khối Kinh tế": Sở Tài chính (head; `head_stc`), Sở Công Thương (member; `head_sct`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Movement, Unit, User

EMULATION_FRAMEWORK = (
    Path(__file__).resolve().parents[1] / "reform" / "frameworks" / "emulation-block-2025.yaml"
)
MOVEMENT_NAME = "Tham mưu giỏi, phục vụ tốt"
STANDARDS = "Hoàn thành 100% nhiệm vụ được giao; không có cán bộ vi phạm kỷ luật."


@dataclass
class World:
    """What the tests act on."""

    campaign: Campaign
    cluster_a: Cluster
    cluster_b: Cluster
    units: dict[str, Unit]
    people: dict[str, User]


def build_world(units: dict, users: dict, make_unit, make_user) -> World:
    """Create the campaign, its movement, the clusters and the extra heads; load the titles."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.emulation.titles import load_default_titles
    from reform.services.frameworks import import_framework
    from reform.services.phases import today

    province = units["province"]
    extra = {
        "SGD": make_unit("SGD", "Sở Giáo dục và Đào tạo", parent=province),
        "STC": make_unit("STC", "Sở Tài chính", parent=province),
        "SCT": make_unit("SCT", "Sở Công Thương", parent=province),
    }
    province.place = "Hòa Sơn"
    all_units = {"STP": units["own"], "SYT": units["other"], **extra}
    people = dict(users)
    people["head_syt"] = make_user("head_syt", ["head"], units["other"], full_name="Lê Văn Y")
    people["head_sgd"] = make_user("head_sgd", ["head"], extra["SGD"], full_name="Phạm Thị Giáo")
    people["head_stc"] = make_user("head_stc", ["head"], extra["STC"], full_name="Trần Tài")
    people["head_sct"] = make_user("head_sct", ["head"], extra["SCT"], full_name="Ngô Công")
    framework = import_framework(EMULATION_FRAMEWORK.read_text(encoding="utf-8"))
    day = today()
    campaign = create_campaign(
        "TD-2025",
        "Thi đua khối năm 2025",
        framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=60)),
        units=list(all_units.values()),
        year=2025,
    )
    movement = Movement(
        code="TMG-2025",
        name=MOVEMENT_NAME,
        authority="Ủy ban nhân dân tỉnh Hòa Sơn",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        standards=STANDARDS,
    )
    db.session.add(movement)
    db.session.flush()
    campaign.movement_id = movement.id
    campaign.registration_closes_on = day + timedelta(days=10)
    cluster_a = Cluster(campaign_id=campaign.id, code="VHXH", name="Khối Văn hóa – Xã hội")
    cluster_b = Cluster(campaign_id=campaign.id, code="KT", name="Khối Kinh tế")
    db.session.add_all([cluster_a, cluster_b])
    db.session.flush()
    for cluster, code, role in (
        (cluster_a, "STP", "head"),
        (cluster_a, "SYT", "deputy"),
        (cluster_a, "SGD", "member"),
        (cluster_b, "STC", "head"),
        (cluster_b, "SCT", "member"),
    ):
        db.session.add(
            ClusterMember(
                campaign_id=campaign.id,
                cluster_id=cluster.id,
                unit_id=all_units[code].id,
                role=role,
            )
        )
    db.session.commit()
    load_default_titles()
    return World(campaign, cluster_a, cluster_b, all_units, people)


def title_id(code: str) -> int:
    """The id of a catalogue entry by its code."""
    from reform.models import Title

    return db.session.scalar(db.select(Title.id).where(Title.code == code))
