"""Security in one place: headers, session loading, role decorators, safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from reform.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

# No inline script or style anywhere: everything is served from this origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Where the session cookie carries the token of its server-side record (UserSession).
SESSION_TOKEN_KEY = "_session_token"

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
        from reform.services.accounts import session_user

        user_id, _, version = session_id.partition(":")
        token = session.get(SESSION_TOKEN_KEY)
        if not user_id.isdigit() or not version.isdigit() or not isinstance(token, str):
            return None
        # The signed cookie alone is not enough: its server-side record must still exist
        # (a sign-out deletes it), and a bumped session_version ends every older session.
        return session_user(int(user_id), int(version), token)

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


def begin_session(user: Any, *, fresh: bool = True) -> None:
    """Sign the user in on this browser under a new server-side session."""
    from reform.services.accounts import open_session

    if fresh:
        # A fresh session at login: nothing from before sign-in carries over (fixation).
        session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    session[SESSION_TOKEN_KEY] = open_session(user)
    login_user(user)


def end_session() -> None:
    """Sign this browser out and delete its server-side session, so no copy of it works."""
    from reform.services.accounts import close_session

    close_session(session.get(SESSION_TOKEN_KEY))
    logout_user()
    session.clear()


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
