"""Managing users: create, roles, unit, reset password, deactivate."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD, login
from sqlalchemy import select

from reform.extensions import db
from reform.models import User


def _user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_create_user_shows_a_temporary_password_once(app, login_as, units):
    c = login_as("secretariat")
    r = c.post(
        "/admin/users/new",
        data={
            "username": "nva",
            "full_name": "Nguyễn Văn A",
            "email": "",
            "roles": ["officer"],
            "unit_id": units["own"].id,
        },
    )
    assert r.status_code == 200
    temp = re.search(r'<code id="temp-password">([^<]+)</code>', r.get_data(as_text=True)).group(1)
    user = _user("nva")
    assert user.roles == ["officer"] and user.unit_id == units["own"].id
    assert user.must_change_password
    fresh = app.test_client()
    r = fresh.post("/login", data={"username": "nva", "password": temp})
    assert r.status_code == 303 and r.headers["Location"].endswith("/account")


def test_officer_without_unit_is_refused_next_to_the_field(login_as, users):
    r = login_as("admin").post(
        "/admin/users/new",
        data={"username": "nounit", "full_name": "X", "roles": ["officer"], "unit_id": 0},
    )
    assert r.status_code == 422
    assert 'id="unit_id-error"' in r.get_data(as_text=True)
    assert _user("nounit") is None


def test_taken_username_and_missing_role(login_as, users):
    c = login_as("admin")
    r = c.post(
        "/admin/users/new",
        data={"username": "officer", "full_name": "X", "roles": ["leader"], "unit_id": 0},
    )
    assert r.status_code == 422 and 'id="username-error"' in r.get_data(as_text=True)
    r = c.post("/admin/users/new", data={"username": "norole", "full_name": "X", "unit_id": 0})
    assert r.status_code == 422 and _user("norole") is None


def test_only_an_admin_grants_admin(login_as, users):
    r = login_as("secretariat").post(
        "/admin/users/new",
        data={"username": "sneaky", "full_name": "X", "roles": ["admin"], "unit_id": 0},
    )
    assert r.status_code == 422 and _user("sneaky") is None
    r = login_as("secretariat").post(f"/admin/users/{users['admin'].id}/reset-password")
    assert r.status_code == 404
    r = login_as("admin").post(
        "/admin/users/new",
        data={"username": "admin2", "full_name": "X", "roles": ["admin"], "unit_id": 0},
    )
    assert r.status_code == 200 and _user("admin2").roles == ["admin"]


def test_edit_roles_and_unit(login_as, users, units):
    officer = users["other_officer"]
    r = login_as("admin").post(
        f"/admin/users/{officer.id}/edit",
        data={
            "username": "ignored",
            "full_name": "Trần B",
            "email": "b@example.vn",
            "roles": ["officer", "head"],
            "unit_id": units["ward"].id,
        },
    )
    assert r.status_code == 303
    user = _user("other_officer")
    assert user.roles == ["head", "officer"] and user.unit_id == units["ward"].id
    assert user.full_name == "Trần B"


def test_reset_password_ends_sessions(app, login_as, users):
    victim = login_as("officer")
    r = login_as("admin").post(f"/admin/users/{users['officer'].id}/reset-password")
    assert r.status_code == 200
    assert victim.get("/account").status_code == 302
    temp = re.search(r'<code id="temp-password">([^<]+)</code>', r.get_data(as_text=True)).group(1)
    assert login(app.test_client(), "officer", temp).status_code == 303


def test_deactivate_signs_the_user_out(login_as, users):
    victim = login_as("officer")
    c = login_as("admin")
    assert (
        c.post(f"/admin/users/{users['officer'].id}/active", data={"active": "0"}).status_code
        == 303
    )
    assert victim.get("/account").status_code == 302
    assert not _user("officer").active
    c.post(f"/admin/users/{users['officer'].id}/active", data={"active": "1"})
    assert _user("officer").active


def test_cannot_deactivate_oneself(login_as, users):
    c = login_as("admin")
    c.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"})
    assert _user("admin").active


def test_user_search(login_as, users):
    c = login_as("admin")
    html = c.get("/admin/users?role=officer", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "other_officer" in html and "<html" not in html
    assert "leader" not in html and "evaluator" not in html
    html = c.get("/admin/users?q=other").get_data(as_text=True)
    assert "other_officer" in html and ">officer<" not in html


ADMIN_ACCOUNT_ACTIONS = (
    ("GET", "/admin/users/{id}/edit", None),
    ("POST", "/admin/users/{id}/edit", {"full_name": "Renamed", "roles": ["admin"], "unit_id": 0}),
    ("POST", "/admin/users/{id}/reset-password", None),
    ("POST", "/admin/users/{id}/active", {"active": "0"}),
)
# Only administrators reach an administrator's account; to the secretariat it does not exist.
ADMIN_ACCOUNT_ANSWERS = {
    "anonymous": (302,),
    "admin": (200, 303),
    "secretariat": (404,),
    "evaluator": (403,),
    "leader": (403,),
    "head": (403,),
    "officer": (403,),
}


@pytest.mark.parametrize("action", ADMIN_ACCOUNT_ACTIONS, ids=lambda a: f"{a[0]} {a[1]}")
@pytest.mark.parametrize("who", sorted(ADMIN_ACCOUNT_ANSWERS))
def test_only_administrators_reach_an_administrators_account(app, users, make_user, who, action):
    method, url, data = action
    # Another administrator, so the admin's own-account rules (no self-deactivation) stay apart.
    target = make_user("admin2", ["admin"])
    client = app.test_client()
    if who != "anonymous":
        assert login(client, who, TEST_PASSWORD).status_code == 303
    r = client.open(url.format(id=target.id), method=method, data=data)
    assert r.status_code in ADMIN_ACCOUNT_ANSWERS[who]
    if who == "anonymous":
        assert "/login" in r.headers["Location"]
    if who != "admin":
        changed = _user("admin2")
        assert changed.active and changed.full_name == "Admin2" and not changed.must_change_password


def test_the_secretariat_still_manages_other_accounts(login_as, users):
    c = login_as("secretariat")
    officer = users["other_officer"]
    assert c.get(f"/admin/users/{officer.id}/edit").status_code == 200
    assert c.post(f"/admin/users/{officer.id}/reset-password").status_code == 200
    assert c.post(f"/admin/users/{officer.id}/active", data={"active": "0"}).status_code == 303
    assert not _user("other_officer").active


def test_administrators_are_listed_to_administrators_only(login_as, users, make_user):
    chief = make_user("chief", ["admin", "leader"], full_name="Quản trị kiêm lãnh đạo")
    admins = (users["admin"], chief)
    for url in ("/admin/users", "/admin/users?q=chief", "/admin/users?role=admin"):
        seen = login_as("secretariat").get(url).get_data(as_text=True)
        for admin in admins:
            assert f"/admin/users/{admin.id}/edit" not in seen, url
            assert admin.full_name not in seen, url
    seen = login_as("secretariat").get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{users['other_officer'].id}/edit" in seen
    assert 'option value="admin"' not in seen
    seen = login_as("admin").get("/admin/users").get_data(as_text=True)
    for admin in admins:
        assert f"/admin/users/{admin.id}/edit" in seen and admin.full_name in seen
    assert 'option value="admin"' in seen
