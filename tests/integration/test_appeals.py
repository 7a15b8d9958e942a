"""Appeals (phúc khảo): filing within the window, the council's decision, new versions."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import login
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import (
    Appeal,
    AuditEvent,
    Campaign,
    Criterion,
    Entry,
    Evidence,
    ResultsVersion,
    Submission,
    Unit,
    User,
)
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
NAMES = {"SA": "Sở An", "SB": "Sở Bình", "SC": "Sở Cường"}
# The council's 1.3 puts Sở Bình first (17.5), Sở An second (17), Sở Cường third (16.5).
APPRAISED_13 = {"SA": "1", "SB": "1.5", "SC": "0.5"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


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


def council_entry(submission: Submission, code: str) -> Entry | None:
    reread()
    return db.session.scalar(
        select(Entry)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(
            Entry.submission_id == submission.id,
            Entry.stage == "appraisal",
            Criterion.code == code,
        )
    )


def count(model) -> int:
    reread()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def published(app, make_unit, make_user, rules_framework, users) -> Campaign:
    """Three departments in one block, appraised, surveyed, closed and published (version 1)."""
    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today
    from reform.services.publication import close_appraisal, publish
    from reform.services.scores_import import import_scores

    members = {code: make_unit(code, name, block_code="SBN") for code, name in NAMES.items()}
    day = today()
    campaign = create_campaign(
        "PAR-RANK",
        "Chỉ số CCHC các sở 2025",
        rules_framework,
        PhaseDates(day - timedelta(days=20), day - timedelta(days=10)),
        units=list(members.values()),
    )
    files = {
        "self": HEADER + "".join(f"{u},{c},{v},\n" for u in NAMES for c, v in SELF_VALUES.items()),
        "appraisal": HEADER + "".join(f"{u},1.3,{v},Thiếu\n" for u, v in APPRAISED_13.items()),
        "survey": HEADER + "".join(f"{u},3.1,3,\n" for u in NAMES),
    }
    for stage, text in files.items():
        assert import_scores(campaign, text.encode(), stage=stage, filename=f"{stage}.csv").ok
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        submission.status = SUBMITTED
    db.session.commit()
    for submission in db.session.scalars(
        select(Submission).where(Submission.campaign_id == campaign.id)
    ):
        close_appraisal(submission, actor=None)
    make_user("head_sc", ["head"], members["SC"])
    make_user("officer_sc", ["officer"], members["SC"])
    make_user("head_sa", ["head"], members["SA"])
    publish(campaign, actor=users["secretariat"])
    return campaign


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


def file_appeal(client, submission, code="1.3", reason="Đã có biên bản họp", files=()):
    data = {"criteria": [code], f"reason-{code}": reason}
    if files:
        data[f"evidence-{code}"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/appeals/new/{submission.id}", data=data, content_type="multipart/form-data"
    )


def ranks(document: dict) -> list[tuple[str, int, str]]:
    return [(r["unit_code"], r["rank"], r["points"]) for r in document["blocks"][0]["results"]]


# ---- an accepted appeal and version 2 --------------------------------------------------------


def test_an_accepted_appeal_moves_ranks_in_a_new_version_with_a_change_log(
    app, login_as, published, users
):
    sc = submission_of(published, "SC")
    head = signed_in(app, "head_sc")
    form = head.get(f"/appeals/new/{sc.id}")
    assert form.status_code == 200 and 'value="1.3"' in form.get_data(as_text=True)
    filed = file_appeal(head, sc, files=[("bien-ban.pdf", PDF)])
    assert filed.status_code == 303
    reread()
    appeal = db.session.scalar(select(Appeal))
    assert (appeal.status, appeal.criterion.code, appeal.submission_id) == ("filed", "1.3", sc.id)
    attached = db.session.scalar(select(Evidence).where(Evidence.stage == "appeal"))
    assert attached.filename == "bien-ban.pdf" and attached.submission_id == sc.id
    version_1 = db.session.scalar(select(ResultsVersion))
    v1_payload = version_1.payload

    council = login_as("secretariat")
    listing = council.get("/campaigns/PAR-RANK/appeals").get_data(as_text=True)
    assert "Đã có biên bản họp" in listing and "bien-ban.pdf" in listing
    decided = council.post(
        f"/campaigns/PAR-RANK/appeals/{appeal.id}/decide",
        data={"outcome": "accept", "value": "2"},
    )
    assert decided.status_code == 303
    reread()
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.new_value) == ("accepted", "2")
    assert appeal.decided_by_id == users["secretariat"].id
    entry = council_entry(sc, "1.3")
    assert (entry.value, str(entry.points)) == ("2", "2.0000")
    changed = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "value_changed",
            AuditEvent.stage == "appraisal",
            AuditEvent.reason.like(f"appeal #{appeal.id}:%"),
        )
    )
    assert (changed.from_value, changed.to_value, changed.from_points, changed.to_points) == (
        "0.5",
        "2",
        "0.50",
        "2.00",
    )
    # Live values moved, the published version did not.
    assert submission_of(published, "SC").points == 18
    anonymous = app.test_client()
    assert anonymous.get("/public/PAR-RANK/results.json").data == v1_payload.encode()

    republished = council.post(
        "/campaigns/PAR-RANK/appeals/republish", data={"reason": "Phúc khảo"}
    )
    assert republished.status_code == 303
    assert republished.headers["Location"] == "/public/PAR-RANK/v/2"
    reread()
    v1, v2 = db.session.scalars(select(ResultsVersion).order_by(ResultsVersion.version)).all()
    assert v1.payload == v1_payload and v2.version == 2
    assert ranks(json.loads(v1.payload)) == [
        ("SB", 1, "17.50"),
        ("SA", 2, "17.00"),
        ("SC", 3, "16.50"),
    ]
    assert ranks(json.loads(v2.payload)) == [
        ("SC", 1, "18.00"),
        ("SB", 2, "17.50"),
        ("SA", 3, "17.00"),
    ]
    log = json.loads(v2.change_log)
    assert (log["from_version"], log["version"], log["reason"]) == (1, 2, "Phúc khảo")
    assert log["appeals"] == [
        {
            "id": appeal.id,
            "unit_code": "SC",
            "criterion": "1.3",
            "status": "accepted",
            "decision": None,
        }
    ]
    moved = {u["unit_code"]: u for u in log["units"]}
    assert set(moved) == {"SA", "SB", "SC"}
    assert moved["SC"]["criteria"] == [
        {
            "code": "1.3",
            "name": "Điểm đánh giá của Hội đồng",
            "appeal": appeal.id,
            "from_value": "0.5",
            "to_value": "2",
            "from_points": "0.50",
            "to_points": "2.00",
        }
    ]
    assert moved["SC"]["points"] == {"from": "16.50", "to": "18.00"}
    assert moved["SC"]["index"] == {"from": "86.84", "to": "94.74"}
    assert moved["SC"]["rank"] == {"from": 3, "to": 1}
    assert moved["SC"]["band"] == {"from": "B", "to": "A"}
    assert moved["SB"]["rank"] == {"from": 1, "to": 2} and moved["SB"]["criteria"] == []
    assert moved["SB"]["points"] == {"from": "17.50", "to": "17.50"}
    assert moved["SA"]["rank"] == {"from": 2, "to": 3}

    # The public page shows version 2 and its change log; version 1 stays viewable as it was.
    page = anonymous.get("/public/PAR-RANK").get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 2" in page and v2.content_hash in page
    assert "Phúc khảo" in page and "/public/PAR-RANK/v/1" in page
    assert "<del>3</del> → <ins>1</ins>" in page
    old = anonymous.get("/public/PAR-RANK/v/1").get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 1" in old and v1.content_hash in old
    assert "16,50" in old and "18,00" not in old
    served = anonymous.get("/public/PAR-RANK/v/1/results.json").data
    assert hashlib.sha256(served).hexdigest() == v1.content_hash
    latest = anonymous.get("/public/PAR-RANK/results.json").data
    assert hashlib.sha256(latest).hexdigest() == v2.content_hash
    # The unit sees the decision.
    mine = head.get(f"/appeals/new/{sc.id}").get_data(as_text=True)
    assert "Đã chấp nhận" in mine


def test_the_command_publishes_the_next_version_after_decisions(runner, published):
    from reform.services.appeals import AppealItem, decide, file_appeals

    sc = submission_of(published, "SC")
    head = db.session.scalar(select(User).where(User.username == "head_sc"))
    secretariat = db.session.scalar(select(User).where(User.username == "secretariat"))
    (appeal,) = file_appeals(sc, [AppealItem("1.3", "Đủ hồ sơ")], actor=head)
    decide(appeal, accept=True, value="1,5", decision="Chấp nhận một phần", actor=secretariat)
    reread()
    without_reason = runner.invoke(args=["publish", "PAR-RANK"])
    assert without_reason.exit_code != 0 and "--reason" in without_reason.output
    result = runner.invoke(args=["publish", "PAR-RANK", "--reason", "Phúc khảo đợt 1"])
    assert result.exit_code == 0, result.output
    reread()
    v2 = db.session.scalar(select(ResultsVersion).where(ResultsVersion.version == 2))
    assert "PAR-RANK version 2" in result.output and v2.content_hash in result.output
    log = json.loads(v2.change_log)
    assert log["units"][0]["criteria"][0]["to_points"] == "1.50"
    assert log["appeals"][0]["decision"] == "Chấp nhận một phần"


# ---- rejecting --------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_and_changes_nothing(app, login_as, published):
    sc = submission_of(published, "SC")
    assert file_appeal(signed_in(app, "head_sc"), sc).status_code == 303
    reread()
    appeal = db.session.scalar(select(Appeal))
    council = login_as("admin")
    url = f"/campaigns/PAR-RANK/appeals/{appeal.id}/decide"
    refused = council.post(url, data={"outcome": "reject", "decision": "  "})
    assert refused.status_code == 422
    assert f'id="decision-{appeal.id}-error"' in refused.get_data(as_text=True)
    reread()
    assert db.session.get(Appeal, appeal.id).status == "filed"
    assert (
        council.post(url, data={"outcome": "reject", "decision": "Không có căn cứ"}).status_code
        == 303
    )
    reread()
    appeal = db.session.get(Appeal, appeal.id)
    assert (appeal.status, appeal.decision, appeal.new_value) == (
        "rejected",
        "Không có căn cứ",
        None,
    )
    assert council_entry(sc, "1.3").value == "0.5"
    assert submission_of(published, "SC").points == Decimal("16.5")
    rejected = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appeal_rejected"))
    assert rejected.to_value == "Không có căn cứ" and rejected.submission_id == sc.id
    # Nothing moved, so there is no new version to publish.
    again = council.post("/campaigns/PAR-RANK/appeals/republish", data={"reason": "x"})
    assert again.status_code == 422
    assert count(ResultsVersion) == 1
    # A decided appeal cannot be decided again.
    assert council.post(url, data={"outcome": "accept", "value": "2"}).status_code == 422


def test_an_acceptance_checks_the_value_and_the_reason(app, login_as, published):
    sc = submission_of(published, "SC")
    assert file_appeal(signed_in(app, "head_sc"), sc).status_code == 303
    reread()
    appeal = db.session.scalar(select(Appeal))
    council = login_as("secretariat")
    url = f"/campaigns/PAR-RANK/appeals/{appeal.id}/decide"
    # Off the 0.25 step, then above the maximum: the criterion's own rule refuses them.
    for bad in ("1.1", "3", ""):
        response = council.post(url, data={"outcome": "accept", "value": bad})
        assert response.status_code == 422, bad
        assert f'id="value-{appeal.id}-error"' in response.get_data(as_text=True)
    # 1.75 differs from the unit's own 2 points: the council must say why.
    response = council.post(url, data={"outcome": "accept", "value": "1,75"})
    assert response.status_code == 422
    assert f'id="decision-{appeal.id}-error"' in response.get_data(as_text=True)
    assert council.post(url, data={"outcome": "", "value": "2"}).status_code == 422
    assert council_entry(sc, "1.3").value == "0.5"
    ok = council.post(url, data={"outcome": "accept", "value": "1,75", "decision": "Một phần"})
    assert ok.status_code == 303
    entry = council_entry(sc, "1.3")
    assert (entry.value, entry.note) == ("1.75", "Một phần")


# ---- who and when ------------------------------------------------------------------------------


def test_appeals_are_filed_only_within_the_window(app, published):
    sc = submission_of(published, "SC")
    campaign = db.session.get(Campaign, published.id)
    assert campaign.appeal_days == 10
    campaign.published_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=11)
    db.session.commit()
    head = signed_in(app, "head_sc")
    page = head.get(f"/appeals/new/{sc.id}").get_data(as_text=True)
    assert "Thời hạn phúc khảo đã kết thúc" in page and 'name="criteria"' not in page
    assert file_appeal(head, sc).status_code == 422
    assert count(Appeal) == 0
    # The last day of the window still counts.
    campaign = db.session.get(Campaign, published.id)
    campaign.published_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=10)
    db.session.commit()
    assert file_appeal(head, sc).status_code == 303
    assert count(Appeal) == 1


def test_the_window_follows_the_campaigns_setting(app, published):
    sc = submission_of(published, "SC")
    campaign = db.session.get(Campaign, published.id)
    campaign.appeal_days = 20
    campaign.published_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=15)
    db.session.commit()
    assert file_appeal(signed_in(app, "head_sc"), sc).status_code == 303


def test_only_the_head_of_the_unit_files(app, login_as, published):
    sc = submission_of(published, "SC")
    assert signed_in(app, "head_sa").get(f"/appeals/new/{sc.id}").status_code == 404
    assert file_appeal(signed_in(app, "head_sa"), sc).status_code == 404
    assert file_appeal(signed_in(app, "officer_sc"), sc).status_code == 403
    for who in ("secretariat", "admin", "leader", "evaluator"):
        assert file_appeal(login_as(who), sc).status_code == 403, who
    anonymous = file_appeal(app.test_client(), sc)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert count(Appeal) == 0


def test_before_publication_there_is_nothing_to_appeal(app, login_as, submission):
    head = login_as("head")
    page = head.get(f"/appeals/new/{submission.id}")
    assert page.status_code == 200 and 'name="criteria"' not in page.get_data(as_text=True)
    assert file_appeal(head, submission, code="1.2").status_code == 422
    assert count(Appeal) == 0


def test_a_filing_is_checked_whole(app, published):
    sc = submission_of(published, "SC")
    head = signed_in(app, "head_sc")
    nothing = head.post(f"/appeals/new/{sc.id}", data={})
    assert nothing.status_code == 422
    no_reason = file_appeal(head, sc, reason="")
    assert no_reason.status_code == 422
    assert 'id="reason-1.3-error"' in no_reason.get_data(as_text=True)
    bad_file = file_appeal(head, sc, files=[("note.pdf", b"not a pdf")])
    assert bad_file.status_code == 422
    assert 'id="evidence-1.3-error"' in bad_file.get_data(as_text=True)
    not_applicable = file_appeal(head, sc, code="1.4")  # for wards only
    assert not_applicable.status_code == 422
    assert count(Appeal) == 0 and count(Evidence) == 0
    assert file_appeal(head, sc).status_code == 303
    # A second appeal on the same criterion waits for the first to be decided.
    assert file_appeal(head, sc).status_code == 422
    assert count(Appeal) == 1
    filed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "appeal_filed"))
    assert (filed.criterion_code, filed.to_value) == ("1.3", "Đã có biên bản họp")
