"""A real threaded HTTP server around a test app, and a small cookie-keeping client for it."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port, one thread per request; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass
class Answer:
    """A response as a test reads it."""

    status: int
    text: str


class Browser:
    """One person's session against the live server: cookies kept, redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, path: str, data: dict | None = None, htmx=True) -> Answer:
        """Send one request; any status comes back as an Answer, never as an exception."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if htmx:
            req.add_header("HX-Request", "true")
        try:
            with self.opener.open(req, timeout=60) as response:
                return Answer(response.status, response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8", "replace"))

    def post(self, path: str, data: dict, htmx=True) -> Answer:
        return self.request("POST", path, data, htmx)

    def get(self, path: str) -> Answer:
        return self.request("GET", path, None, htmx=False)

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the login form, as a person does."""
        answer = self.post("/login", {"username": username, "password": password}, htmx=False)
        assert answer.status == 303, f"login as {username}: {answer.status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 303 after a form is an answer to check, not a page to fetch."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None
