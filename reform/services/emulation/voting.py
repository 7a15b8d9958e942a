"""The vote itself: casting a unit's secret ballot, closing (valid or void), the results, the
receipts and the second round after a tie. Why nothing here can link a unit to its choices is
told in `reform.models.ballots`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, insert, select, update

from reform.extensions import db
from reform.models import (
    Ballot,
    BallotCandidate,
    BallotItem,
    BallotReceipt,
    BallotVoter,
    Unit,
    User,
)
from reform.models.ballots import CLOSED, DRAFT, OPEN, VOID
from reform.models.users import HEAD
from reform.scoring.ballot import ItemResult, overvoted, quorum_met, tally_item
from reform.services.audit import record
from reform.services.emulation.ballots import (
    BALLOT_ALL_VOTED,
    BALLOT_CLOSED,
    BALLOT_VOID,
    BallotRefused,
    locked_ballot,
    member_heads,
    now,
    voting_open,
)
from reform.services.notices import announce
from reform.services.units import UNIT_ORDER
from reform.validation import bounded_int, text_problem

# Receipt codes: 12 characters of Crockford's base 32 (no I, L, O, U), about 60 random bits.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12
# How much of a receipt's hash the published list shows (enough to tell receipts apart).
FINGERPRINT_LENGTH = 12
ABSTAIN = "abstain"


class AlreadyVoted(Exception):
    """The unit's ballot was already cast: a second one is refused."""


# ---- the roll -----------------------------------------------------------------------------


def roll(ballot: Ballot) -> list[BallotVoter]:
    """The ballot's voter roll (units loaded), in the Vietnamese order of the units' names."""
    return list(
        db.session.scalars(
            select(BallotVoter)
            .join(Unit, Unit.id == BallotVoter.unit_id)
            .where(BallotVoter.ballot_id == ballot.id)
            .order_by(*UNIT_ORDER)
        )
    )


def turnout(ballot: Ballot) -> tuple[int, int]:
    """(units that voted, units on the roll)."""
    voted, total = db.session.execute(
        select(
            func.count().filter(BallotVoter.voted.is_(True)),
            func.count(),
        ).where(BallotVoter.ballot_id == ballot.id)
    ).one()
    return int(voted or 0), int(total or 0)


def voter_of(ballot: Ballot, user: User) -> BallotVoter | None:
    """The roll row the user votes for: their unit's, when they are its head."""
    if not user.is_authenticated or user.unit_id is None or not user.has_role(HEAD):
        return None
    return db.session.scalar(
        select(BallotVoter).where(
            BallotVoter.ballot_id == ballot.id, BallotVoter.unit_id == user.unit_id
        )
    )


# ---- casting ------------------------------------------------------------------------------


def choices_from_form(ballot: Ballot, form) -> dict[int, list[int]]:
    """The candidates chosen per item (none: abstention), or BallotRefused beside the item."""
    picks: dict[int, list[int]] = {}
    errors: dict[str, str] = {}
    for item in ballot.items:
        field = f"item-{item.id}"
        raw = [value for value in form.getlist(field) if value != ABSTAIN]
        known = {c.id for c in item.candidates}
        chosen = [bounded_int(value, low=1) for value in raw]
        if any(c not in known for c in chosen) or len(set(chosen)) != len(chosen):
            errors[field] = _("Choose among this title's candidates.")
        elif overvoted(len(chosen), item.seats):
            errors[field] = _(
                "Choose at most %(n)s candidates for this title, or none to abstain.",
                n=item.seats,
            )
        picks[item.id] = [c for c in chosen if c is not None]
    if errors:
        raise BallotRefused(errors)
    return picks


def receipt_hash(code: str) -> str:
    """The stored form of a receipt code (its SHA-256), after tidying what the voter typed."""
    return hashlib.sha256(normalise_receipt(code).encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    """A receipt as typed ("k7qd-9xpm 4tab", O for 0, I or L for 1) in its canonical letters."""
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return text.replace("O", "0").replace("I", "1").replace("L", "1")


def _new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[n : n + 4] for n in range(0, RECEIPT_LENGTH, 4))


def cast(ballot_id: int, picks: Mapping[int, list[int]], *, actor: User) -> str:
    """Cast the actor's unit's ballot and return its receipt code (shown once, kept only hashed).

    One transaction: the ballot's row is held, the unit's roll flag is set by a compare-and-set
    (a second ballot of the unit is refused even if two arrive at once), every counter of the
    ballot is rewritten (the chosen + 1, the others + 0) and the receipt's hash is stored.
    """
    ballot = locked_ballot(ballot_id)
    if ballot is None:
        abort(404)
    if not voting_open(ballot):
        raise BallotRefused(
            {
                "": _(
                    "Voting is not open: the server takes votes only between the opening and "
                    "closing times."
                )
            }
        )
    voter = voter_of(ballot, actor)
    if voter is None:
        abort(403)
    flagged = db.session.execute(
        update(BallotVoter)
        .where(
            BallotVoter.ballot_id == ballot.id,
            BallotVoter.unit_id == voter.unit_id,
            BallotVoter.voted.is_(False),
        )
        .values(voted=True)
        .execution_options(synchronize_session=False)
    )
    if flagged.rowcount != 1:
        raise AlreadyVoted()
    items = list(db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == ballot.id)))
    chosen = [cid for item in items for cid in picks.get(item.id, [])]
    abstained = [item.id for item in items if not picks.get(item.id)]
    db.session.execute(
        update(BallotCandidate)
        .where(BallotCandidate.item_id.in_([item.id for item in items]))
        .values(votes=BallotCandidate.votes + case((BallotCandidate.id.in_(chosen), 1), else_=0))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(BallotItem)
        .where(BallotItem.ballot_id == ballot.id)
        .values(
            abstentions=BallotItem.abstentions + case((BallotItem.id.in_(abstained), 1), else_=0)
        )
        .execution_options(synchronize_session=False)
    )
    code = _new_receipt()
    db.session.execute(
        insert(BallotReceipt).values(
            id=secrets.token_hex(16), ballot_id=ballot.id, code_hash=receipt_hash(code)
        )
    )
    campaign = ballot.cluster.campaign
    record("ballot_vote_cast", actor=actor, campaign=campaign, to_value=ballot.name)
    voted, total = turnout(ballot)
    if voted == total:
        _tell_chair_everyone_voted(ballot, actor)
    db.session.commit()
    return code


def _tell_chair_everyone_voted(ballot: Ballot, actor: User) -> None:
    if ballot.chair_unit_id is None:
        return
    name = ballot.name
    announce(
        member_heads([ballot.chair_unit_id]),
        BALLOT_ALL_VOTED,
        f"/emulation/ballots/{ballot.id}",
        lambda: _("Every member has voted on “%(name)s”: you can close the ballot.", name=name),
        actor=actor,
    )


# ---- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateResult:
    """A candidate's count and what it gave."""

    candidate: BallotCandidate
    votes: int
    qualified: bool
    elected: bool
    runoff: bool


@dataclass(frozen=True)
class ItemOutcome:
    """An item's counts and outcome."""

    item: BallotItem
    candidates: list[CandidateResult]
    abstentions: int
    outcome: ItemResult[int]

    @property
    def elected(self) -> list[CandidateResult]:
        return [c for c in self.candidates if c.elected]

    @property
    def runoff(self) -> list[CandidateResult]:
        return [c for c in self.candidates if c.runoff]


@dataclass(frozen=True)
class Results:
    """A closed ballot's figures: members, turnout, quorum and every item's outcome."""

    ballot: Ballot
    members: int
    voted: int
    quorum_met: bool
    items: list[ItemOutcome]

    @property
    def absent(self) -> int:
        return self.members - self.voted

    @property
    def needs_runoff(self) -> bool:
        return any(item.outcome.runoff for item in self.items)


def counts_visible(ballot: Ballot) -> bool:
    """Counts are shown to nobody, admin included, until the ballot is closed as valid."""
    return ballot.status == CLOSED


def results(ballot: Ballot) -> Results:
    """The tally of a closed ballot by the core's rule; refused while it is not closed."""
    if not counts_visible(ballot):
        raise PermissionError("the counts of a ballot are hidden until it is closed")
    voted, total = turnout(ballot)
    outcomes = []
    for item in ballot.items:
        outcome = tally_item(
            [(c.id, c.votes) for c in item.candidates],
            seats=item.seats,
            members=max(total, 1),
            rule=ballot.rule,
        )
        qualified, elected, runoff = (
            set(outcome.qualified),
            set(outcome.elected),
            set(outcome.runoff),
        )
        rows = [
            CandidateResult(c, c.votes, c.id in qualified, c.id in elected, c.id in runoff)
            for c in item.candidates
        ]
        rows.sort(key=lambda row: -row.votes)  # stable: equal counts keep the listed order
        outcomes.append(ItemOutcome(item, rows, item.abstentions, outcome))
    return Results(ballot, total, voted, quorum_met(voted, total, ballot.quorum), outcomes)


# ---- closing ------------------------------------------------------------------------------


def _locked_open(ballot_id: int) -> Ballot:
    ballot = locked_ballot(ballot_id)
    if ballot is None:
        abort(404)
    if ballot.status != OPEN:
        raise BallotRefused({"": _("This ballot is not open.")})
    return ballot


def _erase_order(ballot: Ballot) -> None:
    """Rewrite the roll, the counters and the receipts in this (closing) transaction, so that
    no row keeps the transaction id, position or key order of the vote that last wrote it."""
    voters = list(
        db.session.execute(
            select(BallotVoter.unit_id, BallotVoter.voted)
            .where(BallotVoter.ballot_id == ballot.id)
            .order_by(BallotVoter.unit_id)
        )
    )
    db.session.execute(delete(BallotVoter).where(BallotVoter.ballot_id == ballot.id))
    if voters:
        db.session.execute(
            insert(BallotVoter),
            [{"ballot_id": ballot.id, "unit_id": u, "voted": v} for u, v in voters],
        )
    receipts = list(
        db.session.scalars(
            select(BallotReceipt.code_hash)
            .where(BallotReceipt.ballot_id == ballot.id)
            .order_by(BallotReceipt.code_hash)
        )
    )
    db.session.execute(delete(BallotReceipt).where(BallotReceipt.ballot_id == ballot.id))
    if receipts:
        db.session.execute(
            insert(BallotReceipt),
            [
                {"id": secrets.token_hex(16), "ballot_id": ballot.id, "code_hash": h}
                for h in receipts
            ],
        )
    item_ids = select(BallotItem.id).where(BallotItem.ballot_id == ballot.id)
    db.session.execute(
        update(BallotCandidate)
        .where(BallotCandidate.item_id.in_(item_ids))
        .values(votes=BallotCandidate.votes + 0)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(BallotItem)
        .where(BallotItem.ballot_id == ballot.id)
        .values(abstentions=BallotItem.abstentions + 0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def close_ballot(ballot_id: int, *, actor: User) -> Ballot:
    """Close the ballot as valid: after its closing time (or once every member voted), and only
    with the quorum; the counts become visible."""
    ballot = _locked_open(ballot_id)
    voted, total = turnout(ballot)
    if now() < ballot.closes_at and voted < total:
        raise BallotRefused(
            {
                "": _(
                    "Voting is still open and not every member has voted: wait for the closing "
                    "time."
                )
            }
        )
    if not quorum_met(voted, total, ballot.quorum):
        raise BallotRefused(
            {
                "": _(
                    "Turnout %(voted)s of %(total)s is under the quorum: the ballot cannot be "
                    "closed as valid. Close it as void, with the reason.",
                    voted=voted,
                    total=total,
                )
            }
        )
    _erase_order(ballot)
    ballot = db.session.get(Ballot, ballot_id)
    ballot.status = CLOSED
    ballot.closed_at = now()
    ballot.closed_by_id = actor.id
    record(
        "ballot_closed",
        actor=actor,
        campaign=ballot.cluster.campaign,
        to_value=_("%(voted)s of %(total)s members voted", voted=voted, total=total),
    )
    name, cluster_name = ballot.name, ballot.cluster.name
    # The members' next step: read the results and check their receipt is in the count.
    _tell_the_roll(
        ballot,
        BALLOT_CLOSED,
        lambda: _(
            "%(cluster)s closed the ballot “%(name)s”: the results and the meeting record are "
            "published. Check that your unit's receipt is counted.",
            cluster=cluster_name,
            name=name,
        ),
        actor,
    )
    db.session.commit()
    return ballot


def _tell_the_roll(ballot: Ballot, kind: str, message, actor: User) -> None:
    """Tell the heads of every unit on the ballot's roll (voted or not), but the actor."""
    units = list(
        db.session.scalars(select(BallotVoter.unit_id).where(BallotVoter.ballot_id == ballot.id))
    )
    announce(member_heads(units), kind, f"/emulation/ballots/{ballot.id}", message, actor=actor)


def void_ballot(ballot_id: int, form, *, actor: User) -> Ballot:
    """Close a draft or open ballot as void, with the reason; its counts are never shown."""
    ballot = locked_ballot(ballot_id)
    if ballot is None:
        abort(404)
    if ballot.status not in (DRAFT, OPEN):
        raise BallotRefused({"": _("This ballot is already closed.")})
    reason = (form.get("reason") or "").strip()
    if not reason:
        raise BallotRefused({"void_reason": _("Give the reason the ballot is void.")})
    if problem := text_problem(reason):
        raise BallotRefused({"void_reason": problem})
    _erase_order(ballot)
    ballot = db.session.get(Ballot, ballot_id)
    ballot.status = VOID
    ballot.void_reason = reason
    ballot.closed_at = now()
    ballot.closed_by_id = actor.id
    record("ballot_voided", actor=actor, campaign=ballot.cluster.campaign, reason=reason)
    name, cluster_name = ballot.name, ballot.cluster.name
    _tell_the_roll(
        ballot,
        BALLOT_VOID,
        lambda: _(
            "%(cluster)s closed the ballot “%(name)s” as void: %(reason)s",
            cluster=cluster_name,
            name=name,
            reason=reason,
        ),
        actor,
    )
    db.session.commit()
    return ballot


# ---- receipts -----------------------------------------------------------------------------


def fingerprint(code_hash: str) -> str:
    """The part of a receipt's hash the published list shows, in groups of four."""
    short = code_hash[:FINGERPRINT_LENGTH].upper()
    return " ".join(short[n : n + 4] for n in range(0, len(short), 4))


def counted_receipts(ballot: Ballot) -> list[str]:
    """The fingerprints of every receipt counted in a closed ballot, sorted."""
    if ballot.status not in (CLOSED, VOID):
        return []
    hashes = db.session.scalars(
        select(BallotReceipt.code_hash)
        .where(BallotReceipt.ballot_id == ballot.id)
        .order_by(BallotReceipt.code_hash)
    )
    return [fingerprint(h) for h in hashes]


def receipt_counted(ballot: Ballot, code: str) -> bool:
    """Whether this receipt code belongs to a ballot counted in this (closed) ballot."""
    if ballot.status not in (CLOSED, VOID) or not normalise_receipt(code):
        return False
    return (
        db.session.scalar(
            select(BallotReceipt.id).where(
                BallotReceipt.ballot_id == ballot.id,
                BallotReceipt.code_hash == receipt_hash(code),
            )
        )
        is not None
    )


# ---- the second round ---------------------------------------------------------------------


def next_round(ballot: Ballot) -> Ballot | None:
    """The round opened to break this ballot's tie, if there is one."""
    return db.session.scalar(select(Ballot).where(Ballot.previous_id == ballot.id))


def start_runoff(ballot_id: int, *, actor: User) -> Ballot:
    """A new round (a draft) between the candidates tied at the last seat, for the seats left."""
    ballot = locked_ballot(ballot_id)
    if ballot is None:
        abort(404)
    if ballot.status != CLOSED:
        raise BallotRefused({"": _("Only a closed ballot can go to a second round.")})
    if next_round(ballot) is not None:
        raise BallotRefused({"": _("The next round of this ballot already exists.")})
    found = results(ballot)
    if not found.needs_runoff:
        raise BallotRefused({"": _("No tie at the last seat: there is no second round to hold.")})
    window = ballot.closes_at - ballot.opens_at
    start = now().replace(second=0, microsecond=0)
    runoff = Ballot(
        cluster_id=ballot.cluster_id,
        round=ballot.round + 1,
        previous_id=ballot.id,
        name=ballot.name,
        place=ballot.place,
        opens_at=start,
        closes_at=start + window,
        rule_numerator=ballot.rule_numerator,
        rule_denominator=ballot.rule_denominator,
        rule_strict=ballot.rule_strict,
        quorum_numerator=ballot.quorum_numerator,
        quorum_denominator=ballot.quorum_denominator,
        quorum_strict=ballot.quorum_strict,
        status=DRAFT,
        created_by_id=actor.id,
    )
    for position, outcome in enumerate((o for o in found.items if o.outcome.runoff), start=1):
        item = BallotItem(
            title_id=outcome.item.title_id,
            seats=outcome.outcome.runoff_seats,
            position=position,
        )
        item.candidates = [
            BallotCandidate(
                unit_id=row.candidate.unit_id,
                position=n,
                ranking_rank=row.candidate.ranking_rank,
                ranking_figure=row.candidate.ranking_figure,
                votes=0,
            )
            for n, row in enumerate(outcome.runoff, start=1)
        ]
        runoff.items.append(item)
    db.session.add(runoff)
    record(
        "ballot_runoff",
        actor=actor,
        campaign=ballot.cluster.campaign,
        to_value=_("Round %(n)s of “%(name)s”", n=runoff.round, name=runoff.name),
    )
    db.session.commit()
    return runoff
