"""Who sees and keeps which commendation records.

- Initiatives: a unit's head and officers see and add their unit's; the secretariat and the
  administrator every unit's.
- The award register: the secretariat and the administrator keep it (enter, import, correct);
  they and leaders read every unit's; a unit's head and officers read their own unit's.
- Anything of another unit answers 404 to a unit's people, so whether it exists is not told.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reform.extensions import db
from reform.models import Award, Initiative, Person, Unit
from reform.models.users import ADMIN, HEAD, LEADER, OFFICER, SECRETARIAT

CENTRAL = (ADMIN, SECRETARIAT)
UNIT_PEOPLE = (HEAD, OFFICER)
# Roles that open the initiatives pages (their own unit's, for the unit roles).
INITIATIVE_KEEPERS = CENTRAL + UNIT_PEOPLE
# Roles that read the award register (their own unit's, for the unit roles).
REGISTER_READERS = CENTRAL + (LEADER,) + UNIT_PEOPLE
# Roles that read every unit's register and its statistics.
REGISTER_WIDE = CENTRAL + (LEADER,)


def is_central(user: Any) -> bool:
    """Whether the user keeps every unit's records (secretariat, administrator)."""
    return bool(user.is_authenticated and user.has_role(*CENTRAL))


def reads_every_unit(user: Any) -> bool:
    """Whether the user reads every unit's register (secretariat, administrator, leader)."""
    return bool(user.is_authenticated and user.has_role(*REGISTER_WIDE))


def own_unit(user: Any, unit_id: int | None) -> bool:
    """Whether the user is a head or officer of this unit."""
    return bool(
        unit_id is not None
        and user.is_authenticated
        and user.has_role(*UNIT_PEOPLE)
        and user.unit_id == unit_id
    )


def keeps_initiatives_of(user: Any, unit_id: int) -> bool:
    """Whether the user sees and records the unit's initiatives."""
    return is_central(user) or own_unit(user, unit_id)


def reads_register_of(user: Any, unit_id: int) -> bool:
    """Whether the user reads the unit's part of the award register."""
    return reads_every_unit(user) or own_unit(user, unit_id)


def unit_or_404(unit_id: int | None, user: Any, *, allowed) -> Unit:
    """The unit named (the user's own when none is), if `allowed(user, id)`; 404 otherwise."""
    if unit_id is None:
        unit_id = user.unit_id
    unit = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or not allowed(user, unit.id):
        abort(404)
    return unit


def initiative_or_404(initiative_id: int, user: Any) -> Initiative:
    """An initiative the user may see, with its unit and authors, else 404."""
    initiative = db.session.scalar(
        select(Initiative)
        .where(Initiative.id == initiative_id)
        .options(joinedload(Initiative.unit), selectinload(Initiative.authors))
    )
    if initiative is None or not keeps_initiatives_of(user, initiative.unit_id):
        abort(404)
    return initiative


def award_or_404(award_id: int) -> Award:
    """A register entry (for the secretariat's corrections), else 404."""
    award = db.session.get(Award, award_id)
    if award is None:
        abort(404)
    return award


def person_or_404(person_id: int, user: Any) -> Person:
    """A person whose awards the user may read, else 404."""
    person = db.session.scalar(
        select(Person).where(Person.id == person_id).options(joinedload(Person.unit))
    )
    if person is None or not reads_register_of(user, person.unit_id):
        abort(404)
    return person
