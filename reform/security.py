"""Security in one place: headers, session loading, role decorators, safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user, login_required

from reform.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])

# No inline script or style anywhere: everything is served from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"auth.account", "auth.change_password", "auth.logout", "auth.set_language", "static"}
)


def init_security(app: Flask) -> None:
    """Install the session loader and the response headers."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        from reform.models import User

        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A bumped session_version ends every session issued before it.
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user

    @app.before_request
    def require_password_change():
        # A temporary password opens only the page where it is replaced.
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
        ):
            return redirect(url_for("auth.account"))
        return None

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user and current_user.is_authenticated:
            # Pages behind a login must not be replayed from a shared computer's cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def roles_required(*roles: str) -> Callable[[F], F]:
    """Let in signed-in users holding any of the roles; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_safe_next(target: str | None) -> bool:
    """True for a relative path on this site (no scheme, no host, no backslash tricks)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    base = urlsplit(request.host_url)
    resolved = urlsplit(urljoin(request.host_url, target))
    return resolved.scheme == base.scheme and resolved.netloc == base.netloc
