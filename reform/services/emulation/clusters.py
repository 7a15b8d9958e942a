"""Clusters (cụm, khối thi đua) of a campaign: who is in which, and who leads each.

The read helpers here are what the other parts of emulation (pledge, registration, the vote)
and the appraisal scope build on; the changes (members, head and deputy, import, copy) live in
`reform.services.emulation.cluster_admin`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Unit, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD
from reform.models.users import HEAD
from reform.services.units import UNIT_ORDER, unit_order

EMULATION = "emulation"


def is_emulation(campaign: Campaign) -> bool:
    """Whether the campaign scores an emulation sheet (clusters belong to those only)."""
    return campaign.framework.kind == EMULATION


def membership(campaign_id: int, unit_id: int) -> ClusterMember | None:
    """The unit's place in the campaign (its cluster loaded), or None outside every cluster."""
    return db.session.scalar(
        select(ClusterMember)
        .where(ClusterMember.campaign_id == campaign_id, ClusterMember.unit_id == unit_id)
        .options(joinedload(ClusterMember.cluster))
    )


def cluster_of(campaign_id: int, unit_id: int) -> Cluster | None:
    """The unit's cluster in the campaign, or None."""
    found = membership(campaign_id, unit_id)
    return found.cluster if found is not None else None


def campaign_clusters(campaign: Campaign | int) -> list[Cluster]:
    """The campaign's clusters, by code (the order their files and lists use)."""
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    return list(
        db.session.scalars(
            select(Cluster).where(Cluster.campaign_id == campaign_id).order_by(Cluster.code)
        )
    )


def members(cluster: Cluster) -> list[ClusterMember]:
    """The cluster's members with their units, in the Vietnamese order of the units' names."""
    return list(
        db.session.scalars(
            select(ClusterMember)
            .join(Unit, Unit.id == ClusterMember.unit_id)
            .where(ClusterMember.cluster_id == cluster.id)
            .options(joinedload(ClusterMember.unit))
            .order_by(*UNIT_ORDER)
        )
    )


def leader(cluster: Cluster, role: str = CLUSTER_HEAD) -> ClusterMember | None:
    """The cluster's head (or deputy, with role=CLUSTER_DEPUTY), or None while none is chosen."""
    return db.session.scalar(
        select(ClusterMember)
        .where(ClusterMember.cluster_id == cluster.id, ClusterMember.role == role)
        .options(joinedload(ClusterMember.unit))
        .order_by(ClusterMember.id)
    )


def _acts_for_unit(user: User | None) -> bool:
    """Whether the user is a unit's head (who acts for the unit in emulation)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.unit_id is not None
        and user.has_role(HEAD)
    )


def _own_role(user: User, cluster: Cluster) -> str | None:
    """The role the user's unit holds in the cluster, if the user acts for a member unit."""
    if not _acts_for_unit(user):
        return None
    return db.session.scalar(
        select(ClusterMember.role).where(
            ClusterMember.cluster_id == cluster.id, ClusterMember.unit_id == user.unit_id
        )
    )


def is_cluster_head(user: User | None, cluster: Cluster) -> bool:
    """Whether the user acts as the cluster's head (a head of its head unit: khối trưởng)."""
    return _own_role(user, cluster) == CLUSTER_HEAD if user is not None else False


def is_cluster_deputy(user: User | None, cluster: Cluster) -> bool:
    """Whether the user acts as the cluster's deputy (a head of its deputy unit: khối phó)."""
    return _own_role(user, cluster) == CLUSTER_DEPUTY if user is not None else False


def led_clusters(user: User | None, campaign_id: int) -> list[Cluster]:
    """The campaign's clusters the user acts for as head or deputy (none, or one: a unit sits in
    one cluster per campaign)."""
    if not _acts_for_unit(user):
        return []
    return list(
        db.session.scalars(
            select(Cluster)
            .join(ClusterMember, ClusterMember.cluster_id == Cluster.id)
            .where(
                ClusterMember.campaign_id == campaign_id,
                ClusterMember.unit_id == user.unit_id,
                ClusterMember.role.in_((CLUSTER_HEAD, CLUSTER_DEPUTY)),
            )
        )
    )


def member_order(member: ClusterMember) -> tuple[str, str]:
    """The key `members` sorts on, for members already loaded with their units."""
    return unit_order(member.unit)
