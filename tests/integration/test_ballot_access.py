"""Who reaches each route of the vote: every role, anonymous, another unit, another cluster.

The rule: what is not yours answers 404 (a unit outside the cluster, another cluster's head, a
member looking at a draft); a wrong role on something you see answers 403 (staff, a member
who is not the cluster head, an officer voting); the cluster head prepares, opens and closes;
each member unit's head votes.
"""

from __future__ import annotations

import pytest
from ballot_setup import build_world, cast_units, finish, open_ballot, prepared_ballot
from helpers import TEST_PASSWORD, login

from reform.services.emulation import ballots as service
from reform.services.emulation import voting

ANON = "anonymous"
STAFF = ("admin", "secretariat", "evaluator", "leader")
CHAIR = "head_ka"  # the cluster head unit's head (khối trưởng)
DEPUTY = "head_kb"  # the deputy unit's head (khối phó): a voter, not the chair
MEMBER = "head_kc"
MEMBER_OFFICER = "officer_kb"
OTHER_CLUSTER = "head_kh"  # head of cluster B
OUTSIDE_HEAD = "head"  # a unit in no cluster
OUTSIDE_OFFICER = "officer"
PEOPLE = (
    ANON,
    *STAFF,
    DEPUTY,
    MEMBER,
    MEMBER_OFFICER,
    OTHER_CLUSTER,
    OUTSIDE_HEAD,
    OUTSIDE_OFFICER,
    CHAIR,
)
NOT_THEIRS = {OTHER_CLUSTER: 404, OUTSIDE_HEAD: 404, OUTSIDE_OFFICER: 404}
SEES = {**dict.fromkeys(STAFF, 200), DEPUTY: 200, MEMBER: 200, MEMBER_OFFICER: 200, CHAIR: 200}
# Writes of the cluster head on a ballot members see: others who see it get 403.
CHAIR_WRITES = {**dict.fromkeys(STAFF, 403), DEPUTY: 403, MEMBER: 403, MEMBER_OFFICER: 403}
DRAFT_SEES = {**dict.fromkeys(STAFF, 200), DEPUTY: 404, MEMBER: 404, MEMBER_OFFICER: 404}
VOTERS = {**dict.fromkeys(STAFF, 403), MEMBER_OFFICER: 403}
# Writes on a draft: members do not see drafts (404), staff do (403).
DRAFT_WRITES = {**dict.fromkeys(STAFF, 403), DEPUTY: 404, MEMBER: 404, MEMBER_OFFICER: 404}


@pytest.fixture
def world(app, units, users, make_unit, make_user):
    return build_world(make_unit, make_user)


def _ballot(world, state: str):
    if state == "draft":
        return prepared_ballot(world)
    ballot = open_ballot(world)
    if state == "closed":
        cast_units(world, ballot, {c: {"TT-CTD-TINH": ["KB"]} for c in ("KA", "KB", "KC")})
        finish(ballot)
        voting.close_ballot(ballot.id, actor=world.head("KA"))
    return ballot


def _settings() -> dict:
    now = service.now()
    return {
        "name": "Họp",
        "opens_at": service.local_input(now),
        "closes_at": service.local_input(now.replace(year=now.year + 1)),
    }


B = "/emulation/ballots/{ballot}"
C = "/emulation/clusters/{cluster}/ballots"
# (method, url, state of the ballot, form, who gets what: a dict of the exceptions to `done`)
ROUTES = {
    "ballots.overview": ("GET", "/emulation/ballots", "open", None, {}),
    "ballots.cluster": ("GET", C, "open", None, SEES),
    "ballots.create": ("POST", C, None, "settings", CHAIR_WRITES),
    "ballots.show": ("GET", B, "open", None, SEES),
    "ballots.show_draft": ("GET", B, "draft", None, DRAFT_SEES),
    "ballots.settings": ("POST", B + "/settings", "draft", "settings", DRAFT_WRITES),
    "ballots.add_item": ("POST", B + "/items", "draft", {"seats": "1"}, DRAFT_WRITES),
    "ballots.remove_item": ("POST", B + "/items/{item}/remove", "draft", None, DRAFT_WRITES),
    "ballots.add_candidate": (
        "POST",
        B + "/items/{item}/candidates",
        "draft",
        {"reason": "x"},
        DRAFT_WRITES,
    ),
    "ballots.remove_candidate": (
        "POST",
        B + "/candidates/{candidate}/remove",
        "draft",
        {"reason": "x"},
        DRAFT_WRITES,
    ),
    "ballots.open_": ("POST", B + "/open", "draft", None, DRAFT_WRITES),
    "ballots.vote": ("POST", B + "/vote", "open", "abstain", VOTERS),
    "ballots.close": ("POST", B + "/close", "open", None, CHAIR_WRITES),
    "ballots.void": ("POST", B + "/void", "open", {"reason": "Hoãn họp"}, CHAIR_WRITES),
    "ballots.runoff": ("POST", B + "/runoff", "closed", None, CHAIR_WRITES),
    "ballots.record_page": ("GET", B + "/record", "closed", None, SEES),
    "ballots.record_pdf": ("GET", B + "/record.pdf", "closed", None, SEES),
    "ballots.record_word": ("GET", B + "/record.docx", "closed", None, SEES),
}
# Who acts (the last, once the others were refused) and what a done request may answer.
DONE = (200, 303, 409, 422)


def test_every_route_of_the_vote_is_listed(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("ballots.")}
    assert endpoints == {name for name in ROUTES if name != "ballots.show_draft"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_access(route, app, world, users):
    method, template, state, form, exceptions = ROUTES[route]
    ballot = _ballot(world, state) if state else None
    item = ballot.items[0] if ballot and ballot.items else None
    url = template.format(
        cluster=world.cluster.id,
        ballot=ballot.id if ballot else "",
        item=item.id if item else "",
        candidate=item.candidates[-1].id if item and item.candidates else "",
    )
    if form == "settings":
        data = _settings()
    elif form == "abstain":
        data = {f"item-{item.id}": "abstain"}
    else:
        data = form or {}
    for who in PEOPLE:
        client = app.test_client()
        if who != ANON:
            assert login(client, who, TEST_PASSWORD).status_code == 303
        answer = client.open(url, method=method, data=data)
        if who == ANON:
            assert answer.status_code == 302 and "/login" in answer.headers["Location"], route
            continue
        expected = exceptions.get(who) or NOT_THEIRS.get(who)
        if expected is None and route != "ballots.overview":
            # Nobody else may act: only the chair does, and a voter on the vote.
            voters = {CHAIR, DEPUTY, MEMBER}
            allowed = who in voters if route == "ballots.vote" else who == CHAIR
            assert allowed, (route, who)
        if expected is not None and route != "ballots.overview":
            assert answer.status_code == expected, (route, who, answer.status_code)
        else:
            assert answer.status_code in DONE, (route, who, answer.status_code)


def test_another_clusters_head_cannot_reach_this_clusters_ballots(app, world):
    ballot = open_ballot(world)
    client = app.test_client()
    login(client, OTHER_CLUSTER, TEST_PASSWORD)
    overview = client.get("/emulation/ballots")
    assert ballot.name not in overview.text and world.other_cluster.name in overview.text
    assert client.get(f"/emulation/ballots/{ballot.id}").status_code == 404


def test_every_unsafe_route_checks_the_csrf_token(make_app, database_url):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    for route, (method, template, *_rest) in ROUTES.items():
        if method == "POST":
            url = template.format(cluster=1, ballot=1, item=1, candidate=1)
            assert client.post(url, data={}).status_code == 400, route
