"""Vietnamese by default, English one click away and remembered; locale formats."""

from __future__ import annotations

import contextvars
from datetime import date
from decimal import Decimal

from reform.extensions import db
from reform.i18n import fmt_date, fmt_number


def test_vietnamese_by_default(client, users):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in html and "Đăng nhập" in html


def test_english_is_one_click_away_and_remembered(client, users):
    r = client.post("/language", data={"lang": "en", "next": "/login"})
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Sign in" in html
    client.post("/language", data={"lang": "vi", "next": "https://evil.example"})
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)


def test_a_users_language_follows_them(app, login_as, users):
    c = login_as("officer")
    c.post("/language", data={"lang": "en", "next": "/account"})
    db.session.expire_all()
    assert users["officer"].locale == "en"
    other_browser = login_as("officer")
    assert 'lang="en"' in other_browser.get("/account").get_data(as_text=True)


def _formatted(app, headers=None) -> tuple[str, str]:
    def run():
        with app.test_request_context("/", headers=headers or {}):
            return fmt_date(date(2026, 1, 5)), fmt_number(Decimal("1234.5"))

    # A fresh context, as in a real request: the locale is cached per request.
    return contextvars.Context().run(run)


def test_dates_and_numbers_follow_the_locale(app):
    assert _formatted(app) == ("05/01/2026", "1.234,50")
    assert _formatted(app, {"Cookie": "reform_lang=en"}) == ("5 Jan 2026", "1,234.50")
