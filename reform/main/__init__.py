"""Home pages, one per role."""
