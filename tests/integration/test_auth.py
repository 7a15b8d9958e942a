"""Signing in and out, passwords, sessions, rate limit."""

from __future__ import annotations

import re
import uuid

import pytest
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

    def strip(response) -> str:
        # The CSRF token is signed with the time: two requests a second apart differ there.
        page = response.get_data(as_text=True).replace("ghost", "").replace("officer", "")
        return re.sub(r'"X-CSRFToken": *"[^"]*"', "", page)

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


def _attempt(client, username: str, password: str, address: str, **extra):
    """A sign-in from a client address (REMOTE_ADDR)."""
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        **extra,
    )


def test_repeated_failures_hold_that_username_at_that_address(make_app, users):
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="100 per minute")
    c = app.test_client()
    for _ in range(2):
        assert _attempt(c, "officer", "wrong-pw", "198.51.100.7").status_code == 422
    third = _attempt(c, "officer", "wrong-pw", "198.51.100.7")
    # The failure that uses up the allowance already says how long to wait.
    assert third.status_code == 422 and "Thử lại sau" in third.get_data(as_text=True)
    # Held: even the right password is refused there, with when to try again.
    blocked = _attempt(c, "OFFICER ", TEST_PASSWORD, "198.51.100.7")
    assert blocked.status_code == 429
    wait = int(blocked.headers["Retry-After"])
    assert 1 <= wait <= 60
    html = blocked.get_data(as_text=True)
    assert re.search(r"Thử lại sau \d+ giây \(lúc \d\d:\d\d:\d\d\)", html)
    # Looking at the login page stays possible.
    assert c.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    # Someone else at the same address, and the same person elsewhere, are not held.
    assert _attempt(app.test_client(), "head", TEST_PASSWORD, "198.51.100.7").status_code == 303
    assert _attempt(app.test_client(), "officer", TEST_PASSWORD, "198.51.100.8").status_code == 303


def test_a_correct_password_passes_the_address_ceiling(make_app, users):
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="5 per minute", LOGIN_RATE_LIMIT="3 per minute")
    office, c = "192.0.2.10", app.test_client()
    # One person behind the office's NAT address fails with many usernames.
    for name in ("ghost1", "ghost2", "ghost3", "ghost4"):
        assert _attempt(c, name, "wrong-pw", office).status_code == 422
    # The others at that address still sign in with their own passwords.
    assert _attempt(app.test_client(), "officer", TEST_PASSWORD, office).status_code == 303
    assert _attempt(app.test_client(), "leader", TEST_PASSWORD, office).status_code == 303
    # Above the ceiling one failure holds that username there for the rest of the window.
    held = _attempt(c, "head", "wrong-pw", office)
    assert held.status_code == 422 and "Retry-After" in held.headers
    assert _attempt(app.test_client(), "head", TEST_PASSWORD, office).status_code == 429
    assert _attempt(app.test_client(), "head", TEST_PASSWORD, "192.0.2.11").status_code == 303


def test_the_wait_is_told_in_english_too(make_app, users):
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="1 per minute")
    c = app.test_client()
    c.set_cookie("reform_lang", "en")
    _attempt(c, "officer", "wrong-pw", "198.51.100.9")
    html = _attempt(c, "officer", TEST_PASSWORD, "198.51.100.9").get_data(as_text=True)
    assert re.search(r"Try again in \d+ seconds? \(at \d\d:\d\d:\d\d\)", html)


def test_successful_logins_do_not_count_towards_the_limit(make_app, users):
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="2 per minute")
    for _ in range(4):
        c = app.test_client()
        assert login(c, "officer").status_code == 303


def test_signing_in_forgets_the_usernames_earlier_failures(make_app, users):
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    c = app.test_client()
    for _ in range(2):
        _attempt(c, "officer", "wrong-pw", "198.51.100.20")
    assert _attempt(c, "officer", TEST_PASSWORD, "198.51.100.20").status_code == 303
    c = app.test_client()
    for _ in range(2):
        assert _attempt(c, "officer", "wrong-pw", "198.51.100.20").status_code == 422
    assert _attempt(c, "officer", TEST_PASSWORD, "198.51.100.20").status_code == 303


def _redis_url() -> str | None:
    """The local Redis when it answers, else None."""
    try:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379", socket_connect_timeout=0.5)
        client.ping()
    except Exception:
        return None
    return "redis://127.0.0.1:6379"


def test_failures_are_counted_in_the_shared_storage(make_app, users):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    prefix = f"reform-test-{uuid.uuid4().hex}"
    app = make_app(
        RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, LOGIN_ACCOUNT_RATE_LIMIT="2/minute"
    )
    shared = redis.Redis.from_url(url)
    try:
        for _ in range(2):
            _attempt(app.test_client(), "officer", "wrong-pw", "198.51.100.30")
        # Every worker process reads these same keys.
        assert shared.keys(f"*{prefix}*")
        r = _attempt(app.test_client(), "officer", TEST_PASSWORD, "198.51.100.30")
        assert r.status_code == 429
    finally:
        for key in shared.scan_iter(f"*{prefix}*"):
            shared.delete(key)


def test_sign_in_works_while_the_shared_storage_is_down(make_app, users):
    # Nothing listens on port 1: the counts fall back to this process's memory.
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1", LOGIN_ACCOUNT_RATE_LIMIT="2/minute")
    assert _attempt(app.test_client(), "head", TEST_PASSWORD, "198.51.100.40").status_code == 303
    for _ in range(2):
        _attempt(app.test_client(), "officer", "wrong-pw", "198.51.100.40")
    r = _attempt(app.test_client(), "officer", TEST_PASSWORD, "198.51.100.40")
    assert r.status_code == 429


def test_passwords_are_stored_as_argon2id(users):
    assert users["officer"].password_hash.startswith("$argon2id$")


def test_sign_in_works_with_the_limits_switched_off(make_app, users):
    from helpers import login

    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    assert login(client, "officer", "wrong password").status_code == 422  # refused, no 500
    assert login(client, "officer").status_code == 303


def test_limits_switched_off_in_one_app_stay_on_in_the_next(make_app, users):
    make_app(RATELIMIT_ENABLED=False)
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="1 per minute")
    c = app.test_client()
    c.post("/login", data={"username": "x", "password": "nope-nope"})
    held = c.post("/login", data={"username": "x", "password": "nope-nope"})
    assert app.config["RATELIMIT_ENABLED"] is True
    assert held.status_code == 429
