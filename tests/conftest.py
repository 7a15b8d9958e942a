"""Shared fixtures: a migrated database (SQLite or PostgreSQL), app, clients, users per role."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import RULES_FRAMEWORK, SMALL_FRAMEWORK, TEST_PASSWORD, login
from sqlalchemy import create_engine, text

from reform import create_app
from reform.extensions import db
from reform.models import Block, Notification, Unit, User

ROLE_USERS = ("admin", "secretariat", "evaluator", "leader", "head", "officer")


def pytest_configure(config) -> None:
    """Compile the translation catalogs, so a plain `pytest` sees the same text as `make test`."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).parent.parent.glob("reform/translations/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog)


def pytest_report_header(config) -> list[str]:
    return [f"reform test database: {_database_url_label()}"]


def _database_url_label() -> str:
    url = os.environ.get("REFORM_TEST_DATABASE_URL")
    return url if url else "SQLite (temporary file)"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A freshly migrated database for the whole run."""
    url = os.environ.get("REFORM_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")) | _engine_options(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    yield url


def _test_config(url: str, instance) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        # Cheap hashes keep the suite fast; production uses the configured OWASP-level costs.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_FOLDER": str(instance / "uploads"),
    }


def _engine_options(url: str) -> dict:
    """On PostgreSQL, commits do not wait for the disk: a test database need not survive a crash."""
    if not url.startswith("postgresql"):
        return {}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    }


@pytest.fixture
def make_app(database_url, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; tables are emptied after the test."""
    apps: list[Flask] = []

    def build(**overrides) -> Flask:
        config = _test_config(database_url, tmp_path) | overrides
        # The options follow the database the app ends up on (a test may pick another one).
        app = create_app(_engine_options(config["SQLALCHEMY_DATABASE_URI"]) | config)
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield build
    if apps:
        with apps[0].app_context():
            _empty_tables()
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture(scope="module")
def module_app(database_url, tmp_path_factory) -> Iterator[Flask]:
    """One app for all the tests of a module that only read what it holds (the demo, say):
    built once, CSRF on as in production, its tables emptied after the module. A module using
    it must not use `make_app`, which empties the tables after each test."""
    config = _test_config(database_url, tmp_path_factory.mktemp("module-instance"))
    app = create_app(_engine_options(database_url) | config | {"WTF_CSRF_ENABLED": True})
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


def _empty_tables() -> None:
    """Delete every row, children first, so each test starts from nothing."""
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # DELETE costs a few milliseconds on near-empty tables where TRUNCATE costs about
            # 100 (a minute and more over the suite). Replica mode lifts the append-only and
            # foreign-key triggers for this transaction only; identities restart as TRUNCATE's
            # RESTART IDENTITY did.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(table.delete())
            restarts = ", ".join(
                f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false)"
                for t in tables
                if "id" in t.c
            )
            conn.execute(text(f"SELECT {restarts}"))
        else:
            # The append-only triggers are lifted only here, to empty the log between tests.
            from reform.models.audit import SQLITE_TRIGGERS

            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
            for table in tables:
                conn.execute(table.delete())
            for trigger in SQLITE_TRIGGERS:
                conn.execute(text(trigger))


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context (and its `g`)."""

    def open(self, *args, **kwargs):
        # In an empty contextvars context Flask pushes a fresh app context per request,
        # as a real server does; otherwise `g` (signed-in user, locale) leaks between requests.
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """The application with an app context pushed for the test's own database work."""
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- factories ---------------------------------------------------------------------------


@pytest.fixture
def make_unit(app) -> Callable[..., Unit]:
    """Create a unit (and its block) with sensible defaults."""
    counter = iter(range(1, 10_000))

    def make(
        code: str | None = None,
        name: str | None = None,
        kind: str = "department",
        block_code: str | None = "SBN",
        parent: Unit | None = None,
    ) -> Unit:
        n = next(counter)
        block = None
        if block_code:
            block = db.session.scalar(db.select(Block).where(Block.code == block_code))
            if block is None:
                block = Block(code=block_code, name=f"Khối {block_code}")
                db.session.add(block)
        unit = Unit(
            code=code or f"U{n:03d}",
            name=name or f"Đơn vị {n}",
            kind=kind,
            block=block,
            parent=parent,
        )
        db.session.add(unit)
        db.session.commit()
        return unit

    return make


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """Create a user with roles and an optional unit."""
    from reform.services.users import create_user

    def make(
        username: str,
        roles: list[str],
        unit: Unit | None = None,
        password: str = TEST_PASSWORD,
        full_name: str | None = None,
    ) -> User:
        user, _ = create_user(
            username, full_name or username.title(), roles, unit=unit, password=password
        )
        return user

    return make


@pytest.fixture
def units(make_unit) -> dict[str, Unit]:
    """A province with two departments and a ward."""
    province = make_unit("TINH", "UBND tỉnh", kind="province", block_code=None)
    return {
        "province": province,
        "own": make_unit("STP", "Sở Tư pháp", parent=province),
        "other": make_unit("SYT", "Sở Y tế", parent=province),
        "ward": make_unit("P-A", "Phường An", kind="ward", block_code="PHUONG", parent=province),
    }


@pytest.fixture
def users(units, make_user) -> dict[str, User]:
    """One user per role; head and officer of the "own" unit, plus an officer elsewhere."""
    made = {
        "admin": make_user("admin", ["admin"]),
        "secretariat": make_user("secretariat", ["secretariat"], units["province"]),
        "evaluator": make_user("evaluator", ["evaluator"]),
        "leader": make_user("leader", ["leader"]),
        "head": make_user("head", ["head"], units["own"]),
        "officer": make_user("officer", ["officer"], units["own"]),
        "other_officer": make_user("other_officer", ["officer"], units["other"]),
    }
    return made


@pytest.fixture
def login_as(app, users) -> Callable[[str], FlaskClient]:
    """A fresh client signed in as the user of that role (or any username in `users`)."""

    def sign_in(who: str) -> FlaskClient:
        c = app.test_client()
        response = login(c, users[who].username)
        assert response.status_code == 303, f"login as {who} failed: {response.status_code}"
        return c

    return sign_in


@pytest.fixture
def framework(app):
    """A small imported framework (two criteria in one area)."""
    from reform.services.frameworks import import_framework

    return import_framework(SMALL_FRAMEWORK)


@pytest.fixture
def rules_framework(app):
    """A framework with every rule type, N/A, applies_to, survey and a bonus."""
    from reform.services.frameworks import import_framework

    return import_framework(RULES_FRAMEWORK)


@pytest.fixture
def campaign(app, units, users, rules_framework):
    """A campaign in its self-assessment phase (today inside it) for the departments."""
    from datetime import timedelta

    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    day = today()
    made = create_campaign(
        "PAR-TEST",
        "Kỳ đánh giá thử",
        rules_framework,
        PhaseDates(day - timedelta(days=3), day + timedelta(days=10)),
        units=[units["own"], units["other"]],
    )
    # The opening notices have tests of their own; every other test starts with an empty bell.
    db.session.execute(db.delete(Notification).where(Notification.kind == "campaign_opened"))
    db.session.commit()
    return made


@pytest.fixture
def submission(campaign, units):
    """The own unit's submission in the campaign."""
    from reform.models import Submission

    return db.session.scalar(
        db.select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["own"].id
        )
    )
