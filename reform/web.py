"""Helpers every view shares: page-or-partial rendering, redirects, error pages, delivery."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

HTMX_VERSION = "2.0.11"
# A static file under a URL naming its content never changes: browsers may keep it a year.
IMMUTABLE_MAX_AGE = 365 * 24 * 3600
# The suffix Flask-Compress appends to a strong ETag it sends with a coded body ("tag:gzip").
_CODED_ETAG = re.compile(r':(?:zstd|br|gzip|deflate)"')


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
    from reform.i18n import role_label

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


class StaticVersions:
    """Content hashes of the static files, taken once at start; in debug, again on a change."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.known: dict[str, tuple[int, int, str]] = {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                self._hash(path.relative_to(self.folder).as_posix(), path)

    def _hash(self, name: str, path: Path) -> str:
        state = path.stat()
        tag = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self.known[name] = (state.st_mtime_ns, state.st_size, tag)
        return tag

    def get(self, name: str) -> str | None:
        """The file's version tag, or None for a file that was not there at start."""
        found = self.known.get(name)
        if found is None or not current_app.debug:
            return found[2] if found else None
        # While developing, an edited stylesheet must get a new URL at once.
        path = self.folder / name
        try:
            state = path.stat()
        except OSError:
            return None
        if (state.st_mtime_ns, state.st_size) != found[:2]:
            return self._hash(name, path)
        return found[2]


def init_delivery(app: Flask) -> None:
    """Compressed responses, and static files under versioned URLs with a long cache."""
    from reform.extensions import compress

    compress.init_app(app)

    @app.before_request
    def uncoded_validators() -> None:
        # An ETag handed out with a compressed body carries the coding ("tag:br"); the views
        # compare their own tags, so the coding is taken off before they read If-None-Match.
        tags = request.environ.get("HTTP_IF_NONE_MATCH")
        if tags and ":" in tags:
            request.environ["HTTP_IF_NONE_MATCH"] = _CODED_ETAG.sub('"', tags)

    if not app.has_static_folder:
        return
    versions = StaticVersions(os.fspath(app.static_folder))
    app.extensions["static_versions"] = versions

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict[str, Any]) -> None:
        # Every url_for("static", ...) names the file's content, so pages need no change.
        if endpoint == "static" and "v" not in values:
            tag = versions.get(str(values.get("filename", "")))
            if tag is not None:
                values["v"] = tag

    def static(filename: str) -> Response:
        """A static file: a year under its current content hash, a few minutes otherwise."""
        response = app.send_static_file(filename)
        cache = response.cache_control
        cache.no_cache = None
        cache.public = True
        wanted = request.args.get("v")
        if wanted is not None and wanted == versions.get(filename):
            cache.max_age = IMMUTABLE_MAX_AGE
            cache.immutable = True
        else:
            cache.max_age = int(app.config["STATIC_MAX_AGE"])
        return response

    app.view_functions["static"] = static

    @app.get("/favicon.ico")
    def favicon() -> Response:
        """The site icon where browsers and tools look for it without reading the page."""
        response = app.send_static_file("favicon.svg")
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = 24 * 3600
        return response
