"""Rankings: the campaign list, a campaign's ranking page, and the live partial it polls."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from flask import Blueprint, Response, make_response, render_template, request, url_for
from flask_babel import format_time, get_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import Block, Campaign
from reform.services import rankings as service
from reform.services.access import get_campaign_or_404, staff_results_page
from reform.services.phases import phase_of
from reform.services.publication import latest_version
from reform.web import is_htmx, render

bp = Blueprint("rankings", __name__, url_prefix="/rankings")
POLL_SECONDS = 5


def _choices(campaign: Campaign) -> dict:
    """The filters as the query string gives them (unknown values are ignored)."""
    args = request.args
    blocks = list(
        db.session.scalars(
            select(Block)
            .where(Block.id.in_([b.block_id for b in campaign.blocks]))
            .order_by(Block.code)
        )
    )
    block = next((b for b in blocks if b.code == args.get("block")), None)
    sort = args.get("sort", "rank")
    return {
        "blocks": blocks,
        "block": block,
        "kind": args.get("kind") or None,
        "band": args.get("band") or None,
        "sort": sort if sort in service.SORTS else "rank",
    }


def _query(choices: dict) -> dict:
    """The filters as URL parameters (only those set), for links and the polling URL."""
    out = {}
    if choices["block"] is not None:
        out["block"] = choices["block"].code
    for name in ("kind", "band"):
        if choices[name]:
            out[name] = choices[name]
    if choices["sort"] != "rank":
        out["sort"] = choices["sort"]
    return out


def number_formatter():
    """The `number` filter's output for figures already rounded to 2 places, without Babel per
    call: a national ranking shows some 24,000 figures and formatting each through Babel would
    cost more than everything else on the page. The separators come from the filter itself."""
    sample = fmt_number(Decimal("-1234.5"))  # "-1.234,50" in Vietnamese, "-1,234.50" in English
    minus, group, decimal = sample[0], sample[2], sample[-3]
    table = str.maketrans({",": group, ".": decimal, "-": minus})

    def number(value: Decimal | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.2f}".translate(table)

    return number


def _fragment_etag(campaign: Campaign, choices: dict) -> str:
    """The live fragment's ETag: the figures' fingerprint, the filters and the language."""
    parts = [service.etag(campaign), str(get_locale()), sorted(_query(choices).items())]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def _context(campaign: Campaign, choices: dict, source: str, tag: str | None = None) -> dict:
    # The fingerprint is taken before the figures are read: a save in between shows on the
    # next poll instead of being hidden behind a newer fingerprint.
    if source == service.LIVE and tag is None:
        tag = _fragment_etag(campaign, choices)
    view = service.ranking_view(
        campaign,
        source=source,
        block_id=choices["block"].id if choices["block"] is not None else None,
        kind=choices["kind"],
        band=choices["band"],
        sort=choices["sort"],
    )
    live = view.source == service.LIVE
    query = _query(choices)
    return {
        "campaign": campaign,
        "ranking": view,
        "live": live,
        "choices": choices,
        "query": query,
        "live_url": url_for("rankings.live", code=campaign.code, **query) if live else None,
        "etag": tag if live else None,
        "checked_at": format_time(datetime.now(UTC).replace(tzinfo=None), "HH:mm"),
        "poll_seconds": POLL_SECONDS,
        "num": number_formatter(),
    }


@bp.get("/")
@staff_results_page
def index():
    """Every campaign, with a link to its ranking."""
    campaigns = db.session.scalars(
        select(Campaign)
        .options(joinedload(Campaign.framework))
        .order_by(Campaign.created_at.desc(), Campaign.code)
    ).all()
    return render("rankings/index.html", rows=[(c, phase_of(c)) for c in campaigns])


@bp.get("/<code>")
@staff_results_page
def show(code: str):
    """A campaign's ranking per block, live (updated as scores are saved) or as published."""
    campaign = get_campaign_or_404(code)
    choices = _choices(campaign)
    latest = latest_version(campaign)
    wanted = request.args.get("view")
    source = service.PUBLISHED if (wanted == service.PUBLISHED and latest) else service.LIVE
    context = _context(campaign, choices, source)
    return render(
        "rankings/show.html",
        "rankings/partials/_results.html",
        latest=latest,
        oob=is_htmx(),
        **context,
    )


@bp.get("/<code>/live")
@staff_results_page
def live(code: str):
    """The live results region: 304 without a body while nothing it shows has changed."""
    campaign = get_campaign_or_404(code)
    choices = _choices(campaign)
    tag = _fragment_etag(campaign, choices)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        context = _context(campaign, choices, service.LIVE, tag)
        response = make_response(
            render_template("rankings/partials/_results.html", oob=True, **context)
        )
    response.set_etag(tag)
    # Stored only to be revalidated; private: it is behind a sign-in.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
