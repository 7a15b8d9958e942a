"""Helpers every view shares: page-or-partial rendering, redirects, error pages."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

HTMX_VERSION = "2.0.11"


def is_htmx() -> bool:
    """True when htmx made the request (and wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(page: str, partial: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render the whole page, or only its partial for an htmx request."""
    template = partial if (partial and is_htmx()) else page
    response = make_response(render_template(template, **context), status)
    # Caches must not hand a fragment to a full-page request or the reverse.
    response.vary.add("HX-Request")
    return response


def see_other(location: str) -> Response:
    """303 after a successful unsafe request; for htmx, HX-Location loads the page in place."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Location"] = location
        return response
    return redirect(location, code=303)


def css_id(value: str) -> str:
    """An id escaped for a CSS selector ("1.2" → "1\\.2"), as htmx targets are selectors."""
    return re.sub(r"([^A-Za-z0-9_-])", r"\\\1", str(value))


def init_web(app: Flask) -> None:
    """Template globals and the error pages."""
    from reform.admin.forms import role_label

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(htmx_version=HTMX_VERSION, is_htmx=is_htmx, role_label=role_label)
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["css_id"] = css_id
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def error_page(status: int, title: str, message: str) -> Response:
        return render("errors/error.html", status=status, title=title, message=message)

    @app.errorhandler(403)
    def forbidden(_e):
        return error_page(403, _("Not allowed"), _("Your account cannot open this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(404, _("Not found"), _("This page does not exist or is not yours."))

    @app.errorhandler(413)
    def too_large(_e):
        return error_page(413, _("File too large"), _("The file is larger than allowed."))

    @app.errorhandler(429)
    def too_many(_e):
        return error_page(
            429,
            _("Too many attempts"),
            _("Too many attempts from this address. Wait a minute and try again."),
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return error_page(
            400,
            _("Form expired"),
            _("The form was too old or came from elsewhere. Reload the page and try again."),
        )
