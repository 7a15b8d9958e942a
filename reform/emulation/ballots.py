"""The vote (bình xét, suy tôn): a cluster's ballots, the head's draft, voting, closing, results
and the meeting record."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.extensions import db
from reform.models import Ballot, BallotVoter, Cluster, ClusterMember
from reform.models.ballots import CLOSED, DRAFT, OPEN
from reform.models.users import HEAD, STAFF_ROLES
from reform.services.emulation import ballots as service
from reform.services.emulation import voting
from reform.services.emulation.ballot_record import file_stem, meeting_record, record_docx
from reform.services.emulation.clusters import is_cluster_head, members
from reform.services.pdf import render_pdf
from reform.web import render, see_other

bp = Blueprint("ballots", __name__, url_prefix="/emulation")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(body: bytes, mimetype: str, name: str, ext: str) -> Response:
    """An attachment with an ASCII file name and the full name for browsers that read it."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    fallback = re.sub(r"[^A-Za-z0-9.]+", "-", plain.encode("ascii", "ignore").decode()).strip("-.")
    disposition = (
        f'attachment; filename="{fallback or "record"}{ext}"; '
        f"filename*=UTF-8''{quote(name + ext, safe='')}"
    )
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


def _ballot(ballot_id: int) -> Ballot:
    """The ballot if the user may see it; a draft only for the cluster's head and staff."""
    ballot = service.ballot_or_404(ballot_id, current_user)
    if ballot.status == DRAFT and not (
        is_cluster_head(current_user, ballot.cluster) or current_user.has_role(*STAFF_ROLES)
    ):
        abort(404)
    return ballot


def _managed(ballot_id: int) -> Ballot:
    """The ballot, for its cluster's head only (others who see it get 403)."""
    ballot = _ballot(ballot_id)
    service.require_cluster_head(current_user, ballot.cluster)
    return ballot


# ---- lists --------------------------------------------------------------------------------


@bp.app_template_global()
def ballots_to_vote() -> list[Ballot]:
    """For a unit head's home: the open ballots of the unit's clusters it has not voted on yet."""
    if not current_user.is_authenticated or current_user.unit_id is None:
        return []
    if not current_user.has_role(HEAD):
        return []
    waiting = select(Ballot).join(
        BallotVoter,
        (BallotVoter.ballot_id == Ballot.id) & (BallotVoter.unit_id == current_user.unit_id),
    )
    waiting = waiting.where(Ballot.status == OPEN, BallotVoter.voted.is_(False))
    return [
        b for b in db.session.scalars(waiting.order_by(Ballot.closes_at)) if service.voting_open(b)
    ]


@bp.get("/ballots")
@login_required
def overview():
    """The clusters whose ballots the user sees: their unit's, or every cluster with ballots."""
    if current_user.has_role(*STAFF_ROLES):
        query = select(Cluster).where(Cluster.id.in_(select(Ballot.cluster_id)))
    elif current_user.unit_id is not None:
        query = (
            select(Cluster).join(ClusterMember).where(ClusterMember.unit_id == current_user.unit_id)
        )
    else:
        abort(403)
    clusters = list(db.session.scalars(query.order_by(Cluster.campaign_id.desc(), Cluster.code)))
    rows = [(cluster, service.cluster_ballots(cluster, current_user)) for cluster in clusters]
    return render("emulation/ballots/overview.html", rows=rows)


def _cluster_page(cluster: Cluster, *, errors=None, form=None, status: int = 200):
    is_head = is_cluster_head(current_user, cluster)
    return render(
        "emulation/ballots/cluster.html",
        status=status,
        cluster=cluster,
        ballots=service.cluster_ballots(cluster, current_user),
        is_head=is_head,
        errors=errors or {},
        form=form or service.default_settings(cluster),
    )


@bp.get("/clusters/<int:cluster_id>/ballots")
@login_required
def cluster(cluster_id: int):
    """A cluster's ballots; its head starts a new one here."""
    return _cluster_page(service.cluster_or_404(cluster_id, current_user))


@bp.post("/clusters/<int:cluster_id>/ballots")
@login_required
def create(cluster_id: int):
    """The cluster head starts a draft ballot."""
    found = service.cluster_or_404(cluster_id, current_user)
    service.require_cluster_head(current_user, found)
    try:
        settings = service.settings_from_form(request.form)
    except service.BallotRefused as refused:
        return _cluster_page(found, errors=refused.errors, form=request.form, status=422)
    ballot = service.create_ballot(found, settings, actor=current_user)
    flash(_("Ballot prepared: add the titles and candidates, then open it."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot.id))


# ---- the ballot page ----------------------------------------------------------------------


def _page(ballot: Ballot, *, errors=None, form=None, status: int = 200, target: str = ""):
    """The ballot page as this user sees it (what is shown depends on role and state)."""
    cluster_ = ballot.cluster
    is_head = is_cluster_head(current_user, cluster_)
    sees_roll = is_head or current_user.has_role(*STAFF_ROLES)
    voter = voting.voter_of(ballot, current_user)
    voted, total = voting.turnout(ballot)
    context = {
        "ballot": ballot,
        "cluster": cluster_,
        "is_head": is_head,
        "voter": voter,
        "voting_open": service.voting_open(ballot),
        "now": service.now(),
        "voted": voted,
        "total": total,
        "roll": voting.roll(ballot) if sees_roll else [],
        "results": voting.results(ballot) if voting.counts_visible(ballot) else None,
        "receipts": voting.counted_receipts(ballot),
        "next_round": voting.next_round(ballot),
        "previous": db.session.get(Ballot, ballot.previous_id) if ballot.previous_id else None,
        "describe": service.describe,
        "errors": errors or {},
        "target": target,
        "form": form or {},
    }
    if ballot.status == DRAFT and is_head:
        context |= {
            "settings": form if target == "settings" and form else service.settings_values(ballot),
            "titles": service.collective_titles(),
            "ranking": service.cluster_ranking(cluster_),
            "member_units": [m.unit for m in members(cluster_)],
        }
    receipt = request.args.get("receipt", "").strip()
    if receipt and ballot.status in (CLOSED,):
        context["receipt"] = receipt[:40]
        context["receipt_counted"] = voting.receipt_counted(ballot, receipt)
    return render("emulation/ballots/show.html", status=status, **context)


@bp.get("/ballots/<int:ballot_id>")
@login_required
def show(ballot_id: int):
    """The ballot: the head's draft, the vote form, the roll, or the results once closed."""
    return _page(_ballot(ballot_id))


def _refused(ballot_id: int, refused: service.BallotRefused, target: str):
    db.session.rollback()
    return _page(
        _ballot(ballot_id), errors=refused.errors, form=request.form, status=422, target=target
    )


@bp.post("/ballots/<int:ballot_id>/settings")
@login_required
def settings(ballot_id: int):
    """The head changes a draft's meeting, window, rule or quorum."""
    _managed(ballot_id)
    try:
        values = service.settings_from_form(request.form)
        service.update_settings(ballot_id, values, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "settings")
    flash(_("Ballot settings saved."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/items")
@login_required
def add_item(ballot_id: int):
    """The head adds a title to vote on; its candidates come from the cluster's ranking."""
    _managed(ballot_id)
    try:
        service.add_item(ballot_id, request.form, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "item")
    flash(_("Title added with its candidates from the ranking."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/items/<int:item_id>/remove")
@login_required
def remove_item(ballot_id: int, item_id: int):
    """The head takes a title off a draft."""
    _managed(ballot_id)
    try:
        service.remove_item(ballot_id, item_id, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "")
    flash(_("Title removed from the ballot."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/items/<int:item_id>/candidates")
@login_required
def add_candidate(ballot_id: int, item_id: int):
    """The head adds a candidate, with the reason."""
    _managed(ballot_id)
    try:
        service.add_candidate(ballot_id, item_id, request.form, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, f"add-{item_id}")
    flash(_("Candidate added."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id, _anchor=f"item-{item_id}"))


@bp.post("/ballots/<int:ballot_id>/candidates/<int:candidate_id>/remove")
@login_required
def remove_candidate(ballot_id: int, candidate_id: int):
    """The head takes a candidate off, with the reason."""
    _managed(ballot_id)
    try:
        service.remove_candidate(ballot_id, candidate_id, request.form, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, f"remove-{candidate_id}")
    flash(_("Candidate removed."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/open")
@login_required
def open_(ballot_id: int):
    """The head opens the ballot: the members' heads are told and may vote in the window."""
    _managed(ballot_id)
    try:
        service.open_ballot(ballot_id, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "open")
    flash(_("Ballot opened: the member units' heads have been told."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/vote")
@login_required
def vote(ballot_id: int):
    """A member unit's head casts the unit's secret ballot; the receipt is shown once."""
    ballot = _ballot(ballot_id)
    if voting.voter_of(ballot, current_user) is None:
        abort(403)
    try:
        picks = voting.choices_from_form(ballot, request.form)
        code = voting.cast(ballot_id, picks, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "vote")
    except voting.AlreadyVoted:
        db.session.rollback()
        return _page(
            _ballot(ballot_id),
            errors={"": _("Your unit has already voted: a unit casts one ballot.")},
            status=409,
            target="vote",
        )
    # The code is answered here rather than after a redirect: it is kept nowhere else, not even
    # in the session, so it must not be cached either.
    response = render(
        "emulation/ballots/receipt.html",
        ballot=_ballot(ballot_id),
        code=code,
        fingerprint=voting.fingerprint(voting.receipt_hash(code)),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ballots/<int:ballot_id>/close")
@login_required
def close(ballot_id: int):
    """The head closes the ballot as valid (quorum met): the counts are published."""
    _managed(ballot_id)
    try:
        voting.close_ballot(ballot_id, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "close")
    flash(_("Ballot closed: the results are published to the cluster."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/void")
@login_required
def void(ballot_id: int):
    """The head closes the ballot as void, with the reason; no count is ever shown."""
    _managed(ballot_id)
    try:
        voting.void_ballot(ballot_id, request.form, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "void")
    flash(_("Ballot closed as void."), "success")
    return see_other(url_for("ballots.show", ballot_id=ballot_id))


@bp.post("/ballots/<int:ballot_id>/runoff")
@login_required
def runoff(ballot_id: int):
    """The head prepares the second round between the candidates tied at the last seat."""
    _managed(ballot_id)
    try:
        found = voting.start_runoff(ballot_id, actor=current_user)
    except service.BallotRefused as refused:
        return _refused(ballot_id, refused, "runoff")
    flash(_("Second round prepared: check its times, then open it."), "success")
    return see_other(url_for("ballots.show", ballot_id=found.id))


# ---- the meeting record -------------------------------------------------------------------


def _closed(ballot_id: int) -> Ballot:
    """A closed ballot; before it closes its record does not exist (404 for everyone)."""
    ballot = _ballot(ballot_id)
    if ballot.status != CLOSED:
        abort(404)
    return ballot


@bp.get("/ballots/<int:ballot_id>/record")
@login_required
def record_page(ballot_id: int):
    """The meeting record, printable."""
    ballot = _closed(ballot_id)
    return render("emulation/ballots/record.html", ballot=ballot, record=meeting_record(ballot))


@bp.get("/ballots/<int:ballot_id>/record.pdf")
@login_required
def record_pdf(ballot_id: int):
    """The meeting record as an A4 PDF."""
    ballot = _closed(ballot_id)
    found = meeting_record(ballot)
    html = render_template("emulation/ballots/record.html", ballot=ballot, record=found, pdf=True)
    return _download(render_pdf(html), "application/pdf", file_stem(found, ballot), ".pdf")


@bp.get("/ballots/<int:ballot_id>/record.docx")
@login_required
def record_word(ballot_id: int):
    """The meeting record as a Word file the secretary completes."""
    ballot = _closed(ballot_id)
    found = meeting_record(ballot)
    return _download(record_docx(found), DOCX, file_stem(found, ballot), ".docx")
