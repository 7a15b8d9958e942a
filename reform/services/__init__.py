"""Use cases: short transactions called by views and commands."""
