"""Emulation (thi đua): movements, campaign clusters, pledges, registration and the vote.

Each part is a blueprint in a module of its own here (views), with its services in
`reform/services/emulation/`, its models in `reform/models/` and its templates in
`templates/emulation/<part>/`.
"""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """The blueprints of every part of the capability, to register on the application."""
    from reform.emulation import ballots, clusters, movements, pledges, registrations, titles

    parts: list[Blueprint] = [
        titles.bp,
        pledges.bp,
        registrations.bp,
        movements.bp,
        clusters.bp,
        ballots.bp,
    ]
    return parts
