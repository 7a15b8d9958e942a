"""The clusters of an emulation campaign (cụm, khối thi đua), for the secretariat: create and
edit them, their members, head and deputy; import them from CSV; copy last year's."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reform.extensions import db
from reform.models import Campaign, Cluster, ClusterMember, Unit
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services.access import get_campaign_or_404
from reform.services.emulation import cluster_admin as service
from reform.services.emulation.clusters import (
    campaign_clusters,
    is_emulation,
    leader,
    members,
)
from reform.services.emulation.review import appraises_in_a_cluster
from reform.validation import bounded_int
from reform.web import is_htmx, render, see_other

bp = Blueprint("clusters", __name__, url_prefix="/campaigns/<code>/clusters")
MANAGERS = (ADMIN, SECRETARIAT)
PARTIAL = "emulation/clusters/partials/_members.html"


def _campaign_or_404(code: str) -> Campaign:
    """The emulation campaign with this code (clusters belong to those only), else 404."""
    campaign = get_campaign_or_404(code)
    if not is_emulation(campaign):
        abort(404)
    return campaign


def _cluster_or_404(campaign: Campaign, cluster_id: int) -> Cluster:
    cluster = db.session.get(Cluster, cluster_id)
    if cluster is None or cluster.campaign_id != campaign.id:
        abort(404)
    return cluster


def _index_page(campaign: Campaign, status: int = 200, errors=None, typed=None):
    clusters = campaign_clusters(campaign)
    copied_from = None
    left_out: list[tuple[str, str, str]] = []
    source_code = request.args.get("copied_from", "")[:40]
    if source_code:
        copied_from = db.session.scalar(db.select(Campaign).where(Campaign.code == source_code))
        if copied_from is not None:
            left_out = _left_out(campaign, copied_from)
    return render(
        "emulation/clusters/index.html",
        status=status,
        campaign=campaign,
        rows=[(c, members(c), leader(c), leader(c, CLUSTER_DEPUTY)) for c in clusters],
        unplaced=service.unplaced(campaign),
        sources=service.copy_sources(campaign),
        errors=errors or {},
        typed=typed or {},
        copied_from=copied_from,
        left_out=left_out,
    )


def _left_out(campaign: Campaign, source: Campaign) -> list[tuple[str, str, str]]:
    """(cluster, unit, role) of the source's members that do not take part in this campaign."""
    taking_part = {u.id for u in service.participants(campaign)}
    return [
        (cluster.name, member.unit.name, member.role)
        for cluster in campaign_clusters(source)
        for member in members(cluster)
        if member.unit_id not in taking_part
    ]


@bp.get("/")
@roles_required(*MANAGERS)
def index(code: str):
    """The campaign's clusters with their heads, deputies and sizes; a new cluster."""
    return _index_page(_campaign_or_404(code))


@bp.post("/")
@roles_required(*MANAGERS)
def create(code: str):
    """A new, empty cluster."""
    campaign = _campaign_or_404(code)
    typed = {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
    try:
        cluster = service.create_cluster(campaign, typed["code"], typed["name"], actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        return _index_page(campaign, 422, {problem.field: problem.message}, typed)
    flash(_("Cluster %(name)s created.", name=cluster.name), "success")
    return see_other(url_for("clusters.show", code=campaign.code, cluster_id=cluster.id))


def _cluster_page(
    campaign: Campaign, cluster: Cluster, status: int = 200, errors=None, typed=None, done=None
):
    listed = members(cluster)
    head, deputy = leader(cluster), leader(cluster, CLUSTER_DEPUTY)
    return render(
        "emulation/clusters/show.html",
        PARTIAL,
        status=status,
        campaign=campaign,
        cluster=cluster,
        members=listed,
        head=head,
        deputy=deputy,
        unplaced=service.unplaced(campaign),
        errors=errors or {},
        typed=typed or {},
        done=done,
    )


@bp.get("/<int:cluster_id>")
@roles_required(*MANAGERS)
def show(code: str, cluster_id: int):
    """One cluster: its members, head and deputy, and its name."""
    campaign = _campaign_or_404(code)
    return _cluster_page(campaign, _cluster_or_404(campaign, cluster_id))


@bp.post("/<int:cluster_id>/edit")
@roles_required(*MANAGERS)
def edit(code: str, cluster_id: int):
    """Change the cluster's code or name."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    typed = {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
    try:
        service.update_cluster(cluster, typed["code"], typed["name"], actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        cluster = _cluster_or_404(campaign, cluster_id)
        return _cluster_page(campaign, cluster, 422, {problem.field: problem.message}, typed)
    flash(_("Cluster saved."), "success")
    return see_other(url_for("clusters.show", code=campaign.code, cluster_id=cluster.id))


@bp.post("/<int:cluster_id>/delete")
@roles_required(*MANAGERS)
def delete(code: str, cluster_id: int):
    """Delete an empty cluster."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    try:
        service.delete_cluster(cluster, actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        cluster = _cluster_or_404(campaign, cluster_id)
        return _cluster_page(campaign, cluster, 422, {"cluster": problem.message})
    flash(_("Cluster deleted."), "success")
    return see_other(url_for("clusters.index", code=campaign.code))


@bp.post("/<int:cluster_id>/members")
@roles_required(*MANAGERS)
def add_member(code: str, cluster_id: int):
    """Put a participant unit in the cluster."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    unit_id = bounded_int(request.form.get("unit_id"))
    unit = db.session.get(Unit, unit_id) if unit_id else None
    try:
        if unit is None:
            raise service.ClusterProblem("unit_id", _("Choose a unit."))
        service.add_member(cluster, unit, actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        cluster = _cluster_or_404(campaign, cluster_id)
        return _cluster_page(campaign, cluster, 422, {problem.field: problem.message})
    return _after_change(campaign, cluster, _("%(unit)s added to the cluster.", unit=unit.name))


def _after_change(campaign: Campaign, cluster: Cluster, done: str):
    """The cluster's members again with what was done: in place for htmx, else the page (303)."""
    if is_htmx():
        return _cluster_page(campaign, cluster, done=done)
    flash(done, "success")
    return see_other(url_for("clusters.show", code=campaign.code, cluster_id=cluster.id))


@bp.post("/<int:cluster_id>/members/<int:member_id>/remove")
@roles_required(*MANAGERS)
def remove_member(code: str, cluster_id: int, member_id: int):
    """Take a unit out of the cluster."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    member = db.session.get(ClusterMember, member_id)
    if member is None or member.cluster_id != cluster.id:
        abort(404)
    name = member.unit.name
    service.remove_member(member, actor=current_user)
    return _after_change(campaign, cluster, _("%(unit)s taken out of the cluster.", unit=name))


@bp.post("/<int:cluster_id>/leaders")
@roles_required(*MANAGERS)
def set_leaders(code: str, cluster_id: int):
    """Choose the cluster's head and deputy."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    head = bounded_int(request.form.get("head"))
    deputy = bounded_int(request.form.get("deputy"))
    try:
        service.set_leaders(cluster, head, deputy, actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        cluster = _cluster_or_404(campaign, cluster_id)
        typed = {"head": head, "deputy": deputy}
        return _cluster_page(campaign, cluster, 422, {problem.field: problem.message}, typed)
    return _after_change(campaign, cluster, _("Head and deputy saved."))


@bp.post("/<int:cluster_id>/review-group")
@roles_required(*MANAGERS)
def set_review_group(code: str, cluster_id: int):
    """Name the member units whose heads cross-review the members' sheets."""
    campaign = _campaign_or_404(code)
    cluster = _cluster_or_404(campaign, cluster_id)
    chosen = [bounded_int(v) for v in request.form.getlist("reviewers")[:500]]
    if None in chosen:
        return _cluster_page(
            campaign, cluster, 422, {"reviewers": _("Choose units from the list.")}
        )
    try:
        service.set_review_group(cluster, chosen, actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        cluster = _cluster_or_404(campaign, cluster_id)
        typed = {"reviewers": set(chosen)}
        return _cluster_page(campaign, cluster, 422, {problem.field: problem.message}, typed)
    return _after_change(campaign, cluster, _("Review group saved."))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_csv(code: str):
    """Import clusters from a CSV file: all lines, or none with every error named by line."""
    campaign = _campaign_or_404(code)
    report, error = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        limit = int(current_app.config["UNITS_CSV_MAX_BYTES"])
        data = upload.stream.read(limit + 1) if upload and upload.filename else b""
        if not data:
            error = _("Choose a CSV file.")
        elif len(data) > limit:
            error = _("The file is larger than allowed.")
        else:
            report = service.import_clusters(
                campaign, data, actor=current_user, filename=upload.filename or ""
            )
            if report.ok:
                flash(
                    _(
                        "Import done: %(clusters)s clusters created, %(members)s units placed.",
                        clusters=report.clusters_created,
                        members=report.members,
                    ),
                    "success",
                )
                return see_other(url_for("clusters.index", code=campaign.code))
            db.session.rollback()
    return render(
        "emulation/clusters/import.html",
        status=422 if request.method == "POST" else 200,
        campaign=campaign,
        report=report,
        error=error,
        columns=service.CSV_COLUMNS,
    )


@bp.post("/copy")
@roles_required(*MANAGERS)
def copy(code: str):
    """Copy another campaign's clusters into this one (which has none yet)."""
    campaign = _campaign_or_404(code)
    source_id = bounded_int(request.form.get("source"))
    source = db.session.get(Campaign, source_id) if source_id else None
    try:
        report = service.copy_clusters(campaign, source, actor=current_user)
    except service.ClusterProblem as problem:
        db.session.rollback()
        return _index_page(campaign, 422, {"source": problem.message})
    flash(
        _(
            "Copied from %(source)s: %(clusters)s clusters, %(members)s units.",
            source=source.name,
            clusters=report.clusters,
            members=report.members,
        ),
        "success",
    )
    for name in report.without_head:
        flash(
            _("Cluster %(name)s has no head: its head unit does not take part.", name=name),
            "warning",
        )
    return see_other(url_for("clusters.index", code=campaign.code, copied_from=source.code))


@bp.app_context_processor
def _leads_cluster() -> dict:
    """leads_cluster() for the menu: a callable, so only pages that show it query."""

    def leads_cluster() -> bool:
        return bool(current_user and current_user.is_authenticated) and appraises_in_a_cluster(
            current_user
        )

    return {"leads_cluster": leads_cluster, "cluster_roles": (CLUSTER_HEAD, CLUSTER_DEPUTY)}
