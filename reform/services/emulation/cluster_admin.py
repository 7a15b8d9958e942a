"""The secretariat's changes to a campaign's clusters: create, edit, members, head and deputy,
import from CSV and copy from another campaign. Every change is audited; the heads of a unit
that becomes a cluster's head or deputy are told."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Submission, Unit, User
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD, MEMBER, REVIEWER
from reform.models.users import HEAD
from reform.services.audit import record
from reform.services.emulation.clusters import campaign_clusters, cluster_of, is_emulation
from reform.services.locking import take_write_lock
from reform.services.units import CODE_RE, UNIT_ORDER
from reform.validation import text_problem

NAME_MAX = 300
CSV_COLUMNS = ("unit_code", "cluster_code", "cluster_name", "role")
# What a file may write in the role column (compared without case, NFC, spaces collapsed).
ROLE_WORDS = {
    "head": CLUSTER_HEAD,
    "khối trưởng": CLUSTER_HEAD,
    "cụm trưởng": CLUSTER_HEAD,
    "deputy": CLUSTER_DEPUTY,
    "khối phó": CLUSTER_DEPUTY,
    "cụm phó": CLUSTER_DEPUTY,
    "reviewer": REVIEWER,
    "thẩm định chéo": REVIEWER,
    "tổ thẩm định chéo": REVIEWER,
    "chấm chéo": REVIEWER,
    "member": MEMBER,
    "thành viên": MEMBER,
    "": MEMBER,
}
# Notification kind of "your unit leads a cluster".
CLUSTER_ROLE_NOTICE = "cluster_role"


class ClusterProblem(ValueError):
    """A change refused; field names the form field the message goes beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# ---- reading ----------------------------------------------------------------------------------


def participants(campaign: Campaign) -> list[Unit]:
    """The campaign's participant units, in Vietnamese order."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(Submission, Submission.unit_id == Unit.id)
            .where(Submission.campaign_id == campaign.id)
            .order_by(*UNIT_ORDER)
        )
    )


def unplaced(campaign: Campaign) -> list[Unit]:
    """Participant units in no cluster of the campaign yet, in Vietnamese order."""
    placed = select(ClusterMember.unit_id).where(ClusterMember.campaign_id == campaign.id)
    return [
        unit for unit in participants(campaign) if unit.id not in set(db.session.scalars(placed))
    ]


def _takes_part(campaign: Campaign, unit: Unit) -> bool:
    return (
        db.session.scalar(
            select(Submission.id).where(
                Submission.campaign_id == campaign.id, Submission.unit_id == unit.id
            )
        )
        is not None
    )


def copy_sources(campaign: Campaign) -> list[Campaign]:
    """Other campaigns with clusters to copy from, the most recent first."""
    with_clusters = select(Cluster.campaign_id).distinct()
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.id != campaign.id, Campaign.id.in_(with_clusters))
            .order_by(Campaign.year.desc().nulls_last(), Campaign.created_at.desc(), Campaign.code)
        )
    )


# ---- locking and telling ----------------------------------------------------------------------


def _lock_campaign(campaign: Campaign) -> None:
    """Serialise the campaign's cluster changes: the checks below read what others committed."""
    take_write_lock()
    db.session.execute(
        select(Campaign.id).where(Campaign.id == campaign.id).with_for_update()
    ).all()


def _label(member: ClusterMember | None) -> str:
    return member.unit.code if member is not None else "-"


def _fresh_members(cluster: Cluster) -> list[ClusterMember]:
    """The cluster's members as committed now (after the lock), with their units."""
    return list(
        db.session.scalars(
            select(ClusterMember)
            .where(ClusterMember.cluster_id == cluster.id)
            .options(joinedload(ClusterMember.unit))
            .order_by(ClusterMember.id)
            .execution_options(populate_existing=True)
        )
    )


def _leaders_text(members: list[ClusterMember]) -> str:
    """ "head STP, deputy SYT" for the audit log (untranslated, like the other log values)."""
    by_role = {m.role: m for m in members}
    return f"head {_label(by_role.get(CLUSTER_HEAD))}, deputy {_label(by_role.get(CLUSTER_DEPUTY))}"


def _tell_leaders(changes: Iterable[tuple[Cluster, Unit, str]], actor: User | None) -> None:
    """Tell the heads of each unit that became a cluster's head or deputy (in this transaction)."""
    from reform.services import notices
    from reform.services.notify import people_by_unit

    changes = list(changes)
    heads = people_by_unit([unit.id for _c, unit, _r in changes], (HEAD,))
    for cluster, unit, role in changes:
        campaign = cluster.campaign

        def message(cluster=cluster, unit=unit, role=role, campaign=campaign) -> str:
            if role == CLUSTER_HEAD:
                return _(
                    "%(unit)s is the head of cluster %(cluster)s in %(campaign)s: you appraise "
                    "its members' sheets.",
                    unit=unit.name,
                    cluster=cluster.name,
                    campaign=campaign.name,
                )
            if role == REVIEWER:
                return _(
                    "%(unit)s is in the review group of cluster %(cluster)s in %(campaign)s: "
                    "you appraise the other members' sheets.",
                    unit=unit.name,
                    cluster=cluster.name,
                    campaign=campaign.name,
                )
            return _(
                "%(unit)s is the deputy of cluster %(cluster)s in %(campaign)s: you appraise "
                "the head unit's sheet.",
                unit=unit.name,
                cluster=cluster.name,
                campaign=campaign.name,
            )

        notices.announce(
            heads.get(unit.id, []),
            CLUSTER_ROLE_NOTICE,
            notices.queue_link(campaign),
            message,
            actor=actor,
        )


# ---- clusters ---------------------------------------------------------------------------------


def _checked_code_and_name(code: str | None, name: str | None) -> tuple[str, str]:
    code, name = (code or "").strip(), " ".join((name or "").split())
    if not code:
        raise ClusterProblem("code", _("Give the cluster's code."))
    if not CODE_RE.fullmatch(code):
        raise ClusterProblem("code", _("Letters, digits and . _ - only (max 40)."))
    if not name:
        raise ClusterProblem("name", _("Give the cluster's name."))
    if problem := text_problem(name, max_length=NAME_MAX, multiline=False):
        raise ClusterProblem("name", problem)
    return code, name


def _code_taken(campaign: Campaign, code: str, but: Cluster | None = None) -> bool:
    stmt = select(Cluster.id).where(Cluster.campaign_id == campaign.id, Cluster.code == code)
    if but is not None:
        stmt = stmt.where(Cluster.id != but.id)
    return db.session.scalar(stmt) is not None


def _require_emulation(campaign: Campaign) -> None:
    if not is_emulation(campaign):
        raise ClusterProblem("code", _("Clusters belong to emulation campaigns only."))


def create_cluster(campaign: Campaign, code: str, name: str, *, actor: User) -> Cluster:
    """A new, empty cluster of the campaign."""
    _require_emulation(campaign)
    code, name = _checked_code_and_name(code, name)
    _lock_campaign(campaign)
    if _code_taken(campaign, code):
        raise ClusterProblem("code", _("Another cluster of this campaign has this code."))
    cluster = Cluster(campaign_id=campaign.id, code=code, name=name)
    cluster.campaign = campaign
    db.session.add(cluster)
    record("cluster_created", actor=actor, campaign=campaign, to_value=f"{code}: {name}")
    db.session.commit()
    return cluster


def update_cluster(cluster: Cluster, code: str, name: str, *, actor: User) -> None:
    """Change a cluster's code or name."""
    code, name = _checked_code_and_name(code, name)
    _lock_campaign(cluster.campaign)
    if _code_taken(cluster.campaign, code, but=cluster):
        raise ClusterProblem("code", _("Another cluster of this campaign has this code."))
    before = f"{cluster.code}: {cluster.name}"
    if (cluster.code, cluster.name) == (code, name):
        return
    cluster.code, cluster.name = code, name
    record(
        "cluster_changed",
        actor=actor,
        campaign=cluster.campaign,
        from_value=before,
        to_value=f"{code}: {name}",
    )
    db.session.commit()


def delete_cluster(cluster: Cluster, *, actor: User) -> None:
    """Delete an empty cluster (one created by mistake)."""
    _lock_campaign(cluster.campaign)
    if _fresh_members(cluster):
        raise ClusterProblem("cluster", _("Remove the cluster's members first."))
    record(
        "cluster_deleted",
        actor=actor,
        campaign=cluster.campaign,
        from_value=f"{cluster.code}: {cluster.name}",
    )
    db.session.delete(cluster)
    try:
        db.session.commit()
    except IntegrityError as taken:  # another part of emulation holds rows of it (a pledge)
        db.session.rollback()
        raise ClusterProblem(
            "cluster", _("This cluster is in use and cannot be deleted.")
        ) from taken


# ---- members ----------------------------------------------------------------------------------


def _elsewhere(campaign: Campaign, unit: Unit) -> ClusterProblem:
    """The refusal for a unit already in a cluster of the campaign (read as committed)."""
    current = cluster_of(campaign.id, unit.id)
    name = current.name if current is not None else "?"
    return ClusterProblem(
        "unit_id",
        _(
            "%(unit)s is already in cluster %(cluster)s: a unit sits in one cluster per campaign.",
            unit=unit.name,
            cluster=name,
        ),
    )


def add_member(cluster: Cluster, unit: Unit, *, actor: User) -> ClusterMember:
    """Put a participant unit in the cluster (as a plain member)."""
    campaign = cluster.campaign
    if not _takes_part(campaign, unit):
        raise ClusterProblem(
            "unit_id", _("%(unit)s does not take part in this campaign.", unit=unit.name)
        )
    if cluster_of(campaign.id, unit.id) is not None:
        raise _elsewhere(campaign, unit)
    member = ClusterMember(campaign_id=campaign.id, cluster=cluster, unit=unit, role=MEMBER)
    db.session.add(member)
    record(
        "cluster_member_added",
        actor=actor,
        campaign=campaign,
        to_value=f"{cluster.code}: {unit.code}",
    )
    try:
        db.session.commit()
    except IntegrityError as raced:  # put in another cluster meanwhile: the database says so
        db.session.rollback()
        raise _elsewhere(campaign, unit) from raced
    return member


def remove_member(member: ClusterMember, *, actor: User) -> None:
    """Take a unit out of its cluster (a head or deputy leaves its role with it)."""
    cluster = member.cluster
    record(
        "cluster_member_removed",
        actor=actor,
        campaign=cluster.campaign,
        from_value=f"{cluster.code}: {member.unit.code} ({member.role})",
    )
    db.session.delete(member)
    db.session.commit()


def set_leaders(
    cluster: Cluster, head_unit_id: int | None, deputy_unit_id: int | None, *, actor: User
) -> None:
    """Choose the cluster's head (exactly one) and deputy (at most one), both members."""
    _lock_campaign(cluster.campaign)
    current = _fresh_members(cluster)
    by_unit = {m.unit_id: m for m in current}
    if head_unit_id is None:
        raise ClusterProblem("head", _("Choose the head unit."))
    if head_unit_id not in by_unit:
        raise ClusterProblem("head", _("The head must be a member of the cluster."))
    if deputy_unit_id is not None and deputy_unit_id not in by_unit:
        raise ClusterProblem("deputy", _("The deputy must be a member of the cluster."))
    if deputy_unit_id == head_unit_id:
        raise ClusterProblem("deputy", _("The deputy must be another unit than the head."))
    before = _leaders_text(current)
    wanted = {head_unit_id: CLUSTER_HEAD}
    if deputy_unit_id is not None:
        wanted[deputy_unit_id] = CLUSTER_DEPUTY
    promoted = []
    for unit_id, member in by_unit.items():
        # A unit of the review group stays in it unless it now leads the cluster.
        role = wanted.get(unit_id, REVIEWER if member.role == REVIEWER else MEMBER)
        if member.role != role:
            if role != MEMBER:
                promoted.append((cluster, member.unit, role))
            member.role = role
    after = _leaders_text(current)
    if before == after:
        return
    record(
        "cluster_leaders_changed",
        actor=actor,
        campaign=cluster.campaign,
        from_value=f"{cluster.code}: {before}",
        to_value=f"{cluster.code}: {after}",
    )
    _tell_leaders(promoted, actor)
    db.session.commit()


def set_review_group(cluster: Cluster, unit_ids: Iterable[int], *, actor: User) -> None:
    """Name the member units (not the head or deputy) whose heads cross-review the sheets."""
    _lock_campaign(cluster.campaign)
    current = _fresh_members(cluster)
    by_unit = {m.unit_id: m for m in current}
    wanted = set(unit_ids)
    if wanted - set(by_unit):
        raise ClusterProblem(
            "reviewers", _("Only the cluster's members can be in its review group.")
        )
    leaders = {u for u, m in by_unit.items() if m.role in (CLUSTER_HEAD, CLUSTER_DEPUTY)}
    if wanted & leaders:
        raise ClusterProblem(
            "reviewers",
            _("The head and the deputy appraise already: choose other members for the group."),
        )
    before = _group_text(current)
    added = []
    for unit_id, member in by_unit.items():
        if member.role in (CLUSTER_HEAD, CLUSTER_DEPUTY):
            continue
        role = REVIEWER if unit_id in wanted else MEMBER
        if member.role != role:
            if role == REVIEWER:
                added.append((cluster, member.unit, REVIEWER))
            member.role = role
    after = _group_text(current)
    if before == after:
        return
    record(
        "cluster_review_group_changed",
        actor=actor,
        campaign=cluster.campaign,
        from_value=f"{cluster.code}: {before}",
        to_value=f"{cluster.code}: {after}",
    )
    _tell_leaders(added, actor)
    db.session.commit()


def _group_text(members: list[ClusterMember]) -> str:
    """ "review group SGD, SYT" for the audit log (codes in a stable order)."""
    codes = sorted(m.unit.code for m in members if m.role == REVIEWER)
    return "review group " + (", ".join(codes) if codes else "-")


# ---- import from CSV --------------------------------------------------------------------------


@dataclass
class ClusterImport:
    """What an import did, or every reason it was refused (line, message)."""

    clusters_created: int = 0
    members: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def role_of(word: str) -> str | None:
    """The role a file's role cell names (English or Vietnamese), or None when unknown."""
    key = " ".join(unicodedata.normalize("NFC", word or "").casefold().split())
    return ROLE_WORDS.get(key)


def _read_rows(data: bytes) -> tuple[list[dict], list[tuple[int, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(1, _("The file is not UTF-8 text. Save it as CSV UTF-8."))]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [(1, _("Missing columns: %(cols)s.", cols=", ".join(missing)))]
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            cleaned = {c: (row.get(c) or "").strip() for c in CSV_COLUMNS}
            if any(cleaned.values()):
                rows.append(cleaned | {"_line": reader.line_num})
    except csv.Error as broken:
        return [], [(reader.line_num, _("The file is not valid CSV: %(why)s", why=str(broken)))]
    if not rows:
        return [], [(1, _("The file lists no units."))]
    return rows, []


_NUL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def import_clusters(
    campaign: Campaign, data: bytes, *, actor: User | None, filename: str = ""
) -> ClusterImport:
    """Set the clusters a CSV names (unit_code, cluster_code, cluster_name, role): each named
    cluster gets exactly the file's units, with one head and at most one deputy. Any bad line
    refuses the whole file, every error named by its line."""
    report = ClusterImport()
    if not is_emulation(campaign):
        report.errors.append((1, _("Clusters belong to emulation campaigns only.")))
        return report
    rows, problems = _read_rows(data)
    report.errors.extend(problems)
    if report.errors:
        return report
    _lock_campaign(campaign)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    taking_part = set(
        db.session.scalars(select(Submission.unit_id).where(Submission.campaign_id == campaign.id))
    )
    existing = {c.code: c for c in campaign_clusters(campaign)}
    placed = {
        m.unit_id: m
        for m in db.session.scalars(
            select(ClusterMember)
            .where(ClusterMember.campaign_id == campaign.id)
            .options(joinedload(ClusterMember.cluster), joinedload(ClusterMember.unit))
        )
    }
    errors = report.errors
    seen_units: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    first_line: dict[str, int] = {}
    by_cluster: dict[str, list[tuple[dict, Unit, str]]] = {}
    for row in rows:
        line, code, cluster_code = row["_line"], row["unit_code"], row["cluster_code"]
        unit = units.get(code)
        role = role_of(row["role"])
        if not code:
            errors.append((line, _("Give the unit's code (unit_code).")))
        elif unit is None:
            errors.append((line, _("No unit has the code %(code)s.", code=code)))
        elif unit.id not in taking_part:
            errors.append(
                (line, _("%(unit)s does not take part in this campaign.", unit=unit.name))
            )
        elif code in seen_units:
            errors.append(
                (line, _("%(code)s is already on line %(n)s.", code=code, n=seen_units[code]))
            )
        if code:
            seen_units.setdefault(code, line)
        if not cluster_code:
            errors.append((line, _("Give the cluster's code (cluster_code).")))
            continue
        if not CODE_RE.fullmatch(cluster_code):
            errors.append(
                (
                    line,
                    _(
                        "Cluster code %(code)s: letters, digits and . _ - only (max 40).",
                        code=cluster_code[:50],
                    ),
                )
            )
            continue
        first_line.setdefault(cluster_code, line)
        name = " ".join(row["cluster_name"].split())
        if name:
            if problem := text_problem(name, max_length=NAME_MAX, multiline=False):
                errors.append((line, problem))
            elif cluster_code in names and names[cluster_code][0] != name:
                errors.append(
                    (
                        line,
                        _(
                            "Line %(n)s names cluster %(code)s “%(name)s”; this line names it "
                            "differently.",
                            n=names[cluster_code][1],
                            code=cluster_code,
                            name=names[cluster_code][0],
                        ),
                    )
                )
            else:
                names.setdefault(cluster_code, (name, line))
        if role is None:
            errors.append(
                (
                    line,
                    _(
                        "Unknown role “%(role)s”: write head, deputy, reviewer or member "
                        "(khối trưởng, khối phó, thẩm định chéo, thành viên).",
                        role=_NUL.sub("", row["role"])[:40],
                    ),
                )
            )
        if unit is not None and role is not None:
            by_cluster.setdefault(cluster_code, []).append((row, unit, role))
    for cluster_code, line in first_line.items():
        if cluster_code not in existing and cluster_code not in names:
            errors.append(
                (
                    line,
                    _(
                        "Cluster %(code)s is new: give its name (cluster_name) on one of its "
                        "lines.",
                        code=cluster_code,
                    ),
                )
            )
        listed = by_cluster.get(cluster_code, [])
        heads = [row["_line"] for row, _u, role in listed if role == CLUSTER_HEAD]
        deputies = [row["_line"] for row, _u, role in listed if role == CLUSTER_DEPUTY]
        if len(heads) > 1:
            errors.append(
                (
                    heads[1],
                    _(
                        "Cluster %(code)s has a head already (line %(n)s): one head per cluster.",
                        code=cluster_code,
                        n=heads[0],
                    ),
                )
            )
        elif not heads and listed:
            errors.append(
                (
                    line,
                    _(
                        "Cluster %(code)s has no head: mark one of its units head (khối trưởng).",
                        code=cluster_code,
                    ),
                )
            )
        if len(deputies) > 1:
            errors.append(
                (
                    deputies[1],
                    _(
                        "Cluster %(code)s has a deputy already (line %(n)s): at most one "
                        "deputy per cluster.",
                        code=cluster_code,
                        n=deputies[0],
                    ),
                )
            )
    for listed in by_cluster.values():
        for row, unit, _role in listed:
            current = placed.get(unit.id)
            if current is not None and current.cluster.code not in first_line:
                errors.append(
                    (
                        row["_line"],
                        _(
                            "%(unit)s is in cluster %(cluster)s, which this file does not list: "
                            "take it out there first, or list that cluster's units too.",
                            unit=unit.name,
                            cluster=current.cluster.name,
                        ),
                    )
                )
    if errors:
        errors.sort(key=lambda pair: pair[0])
        return report
    _apply_import(campaign, by_cluster, names, existing, placed, report, actor, filename)
    db.session.commit()
    return report


def _apply_import(campaign, by_cluster, names, existing, placed, report, actor, filename) -> None:
    """Write a checked file: clusters created or renamed, members set, changes audited."""
    reason = filename or None
    promoted = []
    clusters = dict(existing)
    for code in by_cluster:
        cluster = clusters.get(code)
        name = names.get(code, (None, 0))[0]
        if cluster is None:
            cluster = Cluster(campaign_id=campaign.id, code=code, name=name)
            cluster.campaign = campaign
            db.session.add(cluster)
            clusters[code] = cluster
            report.clusters_created += 1
            record(
                "cluster_created",
                actor=actor,
                campaign=campaign,
                to_value=f"{code}: {name}",
                reason=reason,
            )
        elif name and name != cluster.name:
            record(
                "cluster_changed",
                actor=actor,
                campaign=campaign,
                from_value=f"{code}: {cluster.name}",
                to_value=f"{code}: {name}",
                reason=reason,
            )
            cluster.name = name
    db.session.flush()
    listed_units = {unit.id for listed in by_cluster.values() for _row, unit, _r in listed}
    # Members of the named clusters that the file leaves out are taken out first.
    for member in list(placed.values()):
        if member.cluster.code in by_cluster and member.unit_id not in listed_units:
            record(
                "cluster_member_removed",
                actor=actor,
                campaign=campaign,
                from_value=f"{member.cluster.code}: {member.unit.code} ({member.role})",
                reason=reason,
            )
            db.session.delete(member)
    db.session.flush()
    for code, listed in by_cluster.items():
        cluster = clusters[code]
        for _row, unit, role in listed:
            report.members += 1
            member = placed.get(unit.id)
            if member is None:
                db.session.add(
                    ClusterMember(campaign_id=campaign.id, cluster=cluster, unit=unit, role=role)
                )
                record(
                    "cluster_member_added",
                    actor=actor,
                    campaign=campaign,
                    to_value=f"{code}: {unit.code} ({role})",
                    reason=reason,
                )
                if role != MEMBER:
                    promoted.append((cluster, unit, role))
                continue
            before = (member.cluster.code, member.role)
            if before == (code, role):
                continue
            if role != MEMBER:
                promoted.append((cluster, unit, role))
            record(
                "cluster_member_changed",
                actor=actor,
                campaign=campaign,
                from_value=f"{before[0]}: {unit.code} ({before[1]})",
                to_value=f"{code}: {unit.code} ({role})",
                reason=reason,
            )
            member.cluster, member.role = cluster, role
    _tell_leaders(promoted, actor)


# ---- copy from another campaign ---------------------------------------------------------------


@dataclass
class LeftOut:
    """A unit of the source's cluster that does not take part in the new campaign."""

    cluster: str
    unit: str
    role: str


@dataclass
class ClusterCopy:
    """What a copy made, and what it left out."""

    clusters: int = 0
    members: int = 0
    left_out: list[LeftOut] = field(default_factory=list)
    # Clusters whose head (or deputy) was left out: the secretariat chooses another.
    without_head: list[str] = field(default_factory=list)


def copy_clusters(campaign: Campaign, source: Campaign | None, *, actor: User) -> ClusterCopy:
    """Copy the source campaign's clusters into this one (which has none yet): the members
    that take part in this campaign, their heads and deputies with them."""
    _require_emulation(campaign)
    if source is None or source.id == campaign.id:
        raise ClusterProblem("source", _("Choose another campaign to copy from."))
    _lock_campaign(campaign)
    if campaign_clusters(campaign):
        raise ClusterProblem(
            "source",
            _("This campaign has clusters already: copying is for a campaign without any."),
        )
    taken = campaign_clusters(source)
    if not taken:
        raise ClusterProblem("source", _("That campaign has no clusters."))
    taking_part = set(
        db.session.scalars(select(Submission.unit_id).where(Submission.campaign_id == campaign.id))
    )
    report = ClusterCopy()
    promoted = []
    from reform.services.emulation.clusters import members

    for old in taken:
        cluster = Cluster(campaign_id=campaign.id, code=old.code, name=old.name)
        cluster.campaign = campaign
        db.session.add(cluster)
        report.clusters += 1
        reason = f"copied from {source.code}"
        record(
            "cluster_created",
            actor=actor,
            campaign=campaign,
            to_value=f"{old.code}: {old.name}",
            reason=reason,
        )
        has_head = False
        for member in members(old):
            if member.unit_id not in taking_part:
                report.left_out.append(LeftOut(old.name, member.unit.name, member.role))
                continue
            db.session.add(
                ClusterMember(
                    campaign_id=campaign.id, cluster=cluster, unit=member.unit, role=member.role
                )
            )
            report.members += 1
            record(
                "cluster_member_added",
                actor=actor,
                campaign=campaign,
                to_value=f"{old.code}: {member.unit.code} ({member.role})",
                reason=reason,
            )
            has_head = has_head or member.role == CLUSTER_HEAD
            if member.role != MEMBER:
                promoted.append((cluster, member.unit, member.role))
        if not has_head:
            report.without_head.append(old.name)
    record(
        "clusters_copied",
        actor=actor,
        campaign=campaign,
        from_value=source.code,
        to_value=f"{report.clusters} clusters, {report.members} members",
        reason="; ".join(f"{o.cluster}: {o.unit}" for o in report.left_out)[:4000] or None,
    )
    db.session.flush()
    _tell_leaders(promoted, actor)
    try:
        db.session.commit()
    except IntegrityError as raced:  # a copy or an import won the race: nothing is doubled
        db.session.rollback()
        raise ClusterProblem(
            "source",
            _("This campaign has clusters already: copying is for a campaign without any."),
        ) from raced
    return report


def remove_unit(campaign: Campaign, unit_id: int, *, actor: User | None) -> None:
    """Take a unit that leaves the campaign out of its cluster (in the caller's transaction)."""
    member = db.session.scalar(
        select(ClusterMember).where(
            ClusterMember.campaign_id == campaign.id, ClusterMember.unit_id == unit_id
        )
    )
    if member is None:
        return
    record(
        "cluster_member_removed",
        actor=actor,
        campaign=campaign,
        from_value=f"{member.cluster.code}: {member.unit.code} ({member.role})",
    )
    db.session.delete(member)
