"""The audit trail on screen: one criterion's history and a campaign's filterable log."""
