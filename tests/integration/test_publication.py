"""Closing appraisal, the readiness check, publishing a frozen version, public pages, exports."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Campaign, ResultsVersion, Submission, Unit
from reform.models.submissions import SUBMITTED

HEADER = "unit_code,criterion_code,value,note\n"
SELF_VALUES = {
    "1.1": "Đúng hạn",
    "1.2": "yes",
    "1.3": "2",
    "2.1": "10/10",
    "2.2": "1/1",
    "2.3": "3",
    "2.4": "0",
}
# Appraised 1.3 and survey 3.1 per unit: Sở Bình 17.5, Sở An 17, Sở Cường 16.5 of 19.
APPRAISED_13 = {"SA": "1", "SB": "1.5", "SC": "0.5"}
SURVEY_31 = {"SA": "3", "SB": "3", "SC": "3"}
NAMES = {"SA": "Sở An", "SB": "Sở Bình", "SC": "Sở Cường"}


def reread() -> None:
    db.session.rollback()
    db.session.expire_all()


def submission_of(campaign, code: str) -> Submission:
    reread()
    return db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id, Unit.code == code)
    )


def audit(action: str) -> list[AuditEvent]:
    reread()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def build_ranked_campaign(make_unit, rules_framework, *, close=True, survey=True) -> Campaign:
    """Three departments in one block, self-assessed, appraised, surveyed, submitted, closed."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.scores_import import import_scores

    members = [make_unit(code, name, block_code="SBN") for code, name in NAMES.items()]
    day = today()
    campaign = create_campaign(
        "PAR-RANK",
        "Chỉ số CCHC các sở 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=20), day - timedelta(days=10)),
        units=members,
    )
    own = HEADER + "".join(f"{u},{c},{v},\n" for u in NAMES for c, v in SELF_VALUES.items())
    council = HEADER + "".join(f"{u},1.3,{v},Thiếu hồ sơ\n" for u, v in APPRAISED_13.items())
    points = HEADER + "".join(f"{u},3.1,{v},\n" for u, v in SURVEY_31.items())
    files = [("self.csv", own, "self"), ("appraisal.csv", council, "appraisal")]
    if survey:
        files.append(("survey.csv", points, "survey"))
    for name, text, stage in files:
        report = import_scores(campaign, text.encode(), stage=stage, filename=name)
        assert report.ok, report.errors
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        submission.status = SUBMITTED
    db.session.commit()
    if close:
        from reform.services.publication import close_appraisal

        for submission in db.session.scalars(
            select(Submission).where(Submission.campaign_id == campaign.id)
        ):
            close_appraisal(submission, actor=None)
    return campaign


@pytest.fixture
def ranked(make_unit, rules_framework, users) -> Campaign:
    return build_ranked_campaign(make_unit, rules_framework)


# ---- closing appraisal ---------------------------------------------------------------------


def test_closing_and_reopening_are_audited(login_as, make_unit, rules_framework, users):
    campaign = build_ranked_campaign(make_unit, rules_framework, close=False)
    sb = submission_of(campaign, "SB")
    c = login_as("secretariat")
    url = f"/campaigns/PAR-RANK/submissions/{sb.id}"
    assert c.post(f"{url}/close-appraisal").status_code == 303
    sb = submission_of(campaign, "SB")
    assert sb.appraisal_closed_at is not None
    assert sb.appraisal_closed_by_id == users["secretariat"].id
    # Closing twice is refused with the reason, on the page.
    again = c.post(f"{url}/close-appraisal")
    assert again.status_code == 422 and "Sở Bình" in again.get_data(as_text=True)
    assert c.post(f"{url}/reopen-appraisal", data={"reason": "Bổ sung hồ sơ"}).status_code == 303
    assert submission_of(campaign, "SB").appraisal_closed_at is None
    closed, reopened = audit("appraisal_closed"), audit("appraisal_reopened")
    assert [(e.submission_id, e.actor_id) for e in closed] == [(sb.id, users["secretariat"].id)]
    assert [(e.submission_id, e.reason) for e in reopened] == [(sb.id, "Bổ sung hồ sơ")]


def test_a_unit_that_has_not_submitted_cannot_be_closed(login_as, campaign):
    draft = submission_of(campaign, "STP")
    response = login_as("admin").post(f"/campaigns/PAR-TEST/submissions/{draft.id}/close-appraisal")
    assert response.status_code == 422
    assert submission_of(campaign, "STP").appraisal_closed_at is None
    assert audit("appraisal_closed") == []


def test_a_closed_appraisal_refuses_the_councils_import(runner, tmp_path, ranked):
    path = tmp_path / "late.csv"
    path.write_text(HEADER + "SA,1.3,2,\n", encoding="utf-8")
    reread()
    result = runner.invoke(args=["import-scores", "PAR-RANK", str(path), "--stage", "appraisal"])
    assert result.exit_code != 0 and "closed" in result.output


# ---- readiness ---------------------------------------------------------------------------------


def test_readiness_lists_each_missing_thing_by_unit(login_as, make_unit, rules_framework, users):
    from reform.services.publication import readiness

    campaign = build_ranked_campaign(make_unit, rules_framework, close=False, survey=False)
    sa, sb, sc = (submission_of(campaign, code) for code in ("SA", "SB", "SC"))
    sa.status = "draft"
    db.session.commit()
    c = login_as("secretariat")
    closing = c.post(f"/campaigns/PAR-RANK/submissions/{sb.id}/close-appraisal")
    assert closing.status_code == 303, closing.get_data(as_text=True)[-3000:]
    reread()
    problems = {(p.unit_code, p.kind, p.codes) for p in readiness(campaign)}
    assert problems == {
        ("SA", "not_submitted", ()),
        ("SA", "appraisal_open", ()),
        ("SA", "survey_missing", ("3.1",)),
        ("SB", "survey_missing", ("3.1",)),
        ("SC", "appraisal_open", ()),
        ("SC", "survey_missing", ("3.1",)),
    }
    page = c.get("/campaigns/PAR-RANK/publish")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Each problem links to the unit's row; the button stays disabled while anything is missing.
    assert html.count(f'href="#s-{sa.id}"') == 3 and f'id="s-{sc.id}"' in html
    assert f"/assessments/{sa.id}" in html
    assert re.search(r"<button[^>]*disabled[^>]*>[^<]*</button>", html)
    refused = c.post("/campaigns/PAR-RANK/publish")
    assert refused.status_code == 422
    reread()
    assert db.session.scalar(select(func.count()).select_from(ResultsVersion)) == 0
    assert db.session.get(Campaign, campaign.id).published_at is None


def test_a_ready_campaign_has_nothing_missing(ranked):
    from reform.services.publication import readiness

    assert readiness(ranked) == []


# ---- publishing --------------------------------------------------------------------------------


def test_publishing_freezes_the_contract_document_with_its_hash(app, login_as, ranked, users):
    from reform.services.results import campaign_results

    expected = campaign_results(ranked, published=True)
    anonymous = app.test_client()
    assert anonymous.get("/public/PAR-RANK").status_code == 404
    assert anonymous.get("/public/PAR-RANK/results.json").status_code == 404

    response = login_as("secretariat").post("/campaigns/PAR-RANK/publish")
    assert response.status_code == 303 and response.headers["Location"] == "/public/PAR-RANK"
    reread()
    version = db.session.scalar(select(ResultsVersion))
    campaign = db.session.get(Campaign, ranked.id)
    assert version.version == 1 and campaign.published_at is not None
    assert version.published_by_id == users["secretariat"].id
    assert json.loads(version.payload) == expected
    assert expected["published"] is True
    ranks = [(r["unit_code"], r["rank"], r["points"]) for r in expected["blocks"][0]["results"]]
    assert ranks == [("SB", 1, "17.50"), ("SA", 2, "17.00"), ("SC", 3, "16.50")]

    served = anonymous.get("/public/PAR-RANK/results.json")
    assert served.status_code == 200
    assert served.headers["Content-Type"].startswith("application/json")
    assert hashlib.sha256(served.data).hexdigest() == version.content_hash
    assert served.data == version.payload.encode("utf-8")
    assert json.loads(served.data) == expected
    same = anonymous.get("/public/PAR-RANK/v/1/results.json")
    assert same.data == served.data

    page = anonymous.get("/public/PAR-RANK")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert version.content_hash in html
    assert "Kết quả đã công bố, phiên bản 1" in html
    # The publication date in the province's time zone, as dd/mm/yyyy.
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    local = campaign.published_at.replace(tzinfo=UTC).astimezone(zone)
    assert f"công bố ngày {local:%d/%m/%Y}" in html
    assert "17,50" in html and "Sở Bình" in html
    assert html.index("Sở Bình") < html.index("Sở An") < html.index("Sở Cường")
    published = audit("published")
    assert len(published) == 1 and version.content_hash in published[0].to_value


def test_a_published_version_cannot_be_changed_or_removed(ranked):
    from reform.services.publication import publish

    version = publish(ranked, actor=None)
    version.payload = "{}"
    with pytest.raises(PermissionError):
        db.session.flush()
    reread()
    version = db.session.scalar(select(ResultsVersion))
    db.session.delete(version)
    with pytest.raises(PermissionError):
        db.session.flush()
    reread()
    assert db.session.scalar(select(ResultsVersion)).payload != "{}"


def test_publishing_twice_is_refused(login_as, ranked):
    c = login_as("admin")
    assert c.post("/campaigns/PAR-RANK/publish").status_code == 303
    assert c.post("/campaigns/PAR-RANK/publish").status_code == 422
    reread()
    assert db.session.scalar(select(func.count()).select_from(ResultsVersion)) == 1


def test_values_stop_changing_once_published(login_as, ranked):
    from reform.services.publication import publish

    publish(ranked, actor=None)
    sa = submission_of(ranked, "SA")
    c = login_as("secretariat")
    assert c.post(f"/campaigns/PAR-RANK/submissions/{sa.id}/reopen-appraisal").status_code == 422
    assert c.post("/campaigns/PAR-RANK/survey", data={f"s-{sa.id}-3.1": "4"}).status_code == 422


def test_the_public_pages_are_open_to_everyone_and_list_published_campaigns(
    app, login_as, ranked, campaign
):
    from reform.services.publication import publish

    publish(ranked, actor=None)
    for who in ("admin", "evaluator", "leader", "head", "officer"):
        assert login_as(who).get("/public/PAR-RANK").status_code == 200
    listing = app.test_client().get("/public/").get_data(as_text=True)
    assert "/public/PAR-RANK" in listing
    assert "/public/PAR-TEST" not in listing  # not published
    assert app.test_client().get("/public/PAR-TEST").status_code == 404
    assert app.test_client().get("/public/PAR-RANK/v/2").status_code == 404


def test_staff_pages_say_whether_values_are_live_or_published(login_as, ranked):
    from reform.services.publication import publish

    c = login_as("secretariat")
    before = c.get("/campaigns/PAR-RANK/survey").get_data(as_text=True)
    assert "Số liệu tạm tính, chưa công bố" in before
    publish(ranked, actor=None)
    after = c.get("/campaigns/PAR-RANK/survey").get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 1" in after
    assert "disabled" in after  # survey inputs are read-only now


# ---- the commands ------------------------------------------------------------------------------


def test_reform_publish_refuses_until_ready_unless_forced(
    runner, make_unit, rules_framework, users
):
    build_ranked_campaign(make_unit, rules_framework, close=False)
    reread()
    refused = runner.invoke(args=["publish", "PAR-RANK"])
    assert refused.exit_code != 0
    assert "SA: appraisal not closed" in refused.output and "--force" in refused.output
    reread()
    assert db.session.scalar(select(func.count()).select_from(ResultsVersion)) == 0
    forced = runner.invoke(args=["publish", "PAR-RANK", "--force", "--reason", "Theo chỉ đạo"])
    assert forced.exit_code == 0, forced.output
    reread()
    version = db.session.scalar(select(ResultsVersion))
    assert "PAR-RANK version 1" in forced.output
    assert f"sha256 {version.content_hash}" in forced.output
    assert version.reason.startswith("Theo chỉ đạo") and "forced" in version.reason


def test_reform_publish_help_mentions_force(runner, app):
    result = runner.invoke(args=["publish", "--help"])
    assert "--force" in result.output and "readiness" in result.output


def _figures(row: dict) -> list:
    keys = ("self_points", "appraised_points", "survey_points", "points", "max_points", "index")
    return [row["rank"], row["unit_code"], row["unit_name"], *(row[k] for k in keys), row["band"]]


def test_reform_results_json_csv_and_xlsx_carry_the_same_figures(runner, tmp_path, ranked):
    from openpyxl import load_workbook

    live = runner.invoke(args=["results", "PAR-RANK"])
    assert live.exit_code == 0, live.output
    document = json.loads(live.stdout)
    assert document["published"] is False
    assert list(document) == ["campaign", "framework", "published", "blocks"]
    assert document["framework"] == {"code": "RULES", "version": 1}
    block = document["blocks"][0]
    assert (block["code"], block["name"]) == ("SBN", "Khối SBN")
    row = block["results"][0]
    assert list(row) == [
        "rank",
        "unit_code",
        "unit_name",
        "self_points",
        "appraised_points",
        "survey_points",
        "points",
        "max_points",
        "index",
        "band",
        "areas",
    ]
    assert _figures(row) == [
        1, "SB", "Sở Bình", "15.00", "14.50", "3.00", "17.50", "19.00", "92.11", "A"
    ]  # fmt: skip
    assert row["areas"] == [
        {"code": "1", "points": "4.50", "max_points": "5.00", "index": "90.00"},
        {"code": "2", "points": "10.00", "max_points": "10.00", "index": "100.00"},
        {"code": "3", "points": "3.00", "max_points": "4.00", "index": "75.00"},
    ]
    for result in block["results"]:
        for key in ("self_points", "appraised_points", "survey_points", "points", "index"):
            assert re.fullmatch(r"\d+\.\d\d", result[key]), (key, result[key])

    published = runner.invoke(args=["publish", "PAR-RANK"])
    assert published.exit_code == 0, published.output
    reread()
    version = db.session.scalar(select(ResultsVersion))
    out = runner.invoke(args=["results", "PAR-RANK", "--format", "json"])
    # Exactly the stored document, indented for people.
    assert json.loads(out.stdout) == json.loads(version.payload)
    assert (
        out.stdout == json.dumps(json.loads(version.payload), ensure_ascii=False, indent=2) + "\n"
    )
    assert version.content_hash in out.stderr
    rows = json.loads(version.payload)["blocks"][0]["results"]

    csv_out = runner.invoke(args=["results", "PAR-RANK", "--format", "csv"])
    read = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert list(read[0]) == [
        "block_code",
        "block_name",
        "rank",
        "unit_code",
        "unit_name",
        "self_points",
        "appraised_points",
        "survey_points",
        "points",
        "max_points",
        "index",
        "band",
    ]
    assert [[int(r["rank"]), *list(r.values())[3:]] for r in read] == [
        [r["rank"], r["unit_code"], r["unit_name"], *_figures(r)[3:]] for r in rows
    ]
    assert {r["block_code"] for r in read} == {"SBN"}

    xlsx = tmp_path / "results.xlsx"
    assert runner.invoke(args=["results", "PAR-RANK", "--format", "xlsx"]).exit_code != 0
    written = runner.invoke(args=["results", "PAR-RANK", "--format", "xlsx", "--output", str(xlsx)])
    assert written.exit_code == 0, written.output
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["SBN"]
    sheet = workbook["SBN"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(read[0])
    for cells, r in zip(values[1:], rows, strict=True):
        figures = [f"{Decimal(str(v)):.2f}" for v in cells[5:11]]
        assert [cells[2], cells[3], cells[4], *figures, cells[11]] == _figures(r)
    assert version.content_hash in workbook.properties.description


def test_reform_results_for_an_unknown_campaign(runner, app):
    result = runner.invoke(args=["results", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
