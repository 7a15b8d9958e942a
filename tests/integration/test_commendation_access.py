"""Who reaches which commendation page, against real records: each role, anonymous visitors,
and another unit's people (404, as if the record did not exist); every unsafe request needs
the CSRF token."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import login

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import Award, Person
from reform.services.commendation import catalogue, initiatives, register

ANON = "anonymous"
ROLES = ("admin", "secretariat", "evaluator", "leader", "head", "officer", "other_officer")


@pytest.fixture
def records(app, units):
    """The catalogue, a person and an initiative and an entry of the own unit and the other."""
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    made = {}
    for key in ("own", "other"):
        unit = units[key]
        person = Person(unit_id=unit.id, full_name=f"Người {unit.code}")
        db.session.add(person)
        db.session.commit()
        made[f"{key}_person"] = person
        made[f"{key}_initiative"] = initiatives.create(
            unit,
            initiatives.InitiativeData(
                title=f"Sáng kiến {unit.code}",
                level="base",
                recognised_on=date(2025, 5, 5),
                decision_number="1/QĐ",
                decision_date=date(2025, 5, 5),
                decision_issuer="Giám đốc",
                person_ids=[person.id],
            ),
            actor=None,
        )
        made[f"{key}_award"] = register.create(
            register.AwardData(
                year=2024,
                title_code="CN-LDTT",
                unit_id=unit.id,
                recipient_name="",
                decision_number="2/QĐ",
                decision_date=date(2025, 1, 5),
                signer="Giám đốc",
                person_id=person.id,
            ),
            actor=None,
        )
    return made


def client_for(app, users, who):
    client = app.test_client()
    if who != ANON:
        assert login(client, users[who].username).status_code == 303
    return client


def code_of(response) -> int | str:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    return response.status_code


# url -> {who: expected}; "ok" is 200 (or 303 after a write), "login" a redirect to sign in.
def expectations(records, units) -> list[tuple[str, str, dict]]:
    own_i, other_i = records["own_initiative"].id, records["other_initiative"].id
    own_p, other_p = records["own_person"].id, records["other_person"].id
    other_award = records["other_award"].id
    keepers = {"admin": 200, "secretariat": 200, "head": 200, "officer": 200}
    return [
        # Initiatives: the unit's people their own; another unit's is a 404.
        (
            "GET",
            f"/commendation/initiatives/{own_i}",
            keepers | {"evaluator": 403, "leader": 403, "other_officer": 404},
        ),
        (
            "GET",
            f"/commendation/initiatives/{other_i}",
            keepers
            | {"head": 404, "officer": 404, "evaluator": 403, "leader": 403, "other_officer": 200},
        ),
        (
            "GET",
            f"/commendation/initiatives/{other_i}/edit",
            keepers
            | {"head": 404, "officer": 404, "evaluator": 403, "leader": 403, "other_officer": 200},
        ),
        (
            "POST",
            f"/commendation/initiatives/{other_i}/edit",
            {"admin": 422, "secretariat": 422, "head": 404, "officer": 404, "evaluator": 403}
            | {"leader": 403, "other_officer": 422},
        ),
        (
            "GET",
            f"/commendation/initiatives/new?unit={units['other'].id}",
            keepers
            | {"head": 404, "officer": 404, "evaluator": 403, "leader": 403, "other_officer": 200},
        ),
        (
            "POST",
            f"/commendation/initiatives/new?unit={units['other'].id}",
            {"admin": 422, "secretariat": 422, "head": 404, "officer": 404, "evaluator": 403}
            | {"leader": 403, "other_officer": 422},
        ),
        # The register: every unit's for the secretariat and leaders, a unit's people their own.
        (
            "GET",
            f"/commendation/awards/units/{units['other'].id}",
            {"admin": 200, "secretariat": 200, "leader": 200, "head": 404, "officer": 404}
            | {"evaluator": 403, "other_officer": 200},
        ),
        (
            "GET",
            f"/commendation/awards/people/{own_p}",
            {"admin": 200, "secretariat": 200, "leader": 200, "head": 200, "officer": 200}
            | {"evaluator": 403, "other_officer": 404},
        ),
        (
            "GET",
            f"/commendation/awards/people/{other_p}",
            {"admin": 200, "secretariat": 200, "leader": 200, "head": 404, "officer": 404}
            | {"evaluator": 403, "other_officer": 200},
        ),
        (
            "GET",
            "/commendation/awards/statistics",
            {"admin": 200, "secretariat": 200, "leader": 200, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
        # The secretariat's corrections and imports.
        (
            "GET",
            f"/commendation/awards/{other_award}/edit",
            {"admin": 200, "secretariat": 200, "leader": 403, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
        (
            "POST",
            f"/commendation/awards/{other_award}/delete",
            {"admin": 422, "secretariat": 422, "leader": 403, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
        (
            "POST",
            "/commendation/awards/import",
            {"admin": 422, "secretariat": 422, "leader": 403, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
        (
            "POST",
            "/commendation/catalogue/import",
            {"admin": 422, "secretariat": 422, "leader": 403, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
        (
            "GET",
            "/commendation/catalogue/1",
            dict.fromkeys(ROLES, 200),
        ),
        (
            "GET",
            f"/commendation/eligibility/?title=CN-LDTT&unit={units['other'].id}&person={other_p}",
            {"admin": 200, "secretariat": 200, "leader": 403, "head": 403, "officer": 403}
            | {"evaluator": 403, "other_officer": 403},
        ),
    ]


@pytest.mark.parametrize("who", (ANON, *ROLES))
def test_each_role_reaches_only_what_is_theirs(app, users, units, records, who):
    client = client_for(app, users, who)
    for method, url, allowed in expectations(records, units):
        response = client.open(url, method=method, data={})
        expected = "login" if who == ANON else allowed[who]
        assert code_of(response) == expected, (method, url, who, response.status_code)


def test_the_register_lists_and_exports_only_the_units_own_for_its_people(
    app, users, units, records
):
    officer = client_for(app, users, "officer")
    listing = officer.get("/commendation/awards/").get_data(as_text=True)
    assert "Người STP" in listing and "Người SYT" not in listing
    from io import BytesIO

    from openpyxl import load_workbook

    exported = officer.get(f"/commendation/awards/export.xlsx?unit={units['other'].id}")
    names = [
        row[1] for row in load_workbook(BytesIO(exported.data)).active.iter_rows(values_only=True)
    ]
    assert "Người STP" in names and "Người SYT" not in names
    listing = officer.get("/commendation/initiatives/").get_data(as_text=True)
    assert "Sáng kiến STP" in listing and "Sáng kiến SYT" not in listing


def test_unsafe_requests_need_the_csrf_token(make_app, units, users, records):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        # Signing in needs the token too: take it from the login page.
        import re

        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed = client.post(
            "/login",
            data={
                "username": "secretariat",
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        assert signed.status_code == 303
        award_id = records["own_award"].id
        for url, data in (
            (f"/commendation/awards/{award_id}/delete", {"reason": "x"}),
            ("/commendation/catalogue/1/new-version", {}),
            (f"/commendation/initiatives/{records['own_initiative'].id}/edit", {"title": "x"}),
        ):
            assert client.post(url, data=data).status_code == 400, url
        assert db.session.get(Award, award_id) is not None
        assert catalogue.get_version(2) is None
