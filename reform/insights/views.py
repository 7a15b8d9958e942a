"""Heat map of units by areas, the criteria losing most points, and a unit's profile."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, request

from reform.rankings.views import number_formatter
from reform.scoring import HEAT_LEVELS, round2
from reform.services import insights as service
from reform.services.access import get_campaign_or_404, staff_results_page
from reform.services.publication import latest_version
from reform.services.units import campaign_blocks
from reform.web import is_htmx, render

bp = Blueprint("insights", __name__, url_prefix="/rankings")


def _figures():
    """Format exact figures as published: rounded half up to 2 places, in the UI's locale."""
    number = number_formatter()

    def num(value: Decimal | None) -> str:
        return number(None if value is None else round2(value))

    return num


@bp.get("/<code>/heatmap")
@staff_results_page
def heatmap(code: str):
    """Units by areas (component index) per block, and the criteria that lose most points."""
    campaign = get_campaign_or_404(code)
    blocks = campaign_blocks(campaign)
    wanted = request.args.get("block") or None
    block = next((b for b in blocks if b.code == wanted), None)
    latest = latest_version(campaign)
    source = (
        service.PUBLISHED if (request.args.get("view") == "published" and latest) else service.LIVE
    )
    unknown_block = wanted if (wanted and block is None) else None
    heat = losses = None
    if unknown_block is None:
        block_id = block.id if block is not None else None
        heat = service.heat_map(campaign, source=source, block_id=block_id)
        losses = service.losing_by_block(campaign, block_id=block_id)
        # The banner names the version the figures were read from.
        latest = heat.version or latest
    query = {"block": block.code} if block is not None else {}
    return render(
        "insights/heatmap.html",
        "insights/partials/_heatmap.html",
        campaign=campaign,
        blocks=blocks,
        block=block,
        unknown_block=unknown_block,
        latest=latest,
        live=source == service.LIVE,
        heat=heat,
        losses=losses or {},
        query=query,
        levels=HEAT_LEVELS,
        num=_figures(),
        oob=is_htmx(),
    )
