"""Appraisal side by side: required comment, live totals, explanation round trip, closing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Entry, ExplanationRequest, Submission
from reform.services.phases import today

FILLED = {
    "1.1": {"v": "Đúng hạn", "expl": "Kế hoạch đăng trên cổng"},
    "1.2": {"v": "yes"},
    "1.3": {"v": "2"},
    "2.1": {"n": "95", "d": "100", "expl": "Số liệu một cửa"},
    "2.2": {"n": "1", "d": "2"},
    "2.3": {"v": "3"},
    "2.4": {"v": "0"},
}


def post_self(client, submission, code, **fields):
    data = {f"ver-{code}": "0"} | {f"{k}-{code}": v for k, v in fields.items()}
    return client.post(
        f"/assessments/{submission.id}/criteria/{code}", data=data, headers={"HX-Request": "true"}
    )


def appraise(client, submission, code, version=0, comment=None, **fields):
    data = {f"ver-{code}": str(version)} | {f"{k}-{code}": v for k, v in fields.items()}
    if comment is not None:
        data[f"comment-{code}"] = comment
    return client.post(
        f"/appraisal/{submission.id}/criteria/{code}", data=data, headers={"HX-Request": "true"}
    )


@pytest.fixture
def submitted(login_as, submission, campaign, users):
    """The own unit's self-assessment filled and submitted; appraisal open; evaluator assigned."""
    from reform.services.assignments import assign

    officer, head = login_as("officer"), login_as("head")
    for code, fields in FILLED.items():
        assert post_self(officer, submission, code, **fields).status_code == 200
    assert head.post(f"/assessments/{submission.id}/approve").status_code == 303
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign(campaign, users["evaluator"], submission=submission, actor=users["secretariat"])
    db.session.rollback()
    return db.session.get(Submission, submission.id)


def fresh(submission) -> Submission:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def test_side_by_side_page(login_as, submitted):
    html = login_as("evaluator").get(f"/appraisal/{submitted.id}").get_data(as_text=True)
    assert "Kế hoạch đăng trên cổng" in html  # the unit's explanation beside the input
    assert 'name="v-1.1"' in html and 'value="Đúng hạn" checked' in html  # pre-filled


def test_same_points_need_no_comment_different_points_do(login_as, submitted):
    c = login_as("evaluator")
    assert appraise(c, submitted, "1.2", v="yes").status_code == 200
    r = appraise(c, submitted, "1.3", v="1")
    assert r.status_code == 422 and 'id="aerr-1.3"' in r.get_data(as_text=True)
    assert fresh(submitted).appraised_count == 1
    r = appraise(c, submitted, "1.3", v="1", comment="Chỉ hoàn thành một nửa")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="summary"' in html and "-1,00" in html  # the difference, live
    s = fresh(submitted)
    assert s.appraised_points == s.self_points - 1
    assert s.points == s.appraised_points  # no survey yet


def test_only_assigned_evaluators_appraise(login_as, submitted, make_user, units):
    other = make_user("eval2", ["evaluator"])
    c = login_as("evaluator")
    assert c.get(f"/appraisal/{submitted.id}").status_code == 200
    from flask import current_app
    from helpers import login

    c2 = current_app.test_client()
    login(c2, "eval2")
    assert c2.get(f"/appraisal/{submitted.id}").status_code == 404
    assert appraise(c2, submitted, "1.2", v="no").status_code == 404
    for who in ("officer", "head", "leader"):
        assert login_as(who).get(f"/appraisal/{submitted.id}").status_code in (403, 404)
    assert login_as("secretariat").get(f"/appraisal/{submitted.id}").status_code == 200
    assert appraise(login_as("secretariat"), submitted, "1.2", v="no").status_code == 403
    assert other.id


def test_stale_appraisal_is_refused(login_as, submitted):
    c = login_as("evaluator")
    appraise(c, submitted, "1.2", v="no", comment="Chưa có báo cáo quý IV")
    r = appraise(c, submitted, "1.2", version=0, v="yes")
    assert r.status_code == 409


def test_explanation_round_trip(login_as, submitted):
    evaluator, officer = login_as("evaluator"), login_as("officer")
    due = (today() + timedelta(days=3)).isoformat()
    r = evaluator.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "Bổ sung sổ theo dõi hồ sơ", "due_on": due},
    )
    assert r.status_code == 303
    request = db.session.scalar(select(ExplanationRequest))
    assert request.status == "open"
    # The unit sees exactly that criterion reopened, with the message, and answers.
    page = officer.get(f"/assessments/{submitted.id}?area=2").get_data(as_text=True)
    assert "Bổ sung sổ theo dõi hồ sơ" in page and "answer-" in page
    assert (
        officer.post(
            f"/assessments/{submitted.id}/explanations/{request.id}/answer", data={"answer": ""}
        ).status_code
        == 422
    )
    r = officer.post(
        f"/assessments/{submitted.id}/explanations/{request.id}/answer",
        data={"answer": "Đã bổ sung sổ theo dõi"},
    )
    assert r.status_code == 303
    db.session.rollback()
    assert db.session.get(ExplanationRequest, request.id).status == "answered"
    # Answered: the unit cannot answer twice; the evaluator sees the thread and decides.
    assert (
        officer.post(
            f"/assessments/{submitted.id}/explanations/{request.id}/answer",
            data={"answer": "lần nữa"},
        ).status_code
        == 403
    )
    html = evaluator.get(f"/appraisal/{submitted.id}?area=2").get_data(as_text=True)
    assert "Đã bổ sung sổ theo dõi" in html
    r = evaluator.post(
        f"/appraisal/{submitted.id}/explanations/{request.id}/decide",
        data={"decision": "Chấp nhận"},
    )
    assert r.status_code == 303
    db.session.rollback()
    assert db.session.get(ExplanationRequest, request.id).status == "closed"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("explanation_%"))
    ).all()
    assert actions == ["explanation_requested", "explanation_answered", "explanation_decided"]


def test_explanation_request_needs_message_and_future_deadline(login_as, submitted):
    c = login_as("evaluator")
    r = c.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "", "due_on": today().isoformat()},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    # Without script the refusal goes back to the page (test_feedback.py), never saved either.
    r = c.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "x", "due_on": (today() - timedelta(days=1)).isoformat()},
    )
    assert r.status_code == 303
    assert db.session.scalar(select(ExplanationRequest)) is None


def test_closed_appraisal_is_read_only(login_as, submitted, users):
    submitted.appraisal_closed_at = submitted.updated_at
    db.session.commit()
    assert appraise(login_as("evaluator"), submitted, "1.2", v="no", comment="x").status_code == 403
    assert db.session.scalar(select(Entry).where(Entry.stage == "appraisal")) is None


def test_appraisal_outside_its_phase_is_refused(login_as, submitted, campaign):
    campaign.appraisal_opens_on = today() + timedelta(days=1)
    db.session.commit()
    assert appraise(login_as("evaluator"), submitted, "1.2", v="yes").status_code == 403


def test_appraised_values_are_audited(login_as, submitted, users):
    c = login_as("evaluator")
    appraise(c, submitted, "2.3", v="1", comment="Chỉ một sáng kiến được công nhận")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.stage == "appraisal"))
    assert (event.criterion_code, event.from_value, event.to_value) == ("2.3", None, "1")
    assert event.to_points == "1.00" and event.actor_id == users["evaluator"].id
    assert event.reason == "Chỉ một sáng kiến được công nhận"
    assert Decimal(fresh(submitted).appraised_points) == Decimal(fresh(submitted).self_points) - 1


def test_explanation_past_its_deadline_cannot_be_answered(login_as, submitted):
    evaluator, officer = login_as("evaluator"), login_as("officer")
    r = evaluator.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "Bổ sung sổ theo dõi", "due_on": today().isoformat()},
    )
    assert r.status_code == 303
    request = db.session.scalar(select(ExplanationRequest))
    # The deadline passes: the answer form gives way to a notice and a late answer is refused.
    request.due_on = today() - timedelta(days=1)
    db.session.commit()
    page = officer.get(f"/assessments/{submitted.id}?area=2").get_data(as_text=True)
    assert f'id="answer-{request.id}"' not in page
    assert "ask the council to request it again" in page or "đề nghị Hội đồng" in page
    r = officer.post(
        f"/assessments/{submitted.id}/explanations/{request.id}/answer",
        data={"answer": "Muộn"},
    )
    assert r.status_code == 422
    db.session.rollback()
    assert db.session.get(ExplanationRequest, request.id).status == "open"
    assert db.session.get(ExplanationRequest, request.id).answer is None
    # The council decides it and may ask again with a new deadline.
    r = evaluator.post(
        f"/appraisal/{submitted.id}/explanations/{request.id}/decide",
        data={"decision": "Quá hạn, yêu cầu lại"},
    )
    assert r.status_code == 303
    r = evaluator.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "Gửi lại", "due_on": (today() + timedelta(days=2)).isoformat()},
    )
    assert r.status_code == 303
