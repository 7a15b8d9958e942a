"""People (cán bộ, công chức): the staff of each unit, their tasks and periodic scores, and the
yearly classification (Decree 335/2025/NĐ-CP).

Each part is a blueprint in a module of its own here (views), with its services in
`reform/services/people/`, its models in `reform/models/people.py` and its templates in
`templates/people/<part>/`.
"""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """The blueprints of every part of the capability, to register on the application."""
    from reform.people.classification import bp as classification_bp
    from reform.people.staff import bp as staff_bp
    from reform.people.tasks import bp as tasks_bp

    return [staff_bp, tasks_bp, classification_bp]
