"""Every path that changes a value, points, state, phase, assignment or publication is logged."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Submission
from reform.services.phases import today

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501


def events() -> list[tuple]:
    db.session.rollback()
    return [
        (e.action, e.stage, e.criterion_code, e.from_value, e.to_value, e.to_points, e.reason)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def logged(action, stage=None, code=None, to_value=None, reason=None) -> bool:
    """True when an event matches every given field."""
    for a, s, c, _f, t, _p, r in events():
        if a != action:
            continue
        if stage is not None and s != stage:
            continue
        if code is not None and c != code:
            continue
        if to_value is not None and t != to_value:
            continue
        if reason is not None and r != reason:
            continue
        return True
    return False


def test_every_changing_path_lands_in_the_log(login_as, campaign, submission, users, units):
    from reform.services import publication
    from reform.services.appeals import AppealItem, decide, file_appeals
    from reform.services.assignments import assign, recuse, unassign
    from reform.services.campaigns import PhaseDates, update_dates
    from reform.services.scores_import import import_scores
    from reform.services.survey import save_survey

    officer, head = login_as("officer"), login_as("head")
    # Self value through autosave, through the no-JavaScript area form, and by import.
    officer.post(
        f"/assessments/{submission.id}/criteria/1.2",
        data={"ver-1.2": "0", "v-1.2": "yes"},
        headers={"HX-Request": "true"},
    )
    assert logged("value_changed", "self", "1.2", "yes")
    officer.post(f"/assessments/{submission.id}/areas/1", data={"ver-1.3": "0", "v-1.3": "1,5"})
    assert logged("value_changed", "self", "1.3", "1.5")
    csv = "unit_code,criterion_code,value,note\nSTP,1.1,Đúng hạn,\nSTP,2.1,95/100,\n"
    csv += "STP,2.2,1/2,\nSTP,2.3,3,\nSTP,2.4,0,\n"
    assert import_scores(campaign, csv.encode(), stage="self", filename="tu-danh-gia.csv").ok
    assert logged("value_changed", "self", "2.1", "95/100", reason="tu-danh-gia.csv")
    # Evidence in and out.
    sid = submission.id
    page = officer.get(f"/assessments/{sid}").get_data(as_text=True)
    criterion_id = re.search(r'id="evidence-(\d+)"', page).group(1)
    officer.post(
        f"/assessments/{sid}/evidence/{criterion_id}",
        data={"files": (BytesIO(PDF), "minh-chung.pdf")},
        content_type="multipart/form-data",
    )
    assert logged("evidence_added", to_value="minh-chung.pdf")
    evidence_id = re.search(
        r"/evidence/(\d+)/remove", officer.get(f"/assessments/{sid}").get_data(as_text=True)
    ).group(1)
    officer.post(f"/assessments/{sid}/evidence/{evidence_id}/remove")
    assert logged("evidence_removed")
    # Workflow states.
    officer.post(
        f"/assessments/{sid}/criteria/1.1",
        data={"ver-1.1": "1", "v-1.1": "Đúng hạn", "expl-1.1": "Đã đăng tải"},
        headers={"HX-Request": "true"},
    )
    officer.post(
        f"/assessments/{sid}/criteria/2.1",
        data={"ver-2.1": "1", "n-2.1": "95", "d-2.1": "100", "expl-2.1": "Số liệu"},
        headers={"HX-Request": "true"},
    )
    officer.post(f"/assessments/{sid}/send")
    head.post(f"/assessments/{sid}/return", data={"comment": "Xem lại 1.3"})
    head.post(f"/assessments/{sid}/approve")
    head.post(f"/assessments/{sid}/withdraw")
    head.post(f"/assessments/{sid}/approve")
    for state in ("pending_approval", "returned", "submitted", "draft"):
        assert logged("status_changed", to_value=state), state
    # Phase dates move into appraisal.
    campaign = db.session.get(type(campaign), campaign.id)
    update_dates(
        campaign,
        PhaseDates(
            today() - timedelta(days=10),
            today() - timedelta(days=1),
            today(),
            today() + timedelta(days=10),
        ),
        actor=users["secretariat"],
        reason="Lùi lịch",
    )
    assert logged("phase_changed", "appraisal_opens_on", reason="Lùi lịch")
    # Assignments and a recusal.
    ward_eval = users["evaluator"]
    submission = db.session.get(Submission, sid)
    first = assign(campaign, ward_eval, submission=submission, actor=users["secretariat"])
    assert logged("assignment_added")
    unassign(first, users["secretariat"])
    assert logged("assignment_removed")
    assign(campaign, ward_eval, submission=submission, actor=users["secretariat"])
    # The council's value from the page and by import, and survey points from the grid.
    evaluator = login_as("evaluator")
    evaluator.post(
        f"/appraisal/{sid}/criteria/1.3",
        data={"ver-1.3": "0", "v-1.3": "1", "comment-1.3": "Thiếu minh chứng"},
        headers={"HX-Request": "true"},
    )
    assert logged("value_changed", "appraisal", "1.3", "1", reason="Thiếu minh chứng")
    council = "unit_code,criterion_code,value,note\nSTP,2.3,1,Chỉ một sáng kiến\n"
    assert import_scores(campaign, council.encode(), stage="appraisal", filename="tham-dinh.csv").ok
    assert logged("value_changed", "appraisal", "2.3", "1", reason="tham-dinh.csv")
    other = db.session.scalar(
        select(Submission).where(Submission.campaign_id == campaign.id, Submission.id != sid)
    )
    save_survey(
        campaign, {f"s-{sid}-3.1": "3,5", f"s-{other.id}-3.1": "3"}, actor=users["secretariat"]
    )
    assert logged("value_changed", "survey", "3.1", "3.5")
    recuse(
        ward_eval,
        db.session.get(Submission, sid),
        "Người thân làm việc ở đơn vị",
        users["evaluator"],
    )
    assert logged("recused")
    # Closing appraisal, publishing and an accepted appeal.
    for s in db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id)):
        if s.status == "submitted":
            publication.close_appraisal(s, actor=users["secretariat"])
    assert logged("appraisal_closed")
    publication.publish(
        db.session.get(type(campaign), campaign.id),
        actor=users["secretariat"],
        force=True,
        reason="Công bố",
    )
    assert logged("published")
    appeal = file_appeals(
        db.session.get(Submission, sid),
        [AppealItem("1.3", "Đã có đủ minh chứng")],
        actor=users["head"],
    )[0]
    assert logged("appeal_filed")
    decide(appeal, accept=True, value="2", decision="Chấp nhận", actor=users["secretariat"])
    assert logged("appeal_accepted")
    assert logged("value_changed", "appraisal", "1.3", "2")
    # Every value event says who, and a points change says from what to what.
    for action, stage, code, _f, _t, to_points, _r in events():
        if action == "value_changed" and stage != "survey" and code:
            assert to_points is not None or _t in (None, "na"), (code, stage)
