"""What-if page: another framework version, weights or bands, beside the real ranking."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _

from reform.campaigns.views import parse_bands_text
from reform.models.users import ADMIN, LEADER, SECRETARIAT
from reform.rankings.views import number_formatter
from reform.scoring.numbers import fmt_plain, parse_user_number
from reform.security import roles_required
from reform.services import whatif as service
from reform.services.access import get_campaign_or_404, staff_results_page
from reform.services.campaigns import CampaignProblem
from reform.services.units import campaign_blocks
from reform.validation import bounded_int
from reform.web import is_htmx, render

bp = Blueprint("whatif", __name__, url_prefix="/rankings")

# The secretariat prepares the figures and leaders weigh the options; evaluators only appraise.
WHO = (ADMIN, SECRETARIAT, LEADER)


def _version_arg(errors: dict[str, str]) -> int | None:
    """The version asked for in the query string (None: the campaign's own)."""
    text = (request.args.get("version") or "").strip()
    version = bounded_int(text, low=1)
    if text and version is None:
        errors[service.VERSION] = _("Choose a version from the list.")
    return version


def _shown(text: str, area: service.Area) -> str:
    """A weight as the number field takes it (point as separator); the max when none typed."""
    number = parse_user_number(text) if text.strip() else area.max
    return text.strip() if number is None else fmt_plain(number)


def _weight_args(areas: tuple[service.Area, ...], version_changed: bool) -> dict[str, str]:
    """The weights typed for the areas shown; none when the form showed another version's."""
    if version_changed:
        return {}
    return {area.code: request.args.get(f"w-{area.code}", "") for area in areas}


def _told(errors: dict[str, str], areas: tuple[service.Area, ...]) -> list[tuple[str, str]]:
    """Every problem with the name of its field, for the summary above the real ranking."""
    names = {
        service.VERSION: _("Framework version"),
        service.BANDS: _("Band thresholds"),
        service.WEIGHTS: _("Weights"),
    }
    names.update({service.weight_field(a.code): f"{a.code} {a.name}" for a in areas})
    return [(names.get(key, key), message) for key, message in errors.items()]


@bp.get("/<code>/what-if")
@staff_results_page
@roles_required(*WHO)
def show(code: str):
    """The ranking as it would be with another version, weights or bands; nothing is saved."""
    campaign = get_campaign_or_404(code)
    errors: dict[str, str] = {}
    versions = service.framework_versions(campaign)
    version = _version_arg(errors)
    shown = bounded_int(request.args.get("shown_version"))
    chosen = next((f for f in versions if f.version == version), campaign.framework)
    # Weights belong to the areas of the version the form showed: a new version starts afresh.
    version_changed = shown is not None and shown != chosen.version
    areas = service.areas_of(chosen)
    weights = _weight_args(areas, version_changed)
    bands_text = request.args.get("bands", "")
    bands = None
    try:
        bands = parse_bands_text(bands_text)
    except CampaignProblem as problem:
        errors[service.BANDS] = problem.message
    blocks = campaign_blocks(campaign)
    block = next((b for b in blocks if b.code == request.args.get("block")), None)
    block_id = block.id if block is not None else None
    try:
        service.check(campaign, framework_version=version, weights=weights, bands=bands)
    except service.WhatIfProblem as problem:
        errors = {**problem.problems, **errors}
    if errors:
        # The real ranking stays on screen while the fields are corrected.
        result = service.what_if(campaign, block_id=block_id)
    else:
        result = service.what_if(
            campaign, framework_version=version, weights=weights, bands=bands, block_id=block_id
        )
    return render(
        "whatif/show.html",
        "whatif/partials/_results.html",
        status=422 if errors else 200,
        campaign=campaign,
        versions=versions,
        chosen=chosen,
        areas=[
            {
                "code": area.code,
                "name": area.name,
                "max": area.max,
                "value": _shown(weights.get(area.code, ""), area),
                "error": errors.get(service.weight_field(area.code)),
            }
            for area in areas
        ],
        bands_text=bands_text,
        blocks=blocks,
        block=block,
        errors=errors,
        told=_told(errors, areas),
        result=result,
        failed=bool(errors),
        oob=is_htmx(),
        version_changed=version_changed,
        num=number_formatter(),
    )
