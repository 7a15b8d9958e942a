"""Signing in and out, passwords, sessions, rate limit."""

from __future__ import annotations

from helpers import TEST_PASSWORD, login

from reform.extensions import db


def test_login_lands_on_the_role_home(client, users):
    response = login(client, "officer")
    assert response.status_code == 303
    assert client.get("/").headers["Location"].endswith("/home/officer")
    page = client.get("/home/officer")
    assert page.status_code == 200
    assert "Sở Tư pháp" in page.get_data(as_text=True)


def test_user_with_several_roles_sees_each_home(client, make_user, units):
    make_user("multi", ["leader", "evaluator"])
    login(client, "multi")
    assert client.get("/").headers["Location"].endswith("/home/evaluator")
    assert client.get("/home/leader").status_code == 200
    assert client.get("/home/admin").status_code == 403
    assert client.get("/home/nobody").status_code == 404


def test_unknown_user_and_wrong_password_get_the_same_answer(client, users):
    unknown = client.post("/login", data={"username": "ghost", "password": "whatever1"})
    wrong = client.post("/login", data={"username": "officer", "password": "whatever1"})
    assert unknown.status_code == wrong.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace("ghost", "").replace("officer", "")  # noqa: E731
    assert strip(unknown) == strip(wrong)


def test_inactive_user_cannot_sign_in(client, users):
    users["officer"].active = False
    db.session.commit()
    assert login(client, "officer").status_code == 422


def test_username_is_not_case_sensitive(client, users):
    assert (
        client.post("/login", data={"username": "OFFICER", "password": TEST_PASSWORD}).status_code
        == 303
    )


def test_next_goes_only_to_this_site(client, users):
    for bad in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:x"):
        r = client.post(
            "/login", data={"username": "admin", "password": TEST_PASSWORD, "next": bad}
        )
        assert r.status_code == 303
        assert r.headers["Location"] == "/", bad
        client.post("/logout")
    r = client.post(
        "/login", data={"username": "admin", "password": TEST_PASSWORD, "next": "/admin/users"}
    )
    assert r.headers["Location"] == "/admin/users"


def test_login_page_keeps_next_from_the_redirect(client, users):
    r = client.get("/admin/users")
    assert r.status_code == 302 and "next=" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'value="/admin/users"' in page


def test_session_is_cleared_at_login(client, users):
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, "officer")
    with client.session_transaction() as s:
        assert "planted" not in s


def test_sessions_expire(client, users, app):
    r = login(client, "officer")
    assert "Expires=" in r.headers["Set-Cookie"]


def test_logout_ends_the_session(client, users):
    login(client, "officer")
    assert client.post("/logout").status_code == 303
    assert client.get("/home/officer").status_code == 302


def _copy_session(source, target) -> None:
    """Give target a copy of source's session cookie, as someone who copied it would."""
    cookie = source.get_cookie("reform_session")
    assert cookie is not None
    target.set_cookie("reform_session", cookie.value)


def test_logout_ends_a_copied_cookie_on_the_server(app, users, login_as):
    browser, thief = login_as("officer"), app.test_client()
    _copy_session(browser, thief)
    assert thief.get("/account").status_code == 200
    assert browser.post("/logout").status_code == 303
    assert thief.get("/account").status_code == 302
    assert thief.get("/home/officer").status_code == 302


def test_logout_leaves_the_users_other_browsers_signed_in(login_as):
    phone, desktop = login_as("officer"), login_as("officer")
    phone.post("/logout")
    assert phone.get("/account").status_code == 302
    assert desktop.get("/account").status_code == 200


def test_sign_out_everywhere_ends_copied_cookies(app, login_as):
    desktop, thief = login_as("head"), app.test_client()
    _copy_session(desktop, thief)
    desktop.post("/account/sign-out-everywhere")
    assert thief.get("/account").status_code == 302
    assert desktop.get("/account").status_code == 200


def test_the_oldest_sessions_end_beyond_the_cap(app, login_as, monkeypatch):
    from reform.services import accounts

    monkeypatch.setattr(accounts, "MAX_SESSIONS_PER_USER", 2)
    first, second, third = login_as("officer"), login_as("officer"), login_as("officer")
    assert first.get("/account").status_code == 302
    assert second.get("/account").status_code == 200
    assert third.get("/account").status_code == 200


def test_a_signed_cookie_without_its_server_session_is_refused(client, users):
    # What a cookie signed with the key but never issued at a sign-in looks like.
    officer = users["officer"]
    with client.session_transaction() as s:
        s["_user_id"] = f"{officer.id}:{officer.session_version}"
        s["_fresh"] = True
    assert client.get("/account").status_code == 302
    with client.session_transaction() as s:
        s["_session_token"] = "made-up"
    assert client.get("/account").status_code == 302


def test_password_change_ends_other_sessions(app, users, login_as):
    phone, desktop = login_as("officer"), login_as("officer")
    r = desktop.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a-new-pass-2026",
            "confirm_password": "a-new-pass-2026",
        },
    )
    assert r.status_code == 303
    assert desktop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "officer", "a-new-pass-2026").status_code == 303
    assert login(app.test_client(), "officer", TEST_PASSWORD).status_code == 422


def test_password_change_errors_show_next_to_the_field(login_as):
    c = login_as("officer")
    r = c.post(
        "/account/password",
        data={"current_password": "wrong", "new_password": "short", "confirm_password": "x"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="current_password-error"' in html or 'id="new_password-error"' in html
    assert 'aria-invalid="true"' in html


def test_sign_out_everywhere_keeps_this_session(login_as):
    phone, desktop = login_as("head"), login_as("head")
    assert desktop.post("/account/sign-out-everywhere").status_code == 303
    assert desktop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_temporary_password_forces_a_change(app, client, users):
    from reform.services.users import reset_password

    temp = reset_password(users["officer"], actor=users["admin"])
    r = client.post("/login", data={"username": "officer", "password": temp})
    assert r.status_code == 303 and r.headers["Location"].endswith("/account")
    # Until it is changed, every other page sends the user back to change it.
    assert client.get("/home/officer").headers["Location"].endswith("/account")
    r = client.post(
        "/account/password",
        data={
            "current_password": temp,
            "new_password": "mine-now-2026",
            "confirm_password": "mine-now-2026",
        },
    )
    assert r.status_code == 303
    assert client.get("/home/officer").status_code == 200


def test_repeated_failed_logins_answer_429(make_app, users):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    c = app.test_client()
    for _ in range(3):
        assert c.post("/login", data={"username": "x", "password": "wrong-pw"}).status_code == 422
    blocked = c.post("/login", data={"username": "officer", "password": TEST_PASSWORD})
    assert blocked.status_code == 429
    # Looking at the login page stays possible.
    assert c.get("/login").status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(make_app, users):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    for _ in range(4):
        c = app.test_client()
        assert login(c, "officer").status_code == 303


def test_passwords_are_stored_as_argon2id(users):
    assert users["officer"].password_hash.startswith("$argon2id$")
