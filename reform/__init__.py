"""reform: administrative-reform and emulation scoring for Vietnamese public agencies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from reform.config import DEV_SECRET_KEY, Config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The settings are unsafe or incomplete for the chosen environment."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config layers, extensions, blueprints, commands."""
    instance_path = os.environ.get("REFORM_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("REFORM")
    if test_config:
        app.config.update(test_config)
    _finish_config(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from reform import cli, database, web  # noqa: F401  (database installs SQLite pragmas)
    from reform.extensions import babel, csrf, db, limiter, login_manager, migrate
    from reform.i18n import init_i18n
    from reform.security import init_security
    from reform.validation import init_validation

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    init_i18n(app, babel)
    init_security(app)
    web.init_web(app)
    web.init_delivery(app)
    # Before the blueprints: their routes are compiled with the bounded converters.
    init_validation(app)

    from reform.admin.views import bp as admin_bp
    from reform.api.views import bp as api_bp
    from reform.appraisal.views import bp as appraisal_bp
    from reform.assessment.evidence import bp as evidence_bp
    from reform.assessment.views import bp as assessment_bp
    from reform.assignments.views import bp as assignments_bp
    from reform.audit.views import bp as audit_bp
    from reform.auth.views import bp as auth_bp
    from reform.campaigns.views import bp as campaigns_bp
    from reform.commendation import blueprints as commendation_blueprints
    from reform.emulation import blueprints as emulation_blueprints
    from reform.frameworks.views import bp as frameworks_bp
    from reform.help.views import bp as help_bp
    from reform.history.views import bp as history_bp
    from reform.insights.views import bp as insights_bp
    from reform.main.views import bp as main_bp
    from reform.people import blueprints as people_blueprints
    from reform.profile.views import bp as profile_bp
    from reform.publication.views import bp as publication_bp
    from reform.rankings.views import bp as rankings_bp
    from reform.reports.views import bp as reports_bp
    from reform.units.views import bp as units_bp
    from reform.whatif.views import bp as whatif_bp

    for bp in (
        auth_bp,
        main_bp,
        admin_bp,
        units_bp,
        frameworks_bp,
        assessment_bp,
        evidence_bp,
        campaigns_bp,
        appraisal_bp,
        audit_bp,
        assignments_bp,
        publication_bp,
        reports_bp,
        rankings_bp,
        insights_bp,
        profile_bp,
        whatif_bp,
        history_bp,
        help_bp,
        api_bp,
        *emulation_blueprints(),
        *people_blueprints(),
        *commendation_blueprints(),
    ):
        app.register_blueprint(bp)
    cli.register(app)
    return app


def _finish_config(app: Flask) -> None:
    """Resolve derived settings and refuse unsafe production settings."""
    cfg = app.config
    cfg["ENV"] = str(cfg.get("ENV", "development")).lower()
    production = cfg["ENV"] == "production"
    if production:
        key = cfg.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(str(key)) < 32:
            raise ConfigurationError(
                "REFORM_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
    url = cfg.get("SQLALCHEMY_DATABASE_URI") or cfg.get("DATABASE_URL")
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "reform.sqlite")
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(url)
    if not cfg.get("UPLOAD_FOLDER"):
        cfg["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    cfg["EVIDENCE_MAX_BYTES"] = int(cfg["EVIDENCE_MAX_BYTES"])
    # A request must fit the largest evidence file plus the form around it, or it gets a bare 413.
    needed = cfg["EVIDENCE_MAX_BYTES"] + 1024 * 1024
    if cfg.get("MAX_CONTENT_LENGTH") is not None and cfg["MAX_CONTENT_LENGTH"] < needed:
        cfg["MAX_CONTENT_LENGTH"] = needed


def _normalise_db_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
