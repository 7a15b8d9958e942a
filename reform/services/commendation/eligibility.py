"""Eligibility of a candidate for a title or award: gather the facts the application holds
and let the pure core (reform.scoring.eligibility) decide each condition.

The facts, and where they come from:
- awards held in past years, and the years the register covers: the award register;
- initiatives: the initiatives register (a person's: those they are an author of);
- the yearly classification and a discipline of the year: the people's records, where kept;
- a unit's rank in its cluster (or block) and the vote: the campaign's stored figures and its
  cluster's closed ballots;
- members and holders of titles in the unit this year: the staff list and the register.
A fact the application does not hold stays missing, and the condition is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reform.extensions import db
from reform.models import Ballot, Campaign, CatalogueVersion, Person, Title, Unit
from reform.models import people as people_models
from reform.models.ballots import CLOSED
from reform.models.emulation import ClusterMember
from reform.models.titles import COLLECTIVE
from reform.scoring import eligibility as core
from reform.services.commendation import catalogue, initiatives, register


@dataclass(frozen=True)
class Candidate:
    """Who is checked: a unit (collective), or a person of a unit (by record or by name)."""

    scope: str
    unit: Unit
    person: Person | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        if self.scope == COLLECTIVE:
            return self.unit.name
        return self.person.full_name if self.person is not None else (self.name or "")


@dataclass(frozen=True)
class RankRef:
    """Where a rank was read: the campaign, and the cluster (None: the unit's block)."""

    campaign: Campaign
    cluster_id: int | None


@dataclass(frozen=True)
class Result:
    """A check: the candidate, the catalogue entry and version, the year, the facts and the
    core's verdict."""

    candidate: Candidate
    entry: dict
    version: CatalogueVersion
    year: int
    campaign: Campaign | None
    facts: core.Facts
    verdict: core.Verdict


def campaigns_for(unit: Unit, year: int) -> list[Campaign]:
    """The emulation campaigns of the year in which the unit sits in a cluster, newest first."""
    from reform.services.emulation.pledges import campaign_year

    rows = db.session.scalars(
        select(Campaign)
        .join(ClusterMember, ClusterMember.campaign_id == Campaign.id)
        .where(ClusterMember.unit_id == unit.id)
        .order_by(Campaign.id.desc())
    ).all()
    return [c for c in rows if campaign_year(c) == year]


def _ranks(unit: Unit, campaign: Campaign | None) -> tuple[core.RankFact, ...]:
    if campaign is None:
        return ()
    from reform.services.emulation.ballots import cluster_ranking
    from reform.services.emulation.clusters import cluster_of
    from reform.services.rankings import ranking

    found = []
    cluster = cluster_of(campaign.id, unit.id)
    if cluster is not None:
        ranked = cluster_ranking(cluster)
        mine = next((r for r in ranked if r.unit.id == unit.id), None)
        found.append(
            core.RankFact(
                core.CLUSTER,
                mine.rank if mine else None,
                len(ranked),
                RankRef(campaign, cluster.id),
            )
        )
    for block in ranking(campaign):
        row = next((r for r in block.rows if r.unit.code == unit.code), None)
        if row is not None:
            found.append(
                core.RankFact(core.BLOCK, row.rank, len(block.rows), RankRef(campaign, None))
            )
            break
    return tuple(found)


def _votes(unit: Unit, campaign: Campaign | None) -> tuple[core.VoteFact, ...]:
    """The outcome for the unit of every closed ballot of its cluster, per title voted on."""
    if campaign is None:
        return ()
    from reform.services.emulation.clusters import cluster_of
    from reform.services.emulation.voting import results

    cluster = cluster_of(campaign.id, unit.id)
    if cluster is None:
        return ()
    ballots = db.session.scalars(
        select(Ballot).where(Ballot.cluster_id == cluster.id).order_by(Ballot.round)
    ).all()
    titles = {t.id: t.code for t in db.session.scalars(select(Title))}
    found = []
    for ballot in ballots:
        if ballot.status != CLOSED:
            for item in ballot.items:
                found.append(core.VoteFact(titles.get(item.title_id, ""), None, ref=ballot))
            continue
        outcome = results(ballot)
        for item in outcome.items:
            code = titles.get(item.item.title_id, "")
            mine = next((c for c in item.candidates if c.candidate.unit_id == unit.id), None)
            if not outcome.quorum_met:
                found.append(core.VoteFact(code, None, ref=ballot))
            elif mine is None:
                found.append(core.VoteFact(code, False, 0, outcome.members, ballot))
            elif mine.runoff:
                found.append(core.VoteFact(code, None, mine.votes, outcome.members, ballot))
            else:
                found.append(core.VoteFact(code, mine.elected, mine.votes, outcome.members, ballot))
    return tuple(found)


def _people_records(person: Person | None, year: int) -> tuple[tuple, bool | None, Any]:
    """The person's yearly classifications and whether a discipline of the year is recorded,
    from the people's records when the application keeps them (else unknown)."""
    classification = getattr(people_models, "Classification", None)
    if person is None or classification is None:
        return (), None, None
    rows = db.session.scalars(
        select(classification).where(
            classification.person_id == person.id, classification.level.is_not(None)
        )
    ).all()
    facts = tuple(core.ClassificationFact(r.year, r.level, r) for r in rows)
    disciplined: bool | None = None
    ref = next((r for r in rows if r.year == year), None)
    if ref is not None:
        disciplined = False
    fact_model = getattr(people_models, "DisqualifyingFact", None)
    reprimand = getattr(people_models, "REPRIMAND", None)
    if fact_model is not None and reprimand is not None:
        found = db.session.scalar(
            select(fact_model).where(
                fact_model.person_id == person.id,
                fact_model.year == year,
                fact_model.kind == reprimand,
                fact_model.withdrawn_at.is_(None),
            )
        )
        if found is not None:
            disciplined, ref = True, found
    return facts, disciplined, ref


def _members(unit: Unit) -> int | None:
    count = sum(
        1 for p in db.session.scalars(select(Person).where(Person.unit_id == unit.id)) if p.active
    )
    return count or None


def _unit_disciplined(unit: Unit, year: int) -> tuple[bool | None, Any]:
    """Whether one of the unit's people has a discipline of the year recorded: True when one
    has; False when every member's year is concluded without one; None otherwise."""
    people = [p for p in db.session.scalars(select(Person).where(Person.unit_id == unit.id))]
    if not people:
        return None, None
    answers = [_people_records(p, year)[1:] for p in people if p.active]
    if any(d is True for d, _r in answers):
        return True, unit
    if answers and all(d is False for d, _r in answers):
        return False, unit
    return None, unit


def gather(candidate: Candidate, year: int, *, campaign: Campaign | None = None) -> core.Facts:
    """Every fact the application holds about the candidate for the year."""
    unit = candidate.unit
    covered = register.covered_years(unit.id)
    if candidate.scope == COLLECTIVE:
        awards = register.collective_awards(unit.id)
        own = initiatives.of_unit(unit.id)
        disciplined, discipline_ref = _unit_disciplined(unit, year)
        return core.Facts(
            year,
            awards=tuple(core.AwardFact(a.title_code, a.year, a) for a in awards),
            register_years=covered,
            initiatives=tuple(core.InitiativeFact(i.level, i.recognised_on.year, i) for i in own),
            ranks=_ranks(unit, campaign),
            votes=_votes(unit, campaign),
            disciplined=disciplined,
            discipline_ref=discipline_ref,
            members=_members(unit),
            # Members holding individual titles, and collectives holding collective ones
            # across the province (the codes differ, so one mapping holds both).
            holders=register.holders(unit.id, year) | register.collective_holders(year),
            own_titles=frozenset(a.title_code for a in awards if a.year == year),
            members_ref=unit,
        )
    if candidate.person is not None:
        awards = register.person_awards(candidate.person)
        own = initiatives.of_person(candidate.person)
    else:
        awards = register.named_awards(unit.id, candidate.name or "")
        own = initiatives.of_name(unit.id, candidate.name or "")
    classifications, disciplined, discipline_ref = _people_records(candidate.person, year)
    return core.Facts(
        year,
        awards=tuple(core.AwardFact(a.title_code, a.year, a) for a in awards),
        register_years=covered,
        initiatives=tuple(core.InitiativeFact(i.level, i.recognised_on.year, i) for i in own),
        classifications=classifications,
        disciplined=disciplined,
        discipline_ref=discipline_ref,
        members=_members(unit),
        holders=register.holders(unit.id, year),
        own_titles=frozenset(a.title_code for a in awards if a.year == year),
        members_ref=unit,
    )


def check(
    candidate: Candidate,
    title_code: str,
    year: int,
    *,
    version: CatalogueVersion | None = None,
    campaign: Campaign | None = None,
) -> Result | None:
    """The verdict for the candidate and the title in the year (None: no such entry)."""
    version = version or catalogue.current()
    if version is None:
        return None
    entry = version.entry(title_code)
    if entry is None or entry["scope"] != candidate.scope:
        return None
    facts = gather(candidate, year, campaign=campaign)
    verdict = core.evaluate(catalogue.conditions_of(entry), facts, title=title_code)
    return Result(candidate, entry, version, year, campaign, facts, verdict)
