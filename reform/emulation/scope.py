"""Loading an emulation campaign for the pages of the pledge and the registration."""

from __future__ import annotations

from flask import abort

from reform.models import Campaign
from reform.services.access import get_campaign_or_404
from reform.services.emulation.clusters import is_emulation


def emulation_campaign_or_404(code: str) -> Campaign:
    """The campaign with this code if it is an emulation campaign; 404 otherwise (an index
    campaign has no pledge or registration)."""
    campaign = get_campaign_or_404(code)
    if not (is_emulation(campaign) or campaign.movement_id is not None):
        abort(404)
    return campaign
