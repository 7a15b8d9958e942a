"""GET /api/v1/campaigns/<code>/results: the contract document, who reads it, conditional GETs."""

from __future__ import annotations

import json

import pytest
from test_rankings import HEADER, build_campaign

from reform.services.results import campaign_results

URL = "/api/v1/campaigns/PAR-LIVE/results"
STAFF = ("admin", "secretariat", "evaluator", "leader")


@pytest.fixture
def live_campaign(make_unit, make_user, rules_framework, users):
    return build_campaign(make_unit, make_user, rules_framework)


@pytest.fixture
def published_campaign(make_unit, make_user, rules_framework, users):
    return build_campaign(make_unit, make_user, rules_framework, publish=True)


def cli_document(runner) -> dict:
    result = runner.invoke(args=["results", "PAR-LIVE", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_live_results_for_staff_equal_the_command_and_the_document(live_campaign, login_as, runner):
    document = campaign_results(live_campaign, published=False)
    assert document["published"] is False
    for who in STAFF:
        response = login_as(who).get(URL)
        assert response.status_code == 200, who
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.headers["ETag"]
        assert json.loads(response.get_data(as_text=True)) == document
    assert cli_document(runner) == document
    sbn = next(b for b in document["blocks"] if b["code"] == "SBN")
    assert [r["rank"] for r in sbn["results"]] == [1, 2, 2, 4]
    assert sbn["results"][0]["areas"][0] == {
        "code": "1",
        "points": "4.50",
        "max_points": "5.00",
        "index": "90.00",
    }


@pytest.mark.parametrize("who", ["head", "officer"])
def test_unpublished_results_are_hidden_from_units(live_campaign, login_as, who):
    response = login_as(who).get(URL)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}


def test_unpublished_results_are_hidden_from_the_public(live_campaign, client):
    response = client.get(URL)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")


def test_unknown_campaign_is_404(client, users, login_as):
    assert client.get("/api/v1/campaigns/NOPE/results").status_code == 404
    assert login_as("leader").get("/api/v1/campaigns/NOPE/results").status_code == 404


def test_live_results_answer_304_until_an_entry_changes(live_campaign, login_as):
    from reform.services.scores_import import import_scores

    c = login_as("leader")
    first = c.get(URL)
    tag = first.headers["ETag"]
    again = c.get(URL, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    # 2.2 from 1/1 to 2/2: the same points, so the totals stay; the document's fingerprint
    # follows the entries and still changes.
    same = HEADER + "SA,2.2,2/2,Số liệu cập nhật\n"
    assert import_scores(live_campaign, same.encode(), stage="appraisal", filename="a.csv").ok
    changed = c.get(URL, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert changed.get_json() == campaign_results(live_campaign, published=False)


@pytest.mark.parametrize("who", ["anonymous", "officer", "head", "leader", "admin"])
def test_published_results_are_the_stored_bytes_for_anyone(
    published_campaign, app, login_as, runner, who
):
    from reform.services.publication import latest_version

    version = latest_version(published_campaign)
    c = app.test_client() if who == "anonymous" else login_as(who)
    response = c.get(URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.get_data()
    assert body == version.payload.encode("utf-8")
    assert body == c.get("/public/PAR-LIVE/results.json").get_data()
    assert json.loads(body) == cli_document(runner)
    assert json.loads(body)["published"] is True
    assert response.headers["ETag"] == f'"{version.content_hash}"'
    assert c.get(URL, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
