"""Conditions and the facts that decided them, in words and with links, for the pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from reform.i18n import fmt_date
from reform.models import Award, Ballot, Initiative, Unit
from reform.models.titles import COLLECTIVE
from reform.scoring import eligibility as core
from reform.services.commendation import catalogue, initiatives
from reform.services.commendation.eligibility import RankRef


def _title(code: str | None, names: dict[str, str]) -> str:
    return names.get(code or "", code or "")


def _rating(level: str) -> str:
    return core.RATING_NAMES[level].capitalize()


def _share(share: core.Share) -> str:
    """A share as the interface writes it: “15%”, “1/2”."""
    text = share.text
    if text.endswith("%") or "/" in text:
        return text
    percent = share.value * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{format_decimal(float(percent), format='#,##0.##')}%"


def condition_text(condition: core.Condition, names: dict[str, str], scope: str) -> str:
    """A condition in one sentence of the interface language."""
    match condition:
        case core.AnyOf():
            return _("One of the following:")
        case core.AllOf():
            return _("All of the following:")
        case core.ClassifiedAtLeast(rating, years):
            if years == 1:
                return _("Classified at least “%(rating)s” this year", rating=_rating(rating))
            return _(
                "Classified at least “%(rating)s” in each of the last %(years)s years",
                rating=_rating(rating),
                years=years,
            )
        case core.HeldTitleConsecutive(title, years, until):
            name = _title(title, names)
            if until == core.CURRENT:
                if years == 1:
                    return _("Holds “%(title)s” this year", title=name)
                return _(
                    "Held “%(title)s” in each of the last %(years)s years, this year included",
                    title=name,
                    years=years,
                )
            if years == 1:
                return _("Held “%(title)s” the year before", title=name)
            return _(
                "Held “%(title)s” in each of the %(years)s years before", title=name, years=years
            )
        case core.HeldTitleTimes(title, times, years, until):
            if until == core.CURRENT:
                return _(
                    "Held “%(title)s” at least %(times)s times in the last %(years)s years, "
                    "this year included",
                    title=_title(title, names),
                    times=times,
                    years=years,
                )
            return _(
                "Held “%(title)s” at least %(times)s times in the %(years)s years before",
                title=_title(title, names),
                times=times,
                years=years,
            )
        case core.HasInitiative(level, count, years):
            level_name = initiatives.level_label(level)
            if years == 1:
                if count == 1:
                    return _(
                        "A recognised initiative (%(level)s or higher) this year", level=level_name
                    )
                return _(
                    "%(count)s recognised initiatives (%(level)s or higher) this year",
                    count=count,
                    level=level_name,
                )
            if count == 1:
                return _(
                    "A recognised initiative (%(level)s or higher) in the last %(years)s years",
                    level=level_name,
                    years=years,
                )
            return _(
                "%(count)s recognised initiatives (%(level)s or higher) in %(years)s years",
                count=count,
                level=level_name,
                years=years,
            )
        case core.UnitRankAtMost(rank, within):
            if within == core.CLUSTER:
                if rank == 1:
                    return _("Ranked first in its emulation cluster")
                return _("Ranked %(rank)s or better in its emulation cluster", rank=rank)
            if rank == 1:
                return _("Ranked first in its block")
            return _("Ranked %(rank)s or better in its block", rank=rank)
        case core.Voted(title):
            if title:
                return _(
                    "Elected by its cluster's vote for “%(title)s”", title=_title(title, names)
                )
            return _("Elected by its cluster's vote for this title")
        case core.NoDiscipline():
            if scope == COLLECTIVE:
                return _("None of its members disciplined this year")
            return _("No discipline this year")
        case core.MemberShareHolding(title, share, strict):
            if strict and share.value == 0:
                return _(
                    "At least one of its members holds “%(title)s”", title=_title(title, names)
                )
            if strict:
                return _(
                    "More than %(share)s of its members hold “%(title)s”",
                    share=_share(share),
                    title=_title(title, names),
                )
            return _(
                "At least %(share)s of its members hold “%(title)s”",
                share=_share(share),
                title=_title(title, names),
            )
        case core.Quota(share, of_title):
            return _(
                "Within %(share)s of the unit's holders of “%(title)s”",
                share=_share(share),
                title=_title(of_title, names),
            )
        case core.Judged(standard):
            return _("For the council to judge: %(standard)s", standard=standard)
    return core.condition_type(condition)


@dataclass(frozen=True)
class Fact:
    """A fact in words, with the page that shows it (None: nothing to open)."""

    text: str
    url: str | None = None


def _award_url(award: Award) -> str:
    if award.person_id is not None:
        return url_for("awards.person_history", person_id=award.person_id)
    return url_for("awards.unit_history", unit_id=award.unit_id)


def fact(evidence: core.Evidence, names: dict[str, str]) -> Fact:
    """What decided a condition, in words, linked to where it is recorded."""
    kind, year, ref, values = evidence.kind, evidence.year, evidence.ref, evidence.values
    if kind == core.AWARD and isinstance(ref, Award):
        return Fact(
            _(
                "%(title)s, %(year)s: decision %(number)s of %(date)s",
                title=ref.title_name,
                year=ref.year,
                number=ref.decision_number,
                date=fmt_date(ref.decision_date),
            ),
            _award_url(ref),
        )
    if kind == core.NO_AWARD:
        return Fact(
            _(
                "The register holds no “%(title)s” for %(year)s",
                title=_title(values[0], names),
                year=year,
            )
        )
    if kind == core.UNCOVERED:
        return Fact(
            _(
                "The register holds nothing for the unit in %(year)s: import that year's list",
                year=year,
            ),
            url_for("awards.import_page"),
        )
    if kind == core.TOO_FEW:
        return Fact(
            _(
                "Held %(held)s times in the window, %(times)s needed",
                held=values[1],
                times=values[2],
            )
        )
    if kind == core.INITIATIVE and isinstance(ref, Initiative):
        return Fact(
            _(
                "Initiative “%(title)s” (%(level)s), recognised %(date)s",
                title=ref.title,
                level=initiatives.level_label(ref.level),
                date=fmt_date(ref.recognised_on),
            ),
            url_for("initiatives.show", initiative_id=ref.id),
        )
    if kind == core.NO_INITIATIVE:
        return Fact(
            _(
                "%(found)s recognised initiatives in the register, %(count)s needed",
                found=values[0],
                count=values[1],
            )
        )
    if kind == core.CLASSIFICATION:
        return Fact(_("Classified “%(rating)s” for %(year)s", rating=_rating(values[0]), year=year))
    if kind == core.NO_CLASSIFICATION:
        return Fact(_("No classification concluded for %(year)s", year=year))
    if kind in (core.RANK, core.NO_RANK):
        url = url_for("rankings.show", code=ref.campaign.code) if isinstance(ref, RankRef) else None
        if kind == core.NO_RANK:
            return Fact(_("No rank: no stored figure, or no emulation campaign of the year"), url)
        where = _("its cluster") if ref.cluster_id else _("its block")
        return Fact(
            _(
                "Rank %(rank)s of %(size)s in %(where)s, %(campaign)s",
                rank=values[0],
                size=values[1],
                where=where,
                campaign=ref.campaign.name,
            ),
            url,
        )
    if kind in (core.VOTE, core.NO_VOTE):
        url = url_for("ballots.show", ballot_id=ref.id) if isinstance(ref, Ballot) else None
        if kind == core.NO_VOTE:
            return Fact(
                _(
                    "No closed ballot of its cluster for “%(title)s”",
                    title=_title(values[0], names),
                ),
                url,
            )
        votes, members = values[1], values[2]
        return Fact(
            _("Votes: %(votes)s of %(members)s members", votes=votes or 0, members=members or 0),
            url,
        )
    if kind == core.DISCIPLINE:
        state = values[0]
        if state is True:
            return Fact(_("A discipline of the year is recorded"))
        if state is False:
            return Fact(_("The year's classification is concluded; no discipline recorded"))
        return Fact(_("No record says whether there was a discipline this year"))
    if kind == core.MEMBERS:
        return Fact(
            _(
                "%(holders)s of %(members)s members hold “%(title)s”",
                holders=values[1],
                members=values[2],
                title=_title(values[0], names),
            ),
            _staff_url(ref),
        )
    if kind == core.NO_MEMBERS:
        return Fact(_("The unit's staff list is empty"), _staff_url(ref))
    if kind == core.QUOTA:
        title, already, of_title, base, allowed = values
        return Fact(
            _(
                "%(already)s already hold “%(title)s”; %(allowed)s places for %(base)s holders "
                "of “%(of)s”",
                already=already,
                title=_title(title, names),
                allowed=allowed,
                base=base,
                of=_title(of_title, names),
            )
        )
    if kind == core.JUDGED:
        return Fact(_("Not in the data: the council judges it"))
    return Fact(kind)


def _staff_url(ref) -> str | None:
    return url_for("people_staff.index", unit=ref.id) if isinstance(ref, Unit) else None


def status_label(status: str) -> str:
    """Met, not met, unknown."""
    return {
        core.MET: _("Met"),
        core.UNMET: _("Not met"),
        core.UNKNOWN: _("Unknown"),
    }.get(status, status)


def entry_label(entry: dict, key: str) -> str:
    """The label of one of an entry's coded fields (proposer, decider, family)."""
    labels = {
        "proposed_by": catalogue.PROPOSER_LABELS,
        "decided_by": catalogue.DECIDER_LABELS,
        "family": catalogue.FAMILY_LABELS,
    }[key]
    return catalogue.label(labels, entry.get(key))
