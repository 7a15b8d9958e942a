"""Odd and hostile input to every commendation form and filter answers 400, 404 or 422 and
stores nothing; never a server error."""

from __future__ import annotations

import io
import random

import pytest
from flask import got_request_exception
from sqlalchemy import func, select

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import Award, CatalogueVersion, Initiative
from reform.services.commendation import catalogue

SEED = 20261204
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "9" * 40,
    "-1",
    "0",
    "1e9",
    "２０２５",
    "<script>alert(1)</script>",
    '=HYPERLINK("x")',
    "ừ" * 5000,
    "2025-02-30",
    "31/12/2025",
    "null",
    "[]",
    "{a: 1}",
    "&x *x",
]


@pytest.fixture
def server_errors(app):
    found: list[BaseException] = []

    def note(sender, exception, **extra):
        found.append(exception)

    got_request_exception.connect(note, app)
    yield found
    got_request_exception.disconnect(note, app)


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Award, Initiative, CatalogueVersion)
    )


def test_forms_and_filters_never_fail_on_odd_input(login_as, units, server_errors):
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    before = counts()
    rng = random.Random(SEED)
    secretariat, officer = login_as("secretariat"), login_as("officer")
    own = units["own"].id
    forms = {
        f"/commendation/awards/new?unit={own}": (
            "year",
            "title_code",
            "person_id",
            "recipient_name",
            "decision_number",
            "decision_date",
            "signer",
            "note",
        ),
        f"/commendation/initiatives/new?unit={own}": (
            "title",
            "level",
            "recognised_on",
            "decision_number",
            "decision_date",
            "decision_issuer",
            "person_ids",
            "other_authors",
            "summary",
        ),
        "/commendation/catalogue/import": ("content", "confirm"),
        "/commendation/catalogue/1/edit": ("content",),
    }
    for _ in range(25):
        for url, fields in forms.items():
            data = {name: rng.choice(NASTY) for name in fields if rng.random() < 0.9}
            response = secretariat.post(url, data=data)
            assert response.status_code in (200, 400, 409, 422), (url, data, response.status_code)
        filters = "&".join(
            f"{name}={rng.choice(NASTY)}"
            for name in ("q", "unit", "year", "level", "scope", "title", "person", "name")
        )
        for base in (
            "/commendation/awards/",
            "/commendation/awards/statistics",
            "/commendation/awards/export.xlsx",
            "/commendation/initiatives/",
            "/commendation/eligibility/",
        ):
            client = officer if base == "/commendation/initiatives/" else secretariat
            response = client.get(f"{base}?{filters}")
            # A query with control characters is answered by the same page without them (303).
            assert response.status_code in (200, 303, 400, 422), (
                base,
                filters,
                response.status_code,
            )
    junk = [
        b"\x00\xff" * 50,
        b"PK\x03\x04garbage",
        b"year,unit_code,decision_number\n" + b"\xff",
    ]
    for data in junk:
        response = secretariat.post(
            "/commendation/awards/import",
            data={"file": (io.BytesIO(data), "x.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
    assert server_errors == []
    db.session.expire_all()
    assert counts()[0] == before[0] and counts()[2] == before[2]
