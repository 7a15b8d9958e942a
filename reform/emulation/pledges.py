"""The cluster's pledge: reading it, the cluster head's editing, the member heads' signatures,
and the printable signing record."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required

from reform.emulation.downloads import attachment
from reform.emulation.scope import emulation_campaign_or_404
from reform.extensions import db
from reform.models import Campaign, Cluster
from reform.models.emulation import CLUSTER_DEPUTY, CLUSTER_HEAD
from reform.models.pledges import DRAFT, SIGNING
from reform.models.users import ADMIN, HEAD, LEADER, OFFICER, SECRETARIAT
from reform.services.emulation import pledges as service
from reform.services.emulation.clusters import (
    campaign_clusters,
    is_cluster_head,
    leader,
    membership,
)
from reform.services.official import NATIONAL_MOTTO, NATIONAL_NAME
from reform.services.phases import today
from reform.validation import bounded_int
from reform.web import render, see_other

bp = Blueprint("pledges", __name__, url_prefix="/emulation")
# Who reads every cluster's pledge; a member unit's people read their own cluster's.
READERS = (ADMIN, SECRETARIAT, LEADER)
UNIT_PEOPLE = (HEAD, OFFICER)


def _may_open_pledges() -> None:
    """403 for a role that has no pledge to read (checked before any object is looked up)."""
    if not current_user.has_role(*READERS, *UNIT_PEOPLE):
        abort(403)


def _sees_cluster(cluster: Cluster) -> bool:
    if current_user.has_role(*READERS):
        return True
    place = membership(cluster.campaign_id, current_user.unit_id) if current_user.unit_id else None
    return place is not None and place.cluster_id == cluster.id


def _cluster_or_404(code: str, cluster_id: int) -> Cluster:
    """The campaign's cluster if this user may read its pledge; 404 for anyone else's."""
    _may_open_pledges()
    campaign = emulation_campaign_or_404(code)
    cluster = db.session.get(Cluster, cluster_id)
    if cluster is None or cluster.campaign_id != campaign.id or not _sees_cluster(cluster):
        abort(404)
    return cluster


def _version() -> int:
    """The version the form was opened at (400 without one: only a forged form lacks it)."""
    version = bounded_int(request.form.get("version"))
    if version is None:
        abort(400)
    return version


def _page(cluster: Cluster, status: int = 200, **context):
    pledge = service.pledge_of(cluster)
    head = is_cluster_head(current_user, cluster)
    rows = service.statuses(cluster, pledge)
    own = next((r for r in rows if r.member.unit_id == current_user.unit_id), None)
    editing = head and (pledge is None or pledge.status == DRAFT)
    context.setdefault("text", pledge.text if pledge else service.template_text(cluster))
    return render(
        "emulation/pledges/page.html",
        status=status,
        cluster=cluster,
        campaign=cluster.campaign,
        pledge=pledge,
        rows=rows,
        signed_count=sum(1 for r in rows if r.signed),
        is_head=head,
        editing=editing,
        can_sign=(
            pledge is not None
            and pledge.status == SIGNING
            and own is not None
            and not own.signed
            and current_user.has_role(HEAD)
        ),
        own=own,
        head_member=leader(cluster),
        **context,
    )


@bp.get("/<code>/pledges")
@login_required
def index(code: str):
    """The campaign's pledges the user may read, with how many members have signed each."""
    _may_open_pledges()
    campaign = emulation_campaign_or_404(code)
    clusters = [c for c in campaign_clusters(campaign) if _sees_cluster(c)]
    overview = []
    for cluster in clusters:
        pledge = service.pledge_of(cluster)
        rows = service.statuses(cluster, pledge)
        overview.append((cluster, pledge, sum(1 for r in rows if r.signed), len(rows)))
    return render("emulation/pledges/index.html", campaign=campaign, overview=overview)


@bp.get("/<code>/clusters/<int:cluster_id>/pledge")
@login_required
def page(code: str, cluster_id: int):
    """The pledge: its text, each member unit's signature, and what this user may do."""
    return _page(_cluster_or_404(code, cluster_id))


@bp.post("/<code>/clusters/<int:cluster_id>/pledge")
@login_required
def save(code: str, cluster_id: int):
    """The cluster head saves the draft text, and sends it for signing when asked."""
    cluster = _cluster_or_404(code, cluster_id)
    text = request.form.get("text", "")
    version = _version()
    sending = request.form.get("action") == "send"
    try:
        service.save_text(
            cluster, text, base_version=version, actor=current_user, then_send=sending
        )
    except service.PledgeRefused as refused:
        db.session.rollback()
        return _page(cluster, 403, refusal=str(refused), text=text)
    except service.PledgeProblem as problem:
        db.session.rollback()
        return _page(cluster, 422, text_error=str(problem), text=text)
    except service.PledgeConflict as conflict:
        db.session.rollback()
        return _page(cluster, 409, conflict=conflict.pledge, text=text)
    if sending:
        flash(_("The pledge was sent for signing; the member units' heads are told."), "success")
    else:
        flash(_("Pledge saved."), "success")
    return see_other(url_for("pledges.page", code=code, cluster_id=cluster.id))


@bp.post("/<code>/clusters/<int:cluster_id>/pledge/reopen")
@login_required
def reopen(code: str, cluster_id: int):
    """The cluster head takes the pledge back to a draft; the signatures are cleared."""
    cluster = _cluster_or_404(code, cluster_id)
    try:
        cleared = service.reopen(cluster, actor=current_user)
    except service.PledgeRefused as refused:
        db.session.rollback()
        return _page(cluster, 403, refusal=str(refused))
    flash(
        _("The pledge is a draft again; %(count)s signatures were cleared.", count=cleared),
        "success",
    )
    return see_other(url_for("pledges.page", code=code, cluster_id=cluster.id))


@bp.post("/<code>/clusters/<int:cluster_id>/pledge/sign")
@login_required
def sign(code: str, cluster_id: int):
    """A head of a member unit signs the pledge for the unit, once."""
    cluster = _cluster_or_404(code, cluster_id)
    version = _version()
    try:
        service.sign(cluster, base_version=version, actor=current_user)
    except service.PledgeRefused as refused:
        db.session.rollback()
        return _page(cluster, 403, refusal=str(refused))
    except service.PledgeConflict:
        db.session.rollback()
        return _page(
            cluster,
            409,
            refusal=_("The pledge changed since you opened it: read it again before signing."),
        )
    flash(_("Your unit has signed the pledge."), "success")
    return see_other(url_for("pledges.page", code=code, cluster_id=cluster.id))


def _record_context(cluster: Cluster) -> dict:
    pledge = service.pledge_of(cluster)
    if pledge is None:
        abort(404)
    rows = service.statuses(cluster, pledge)
    signed = [r.signature.signed_at for r in rows if r.signed]
    complete = bool(rows) and len(signed) == len(rows)
    # The record is dated the day the last unit signed, in the province's calendar.
    day = to_user_timezone(max(signed)).date() if complete else today()
    head = leader(cluster)
    place = head.unit.place_name() if head is not None else None
    return {
        "cluster": cluster,
        "campaign": cluster.campaign,
        "pledge": pledge,
        "rows": rows,
        "complete": complete,
        "year": service.campaign_year(cluster.campaign),
        "date_line": _(
            "%(place)s, day %(day)s month %(month)s year %(year)s",
            place=place or "…",
            day=f"{day.day:02d}",
            month=f"{day.month:02d}",
            year=day.year,
        ),
        "national_name": NATIONAL_NAME,
        "national_motto": NATIONAL_MOTTO,
    }


@bp.get("/<code>/clusters/<int:cluster_id>/pledge/record")
@login_required
def record(code: str, cluster_id: int):
    """The signing record in the official layout, for the browser's print."""
    cluster = _cluster_or_404(code, cluster_id)
    return render("emulation/pledges/record.html", pdf=False, **_record_context(cluster))


@bp.get("/<code>/clusters/<int:cluster_id>/pledge/record.pdf")
@login_required
def record_pdf(code: str, cluster_id: int):
    """The signing record as an A4 PDF file."""
    from reform.services.pdf import render_pdf

    cluster = _cluster_or_404(code, cluster_id)
    context = _record_context(cluster)
    pdf = render_pdf(render_template("emulation/pledges/record.html", pdf=True, **context))
    name = " - ".join((_("Pledge"), cluster.name, cluster.campaign.code))
    return attachment(pdf, "application/pdf", name, ".pdf")


def pledge_summary(campaign: Campaign, unit_id: int) -> dict | None:
    """For a unit's home: its cluster's pledge, its state and whether the unit signed."""
    place = membership(campaign.id, unit_id)
    if place is None:
        return None
    cluster = place.cluster
    pledge = service.pledge_of(cluster)
    signed = pledge is not None and any(s.unit_id == unit_id for s in pledge.signatures)
    return {"cluster": cluster, "pledge": pledge, "signed": signed}


@bp.app_template_global()
def pledge_member_role(role: str | None) -> str:
    """A member's place in its cluster, in the interface language."""
    labels = {
        CLUSTER_HEAD: _("Cluster head"),
        CLUSTER_DEPUTY: _("Deputy cluster head"),
    }
    return labels.get(role or "", _("Member"))
