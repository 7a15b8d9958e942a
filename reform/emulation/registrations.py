"""Registration: the unit's form, its submission by the head, the lists the secretariat and the
cluster heads read and export, and the deadline the secretariat sets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reform.emulation.downloads import XLSX, attachment
from reform.emulation.scope import emulation_campaign_or_404
from reform.extensions import db
from reform.models import Campaign, Cluster, Registration, Unit
from reform.models.registrations import DRAFT, SUBMITTED
from reform.models.titles import COLLECTIVE, INDIVIDUAL
from reform.models.users import ADMIN, HEAD, LEADER, OFFICER, SECRETARIAT
from reform.security import roles_required
from reform.services.emulation import registrations as service
from reform.services.emulation.clusters import (
    campaign_clusters,
    is_emulation,
    led_clusters,
    members,
)
from reform.services.emulation.registration_export import registration_list, registrations_xlsx
from reform.services.emulation.titles import active_titles
from reform.validation import bounded_int, query_int
from reform.web import render, see_other

bp = Blueprint("registrations", __name__, url_prefix="/emulation")
# Who reads every unit's registration; a cluster's head and deputy read their cluster's.
READERS = (ADMIN, SECRETARIAT, LEADER)
MANAGERS = (ADMIN, SECRETARIAT)
UNIT_PEOPLE = (HEAD, OFFICER)
# Blank rows offered under the people already entered (more after each save).
BLANK_ROWS = 3


# ---- the unit's own registration ---------------------------------------------------------------


def _own_campaign_or_404(code: str) -> Campaign:
    """The campaign, if the user's unit takes part in it (404 otherwise)."""
    campaign = emulation_campaign_or_404(code)
    if not service.is_participant(campaign, current_user.unit_id):
        abort(404)
    return campaign


def _choices(registration: Registration | None) -> tuple[list, list]:
    """Collective and individual titles to choose from: the active ones, plus any the
    registration already names that were deactivated since."""
    collective, individual = active_titles(COLLECTIVE), active_titles(INDIVIDUAL)
    if registration is not None:
        if registration.title is not None and registration.title not in collective:
            collective.append(registration.title)
        for person in registration.people:
            if person.title not in individual:
                individual.append(person.title)
    return collective, individual


def _rows_from(registration: Registration | None) -> list[service.PersonRow]:
    rows = [
        service.PersonRow(p.full_name, p.job_title or "", p.title_id)
        for p in (registration.people if registration else [])
    ]
    return rows + [service.PersonRow() for _ in range(BLANK_ROWS)]


def _form_page(campaign: Campaign, status: int = 200, **context):
    registration = service.registration_of(campaign, current_user.unit_id)
    collective, individual = _choices(registration)
    if "entered" not in context:
        context["entered"] = service.RegistrationInput(
            registration.title_id if registration else None,
            (registration.targets or "") if registration else "",
            _rows_from(registration),
        )
    editable = (registration is None or registration.status == DRAFT) and service.closed_reason(
        campaign
    ) is None
    return render(
        "emulation/registrations/form.html",
        status=status,
        campaign=campaign,
        registration=registration,
        unit=current_user.unit,
        collective=collective,
        individual=individual,
        closed=service.closed_reason(campaign),
        editable=editable,
        errors=context.pop("errors", {}),
        **context,
    )


def _choice(name: str) -> int | None:
    """A chosen title's id: None when nothing is chosen, 0 (no title has it, so it is refused
    beside the field) when the value is not an id at all."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    return bounded_int(text, low=1) or 0


def _entered() -> service.RegistrationInput:
    """The form's values: the collective title, targets and the people's rows."""
    form = request.form
    rows = []
    for n in range(service.MAX_PEOPLE + 1):
        if f"people-{n}-full_name" not in form and f"people-{n}-title_id" not in form:
            break
        if form.get(f"people-{n}-remove") == "1":
            continue
        rows.append(
            service.PersonRow(
                full_name=" ".join(form.get(f"people-{n}-full_name", "").split()),
                job_title=" ".join(form.get(f"people-{n}-job_title", "").split()),
                title_id=_choice(f"people-{n}-title_id"),
            )
        )
    return service.RegistrationInput(
        title_id=_choice("title_id"),
        targets=form.get("targets", "").replace("\r\n", "\n"),
        people=rows,
    )


def _version() -> int:
    version = bounded_int(request.form.get("version"))
    if version is None:
        abort(400)
    return version


@bp.get("/<code>/registration")
@roles_required(*UNIT_PEOPLE)
def form(code: str):
    """The unit's registration: its collective title, its people's titles, its targets."""
    return _form_page(_own_campaign_or_404(code))


@bp.post("/<code>/registration")
@roles_required(*UNIT_PEOPLE)
def save(code: str):
    """Save the draft (an officer or the head); the head may submit it in the same step."""
    campaign = _own_campaign_or_404(code)
    entered = _entered()
    version = _version()
    submitting = request.form.get("action") == "submit"
    try:
        service.save(
            campaign,
            current_user.unit_id,
            entered,
            base_version=version,
            actor=current_user,
            then_submit=submitting,
        )
    except service.RegistrationClosed as closed:
        db.session.rollback()
        return _form_page(campaign, 403, refusal=str(closed), entered=_padded(entered))
    except service.RegistrationRefused as refused:
        db.session.rollback()
        return _form_page(campaign, 403, refusal=str(refused), entered=_padded(entered))
    except service.RegistrationProblem as problem:
        db.session.rollback()
        return _form_page(campaign, 422, errors=problem.errors, entered=_padded(entered))
    except service.RegistrationConflict as conflict:
        db.session.rollback()
        return _form_page(campaign, 409, conflict=conflict.registration, entered=_padded(entered))
    if submitting:
        flash(_("Registration submitted."), "success")
    else:
        flash(_("Registration saved."), "success")
    return see_other(url_for("registrations.form", code=code))


def _padded(entered: service.RegistrationInput) -> service.RegistrationInput:
    """The entered values with blank rows to add more, as the form shows them."""
    kept = [row for row in entered.people if not row.blank]
    return service.RegistrationInput(
        entered.title_id,
        entered.targets,
        kept + [service.PersonRow() for _ in range(BLANK_ROWS)],
    )


@bp.post("/<code>/registration/withdraw")
@roles_required(*UNIT_PEOPLE)
def withdraw(code: str):
    """The head takes the submitted registration back to a draft to change it."""
    campaign = _own_campaign_or_404(code)
    try:
        service.withdraw(
            campaign, current_user.unit_id, base_version=_version(), actor=current_user
        )
    except (service.RegistrationClosed, service.RegistrationRefused) as refused:
        db.session.rollback()
        return _form_page(campaign, 403, refusal=str(refused))
    except service.RegistrationConflict:
        db.session.rollback()
        return _form_page(campaign, 409, refusal=_("The registration changed since you opened it."))
    flash(_("Registration withdrawn: it is a draft again."), "success")
    return see_other(url_for("registrations.form", code=code))


# ---- the lists ---------------------------------------------------------------------------------


def _scope_or_404(code: str) -> tuple[Campaign, list[Cluster] | None]:
    """The campaign and the clusters whose registrations the user reads (None: every unit's)."""
    if not current_user.has_role(*READERS, *UNIT_PEOPLE):
        abort(403)
    campaign = emulation_campaign_or_404(code)
    if current_user.has_role(*READERS):
        return campaign, None
    led = led_clusters(current_user, campaign.id)
    if not led:
        abort(404)
    return campaign, led


@dataclass
class Listing:
    """The units of the user's scope with their registrations and clusters."""

    campaign: Campaign
    options: list[Cluster]
    chosen: Cluster | None
    heading: Cluster | None
    units: list[Unit]
    registrations: dict[int, Registration]
    clusters: dict[int, Cluster]


def _listing(code: str) -> Listing:
    """The units in the user's scope (filtered to one cluster on request), in Vietnamese order,
    with their registrations and clusters."""
    campaign, led = _scope_or_404(code)
    options = led if led is not None else campaign_clusters(campaign)
    chosen_id = query_int("cluster")
    chosen = next((c for c in options if c.id == chosen_id), None)
    if chosen is not None:
        unit_ids = {m.unit_id for m in members(chosen)}
    elif led is not None:
        unit_ids = {m.unit_id for c in led for m in members(c)}
    else:
        unit_ids = None
    # A list of one cluster is headed by the cluster's name, the campaign's by its issuer.
    heading = chosen or (led[0] if led is not None and len(led) == 1 else None)
    return Listing(
        campaign=campaign,
        options=options,
        chosen=chosen,
        heading=heading,
        units=service.participants(campaign, unit_ids),
        registrations=service.registrations_by_unit(campaign, unit_ids),
        clusters=service.clusters_by_unit(campaign),
    )


@bp.get("/<code>/registrations")
@login_required
def index(code: str):
    """Every unit of the scope with its registration's state and what it registered."""
    found = _listing(code)
    submitted = sum(1 for r in found.registrations.values() if r.status == SUBMITTED)
    return render(
        "emulation/registrations/index.html",
        listing=found,
        campaign=found.campaign,
        submitted=submitted,
        closed=service.closed_reason(found.campaign),
    )


@bp.get("/<code>/registrations.xlsx")
@login_required
def export(code: str):
    """The submitted registrations of the scope as the emulation office's workbook."""
    found = _listing(code)
    listing = registration_list(
        found.campaign, found.units, found.registrations, found.clusters, found.heading
    )
    parts = [_("Registrations"), *([found.heading.name] if found.heading else [])]
    name = " - ".join((*parts, found.campaign.code))
    return attachment(registrations_xlsx(listing), XLSX, name, ".xlsx")


@bp.get("/<code>/registrations/<int:unit_id>")
@login_required
def show(code: str, unit_id: int):
    """One unit's registration, read-only."""
    if not current_user.has_role(*READERS, *UNIT_PEOPLE):
        abort(403)
    campaign = emulation_campaign_or_404(code)
    allowed = current_user.has_role(*READERS) or current_user.unit_id == unit_id
    if not allowed:
        led = led_clusters(current_user, campaign.id)
        allowed = any(m.unit_id == unit_id for c in led for m in members(c))
    if not allowed or not service.is_participant(campaign, unit_id):
        abort(404)
    registration = service.registration_of(campaign, unit_id)
    return render(
        "emulation/registrations/show.html",
        campaign=campaign,
        unit=db.session.get(Unit, unit_id),
        registration=registration,
        cluster=service.clusters_by_unit(campaign).get(unit_id),
    )


# ---- the deadline --------------------------------------------------------------------------------


@bp.route("/<code>/registration-deadline", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def deadline(code: str):
    """The secretariat sets the last day units may register (empty: registration not open)."""
    campaign = emulation_campaign_or_404(code)
    error = None
    if request.method == "POST":
        text = request.form.get("registration_closes_on", "").strip()
        day = None
        if text:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                error = _("Enter a date as dd/mm/yyyy.")
        if error is None:
            changed = service.set_deadline(campaign, day, actor=current_user)
            if changed:
                flash(_("Registration closing date saved."), "success")
            return see_other(url_for("campaigns.settings", code=campaign.code))
    return render(
        "emulation/registrations/deadline.html",
        status=422 if error else 200,
        campaign=campaign,
        error=error,
        value=request.form.get("registration_closes_on", "")
        if error
        else (
            campaign.registration_closes_on.isoformat() if campaign.registration_closes_on else ""
        ),
    )


@bp.app_template_global()
def emulation_campaign(campaign: Campaign) -> bool:
    """Whether the campaign is an emulation campaign (its settings show the registration date)."""
    return is_emulation(campaign) or campaign.movement_id is not None


@bp.app_template_global()
def emulation_unit_work() -> list[dict]:
    """For a unit's home: each emulation campaign it takes part in, newest first, with its
    cluster's pledge and its registration."""
    from reform.emulation.pledges import pledge_summary

    unit_id = current_user.unit_id if current_user.is_authenticated else None
    if unit_id is None or not current_user.has_role(*UNIT_PEOPLE):
        return []
    out = []
    for campaign in service.unit_campaigns(unit_id):
        out.append(
            {
                "campaign": campaign,
                "pledge": pledge_summary(campaign, unit_id),
                "registration": service.registration_of(campaign, unit_id),
                "closed": service.closed_reason(campaign),
                "leads": bool(led_clusters(current_user, campaign.id)),
            }
        )
    return out
