"""A block's band thresholds in a campaign: its own override, else the framework's."""

from __future__ import annotations

from reform.models import Campaign
from reform.scoring import parse_bands
from reform.services.submission_work import remembered_bands


def bands_for_block(campaign: Campaign, block_id: int | None):
    """The block's own bands if the campaign overrides them, else None (framework's)."""
    known, raw = remembered_bands(campaign.id, block_id)
    if known:  # read with the submission's lock: no query for the campaign's blocks
        return parse_bands(raw) if raw else None
    for entry in campaign.blocks:
        if entry.block_id == block_id and entry.bands:
            return parse_bands(entry.bands)
    return None
