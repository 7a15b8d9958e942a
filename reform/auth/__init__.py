"""Signing in and out, own account, language."""
