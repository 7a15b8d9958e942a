"""A unit's profile page: index over the years, areas against the block, strongest and weakest
criteria with links to their evidence and history."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from reform.charts import BarGroup, Point, bar_chart, line_chart
from reform.extensions import db
from reform.i18n import fmt_number
from reform.models import Unit
from reform.models.users import STAFF_ROLES
from reform.rankings.views import number_formatter
from reform.scoring.numbers import fmt_plain
from reform.services import appraisal
from reform.services import profile as service
from reform.services.access import (
    PUBLISHED,
    can_see_unit,
    get_campaign_or_404,
    results_access_or_404,
)
from reform.services.publication import latest_version
from reform.web import render

bp = Blueprint("profile", __name__, url_prefix="/rankings")
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")


def _unit_or_404(unit_code: str) -> Unit:
    """The unit if this user may see it (staff: any; a unit's people: their own), else 404."""
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None or not can_see_unit(current_user, unit):
        abort(404)
    return unit


def _evidence_link(profile: service.UnitProfile):
    """Where this user finds a criterion's evidence: the appraisal page for those who may open
    it (managers, assigned evaluators), the self-assessment form for everyone else."""
    submission = profile.submission
    if appraisal.can_view(current_user, submission):

        def appraisal_link(criterion: service.CriterionFigure) -> str:
            page = url_for("appraisal.page", submission_id=submission.id, area=criterion.area_code)
            return f"{page}#a-{criterion.code}"

        return appraisal_link

    def form_link(criterion: service.CriterionFigure) -> str:
        page = url_for("assessment.form", submission_id=submission.id, area=criterion.area_code)
        return f"{page}#c-{criterion.code}"

    return form_link


def _shown_value(raw: str | None) -> str | None:
    """A raw value as people read it: yes, no and not applicable in words, numbers with the
    locale's decimal sign (ratios and option labels as entered)."""
    if raw is None:
        return None
    words = {"yes": _("Yes"), "no": _("No"), "na": _("Not applicable")}
    if raw in words:
        return words[raw]
    if _PLAIN_NUMBER.fullmatch(raw):
        return fmt_plain(Decimal(raw), fmt_number(Decimal("0.5"))[1])
    return raw


def _signed(value: Decimal | None, num) -> str:
    """A difference with its sign written out: +1,50, -2,00, 0,00."""
    return ("+" if value is not None and value > 0 else "") + num(value)


def _tick(value: Decimal) -> str:
    """An axis label: whole numbers without decimals (0, 25, 50), others with 2 places."""
    return fmt_number(value, places=0 if value == value.to_integral_value() else 2)


def _charts(profile: service.UnitProfile, num) -> dict:
    """The two charts, their figures written out in the page's language."""
    figure = _("Points") if profile.by_points else _("Index")
    status_note = {service.LIVE: _("live"), service.PUBLISHED: "", service.IMPORTED: ""}
    points = [
        Point(str(point.year), point.value, status_note[point.status]) for point in profile.series
    ]
    series_chart = line_chart(
        points,
        chart_id="chart-years",
        title=_("%(figure)s of %(unit)s over the years", figure=figure, unit=profile.unit.name),
        summary=_("%(figure)s by year:", figure=figure),
        number=num,
        tick_number=_tick,
        top_value=profile.top_value,
        no_figure=_("no figure"),
        empty_text=_("No figures yet."),
    )
    groups = [
        BarGroup(f"{area.code}. {area.name}", (area.index, area.average)) for area in profile.areas
    ]
    area_figure = _("Points") if profile.by_points else _("Component index")
    areas_chart = bar_chart(
        groups,
        chart_id="chart-areas",
        title=_(
            "%(figure)s of %(unit)s by area against the block average",
            figure=area_figure,
            unit=profile.unit.name,
        ),
        summary=_("%(figure)s by area:", figure=area_figure),
        series=(profile.unit.name, _("Block average")),
        number=num,
        tick_number=_tick,
        top_value=profile.top_value,
        no_figure=_("not applicable"),
        empty_text=_("No figures yet."),
    )
    return {"series_chart": series_chart, "areas_chart": areas_chart}


@bp.get("/<code>/units/<unit_code>")
@login_required
def show(code: str, unit_code: str):
    """One unit's profile in a campaign, live or as published; a unit's people see only theirs,
    and only once published (the rule in services.access)."""
    campaign = get_campaign_or_404(code)
    unit = _unit_or_404(unit_code)
    access = results_access_or_404(current_user, campaign, unit)
    latest = latest_version(campaign)
    wanted = request.args.get("view")
    source = service.PUBLISHED if (wanted == service.PUBLISHED and latest) else service.LIVE
    if access == PUBLISHED:
        source = service.PUBLISHED
    profile = service.unit_profile(campaign, unit, source=source)
    # A unit's people read the published version only: never live figures (the profile falls
    # back to them when the unit is missing from the published document).
    if profile is None or (access == PUBLISHED and profile.live):
        abort(404)
    if access == PUBLISHED:
        # No tab to the live figures.
        latest = None
    num = number_formatter()
    return render(
        "profile/show.html",
        profile=profile,
        latest=latest,
        num=num,
        evidence_link=_evidence_link(profile),
        shown_value=_shown_value,
        is_staff=current_user.has_role(*STAFF_ROLES),
        signed=partial(_signed, num=num),
        **_charts(profile, num),
    )
