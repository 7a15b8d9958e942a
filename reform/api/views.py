"""JSON API v1: a campaign's results document (contract 3.3), with conditional requests."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, make_response, request
from flask_login import current_user
from sqlalchemy import select

from reform.cache import fragment_cache
from reform.extensions import db
from reform.models import Campaign, ResultsVersion
from reform.services.access import LIVE, results_access_or_404
from reform.services.results import campaign_results, canonical_json, live_etag

bp = Blueprint("api", __name__, url_prefix="/api/v1")
JSON = "application/json; charset=utf-8"
# Part of the cache key of a live document: raise it when the document's bytes change shape, so
# workers of a new release never serve what an older one cached.
DOCUMENT_FORMAT = 1


@bp.errorhandler(404)
def not_found(_error):
    """An API answers in JSON, also when there is nothing to show."""
    response = jsonify(error="not found")
    response.status_code = 404
    return response


@bp.get("/campaigns/<code>/results")
def campaign_results_json(code: str) -> Response:
    """The published document (the stored bytes) for anyone; live results for staff only."""
    newest = (
        select(ResultsVersion.version, ResultsVersion.content_hash)
        .where(ResultsVersion.campaign_id == Campaign.id)
        .order_by(ResultsVersion.version.desc())
        .limit(1)
    )
    # One indexed statement answers a poll: the campaign with its change counter (fresh, as the
    # triggers left it) and its latest published version's number and hash, not its payload.
    found = db.session.execute(
        select(
            Campaign,
            newest.with_only_columns(ResultsVersion.version).scalar_subquery(),
            newest.with_only_columns(ResultsVersion.content_hash).scalar_subquery(),
        )
        .where(Campaign.code == code)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if found is None:
        abort(404)
    campaign, number, digest = found
    # Unpublished results do not exist for the public or the units (the rule in services.access).
    access = results_access_or_404(current_user, campaign)
    if number is not None:
        if request.if_none_match.contains(digest):
            response = Response(status=304)
        else:
            payload = db.session.scalar(
                select(ResultsVersion.payload).where(
                    ResultsVersion.campaign_id == campaign.id, ResultsVersion.version == number
                )
            )
            response = make_response(payload.encode("utf-8"))
        response.set_etag(digest)
        response.headers["Cache-Control"] = "no-cache"
    elif access != LIVE:
        abort(404)
    else:
        # The body is the same for every user who may see it, in every language.
        tag = live_etag(campaign, campaign.change_count)
        if request.if_none_match.contains(tag):
            response = Response(status=304)
        else:
            # Built once per change and shared by every worker (reform.cache): the tag names
            # the document's content, so an entry never needs clearing.
            body = fragment_cache().get_or_render(
                f"results-api:{DOCUMENT_FORMAT}:{tag}",
                lambda: canonical_json(campaign_results(campaign, published=False)),
            )
            response = make_response(body.encode("utf-8"))
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Type"] = JSON
    return response.make_conditional(request)
