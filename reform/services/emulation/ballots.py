"""The vote's setup: who sees a cluster's ballots, the cluster head's draft (settings, items,
candidates from the cluster's ranking) and opening it to the members.

Casting, closing, results and the second round are in `voting`; the design that keeps the vote
secret is in `reform.models.ballots`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload, selectinload

from reform.extensions import db
from reform.i18n import fmt_datetime
from reform.models import Ballot, BallotCandidate, BallotItem, BallotVoter, Cluster, Title, Unit
from reform.models.ballots import DRAFT, OPEN
from reform.models.emulation import ClusterMember
from reform.models.submissions import Submission
from reform.models.titles import COLLECTIVE
from reform.models.users import HEAD, STAFF_ROLES, User
from reform.scoring.ballot import MORE_THAN_HALF, Threshold
from reform.scoring.ranking import rank, vi_sort_string
from reform.services.audit import record
from reform.services.emulation.clusters import is_cluster_head, leader, members
from reform.services.locking import take_write_lock
from reform.services.notices import announce
from reform.services.notify import people_by_unit
from reform.services.results import stored_rows
from reform.validation import bounded_int, text_problem

# Notification kinds.
BALLOT_OPENED = "ballot_opened"
BALLOT_ALL_VOTED = "ballot_all_voted"
BALLOT_CLOSED = "ballot_closed"
BALLOT_VOID = "ballot_void"

MAX_SEATS = 100
MAX_SHARE_DENOMINATOR = 100
NAME_MAX = 300
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
# How long a new ballot stays open unless the cluster head says otherwise.
DEFAULT_WINDOW = timedelta(hours=2)


class BallotRefused(Exception):
    """A change the rules refuse: messages by the field they belong beside ("" for the form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# ---- time ---------------------------------------------------------------------------------


def now() -> datetime:
    """The current time as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def parse_local(text: str | None) -> datetime | None:
    """A date and time typed in the province's time zone ("2026-12-20T08:00"), as naive UTC."""
    try:
        local = datetime.strptime((text or "").strip(), LOCAL_INPUT)
    except ValueError:
        return None
    return local.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def local_input(value: datetime | None) -> str:
    """A stored time as the value of a date-and-time field, in the province's time zone."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(_zone()).strftime(LOCAL_INPUT)


def voting_open(ballot: Ballot, at: datetime | None = None) -> bool:
    """Whether the server takes votes now: the ballot is open and inside its window."""
    at = at or now()
    return ballot.status == OPEN and ballot.opens_at <= at < ballot.closes_at


# ---- who sees what ------------------------------------------------------------------------


def own_member(user: User, cluster: Cluster) -> ClusterMember | None:
    """The user's unit's place in the cluster, when the user is one of a member unit's people."""
    if not user.is_authenticated or user.unit_id is None:
        return None
    return db.session.scalar(
        select(ClusterMember).where(
            ClusterMember.cluster_id == cluster.id, ClusterMember.unit_id == user.unit_id
        )
    )


def can_see_cluster(user: User, cluster: Cluster) -> bool:
    """Staff see every cluster's ballots; a unit's people see their own cluster's."""
    return user.has_role(*STAFF_ROLES) or own_member(user, cluster) is not None


def cluster_or_404(cluster_id: int, user: User) -> Cluster:
    """The cluster (campaign loaded) if the user may see its ballots, else 404."""
    cluster = db.session.scalar(
        select(Cluster).where(Cluster.id == cluster_id).options(joinedload(Cluster.campaign))
    )
    if cluster is None or not can_see_cluster(user, cluster):
        abort(404)
    return cluster


def ballot_or_404(ballot_id: int, user: User) -> Ballot:
    """The ballot (cluster, items, candidates loaded) if the user may see it, else 404."""
    ballot = db.session.scalar(
        select(Ballot)
        .where(Ballot.id == ballot_id)
        .options(
            joinedload(Ballot.cluster).joinedload(Cluster.campaign),
            selectinload(Ballot.items).selectinload(BallotItem.candidates),
        )
    )
    if ballot is None or not can_see_cluster(user, ballot.cluster):
        abort(404)
    return ballot


def require_cluster_head(user: User, cluster: Cluster) -> None:
    """403 unless the user acts as the cluster's head: only they prepare, open and close."""
    if not is_cluster_head(user, cluster):
        abort(403)


def cluster_ballots(cluster: Cluster, user: User) -> list[Ballot]:
    """The cluster's ballots, newest first; drafts only for its head and staff."""
    query = select(Ballot).where(Ballot.cluster_id == cluster.id)
    if not (is_cluster_head(user, cluster) or user.has_role(*STAFF_ROLES)):
        query = query.where(Ballot.status != DRAFT)
    return list(db.session.scalars(query.order_by(Ballot.created_at.desc(), Ballot.id.desc())))


def locked_ballot(ballot_id: int) -> Ballot | None:
    """The ballot with its row held until commit (on SQLite, the write lock), reloaded."""
    take_write_lock()
    return db.session.scalar(
        select(Ballot)
        .where(Ballot.id == ballot_id)
        .with_for_update(of=Ballot)
        .execution_options(populate_existing=True)
    )


def _locked_draft(ballot_id: int) -> Ballot:
    ballot = locked_ballot(ballot_id)
    if ballot is None:
        abort(404)
    if ballot.status != DRAFT:
        raise BallotRefused({"": _("This ballot is open or closed: it can no longer be changed.")})
    return ballot


# ---- the cluster's ranking ----------------------------------------------------------------


@dataclass(frozen=True)
class RankedMember:
    """A member unit with its rank and figure in the cluster (None: no figure yet)."""

    unit: Unit
    rank: int | None
    figure: Decimal | None


def cluster_ranking(cluster: Cluster) -> list[RankedMember]:
    """The cluster's members ranked on their stored figures, highest first, by the core."""
    units = {m.unit_id: m.unit for m in members(cluster)}
    if not units:
        return []
    campaign = cluster.campaign
    key = "points" if campaign.framework.result == "points" else "index"
    rows = stored_rows(campaign, where=Submission.unit_id.in_(list(units)))
    by_code = {unit.code: unit for unit in units.values()}
    figures = {by_code[row.unit_code].id: row.value(key) for row in rows}
    ranked = rank(
        units.values(),
        value=lambda unit: figures.get(unit.id),
        name=lambda unit: unit.name,
        order=lambda unit: unit.sort_key or vi_sort_string(unit.name),
    )
    return [RankedMember(item.item, item.rank, item.shown) for item in ranked]


def collective_titles() -> list[Title]:
    """The active titles and awards for collectives, as the catalogue orders them."""
    return list(
        db.session.scalars(
            select(Title)
            .where(Title.active.is_(True), Title.scope == COLLECTIVE)
            .order_by(Title.position, Title.name)
        )
    )


# ---- settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the cluster head sets for a ballot: the meeting, the window, the rule, the quorum."""

    name: str
    place: str | None
    opens_at: datetime
    closes_at: datetime
    rule: Threshold
    quorum: Threshold


def describe(threshold: Threshold) -> str:
    """A threshold in words: "more than 1/2 of the members", "at least 2/3 of the members"."""
    share = f"{threshold.share.numerator}/{threshold.share.denominator}"
    if threshold.strict:
        return _("more than %(share)s of the members", share=share)
    return _("at least %(share)s of the members", share=share)


def _share(form, prefix: str, default_choice: str, errors: dict[str, str]) -> Threshold:
    """A threshold from the form: more than half, or at least a share written as a fraction."""
    if form.get(prefix, default_choice) != "share":
        return MORE_THAN_HALF
    numerator = bounded_int(form.get(f"{prefix}_numerator"), low=1, high=MAX_SHARE_DENOMINATOR)
    denominator = bounded_int(form.get(f"{prefix}_denominator"), low=1, high=MAX_SHARE_DENOMINATOR)
    if numerator is None or denominator is None or numerator > denominator:
        errors[f"{prefix}_numerator"] = _(
            "Write the share as a fraction of whole numbers, at most 1, e.g. 2/3."
        )
        return MORE_THAN_HALF
    return Threshold(Fraction(numerator, denominator), strict=False)


def settings_from_form(form) -> Settings:
    """The settings the form gives, or BallotRefused with a message beside each bad field."""
    errors: dict[str, str] = {}
    name = (form.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the meeting a name.")
    elif problem := text_problem(name, max_length=NAME_MAX, multiline=False):
        errors["name"] = problem
    place = (form.get("place") or "").strip() or None
    if place and (problem := text_problem(place, max_length=NAME_MAX, multiline=False)):
        errors["place"] = problem
    opens_at = parse_local(form.get("opens_at"))
    closes_at = parse_local(form.get("closes_at"))
    if opens_at is None:
        errors["opens_at"] = _("Give the date and time voting opens.")
    if closes_at is None:
        errors["closes_at"] = _("Give the date and time voting closes.")
    elif opens_at is not None and closes_at <= opens_at:
        errors["closes_at"] = _("Voting must close after it opens.")
    rule = _share(form, "rule", "majority", errors)
    quorum = _share(form, "quorum", "half", errors)
    if errors:
        raise BallotRefused(errors)
    return Settings(name, place, opens_at, closes_at, rule, quorum)  # type: ignore[arg-type]


def default_settings(cluster: Cluster) -> dict[str, str]:
    """What the form shows for a new ballot: the meeting's name, a window from now."""
    start = now().replace(second=0, microsecond=0)
    year = cluster.campaign.year
    name = (
        _("Meeting to vote on emulation titles, %(year)s", year=year)
        if year
        else _("Meeting to vote on emulation titles")
    )
    return {
        "name": name,
        "opens_at": local_input(start),
        "closes_at": local_input(start + DEFAULT_WINDOW),
        "rule": "majority",
        "quorum": "half",
    }


def settings_values(ballot: Ballot) -> dict[str, str]:
    """A ballot's settings as the form's fields hold them."""
    values = {
        "name": ballot.name,
        "place": ballot.place or "",
        "opens_at": local_input(ballot.opens_at),
        "closes_at": local_input(ballot.closes_at),
    }
    for prefix, threshold in (("rule", ballot.rule), ("quorum", ballot.quorum)):
        default = "majority" if prefix == "rule" else "half"
        values[prefix] = default if threshold == MORE_THAN_HALF else "share"
        values[f"{prefix}_numerator"] = str(threshold.share.numerator)
        values[f"{prefix}_denominator"] = str(threshold.share.denominator)
    return values


def _apply(ballot: Ballot, settings: Settings) -> None:
    ballot.name = settings.name
    ballot.place = settings.place
    ballot.opens_at = settings.opens_at
    ballot.closes_at = settings.closes_at
    ballot.rule_numerator = settings.rule.share.numerator
    ballot.rule_denominator = settings.rule.share.denominator
    ballot.rule_strict = settings.rule.strict
    ballot.quorum_numerator = settings.quorum.share.numerator
    ballot.quorum_denominator = settings.quorum.share.denominator
    ballot.quorum_strict = settings.quorum.strict


def _settings_text(ballot: Ballot) -> str:
    """The settings as the audit log keeps them."""
    return "; ".join(
        (
            ballot.name,
            ballot.place or "",
            f"{fmt_datetime(ballot.opens_at)} – {fmt_datetime(ballot.closes_at)}",
            describe(ballot.rule),
            describe(ballot.quorum),
        )
    )


def create_ballot(cluster: Cluster, settings: Settings, *, actor: User) -> Ballot:
    """A draft ballot of the cluster, for its head to add items and candidates to."""
    ballot = Ballot(cluster_id=cluster.id, round=1, status=DRAFT, created_by_id=actor.id)
    _apply(ballot, settings)
    db.session.add(ballot)
    db.session.flush()
    record(
        "ballot_created", actor=actor, campaign=cluster.campaign, to_value=_settings_text(ballot)
    )
    db.session.commit()
    return ballot


def update_settings(ballot_id: int, settings: Settings, *, actor: User) -> Ballot:
    """Change a draft's meeting, window, rule or quorum."""
    ballot = _locked_draft(ballot_id)
    before = _settings_text(ballot)
    _apply(ballot, settings)
    after = _settings_text(ballot)
    if after != before:
        record(
            "ballot_changed",
            actor=actor,
            campaign=ballot.cluster.campaign,
            from_value=before,
            to_value=after,
        )
    db.session.commit()
    return ballot


# ---- items and candidates -----------------------------------------------------------------


def _item_of(ballot: Ballot, item_id: int) -> BallotItem:
    item = db.session.get(BallotItem, item_id)
    if item is None or item.ballot_id != ballot.id:
        abort(404)
    return item


def _reason(text: str | None, errors: dict[str, str]) -> str:
    reason = (text or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for this change.")
    elif problem := text_problem(reason):
        errors["reason"] = problem
    return reason


def add_item(ballot_id: int, form, *, actor: User) -> BallotItem:
    """Vote on a title for a number of seats; its candidates are the ranking's top N."""
    ballot = _locked_draft(ballot_id)
    errors: dict[str, str] = {}
    title = db.session.get(Title, bounded_int(form.get("title_id"), low=1) or 0)
    if title is None or not title.active or title.scope != COLLECTIVE:
        errors["title_id"] = _("Choose a title for collectives from the catalogue.")
    elif any(item.title_id == title.id for item in ballot.items):
        errors["title_id"] = _("This title is already on the ballot.")
    seats = bounded_int(form.get("seats"), low=1, high=MAX_SEATS)
    if seats is None:
        errors["seats"] = _(
            "Give the number of seats, a whole number from 1 to %(n)s.", n=MAX_SEATS
        )
    ranking = [m for m in cluster_ranking(ballot.cluster) if m.rank is not None]
    proposed = bounded_int(form.get("proposed"), low=0, high=MAX_SEATS)
    if proposed is None:
        errors["proposed"] = _(
            "Give how many units of the ranking to propose, a whole number from 0 to %(n)s.",
            n=MAX_SEATS,
        )
    if errors:
        raise BallotRefused(errors)
    item = BallotItem(
        ballot_id=ballot.id,
        title_id=title.id,
        seats=seats,
        position=max((i.position for i in ballot.items), default=0) + 1,
    )
    # The top N by rank: units sharing the Nth place all come in (a rank never splits).
    top = [m for m in ranking if m.rank <= proposed] if proposed else []  # type: ignore[operator]
    item.candidates = [
        BallotCandidate(
            unit_id=m.unit.id, position=n, ranking_rank=m.rank, ranking_figure=m.figure, votes=0
        )
        for n, m in enumerate(top, start=1)
    ]
    db.session.add(item)
    record(
        "ballot_item_added",
        actor=actor,
        campaign=ballot.cluster.campaign,
        to_value=_(
            "%(title)s: %(seats)s seat(s); candidates: %(units)s",
            title=title.name,
            seats=seats,
            units=", ".join(m.unit.name for m in top) or "–",
        ),
    )
    db.session.commit()
    return item


def remove_item(ballot_id: int, item_id: int, *, actor: User) -> None:
    """Take a title off a draft, with its candidates."""
    ballot = _locked_draft(ballot_id)
    item = _item_of(ballot, item_id)
    record(
        "ballot_item_removed",
        actor=actor,
        campaign=ballot.cluster.campaign,
        from_value=item.title.name,
    )
    db.session.delete(item)
    db.session.commit()


def add_candidate(ballot_id: int, item_id: int, form, *, actor: User) -> BallotCandidate:
    """Add a member unit to an item's candidates; the reason is required and logged."""
    ballot = _locked_draft(ballot_id)
    item = _item_of(ballot, item_id)
    errors: dict[str, str] = {}
    unit_id = bounded_int(form.get("unit_id"), low=1)
    member_units = {m.unit_id: m.unit for m in members(ballot.cluster)}
    unit = member_units.get(unit_id or 0)
    if unit is None:
        errors["unit_id"] = _("Choose a member unit of the cluster.")
    elif any(c.unit_id == unit.id for c in item.candidates):
        errors["unit_id"] = _("This unit is already a candidate for this title.")
    reason = _reason(form.get("reason"), errors)
    if errors:
        raise BallotRefused(errors)
    placed = {m.unit.id: m for m in cluster_ranking(ballot.cluster)}
    candidate = BallotCandidate(
        item_id=item.id,
        unit_id=unit.id,
        position=max((c.position for c in item.candidates), default=0) + 1,
        ranking_rank=placed[unit.id].rank if unit.id in placed else None,
        ranking_figure=placed[unit.id].figure if unit.id in placed else None,
        added_reason=reason,
        votes=0,
    )
    db.session.add(candidate)
    record(
        "ballot_candidate_added",
        actor=actor,
        campaign=ballot.cluster.campaign,
        to_value=f"{item.title.name}: {unit.name}",
        reason=reason,
    )
    db.session.commit()
    return candidate


def remove_candidate(ballot_id: int, candidate_id: int, form, *, actor: User) -> None:
    """Take a unit off an item's candidates; the reason is required and logged."""
    ballot = _locked_draft(ballot_id)
    candidate = db.session.get(BallotCandidate, candidate_id)
    if candidate is None or candidate.item.ballot_id != ballot.id:
        abort(404)
    errors: dict[str, str] = {}
    reason = _reason(form.get("reason"), errors)
    if errors:
        raise BallotRefused(errors)
    record(
        "ballot_candidate_removed",
        actor=actor,
        campaign=ballot.cluster.campaign,
        from_value=f"{candidate.item.title.name}: {candidate.unit.name}",
        reason=reason,
    )
    db.session.delete(candidate)
    db.session.commit()


# ---- opening ------------------------------------------------------------------------------


def member_heads(unit_ids: list[int]) -> list[User]:
    """The active heads of these units (who vote for them)."""
    found = people_by_unit(unit_ids, (HEAD,))
    return [user for unit_id in unit_ids for user in found.get(unit_id, [])]


def open_ballot(ballot_id: int, *, actor: User) -> Ballot:
    """Open a draft to the members: the roll is written, the member heads are told."""
    ballot = _locked_draft(ballot_id)
    cluster = ballot.cluster
    errors: dict[str, str] = {}
    if not ballot.items:
        errors[""] = _("Add at least one title to vote on.")
    empty = [item.title.name for item in ballot.items if not item.candidates]
    if empty:
        errors[""] = _("Every title needs a candidate: %(titles)s.", titles=", ".join(empty))
    if ballot.closes_at <= now():
        errors["closes_at"] = _("Voting must close in the future.")
    chair = leader(cluster)
    roll = members(cluster)
    if errors:
        raise BallotRefused(errors)
    # The whole roll now, in the members' name order: its ids and rows follow the members,
    # never the order in which they will vote.
    db.session.execute(delete(BallotVoter).where(BallotVoter.ballot_id == ballot.id))
    for member in roll:
        db.session.add(BallotVoter(ballot_id=ballot.id, unit_id=member.unit_id, voted=False))
    ballot.status = OPEN
    ballot.opened_at = now()
    ballot.chair_unit_id = chair.unit_id if chair is not None else None
    record(
        "ballot_opened",
        actor=actor,
        campaign=cluster.campaign,
        to_value=_settings_text(ballot),
    )
    link = f"/emulation/ballots/{ballot.id}"
    name, cluster_name, closes = ballot.name, cluster.name, ballot.closes_at
    announce(
        member_heads([m.unit_id for m in roll]),
        BALLOT_OPENED,
        link,
        lambda: _(
            "%(cluster)s opened the ballot “%(name)s”: vote for your unit by %(closes)s.",
            cluster=cluster_name,
            name=name,
            closes=fmt_datetime(closes),
        ),
        actor=actor,
    )
    db.session.commit()
    return ballot
