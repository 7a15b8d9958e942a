"""Votes that really race: a threaded live server, a unit's heads voting at once from many
sessions while the other units vote too. One ballot per unit is counted; no count is lost."""

from __future__ import annotations

import re
import threading
from collections import Counter

from ballot_setup import build_world, open_ballot
from helpers import TEST_PASSWORD
from live import Browser, live_server
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Ballot, BallotCandidate, BallotReceipt
from reform.services.emulation import voting

SESSIONS_PER_HEAD = 3


def test_a_unit_votes_once_however_many_sessions_race(app, units, make_unit, make_user):
    world = build_world(make_unit, make_user)
    # Sở Cúc has three heads, each signed in three times: nine sessions racing for one ballot.
    racers = ["head_kc"] + [
        make_user(f"head_kc{n}", ["head"], world.units["KC"]).username for n in (2, 3)
    ]
    ballot = open_ballot(world)
    item = ballot.items[0]
    candidate = {c.unit.code: c.id for c in item.candidates}
    clients = [(name, candidate["KB"]) for name in racers for _ in range(SESSIONS_PER_HEAD)]
    clients += [(f"head_{code}", candidate["KC"]) for code in ("ka", "kb", "kd", "ke")]
    start = threading.Barrier(len(clients))
    answers: list[tuple[str, int, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def run(base: str, username: str, choice: int) -> None:
        try:
            browser = Browser(base)
            browser.sign_in(username, TEST_PASSWORD)
            start.wait(timeout=30)
            answer = browser.post(
                f"/emulation/ballots/{ballot.id}/vote", {f"item-{item.id}": str(choice)}
            )
            with lock:
                answers.append((username, answer.status, answer.text))
        except BaseException as failed:  # reported to the test thread below
            failures.append(failed)

    with live_server(app) as base:
        threads = [threading.Thread(target=run, args=(base, *client)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    racing = Counter(status for name, status, _ in answers if name.startswith("head_kc"))
    assert racing == {200: 1, 409: len(racers) * SESSIONS_PER_HEAD - 1}, racing
    others = Counter(status for name, status, _ in answers if not name.startswith("head_kc"))
    assert others == {200: 4}, others
    receipts = [
        re.search(r'id="receipt-code">([0-9A-Z-]+)<', text).group(1)
        for _, status, text in answers
        if status == 200
    ]

    db.session.expire_all()
    stored = db.session.get(Ballot, ballot.id)
    assert voting.turnout(stored) == (5, 5)
    votes = {
        c.unit.code: c.votes
        for c in db.session.scalars(
            select(BallotCandidate).where(BallotCandidate.item_id == item.id)
        )
    }
    # Sở Cúc's one ballot for Sở Bảo, the four others for Sở Cúc: not one count lost.
    assert votes["KB"] == 1 and votes["KC"] == 4 and sum(votes.values()) == 5
    assert db.session.scalar(select(func.count()).select_from(BallotReceipt)) == 5
    assert len(set(receipts)) == 5
    cast_events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ballot_vote_cast")
    )
    assert cast_events == 5
