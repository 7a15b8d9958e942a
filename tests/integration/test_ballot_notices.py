"""Closing a ballot hands the members their next step: a valid close tells every member unit's
head the results are out (to check its receipt), a void close tells them why; the chair who
closes is not told of their own step, and another cluster hears nothing."""

from __future__ import annotations

import pytest
from ballot_setup import build_world, cast_units, finish, open_ballot
from helpers import TEST_PASSWORD, login
from sqlalchemy import select

from reform.extensions import db
from reform.models import Notification
from reform.services.emulation import ballots as service


@pytest.fixture
def world(app, units, users, make_unit, make_user):
    return build_world(make_unit, make_user)


def _told(kind: str) -> dict[int, Notification]:
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
    return {n.user_id: n for n in rows}


def _chair(app, world):
    client = app.test_client()
    assert login(client, world.head("KA").username, TEST_PASSWORD).status_code == 303
    return client


def test_a_valid_close_tells_every_member_head_to_read_the_results(app, world):
    ballot = open_ballot(world)
    cast_units(world, ballot, {c: {"TT-CTD-TINH": ["KB"]} for c in ("KA", "KB", "KC")})
    finish(ballot)
    assert _chair(app, world).post(f"/emulation/ballots/{ballot.id}/close").status_code == 303
    db.session.rollback()
    told = _told(service.BALLOT_CLOSED)
    # Those who voted and those absent alike; not the chair, not the other cluster.
    assert set(told) == {world.head(c).id for c in ("KB", "KC", "KD", "KE")}
    notice = told[world.head("KD").id]
    assert notice.link == f"/emulation/ballots/{ballot.id}"
    assert ballot.name in notice.message and "biên nhận" in notice.message


def test_a_void_close_tells_the_members_why_and_a_refused_close_tells_nobody(app, world):
    ballot = open_ballot(world)
    cast_units(world, ballot, {"KB": {"TT-CTD-TINH": ["KB"]}})
    finish(ballot)
    chair = _chair(app, world)
    assert chair.post(f"/emulation/ballots/{ballot.id}/close").status_code == 422
    db.session.rollback()
    assert _told(service.BALLOT_CLOSED) == {}
    voided = chair.post(f"/emulation/ballots/{ballot.id}/void", data={"reason": "Không đủ túc số"})
    assert voided.status_code == 303
    db.session.rollback()
    told = _told(service.BALLOT_VOID)
    assert set(told) == {world.head(c).id for c in ("KB", "KC", "KD", "KE")}
    assert "Không đủ túc số" in told[world.head("KE").id].message
