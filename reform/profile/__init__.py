"""A unit's profile: its figure over the years, its areas against the block, its criteria."""
