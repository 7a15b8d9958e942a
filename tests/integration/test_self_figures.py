"""A self-assessment is measured against the points the unit can score itself, not the survey's."""

from __future__ import annotations

import re

from reform.extensions import db
from reform.models import Submission

# Every criterion of the department at its max: 15 points; area 3 (survey, 4 points) is the
# council's to enter, so the whole max is 19.
FULL = {
    "1.1": {"v": "Đúng hạn"},
    "1.2": {"v": "yes"},
    "1.3": {"v": "2"},
    "2.1": {"n": "10", "d": "10"},
    "2.2": {"n": "4", "d": "4"},
    "2.3": {"v": "5"},
    "2.4": {"v": "0"},
}


def _fill(client, submission, values) -> str:
    html = ""
    for code, fields in values.items():
        data = {f"ver-{code}": "0"} | {f"{name}-{code}": value for name, value in fields.items()}
        r = client.post(
            f"/assessments/{submission.id}/criteria/{code}",
            data=data,
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200, r.get_data(as_text=True)
        html = r.get_data(as_text=True)
    return html


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def test_every_point_the_unit_can_score_is_100_percent_and_says_of_what(login_as, submission):
    c = login_as("officer")
    saved = _fill(c, submission, FULL)
    # The summary after a save, the form page and the printed report agree.
    for html in (saved, c.get(f"/assessments/{submission.id}").get_data(as_text=True)):
        assert _text(html, "sum-points") == "15,00"
        assert _text(html, "sum-index") == "100,00%"
        assert _text(html, "sum-band") == "A"
        assert _text(html, "sum-note") == (
            "Tính trên tổng điểm tự chấm được 15,00; 4,00 điểm điều tra xã hội học không tính "
            "vào đây."
        )
    report = c.get(f"/assessments/{submission.id}/report").get_data(as_text=True)
    assert "15,00 / 15,00" in report and "100,00%" in report
    assert "tổng điểm tự chấm được 15,00" in report
    db.session.rollback()
    stored = db.session.get(Submission, submission.id)
    assert (stored.self_index, stored.self_band) == (100, "A")
    # The campaign overview shows the same self index.
    overview = login_as("secretariat").get("/campaigns/PAR-TEST").get_data(as_text=True)
    assert "100,00% · A" in overview


def test_half_the_scorable_points_is_half_not_less(login_as, submission):
    c = login_as("officer")
    html = _fill(
        c, submission, {"2.1": {"n": "10", "d": "10"}, "2.3": {"v": "5"}, "1.2": {"v": "no"}}
    )
    # 6 of 15 (2.4 counts 0 until filled): 40 %, not 6 of 19 = 31,58 %.
    assert _text(html, "sum-points") == "6,00"
    assert _text(html, "sum-index") == "40,00%"


def test_no_note_where_the_framework_has_no_survey(login_as, make_unit, users, framework):
    from datetime import timedelta

    from reform.services.campaigns import PhaseDates, create_campaign
    from reform.services.phases import today

    day = today()
    campaign = create_campaign(
        "SMALL-TEST",
        "Kỳ không có điều tra",
        framework,
        PhaseDates(day - timedelta(days=1), day + timedelta(days=5)),
        units=[users["officer"].unit],
    )
    submission = db.session.scalar(
        db.select(Submission).where(Submission.campaign_id == campaign.id)
    )
    html = login_as("officer").get(f"/assessments/{submission.id}").get_data(as_text=True)
    assert 'id="sum-note"' not in html
