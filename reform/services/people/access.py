"""Who sees and changes which people and which of their records.

- The staff list of a unit (people, their posts, groups, managers, accounts) is kept by the
  unit's head and officers; the secretariat and the administrator keep every unit's.
- A person's own records (tasks, periodic scores, classification) are seen by that person
  (through the account linked to them), their direct manager, the head of their unit, and the
  secretariat and the administrator. Nobody else: such pages answer 404, so that whether a
  person exists is not revealed either.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reform.extensions import db
from reform.models import Person, Unit, User
from reform.models.users import ADMIN, HEAD, OFFICER, SECRETARIAT

# Roles that keep every unit's people.
CENTRAL = (ADMIN, SECRETARIAT)
# Roles that may open the staff pages at all (their own unit's, for the unit roles).
STAFF_KEEPERS = (ADMIN, SECRETARIAT, HEAD, OFFICER)


def is_central(user: Any) -> bool:
    """Whether the user keeps every unit's people (secretariat, administrator)."""
    return bool(user.is_authenticated and user.has_role(*CENTRAL))


def keeps_staff_of(user: Any, unit_id: int) -> bool:
    """Whether the user keeps the staff list of this unit."""
    if is_central(user):
        return True
    return bool(user.is_authenticated and user.has_role(HEAD, OFFICER) and user.unit_id == unit_id)


def heads_unit(user: Any, unit_id: int) -> bool:
    """Whether the user is a head of this unit."""
    return bool(user.is_authenticated and user.has_role(HEAD) and user.unit_id == unit_id)


def staff_unit_or_404(unit_id: int | None, user: User) -> Unit:
    """The unit whose staff the user keeps (their own when none is named), else 404."""
    if unit_id is None:
        unit_id = user.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or not keeps_staff_of(user, unit.id):
        abort(404)
    return unit


def staff_person_or_404(person_id: int, user: User) -> Person:
    """A person whose record the user keeps (their unit's), else 404."""
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(joinedload(Person.unit), joinedload(Person.manager), joinedload(Person.user))
    )
    if person is None or not keeps_staff_of(user, person.unit_id):
        abort(404)
    return person


def linked_person(user: Any) -> Person | None:
    """The person the signed-in account is linked to, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Person).where(Person.user_id == user.id))


def manages(user: Any, person: Person) -> bool:
    """Whether the user is the person's direct manager (through the manager's linked account)."""
    manager = person.manager
    return bool(
        user.is_authenticated
        and manager is not None
        and manager.user_id is not None
        and manager.user_id == user.id
    )


def sees_records_of(user: Any, person: Person) -> bool:
    """Whether the user may see the person's tasks, scores and classification."""
    if not user.is_authenticated:
        return False
    if is_central(user) or person.user_id == user.id:
        return True
    return manages(user, person) or heads_unit(user, person.unit_id)


def reviews(user: Any, person: Person) -> bool:
    """Whether the user confirms or adjusts the person's periodic scores: the direct manager or
    the head of the unit, never the person themselves."""
    if not user.is_authenticated or person.user_id == user.id:
        return False
    return manages(user, person) or heads_unit(user, person.unit_id)


def records_person_or_404(person_id: int, user: User) -> Person:
    """A person whose records the user may see, else 404."""
    person = db.session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(joinedload(Person.unit), joinedload(Person.manager), joinedload(Person.user))
    )
    if person is None or not sees_records_of(user, person):
        abort(404)
    return person
