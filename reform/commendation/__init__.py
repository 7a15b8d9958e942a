"""Commendation (khen thưởng): the catalogue of titles and awards with their eligibility
conditions, the initiatives register, the award register and the eligibility check.

Each part is a blueprint in a module of its own here (views), with its services in
`reform/services/commendation/`, its models in `reform/models/commendation.py`, its templates in
`templates/commendation/<part>/` and its rules in the pure core `reform/scoring/eligibility.py`.
"""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """The blueprints of every part of the capability, to register on the application."""
    from reform.commendation import awards, catalogue, eligibility, initiatives

    return [catalogue.bp, initiatives.bp, awards.bp, eligibility.bp]
