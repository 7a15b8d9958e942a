"""Bytes on the wire: compressed text responses, versioned static files with a long cache."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib

import brotli
import pytest

ONE_YEAR = "max-age=31536000"


def decoded(response) -> bytes:
    """The body as the browser reads it, whatever coding the server chose."""
    coding = response.headers.get("Content-Encoding")
    if coding == "gzip":
        return gzip.decompress(response.data)
    if coding == "br":
        return brotli.decompress(response.data)
    if coding == "deflate":
        return zlib.decompress(response.data)
    assert coding is None, coding
    return response.data


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_page_is_compressed_for_a_browser_that_accepts_it(client, coding):
    plain = client.get("/login")
    packed = client.get("/login", headers={"Accept-Encoding": f"{coding}, identity;q=0.5"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 2
    # The same page once decoded, apart from the per-request CSRF token.
    token = re.compile(rb'name="csrf_token"[^>]*>|"X-CSRFToken": "[^"]+"')
    assert token.sub(b"", decoded(packed)) == token.sub(b"", plain.data)


def test_without_accept_encoding_nothing_is_compressed(client):
    response = client.get("/login")
    assert "Content-Encoding" not in response.headers
    assert b"<form" in response.data
    # Caches must still keep the coded and uncoded answers apart.
    assert "Accept-Encoding" in response.headers["Vary"]


def test_an_htmx_partial_varies_on_both_headers(login_as, campaign):
    response = login_as("leader").get(
        "/rankings/PAR-TEST", headers={"HX-Request": "true", "Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"HX-Request", "Accept-Encoding"} <= vary


def test_json_and_csv_are_compressed(app, login_as, campaign):
    # Two units make a CSV below the size worth compressing; a real campaign's is far above.
    app.config["COMPRESS_MIN_SIZE"] = 0
    leader = login_as("leader")
    api = leader.get("/api/v1/campaigns/PAR-TEST/results", headers={"Accept-Encoding": "gzip"})
    assert api.status_code == 200
    assert api.headers["Content-Encoding"] == "gzip"
    assert json.loads(decoded(api))["campaign"] == "PAR-TEST"
    sheet = login_as("secretariat").get(
        "/reports/PAR-TEST/results.csv", headers={"Accept-Encoding": "gzip"}
    )
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    assert sheet.headers["Content-Encoding"] == "gzip"
    assert decoded(sheet).startswith(b"\xef\xbb\xbf")


def test_a_compressed_etag_still_gets_304(login_as, campaign):
    leader = login_as("leader")
    url = "/api/v1/campaigns/PAR-TEST/results"
    first = leader.get(url, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    tag = first.headers["ETag"]
    assert tag.endswith(':br"')  # a strong ETag names its coding
    again = leader.get(url, headers={"Accept-Encoding": "br", "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""


def test_views_compare_etags_without_the_coding(make_app):
    # The live views answer 304 before any work when the tag matches; a browser sends back the
    # tag of the compressed body, which must still match the view's own.
    from flask import request

    app = make_app()
    seen = []
    app.add_url_rule("/_tag", "tag", lambda: seen.append(request.if_none_match) or "")
    app.test_client().get("/_tag", headers={"If-None-Match": '"abc:gzip", W/"def:zstd", "g:h"'})
    assert seen[0].contains("abc") and seen[0].contains_weak("def") and seen[0].contains("g:h")


def test_pdf_and_xlsx_are_sent_as_they_are(login_as, submission):
    pdf = login_as("officer").get(
        f"/assessments/{submission.id}/report.pdf", headers={"Accept-Encoding": "gzip, br"}
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Content-Encoding" not in pdf.headers
    assert pdf.data.startswith(b"%PDF")
    xlsx = login_as("secretariat").get(
        "/reports/PAR-TEST/results.xlsx", headers={"Accept-Encoding": "gzip, br"}
    )
    assert xlsx.status_code == 200
    assert "Content-Encoding" not in xlsx.headers
    assert xlsx.data.startswith(b"PK")


def test_pages_link_static_files_by_their_content(client, app):
    html = client.get("/login").get_data(as_text=True)
    urls = static_urls(html)
    assert len(urls) == 4  # the icon, the stylesheet and the two scripts
    for url in urls:
        path, _, version = url.partition("?v=")
        content = client.get(path).data
        assert version == hashlib.sha256(content).hexdigest()[:12], url


def test_a_versioned_static_file_is_cached_for_a_year(client):
    url = next(u for u in static_urls(client.get("/login").get_data(as_text=True)) if ".css" in u)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "public" in cache and ONE_YEAR in cache and "immutable" in cache
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"{" in decoded(response)


def test_an_unversioned_or_stale_static_url_is_cached_briefly(client, app):
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789ab"):
        response = client.get(url)
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert f"max-age={app.config['STATIC_MAX_AGE']}" in cache
        assert "immutable" not in cache


def test_static_files_keep_the_content_security_policy(client):
    url = static_urls(client.get("/login").get_data(as_text=True))[0]
    response = client.get(url)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_signed_in_page_still_links_versioned_files(login_as):
    html = login_as("leader").get("/").get_data(as_text=True)
    assert all("?v=" in url for url in static_urls(html))
