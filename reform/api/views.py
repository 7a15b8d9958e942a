"""JSON API v1: a campaign's results document (contract 3.3), with conditional requests."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, make_response, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Campaign
from reform.services import rankings
from reform.services.access import LIVE, results_access_or_404
from reform.services.publication import latest_version
from reform.services.results import campaign_results, canonical_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")
JSON = "application/json; charset=utf-8"


@bp.errorhandler(404)
def not_found(_error):
    """An API answers in JSON, also when there is nothing to show."""
    response = jsonify(error="not found")
    response.status_code = 404
    return response


@bp.get("/campaigns/<code>/results")
def campaign_results_json(code: str) -> Response:
    """The published document (the stored bytes) for anyone; live results for staff only."""
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.code == code).options(joinedload(Campaign.framework))
    )
    if campaign is None:
        abort(404)
    # Unpublished results do not exist for the public or the units (the rule in services.access).
    access = results_access_or_404(current_user, campaign)
    version = latest_version(campaign)
    if version is not None:
        response = make_response(version.payload.encode("utf-8"))
        response.set_etag(version.content_hash)
        response.headers["Cache-Control"] = "no-cache"
    elif access != LIVE:
        abort(404)
    else:
        tag = rankings.document_etag(campaign)
        if request.if_none_match.contains(tag):
            response = Response(status=304)
        else:
            document = campaign_results(campaign, published=False)
            response = make_response(canonical_json(document).encode("utf-8"))
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Type"] = JSON
    return response.make_conditional(request)
