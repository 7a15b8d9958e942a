"""The secretariat's eligibility check: a candidate, a title, a year; each condition with the
fact that decides it."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlalchemy import select

from reform.commendation.display import fact, status_label
from reform.extensions import db
from reform.models import Campaign, Person, Unit
from reform.models.titles import COLLECTIVE, INDIVIDUAL
from reform.models.users import ADMIN, SECRETARIAT
from reform.security import roles_required
from reform.services.commendation import catalogue
from reform.services.commendation import eligibility as service
from reform.services.commendation.initiatives import units_for
from reform.services.phases import today
from reform.validation import query_int
from reform.web import render

bp = Blueprint("eligibility", __name__, url_prefix="/commendation/eligibility")
MANAGERS = (ADMIN, SECRETARIAT)
bp.add_app_template_global(fact, "eligibility_fact")
bp.add_app_template_global(status_label, "eligibility_status")


@bp.get("/")
@roles_required(*MANAGERS)
def page():
    """Pick a title, a year and a candidate; see each condition met, not met or unknown."""
    version = catalogue.current()
    views = catalogue.entry_views(version) if version else []
    entries = {v.code: v.entry for v in views}
    code = request.args.get("title") or ""
    entry = entries.get(code)
    year = query_int("year", low=1990, high=9999) or today().year
    unit_id = query_int("unit")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    people: list[Person] = []
    person = None
    name = " ".join(request.args.get("name", "").split())[:200]
    campaigns: list[Campaign] = []
    campaign = None
    problems: dict[str, str] = {}
    if unit is not None:
        people = list(
            db.session.scalars(
                select(Person)
                .where(Person.unit_id == unit.id, Person.active.is_(True))
                .order_by(Person.sort_key)
            )
        )
        person_id = query_int("person")
        person = next((p for p in people if p.id == person_id), None)
        campaigns = service.campaigns_for(unit, year)
        wanted = request.args.get("campaign")
        campaign = next((c for c in campaigns if c.code == wanted), None) or (
            campaigns[0] if campaigns else None
        )
    result = None
    asked = "title" in request.args
    if asked:
        if entry is None:
            problems["title"] = _("Choose a title or award.")
        if unit is None:
            problems["unit"] = _("Choose the unit.")
        elif entry is not None and entry["scope"] == INDIVIDUAL and person is None and not name:
            problems["person"] = _("Choose someone of the unit's staff, or write a name.")
    if asked and not problems:
        candidate = service.Candidate(
            entry["scope"],
            unit,
            person if entry["scope"] == INDIVIDUAL else None,
            name if entry["scope"] == INDIVIDUAL and person is None else None,
        )
        result = service.check(candidate, code, year, version=version, campaign=campaign)
    names = {v.code: v.entry["name"] for v in views}
    return render(
        "commendation/eligibility/page.html",
        status=422 if problems else 200,
        version=version,
        views=views,
        entry=entry,
        code=code,
        year=year,
        unit=unit,
        units=units_for(None),
        people=people,
        person=person,
        name=name,
        campaigns=campaigns,
        campaign=campaign,
        problems=problems,
        result=result,
        names=names,
        collective=COLLECTIVE,
    )
