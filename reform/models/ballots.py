"""The vote of a cluster meeting (bình xét, suy tôn): ballots, items, candidates, roll, receipts.

Secrecy by construction. No individual ballot is ever stored. Casting a unit's ballot does, in
one transaction: flag the unit on the roll (`ballot_voters`: ballot, unit, voted; no time), add
one to the count of every candidate it chose and of every item it abstained on, and store the
hash of a random receipt code (`ballot_receipts`: random primary key, hash, no time). The roll
and the counts share no key, and nothing on the side of the counts names a unit or a time.

The database's own bookkeeping could still order rows (PostgreSQL's transaction id `xmin` and
physical position `ctid`, SQLite's rowid), so:
- every vote rewrites every counter of the ballot (its chosen ones + 1, the others + 0): the
  transaction and position of a counter row say that some vote happened, never which it chose;
- the roll is written in full when the ballot opens (one row per member, not voted), so its
  ids and insertion order are the members', not the voters' order;
- receipts carry a random primary key;
- closing the ballot rewrites the counters and deletes and rewrites the roll (by unit) and the
  receipts (by hash) in the closing transaction, so no row keeps a vote's transaction id or
  position.

What this does not protect against (the user guide says so too): someone who can watch the
database live while the ballot is open (reading the counters between two votes, or the server's
memory, logs of statements or the write-ahead log), or a superuser reading dead row versions
before the database reclaims them. Counts are hidden in the application, from every role, until
the ballot is closed; they are in the tables, so a database reader can see running totals.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reform.extensions import db
from reform.models.emulation import Cluster
from reform.models.titles import Title
from reform.models.types import Figure
from reform.models.units import Unit
from reform.models.users import User
from reform.scoring.ballot import Threshold

# A ballot's life: the cluster head prepares it (draft), opens it to the members (open; votes
# are taken between opens_at and closes_at), then closes it as valid (closed) or void.
DRAFT = "draft"
OPEN = "open"
CLOSED = "closed"
VOID = "void"
STATUSES = (DRAFT, OPEN, CLOSED, VOID)


class Ballot(db.Model):
    """One round of voting at a cluster meeting: its items, rule, quorum and voting window."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    # A second round breaks the tie of the round before it.
    round: Mapped[int] = mapped_column(default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    place: Mapped[str | None] = mapped_column(String(300))
    # The voting window, naive UTC like every stored time; the server refuses votes outside it.
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # The rule a candidate's count must meet, as a share of the members: more than (strict)
    # or at least. Default: more than half.
    rule_numerator: Mapped[int] = mapped_column(default=1)
    rule_denominator: Mapped[int] = mapped_column(default=2)
    rule_strict: Mapped[bool] = mapped_column(Boolean, default=True)
    # The turnout needed to close the ballot as valid, the same way. Default: more than half.
    quorum_numerator: Mapped[int] = mapped_column(default=1)
    quorum_denominator: Mapped[int] = mapped_column(default=2)
    quorum_strict: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(8), default=DRAFT)
    void_reason: Mapped[str | None] = mapped_column(Text)
    # The unit that chairs the meeting: the cluster's head unit when the ballot opened.
    chair_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cluster: Mapped[Cluster] = relationship()
    chair_unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    items: Mapped[list[BallotItem]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotItem.position"
    )

    @property
    def rule(self) -> Threshold:
        """The share of the members a candidate's count must meet."""
        return Threshold(Fraction(self.rule_numerator, self.rule_denominator), self.rule_strict)

    @property
    def quorum(self) -> Threshold:
        """The share of the members who must vote for the ballot to be valid."""
        return Threshold(
            Fraction(self.quorum_numerator, self.quorum_denominator), self.quorum_strict
        )

    def __repr__(self) -> str:
        return f"<Ballot {self.id} round {self.round}>"


class BallotItem(db.Model):
    """A title voted on in a ballot, with its number of seats and its abstention count."""

    __tablename__ = "ballot_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"))
    seats: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    # Ballots that named no candidate for this item (a counter; see the module's docstring).
    abstentions: Mapped[int] = mapped_column(default=0)

    ballot: Mapped[Ballot] = relationship(back_populates="items")
    title: Mapped[Title] = relationship()
    candidates: Mapped[list[BallotCandidate]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="BallotCandidate.position"
    )


class BallotCandidate(db.Model):
    """A unit standing for an item, with its vote count (a counter, never a ballot)."""

    __tablename__ = "ballot_candidates"
    __table_args__ = (UniqueConstraint("item_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_items.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    position: Mapped[int] = mapped_column(default=0)
    # Where it came from: its rank and figure in the cluster's ranking when proposed from it.
    ranking_rank: Mapped[int | None]
    ranking_figure: Mapped[Decimal | None] = mapped_column(Figure())
    # Why the cluster head added it by hand (None for a candidate proposed by the ranking).
    added_reason: Mapped[str | None] = mapped_column(Text)
    votes: Mapped[int] = mapped_column(default=0)

    item: Mapped[BallotItem] = relationship(back_populates="candidates")
    unit: Mapped[Unit] = relationship()


class BallotVoter(db.Model):
    """The roll: a member unit of the ballot and whether it voted (no time, no choice)."""

    __tablename__ = "ballot_voters"
    __table_args__ = (UniqueConstraint("ballot_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    voted: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit] = relationship()


class BallotReceipt(db.Model):
    """The hash of a receipt code given to a voter: proof its ballot was counted, nothing more."""

    __tablename__ = "ballot_receipts"

    # Random, so the key does not tell in which order ballots were cast.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
