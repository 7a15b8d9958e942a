"""Understanding a campaign: heat map of areas, criteria losing points, a unit's profile."""
