"""The ballot is secret in the database itself: nothing in any table links a unit to its choice.

The proof is by indistinguishability. The same meeting is run twice from an empty database: the
same units vote in the same order, and the choices are the same multiset, but who chose what is
swapped. Then every table of the database is read whole — every column, its rows in their
physical order (SQLite's rowid, PostgreSQL's ctid) with PostgreSQL's transaction ids (xmin,
xmax) — and the two readings are equal once times and random values (password hashes, session
tokens, receipt codes) are masked. Were any column, key order, row position or transaction id to
tie a unit to its choice, the two readings would differ. It is checked after the last vote, while
the ballot is still open, and again after closing.
"""

from __future__ import annotations

from datetime import timedelta

from ballot_setup import build_world, prepared_ballot
from flask import current_app
from helpers import TEST_PASSWORD, login
from sqlalchemy import Date, DateTime, inspect, text

from reform.extensions import db
from reform.models import Ballot
from reform.services.emulation import ballots as service

# Values that are random by design: masked, like times.
RANDOM = {
    ("users", "password_hash"),
    ("user_sessions", "token_hash"),
    ("ballot_receipts", "id"),
    ("ballot_receipts", "code_hash"),
}
# Who votes, in this order, and two ways of sharing the same choices among them.
ORDER = ("KA", "KB", "KC", "KD", "KE")
PLAIN = {"KA": ["KB"], "KB": ["KC", "KA"], "KC": ["KB", "KC"], "KD": [], "KE": ["KA"]}
SWAPPED = {"KA": ["KC", "KA"], "KB": ["KA"], "KC": [], "KD": ["KB", "KC"], "KE": ["KB"]}


def _reset() -> None:
    """Empty every table, its storage and its id counters, as a new database would be."""
    db.session.remove()
    with db.engine.begin() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            listed = ", ".join(f'"{n}"' for n in names)
            conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys = OFF"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))
            from reform.models.audit import SQLITE_TRIGGERS

            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            for trigger in SQLITE_TRIGGERS:
                conn.execute(text(trigger))
            conn.execute(text("PRAGMA foreign_keys = ON"))


def _dump() -> list:
    """Every table, every column, rows in physical order, with their transaction ids masked
    to the order in which those first appear (their numbers differ from run to run)."""
    db.session.remove()
    seen: dict[str, str] = {}

    def txid(value) -> str:
        return seen.setdefault(str(value), f"tx{len(seen)}")

    out = []
    with db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        for name in sorted(inspect(conn).get_table_names()):
            described = inspect(conn).get_columns(name)
            columns = [c["name"] for c in described]
            timed = {c["name"] for c in described if isinstance(c["type"], DateTime | Date)}
            listed = ", ".join(f'"{c}"' for c in columns)
            if postgres:
                query = f'SELECT xmin, xmax, {listed} FROM "{name}" ORDER BY ctid'
            else:
                query = f'SELECT rowid, {listed} FROM "{name}" ORDER BY rowid'
            rows = []
            for row in conn.execute(text(query)):
                values = list(row)
                head = [txid(values[0]), txid(values[1])] if postgres else [values[0]]
                body = values[2:] if postgres else values[1:]
                rows.append(
                    head
                    + [_mask(name, c, v, c in timed) for c, v in zip(columns, body, strict=True)]
                )
            out.append((name, columns, rows))
        if postgres:
            for (sequence,) in conn.execute(
                text("SELECT sequencename FROM pg_sequences ORDER BY sequencename")
            ):
                value = conn.execute(text(f'SELECT last_value FROM "{sequence}"')).scalar()
                out.append((sequence, ["last_value"], [[value]]))
    return out


def _mask(table: str, column: str, value, timed: bool):
    if (table, column) in RANDOM and value is not None:
        return "<random>"
    if timed and value is not None:
        return "<time>"
    return value


def _meeting(make_unit, make_user, choices: dict[str, list[str]], opens, closes):
    """Run the meeting from an empty database; the readings after the votes and after closing."""
    _reset()
    world = build_world(make_unit, make_user)
    ballot = prepared_ballot(
        world,
        items=(("TT-BK-TINH", 2, 3),),
        opens_at=service.local_input(opens),
        closes_at=service.local_input(closes),
    )
    app = current_app
    chair = app.test_client()
    login(chair, "head_ka", TEST_PASSWORD)
    assert chair.post(f"/emulation/ballots/{ballot.id}/open").status_code == 303
    item = ballot.items[0]
    by_unit = {c.unit.code: c.id for c in item.candidates}
    for code in ORDER:
        client = chair if code == "KA" else app.test_client()
        if code != "KA":
            login(client, f"head_{code.lower()}", TEST_PASSWORD)
        picks = [by_unit[u] for u in choices[code]] or ["abstain"]
        answer = client.post(
            f"/emulation/ballots/{ballot.id}/vote", data={f"item-{item.id}": picks}
        )
        assert answer.status_code == 200, answer.text
    while_open = _dump()
    assert chair.post(f"/emulation/ballots/{ballot.id}/close").status_code == 303
    after = _dump()
    db.session.expire_all()
    return while_open, after, db.session.get(Ballot, ballot.id)


def test_no_table_links_a_unit_to_its_choice(app, make_unit, make_user):
    start = service.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    end = start + timedelta(hours=3)
    plain_open, plain_closed, _ = _meeting(make_unit, make_user, PLAIN, start, end)
    swapped_open, swapped_closed, ballot = _meeting(make_unit, make_user, SWAPPED, start, end)
    # The meeting really ran: five ballots counted, the same totals both times.
    counts = {c.unit.code: c.votes for c in ballot.items[0].candidates}
    assert counts == {"KA": 2, "KB": 2, "KC": 2} and ballot.items[0].abstentions == 1
    tables = {name for name, _, _ in plain_closed}
    assert {"ballots", "ballot_voters", "ballot_candidates", "ballot_receipts"} <= tables
    for (name, _columns, one), (_, _, two) in zip(plain_open, swapped_open, strict=True):
        assert one == two, f"while open, {name} tells who chose what"
    for (name, _columns, one), (_, _, two) in zip(plain_closed, swapped_closed, strict=True):
        assert one == two, f"after closing, {name} tells who chose what"


def test_the_tables_of_the_vote_name_no_unit_beside_a_choice(app):
    """The schema itself: the counts never sit beside a voter, the roll never beside a choice."""
    columns = {
        name: {c["name"] for c in inspect(db.engine).get_columns(name)}
        for name in ("ballot_voters", "ballot_candidates", "ballot_items", "ballot_receipts")
    }
    assert columns["ballot_voters"] == {"id", "ballot_id", "unit_id", "voted"}
    assert columns["ballot_receipts"] == {"id", "ballot_id", "code_hash"}
    # A candidate's unit is the unit standing, not a voter; no time anywhere.
    for names in columns.values():
        assert not any(n.endswith("_at") or n.endswith("_on") for n in names)
