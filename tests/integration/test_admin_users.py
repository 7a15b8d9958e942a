"""Managing users: create, roles, unit, reset password, deactivate."""

from __future__ import annotations

import re

from helpers import login
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
    assert r.status_code == 303
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
