"""Every route of the titles catalogue, the pledge and the registration against every role,
anonymous visitors, another unit of the same cluster and the units of another cluster.

The people (tests/emulation_world.py): `head` and `officer` of Sở Tư pháp, cluster A's head unit;
`head_syt` and `other_officer` of Sở Y tế, its deputy; `head_sgd` of Sở Giáo dục và Đào tạo, a
plain member (another unit); `head_stc` of Sở Tài chính, cluster B's head, and `head_sct` of Sở
Công Thương, a member of B (another cluster).
"""

from __future__ import annotations

import re

import pytest
from emulation_world import build_world, title_id
from helpers import TEST_PASSWORD, login

from reform.extensions import db
from reform.models import Pledge, Registration, Title, User

ANON = "anonymous"
READERS = ("admin", "secretariat", "leader")
CLUSTER_A = ("head", "officer", "head_syt", "other_officer", "head_sgd")
CLUSTER_B = ("head_stc", "head_sct")
WHO = (ANON, *READERS, "evaluator", *CLUSTER_A, *CLUSTER_B)
HEADS = ("head", "head_syt", "head_sgd", "head_stc", "head_sct")
OK = (200,)
DONE = (303,)
STAFF_403 = {"admin": 403, "secretariat": 403, "leader": 403, "evaluator": 403}


def rule(default, **answers):
    """Expected answers: anonymous to the login page, the named people as given, else default."""
    return {who: answers.get(who, default) for who in WHO} | {ANON: "login"}


MANAGERS_ONLY = rule(403, admin=OK, secretariat=OK)
PLEDGE_READ = rule(OK, evaluator=403, head_stc=404, head_sct=404)
PLEDGE_HEAD_ONLY = rule(403, head=DONE, head_stc=404, head_sct=404)
PLEDGE_SIGN = rule(403, head=DONE, head_syt=DONE, head_sgd=DONE, head_stc=404, head_sct=404)
UNIT_FORM = rule(OK, **STAFF_403)
UNIT_SAVE = rule(DONE, **STAFF_403)
HEAD_WITHDRAW = rule(DONE, **STAFF_403, officer=403, other_officer=403)
LISTS = rule(404, admin=OK, secretariat=OK, leader=OK, evaluator=403, head=OK, head_syt=OK)
LISTS = LISTS | {"head_stc": OK}
ONE_OF_CLUSTER_A = rule(
    404, admin=OK, secretariat=OK, leader=OK, evaluator=403, head=OK, head_syt=OK, head_sgd=OK
)

# route -> (method, url, state of the pledge and registrations before the request, answers)
ROUTES = {
    "titles.index": ("GET", "/emulation/titles/", None, MANAGERS_ONLY),
    "titles.new": ("GET", "/emulation/titles/new", None, MANAGERS_ONLY),
    "titles.edit": ("GET", "/emulation/titles/{title}/edit", None, MANAGERS_ONLY),
    "titles.set_active": (
        "POST",
        "/emulation/titles/{title}/active",
        None,
        rule(403, admin=DONE, secretariat=DONE),
    ),
    "pledges.index": ("GET", "/emulation/{code}/pledges", None, rule(OK, evaluator=403)),
    "pledges.page": ("GET", "/emulation/{code}/clusters/{a}/pledge", "draft", PLEDGE_READ),
    "pledges.save": ("POST", "/emulation/{code}/clusters/{a}/pledge", "draft", PLEDGE_HEAD_ONLY),
    "pledges.reopen": (
        "POST",
        "/emulation/{code}/clusters/{a}/pledge/reopen",
        "signing",
        PLEDGE_HEAD_ONLY,
    ),
    "pledges.sign": ("POST", "/emulation/{code}/clusters/{a}/pledge/sign", "signing", PLEDGE_SIGN),
    "pledges.record": (
        "GET",
        "/emulation/{code}/clusters/{a}/pledge/record",
        "signing",
        PLEDGE_READ,
    ),
    "pledges.record_pdf": (
        "GET",
        "/emulation/{code}/clusters/{a}/pledge/record.pdf",
        "signing",
        PLEDGE_READ,
    ),
    "registrations.form": ("GET", "/emulation/{code}/registration", None, UNIT_FORM),
    "registrations.save": ("POST", "/emulation/{code}/registration", None, UNIT_SAVE),
    "registrations.withdraw": (
        "POST",
        "/emulation/{code}/registration/withdraw",
        "submitted",
        HEAD_WITHDRAW,
    ),
    "registrations.index": ("GET", "/emulation/{code}/registrations", "submitted", LISTS),
    "registrations.export": ("GET", "/emulation/{code}/registrations.xlsx", "submitted", LISTS),
    "registrations.show": (
        "GET",
        "/emulation/{code}/registrations/{sgd}",
        "submitted",
        ONE_OF_CLUSTER_A,
    ),
    "registrations.deadline": (
        "GET",
        "/emulation/{code}/registration-deadline",
        None,
        MANAGERS_ONLY,
    ),
}


@pytest.fixture
def world(units, users, make_unit, make_user):
    return build_world(units, users, make_unit, make_user)


def _client(app, who: str):
    c = app.test_client()
    if who != ANON:
        assert login(c, who).status_code == 303
    return c


def _person(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


def _prepare(world, state: str | None) -> None:
    """Put the pledge of cluster A (and the registrations) in the state the route needs."""
    from reform.services.emulation import pledges, registrations

    if state == "signing":
        pledges.save_text(
            world.cluster_a, "Giao ước", base_version=0, actor=_person("head"), then_send=True
        )
    if state == "submitted":
        data = registrations.RegistrationInput(title_id("TT-LDTT"), "Chỉ tiêu", [])
        for head in HEADS:
            user = _person(head)
            registrations.save(
                world.campaign, user.unit_id, data, base_version=0, actor=user, then_submit=True
            )


def _data(route: str, who: str) -> dict:
    """A valid body for the route, as the person's own page would send it."""
    if route == "pledges.save":
        return {"version": "0", "text": "Giao ước của khối"}
    if route == "pledges.sign":
        return {"version": str(db.session.scalar(db.select(Pledge.version)))}
    if route == "registrations.save":
        return {"version": "0", "title_id": str(title_id("TT-LDTT")), "targets": "Chỉ tiêu"}
    if route == "registrations.withdraw":
        user = _person(who)
        unit_id = user.unit_id if user is not None else None
        own = db.session.scalar(
            db.select(Registration.version).where(Registration.unit_id == unit_id)
        )
        return {"version": str(own or 0)}
    if route == "titles.set_active":
        return {"active": "0"}
    return {}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("who", WHO)
def test_access(app, world, route, who):
    method, template, state, answers = ROUTES[route]
    _prepare(world, state)
    url = template.format(
        code=world.campaign.code,
        a=world.cluster_a.id,
        sgd=world.units["SGD"].id,
        title=db.session.scalar(db.select(Title.id).order_by(Title.id)),
    )
    data = _data(route, who)
    db.session.rollback()
    response = _client(app, who).open(url, method=method, data=data)
    expected = answers[who]
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        expected = (expected,) if isinstance(expected, int) else expected
        assert response.status_code in expected, (route, who, response.status_code)


def test_every_route_of_titles_pledges_and_registrations_is_in_the_table(app):
    mine = {"titles", "pledges", "registrations"}
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in mine}
    assert endpoints == set(ROUTES)


def test_another_clusters_head_reads_only_its_own_cluster(app, world):
    page = _client(app, "head_stc").get(f"/emulation/{world.campaign.code}/pledges")
    text = page.get_data(as_text=True)
    assert "Khối Kinh tế" in text and "Khối Văn hóa – Xã hội" not in text
    listing = _client(app, "head_stc").get(f"/emulation/{world.campaign.code}/registrations")
    text = listing.get_data(as_text=True)
    assert "Sở Công Thương" in text and "Sở Y tế" not in text and "Sở Tư pháp" not in text


def test_every_unsafe_request_needs_the_csrf_token(app, world):
    # CSRF is checked on every request: switched on here as in production.
    app.config["WTF_CSRF_ENABLED"] = True
    code, a = world.campaign.code, world.cluster_a.id
    title = title_id("TT-LDTT")
    posts = {
        "secretariat": [
            f"/emulation/titles/{title}/active",
            "/emulation/titles/new",
            f"/emulation/titles/{title}/edit",
            f"/emulation/{code}/registration-deadline",
        ],
        "head": [
            f"/emulation/{code}/clusters/{a}/pledge",
            f"/emulation/{code}/clusters/{a}/pledge/reopen",
            f"/emulation/{code}/clusters/{a}/pledge/sign",
            f"/emulation/{code}/registration",
            f"/emulation/{code}/registration/withdraw",
        ],
    }
    for who, urls in posts.items():
        c = app.test_client()
        page = c.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        r = c.post("/login", data={"username": who, "password": TEST_PASSWORD, "csrf_token": token})
        assert r.status_code == 303
        for url in urls:
            answer = c.post(url, data={"version": "0", "text": "x", "active": "0"})
            assert answer.status_code == 400, (who, url, answer.status_code)
    db.session.rollback()
    assert db.session.scalar(db.select(Pledge)) is None
    assert db.session.scalar(db.select(Registration)) is None
    assert db.session.get(Title, title).active is True
