"""HTML pages printed to PDF with WeasyPrint, their styles read from the static folder."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, request
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join


class StaticFetcher(URLFetcher):
    """Serves this site's /static/ files from disk and refuses every other address."""

    def __init__(self, static_url: str, static_folder: str) -> None:
        super().__init__()
        self._static_url = static_url
        self._static_folder = static_folder

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """The static file behind the URL; anything else raises, and is left out of the PDF."""
        address = urlsplit(url)
        bare = address._replace(query="", fragment="").geturl()
        # Rendering must never wait on the network (or on this same worker, which is busy).
        if not bare.startswith(self._static_url):
            raise ValueError(f"not a static file of this site: {url}")
        path = safe_join(self._static_folder, unquote(bare.removeprefix(self._static_url)))
        if path is None or not Path(path).is_file():
            raise FileNotFoundError(url)
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(bare, Path(path).read_bytes(), {"Content-Type": mime})


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """An A4 PDF of a page rendered for print, fonts embedded."""
    base_url = base_url or request.url_root
    static_url = base_url.rstrip("/") + current_app.static_url_path + "/"
    fetcher = StaticFetcher(static_url, current_app.static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
