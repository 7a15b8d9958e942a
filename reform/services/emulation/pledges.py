"""The cluster's pledge (giao ước thi đua): its text, sending it for signing, the signatures.

The rule, as the user guide states it: the cluster head (a head of the cluster's head unit)
writes the text while it is a draft, starting from a template; two editors cannot overwrite each
other (each save names the version it started from). Sending it for signing freezes the text and
tells every member unit's heads; each member unit then signs once, by one of its heads. To change
the text afterwards the cluster head reopens it: it is a draft again, every signature given is
cleared and the members are told. When every member unit has signed, the cluster head is told.

Every write takes the cluster's row first, so writes to one pledge happen one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import select

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Movement, Pledge, PledgeSignature, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD
from reform.models.pledges import DRAFT, SIGNING
from reform.models.users import HEAD
from reform.services.audit import record
from reform.services.emulation.clusters import is_cluster_head, members
from reform.services.locking import take_write_lock
from reform.services.notices import announce
from reform.services.notify import people_by_unit
from reform.validation import text_problem

# Notification kinds.
TO_SIGN = "pledge_to_sign"
ALL_SIGNED = "pledge_signed"
REOPENED = "pledge_reopened"
# A pledge with the movement's standards runs to a few pages; this bounds it well above that.
TEXT_MAX_LENGTH = 20_000


class PledgeRefused(PermissionError):
    """A step this user may not take on this pledge now, with the reason."""


class PledgeProblem(ValueError):
    """Text that cannot be saved, with the reason to show beside the field."""


class PledgeConflict(Exception):
    """Someone saved the pledge after this user opened it: the current state, to compare."""

    def __init__(self, pledge: Pledge) -> None:
        super().__init__("pledge changed")
        self.pledge = pledge


@dataclass(frozen=True)
class MemberStatus:
    """One member unit of the cluster and its signature, if it signed."""

    member: ClusterMember
    signature: PledgeSignature | None

    @property
    def signed(self) -> bool:
        """Whether the unit signed."""
        return self.signature is not None


def now() -> datetime:
    """The current time as stored (naive UTC, like the database's CURRENT_TIMESTAMP)."""
    return datetime.now(UTC).replace(tzinfo=None)


def campaign_year(campaign: Campaign) -> int:
    """The year the campaign is for (its self-assessment start when not set)."""
    return campaign.year or campaign.self_opens_on.year


def pledge_link(cluster: Cluster) -> str:
    """The pledge page of the cluster."""
    return f"/emulation/{quote(cluster.campaign.code)}/clusters/{cluster.id}/pledge"


def pledge_of(cluster: Cluster) -> Pledge | None:
    """The cluster's pledge, or None while nobody has written it."""
    return db.session.scalar(select(Pledge).where(Pledge.cluster_id == cluster.id))


def statuses(cluster: Cluster, pledge: Pledge | None) -> list[MemberStatus]:
    """Every member unit in Vietnamese order, with its signature or none."""
    signed = {s.unit_id: s for s in (pledge.signatures if pledge is not None else [])}
    return [MemberStatus(m, signed.get(m.unit_id)) for m in members(cluster)]


def template_text(cluster: Cluster) -> str:
    """The pledge generated from the cluster, its campaign, the members and the movement."""
    campaign = cluster.campaign
    year = campaign_year(campaign)
    movement = db.session.get(Movement, campaign.movement_id) if campaign.movement_id else None
    roles = {CLUSTER_HEAD: " (Khối trưởng)", CLUSTER_DEPUTY: " (Khối phó)"}
    listed = "\n".join(
        f"{n}. {m.unit.name}{roles.get(m.role, '')}"
        for n, m in enumerate(members(cluster), start=1)
    )
    if movement is not None:
        basis = (
            f"Thực hiện phong trào thi đua “{movement.name}” do {movement.authority} phát động "
            f"và {campaign.name}"
        )
        standards = (movement.standards or "").strip()
    else:
        basis = f"Thực hiện {campaign.name}"
        standards = ""
    standards_part = (
        "2. Thực hiện đầy đủ các tiêu chuẩn của phong trào thi đua:\n" + standards
        if standards
        else "2. Thực hiện đầy đủ các tiêu chuẩn thi đua do cấp có thẩm quyền ban hành."
    )
    return "\n".join(
        (
            f"GIAO ƯỚC THI ĐUA NĂM {year}",
            cluster.name,
            "",
            f"{basis}; căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15, các đơn vị thành viên "
            f"{cluster.name} thống nhất ký kết giao ước thi đua năm {year} với các nội dung sau:",
            "",
            "I. CÁC ĐƠN VỊ THAM GIA GIAO ƯỚC",
            listed or "(chưa có đơn vị thành viên)",
            "",
            "II. NỘI DUNG GIAO ƯỚC",
            f"1. Thi đua hoàn thành xuất sắc nhiệm vụ chính trị, các chỉ tiêu, kế hoạch năm {year} "
            "của từng đơn vị.",
            standards_part,
            "3. Đẩy mạnh cải cách hành chính, chuyển đổi số; siết chặt kỷ luật, kỷ cương hành "
            "chính; xây dựng cơ quan, đơn vị văn hóa.",
            "4. Phát hiện, bồi dưỡng, nhân rộng các điển hình tiên tiến, sáng kiến; thực hiện "
            "công tác khen thưởng đúng quy định.",
            "",
            "III. TỔ CHỨC THỰC HIỆN",
            "Các đơn vị thành viên đăng ký thi đua, tự chấm điểm theo bảng chấm điểm của khối "
            "và gửi khối trưởng đúng thời hạn. Khối trưởng chủ trì theo dõi, đôn đốc, tổng hợp "
            "kết quả, tổ chức chấm điểm chéo và họp bình xét, suy tôn cuối năm.",
            "Giao ước có hiệu lực kể từ ngày các đơn vị thành viên ký kết.",
        )
    )


# ---- writes ---------------------------------------------------------------------------------


def _lock(cluster: Cluster) -> Pledge | None:
    """Hold the cluster's row until commit; the pledge as committed by others, or None."""
    take_write_lock()
    db.session.execute(select(Cluster.id).where(Cluster.id == cluster.id).with_for_update()).first()
    return db.session.scalar(
        select(Pledge)
        .where(Pledge.cluster_id == cluster.id)
        .execution_options(populate_existing=True)
    )


def _require_cluster_head(user: User, cluster: Cluster) -> None:
    if not is_cluster_head(user, cluster):
        raise PledgeRefused(_("Only the cluster head writes the pledge and sends it for signing."))


def _new_pledge(cluster: Cluster, text: str, actor: User) -> Pledge:
    pledge = Pledge(
        cluster_id=cluster.id,
        campaign_id=cluster.campaign_id,
        text=text,
        status=DRAFT,
        updated_by_id=actor.id,
        updated_at=now(),
    )
    db.session.add(pledge)
    return pledge


def save_text(
    cluster: Cluster, text: str, *, base_version: int, actor: User, then_send: bool = False
) -> Pledge:
    """The cluster head saves the draft's text; base_version is the version the editor opened
    (0 for the template, before anything was saved). With then_send the text is sent for
    signing in the same step: both happen, or neither."""
    _require_cluster_head(actor, cluster)
    text = text.replace("\r\n", "\n").strip()
    problem = text_problem(text, max_length=TEXT_MAX_LENGTH)
    if problem:
        raise PledgeProblem(problem)
    if not text:
        raise PledgeProblem(_("Write the text of the pledge."))
    pledge = _lock(cluster)
    current = pledge.version if pledge is not None else 0
    if base_version != current:
        raise PledgeConflict(pledge) if pledge is not None else PledgeProblem(_("Reload the page."))
    if pledge is not None and pledge.status != DRAFT:
        raise PledgeRefused(
            _("The pledge has been sent for signing: reopen it to change its text.")
        )
    if pledge is None:
        pledge = _new_pledge(cluster, text, actor)
        before = None
    else:
        before = pledge.text
        if before != text:
            pledge.text, pledge.updated_by_id, pledge.updated_at = text, actor.id, now()
    if before != text:
        record(
            "pledge_edited",
            actor=actor,
            campaign=cluster.campaign,
            criterion_code=cluster.code,
            stage="pledge",
            from_value=before,
            to_value=text,
        )
    if then_send:
        db.session.flush()
        _send(cluster, pledge, actor)
    db.session.commit()
    return pledge


def _send(cluster: Cluster, pledge: Pledge, actor: User) -> None:
    """Freeze the draft for signing and tell the member units' heads."""
    if not members(cluster):
        raise PledgeRefused(_("The cluster has no member units yet."))
    pledge.status, pledge.sent_at, pledge.sent_by_id = SIGNING, now(), actor.id
    record(
        "pledge_sent",
        actor=actor,
        campaign=cluster.campaign,
        criterion_code=cluster.code,
        stage="pledge",
        from_value=DRAFT,
        to_value=SIGNING,
    )
    db.session.flush()

    def message() -> str:
        return _(
            "The pledge of %(cluster)s for %(campaign)s is ready to sign: open it and sign for "
            "your unit.",
            cluster=cluster.name,
            campaign=cluster.campaign.name,
        )

    announce(_member_heads(cluster), TO_SIGN, pledge_link(cluster), message, actor=actor)


def reopen(cluster: Cluster, *, actor: User) -> int:
    """The cluster head takes the pledge back to a draft: every signature is cleared and the
    members' heads are told. Returns how many signatures were cleared."""
    _require_cluster_head(actor, cluster)
    pledge = _lock(cluster)
    if pledge is None or pledge.status != SIGNING:
        raise PledgeRefused(_("Only a pledge sent for signing can be reopened."))
    cleared = [s.unit.name for s in pledge.signatures]
    pledge.signatures.clear()
    pledge.status, pledge.sent_at, pledge.sent_by_id = DRAFT, None, None
    pledge.updated_by_id, pledge.updated_at = actor.id, now()
    record(
        "pledge_reopened",
        actor=actor,
        campaign=cluster.campaign,
        criterion_code=cluster.code,
        stage="pledge",
        from_value=SIGNING,
        to_value=DRAFT,
        reason="; ".join(cleared) or None,
    )
    db.session.flush()

    def message() -> str:
        return _(
            "%(name)s reopened the pledge of %(cluster)s to change its text; the %(count)s "
            "signatures given are cleared and your unit will be asked to sign again.",
            name=actor.full_name,
            cluster=cluster.name,
            count=len(cleared),
        )

    announce(_member_heads(cluster), REOPENED, pledge_link(cluster), message, actor=actor)
    db.session.commit()
    return len(cleared)


def sign(cluster: Cluster, *, base_version: int, actor: User) -> PledgeSignature:
    """A head of a member unit signs for the unit, once, the text as sent (base_version)."""
    unit_id = actor.unit_id
    member_ids = {m.unit_id for m in members(cluster)}
    if not actor.has_role(HEAD) or unit_id not in member_ids:
        raise PledgeRefused(_("Only the head of a member unit signs the pledge for it."))
    pledge = _lock(cluster)
    if pledge is None or pledge.status != SIGNING:
        raise PledgeRefused(_("The pledge has not been sent for signing."))
    if pledge.version != base_version:
        raise PledgeConflict(pledge)
    done = next((s for s in pledge.signatures if s.unit_id == unit_id), None)
    if done is not None:
        raise PledgeRefused(
            _(
                "Your unit has already signed the pledge (%(name)s).",
                name=done.signer_name,
            )
        )
    signature = PledgeSignature(
        unit_id=unit_id, signed_by_id=actor.id, signer_name=actor.full_name, signed_at=now()
    )
    pledge.signatures.append(signature)
    record(
        "pledge_signed",
        actor=actor,
        campaign=cluster.campaign,
        criterion_code=cluster.code,
        stage="pledge",
        to_value=actor.unit.name if actor.unit else str(unit_id),
    )
    db.session.flush()
    if member_ids <= {s.unit_id for s in pledge.signatures}:

        def message() -> str:
            return _(
                "Every member unit of %(cluster)s has signed the pledge for %(campaign)s.",
                cluster=cluster.name,
                campaign=cluster.campaign.name,
            )

        announce(_head_unit_heads(cluster), ALL_SIGNED, pledge_link(cluster), message, actor=actor)
    db.session.commit()
    return signature


def _member_heads(cluster: Cluster) -> list[User]:
    """The heads of every member unit (they sign for their units)."""
    people = people_by_unit([m.unit_id for m in members(cluster)], (HEAD,))
    return [user for users in people.values() for user in users]


def _head_unit_heads(cluster: Cluster) -> list[User]:
    """The heads of the cluster's head unit (who act as cluster head)."""
    heads = [m.unit_id for m in members(cluster) if m.role == CLUSTER_HEAD]
    people = people_by_unit(heads, (HEAD,))
    return [user for users in people.values() for user in users]
