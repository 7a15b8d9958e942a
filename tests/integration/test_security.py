"""The security baseline: CSRF, headers, no inline script, production settings."""

from __future__ import annotations

import re

import pytest
from helpers import TEST_PASSWORD, csrf_token_from, login

from reform import ConfigurationError, create_app


def test_unsafe_requests_without_a_token_are_refused(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    c = app.test_client()
    r = c.post("/login", data={"username": "admin", "password": TEST_PASSWORD})
    assert r.status_code == 400
    # With the token from the page the same request passes.
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    # Every later unsafe request needs it too: without, refused and nothing changes.
    assert c.post("/logout").status_code == 400
    assert c.get("/account").status_code == 200


def test_htmx_sends_the_token_in_a_header(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=True)
    c = app.test_client()
    token = csrf_token_from(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"username": "admin", "password": TEST_PASSWORD, "csrf_token": token})
    page = c.get("/admin/units").get_data(as_text=True)
    header_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    r = c.post(
        "/admin/blocks",
        data={"code": "NEW", "name": "Khối mới"},
        headers={"X-CSRFToken": header_token, "HX-Request": "true"},
    )
    assert r.status_code == 204 and r.headers["HX-Location"].endswith("/admin/blocks")


def test_security_headers_on_every_page(client, users):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(login_as):
    c = login_as("admin")
    for url in ("/home/admin", "/admin/units", "/admin/users", "/admin/users/new", "/account"):
        html = c.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"inline script on {url}"
        assert not re.search(r"\son[a-z]+=", html), f"inline handler on {url}"
        assert not re.search(r"\sstyle=", html), f"inline style on {url}"


def test_session_cookie_flags(make_app, users):
    app = make_app()
    c = app.test_client()
    r = login(c, "admin")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_the_development_secret(database_url, monkeypatch):
    monkeypatch.setenv("REFORM_ENV", "production")
    monkeypatch.delenv("REFORM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with pytest.raises(ConfigurationError):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "short"})


def test_production_sets_secure_cookies(database_url, monkeypatch):
    monkeypatch.setenv("REFORM_ENV", "production")
    monkeypatch.setenv("REFORM_SECRET_KEY", "x" * 48)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_environment_overrides_config(database_url, monkeypatch):
    monkeypatch.setenv("REFORM_PAGE_SIZE", "7")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["PAGE_SIZE"] == 7


def test_instance_config_file_overrides_defaults(tmp_path, monkeypatch, database_url):
    (tmp_path / "config.py").write_text("PAGE_SIZE = 11\n")
    monkeypatch.setenv("REFORM_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["PAGE_SIZE"] == 11
    assert app.instance_path == str(tmp_path)


def test_behind_a_proxy_each_client_has_its_own_address(database_url, users, make_app):
    app = make_app(PROXY_COUNT=1, LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    c = app.test_client()
    for ip in ("203.0.113.1", "203.0.113.1"):
        c.post(
            "/login",
            data={"username": "x", "password": "nope-nope"},
            environ_base={"HTTP_X_FORWARDED_FOR": ip},
        )
    blocked = c.post(
        "/login",
        data={"username": "x", "password": "nope-nope"},
        environ_base={"HTTP_X_FORWARDED_FOR": "203.0.113.1"},
    )
    other = c.post(
        "/login",
        data={"username": "x", "password": "nope-nope"},
        environ_base={"HTTP_X_FORWARDED_FOR": "203.0.113.2"},
    )
    assert blocked.status_code == 429 and other.status_code == 422


def test_wsgi_entry_point_builds_the_app(monkeypatch, tmp_path):
    import importlib.util
    from pathlib import Path

    monkeypatch.setenv("REFORM_INSTANCE_PATH", str(tmp_path))
    path = Path(__file__).resolve().parents[2] / "wsgi.py"
    spec = importlib.util.spec_from_file_location("wsgi", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.app.name == "reform"


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("REFORM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("REFORM_DATABASE_URL", "postgresql://u@127.0.0.1:5432/x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
