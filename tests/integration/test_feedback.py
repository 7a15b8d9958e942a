"""Feedback where the user is looking: refusals beside their field, in place, without re-posting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import test_appraisal
from sqlalchemy import select

from reform.extensions import db
from reform.models import Entry, ExplanationRequest
from reform.services.phases import today

# The appraisal tests' fixture: a submitted self-assessment, appraisal open, evaluator assigned.
submitted = test_appraisal.submitted

HX = {"HX-Request": "true"}


def requests_made() -> list[ExplanationRequest]:
    db.session.rollback()
    return list(db.session.scalars(select(ExplanationRequest)))


# ---- explanation requests: refused in place (htmx) or back on the page (no script) -----------


def test_an_empty_request_answers_422_in_place_with_the_message_beside_the_field(
    login_as,
    submitted,
):
    evaluator = login_as("evaluator")
    url = f"/appraisal/{submitted.id}/criteria/2.1/explanations"
    due = (today() + timedelta(days=3)).isoformat()
    response = evaluator.post(url, data={"message": "  ", "due_on": due}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # Only the criterion's thread, swapped where the evaluator is: no page, the area untouched.
    assert "<html" not in html and 'id="areas"' not in html
    assert '<details class="request" open>' in html
    assert 'id="request-2.1-error"' in html and 'aria-invalid="true"' in html
    assert "Hãy nêu nội dung đơn vị cần giải trình hoặc bổ sung." in html
    # The deadline typed stays, and focus goes to the field to fix.
    assert f'value="{due}"' in html and "autofocus" in html
    assert requests_made() == []


def test_a_past_deadline_is_said_beside_the_deadline_and_the_message_is_kept(
    login_as,
    submitted,
):
    evaluator = login_as("evaluator")
    url = f"/appraisal/{submitted.id}/criteria/2.1/explanations"
    past = (today() - timedelta(days=1)).isoformat()
    response = evaluator.post(url, data={"message": "Bổ sung sổ", "due_on": past}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="request-2.1-due-error"' in html and "Hãy chọn thời hạn từ hôm nay trở đi." in html
    assert ">Bổ sung sổ</textarea>" in html
    assert requests_made() == []


def test_a_request_sent_with_htmx_shows_in_its_thread_at_once(login_as, submitted):
    evaluator = login_as("evaluator")
    url = f"/appraisal/{submitted.id}/criteria/2.1/explanations"
    due = (today() + timedelta(days=3)).isoformat()
    response = evaluator.post(url, data={"message": "Bổ sung sổ", "due_on": due}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Bổ sung sổ" in html
    assert "Đã yêu cầu đơn vị giải trình." in html
    assert [r.message for r in requests_made()] == ["Bổ sung sổ"]


def test_without_script_a_refused_request_redirects_back_to_its_area_with_the_message(
    login_as,
    submitted,
):
    evaluator = login_as("evaluator")
    url = f"/appraisal/{submitted.id}/criteria/2.1/explanations"
    past = (today() - timedelta(days=1)).isoformat()
    response = evaluator.post(url, data={"message": "Bổ sung sổ", "due_on": past})
    # A redirect: reloading the page it leads to does not post again.
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/appraisal/{submitted.id}?area=2#a-2.1")
    html = evaluator.get(f"/appraisal/{submitted.id}?area=2").get_data(as_text=True)
    assert 'id="request-2.1-due-error"' in html and "Hãy chọn thời hạn từ hôm nay trở đi." in html
    assert ">Bổ sung sổ</textarea>" in html and f'value="{past}"' in html
    # Said once: the next view of the page is clean again.
    again = evaluator.get(f"/appraisal/{submitted.id}?area=2").get_data(as_text=True)
    assert "request-2.1-due-error" not in again and ">Bổ sung sổ</textarea>" not in again
    assert requests_made() == []


def test_without_script_an_empty_decision_redirects_back_with_the_message(
    login_as,
    submitted,
):
    evaluator = login_as("evaluator")
    due = (today() + timedelta(days=3)).isoformat()
    evaluator.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations",
        data={"message": "Bổ sung sổ", "due_on": due},
    )
    found = requests_made()[0]
    url = f"/appraisal/{submitted.id}/explanations/{found.id}/decide"
    response = evaluator.post(url, data={"decision": ""})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("?area=2#a-2.1")
    html = evaluator.get(f"/appraisal/{submitted.id}?area=2").get_data(as_text=True)
    assert f'id="decision-{found.id}-error"' in html
    inline = evaluator.post(url, data={"decision": ""}, headers=HX)
    assert inline.status_code == 422
    assert f'id="decision-{found.id}-error"' in inline.get_data(as_text=True)
    assert requests_made()[0].status == "open"


def test_a_refusal_kept_for_one_submission_is_not_shown_on_another(
    login_as,
    submitted,
    campaign,
    units,
):
    from reform.models import Submission

    evaluator = login_as("admin")
    evaluator.post(
        f"/appraisal/{submitted.id}/criteria/2.1/explanations", data={"message": "", "due_on": ""}
    )
    other = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )
    html = evaluator.get(f"/appraisal/{other.id}?area=2").get_data(as_text=True)
    assert "request-2.1-error" not in html


# ---- a section declared not applicable -------------------------------------------------------


def save_section(client, submission, **fields):
    data = {"ver-2": "0"} | {f"{k}-2": v for k, v in fields.items()}
    return client.post(f"/assessments/{submission.id}/criteria/2", data=data, headers=HX)


def self_entry(submission, code) -> Entry | None:
    from reform.models import Criterion

    db.session.rollback()
    return db.session.scalar(
        select(Entry)
        .join(Criterion, Entry.criterion_id == Criterion.id)
        .where(Entry.submission_id == submission.id, Criterion.code == code)
    )


def test_a_section_declared_not_applicable_needs_its_reason_at_once(login_as, submission):
    officer = login_as("officer")
    response = save_section(officer, submission, na="1", expl="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # Beside the reason field, which the status names so that it is marked invalid.
    assert 'id="st-2"' in html and 'data-invalid="expl-2"' in html
    assert "Không áp dụng: cần nêu lý do." in html
    assert self_entry(submission, "2") is None
    saved = save_section(officer, submission, na="1", expl="Đơn vị không có thủ tục hành chính")
    assert saved.status_code == 200
    assert self_entry(submission, "2").value == "na"


def test_the_criteria_of_a_section_not_applicable_are_disabled(login_as, submission):
    officer = login_as("officer")
    page = officer.get(f"/assessments/{submission.id}?area=2").get_data(as_text=True)
    # Every criterion below the section names it, so the script can set them aside at once.
    assert page.count("""data-na-under='["2"]'""") == 4
    assert not re.search(r'<fieldset class="criterion[^"]*" id="c-2\.1" disabled', page)
    assert re.search(r'<textarea[^>]*id="expl-2"', page) and "na-toggle" in page
    save_section(officer, submission, na="1", expl="Không phát sinh")
    page = officer.get(f"/assessments/{submission.id}?area=2").get_data(as_text=True)
    for code in ("2.1", "2.2", "2.3", "2.4"):
        assert re.search(
            rf'<fieldset class="criterion[^"]*" id="c-{re.escape(code)}" disabled', page
        )
    assert re.search(r'<textarea[^>]*id="expl-2"[^>]*required', page)


def test_without_script_an_area_saved_not_applicable_without_reason_is_refused(
    login_as, submission
):
    officer = login_as("officer")
    response = officer.post(
        f"/assessments/{submission.id}/areas/2", data={"ver-2": "0", "na-2": "1", "expl-2": ""}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    reason = re.search(r'<textarea[^>]*id="expl-2"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in reason and 'aria-describedby="st-2"' in reason
    assert "Không áp dụng: cần nêu lý do." in html
    assert self_entry(submission, "2") is None


# ---- the survey: the summary takes the focus and leads to each bad cell ---------------------


def test_the_survey_summary_takes_the_focus_and_links_each_bad_cell(login_as, campaign):
    from reform.models import Submission, Unit

    own = db.session.scalar(
        select(Submission)
        .join(Unit, Submission.unit_id == Unit.id)
        .where(Submission.campaign_id == campaign.id, Unit.code == "STP")
    )
    field = f"s-{own.id}-3.1"
    c = login_as("secretariat")
    response = c.post("/campaigns/PAR-TEST/survey", data={field: "9"}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-box"[^>]*>', html).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert f'<a href="#{field}">Sở Tư pháp – 3.1</a>' in html
    cell = re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in cell and f'aria-describedby="{field}-error"' in cell


# ---- no inline style under the CSP; an icon on every page ------------------------------------

STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.fixture
def pages(login_as, submitted, units):
    """The pages of the assessment and the appraisal, the survey and the reports, as seen."""
    officer, evaluator, leader = login_as("officer"), login_as("evaluator"), login_as("leader")
    sid = submitted.id
    seen = {}
    for area in ("1", "2", "3"):
        seen[f"assessment {area}"] = officer.get(f"/assessments/{sid}?area={area}")
        seen[f"appraisal {area}"] = evaluator.get(f"/appraisal/{sid}?area={area}")
    seen["check"] = officer.get(f"/assessments/{sid}/check")
    seen["self report"] = officer.get(f"/assessments/{sid}/report")
    seen["survey"] = login_as("secretariat").get("/campaigns/PAR-TEST/survey")
    seen["campaign report"] = leader.get("/reports/PAR-TEST")
    seen["unit report"] = leader.get(f"/reports/PAR-TEST/units/{units['own'].code}")
    return seen


def test_no_page_carries_an_inline_style_the_csp_would_block(pages):
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert "style-src 'self'" in response.headers["Content-Security-Policy"]
        assert not STYLE_ATTRIBUTE.search(html), (name, STYLE_ATTRIBUTE.search(html).group(0))
        assert "<style" not in html, name


def test_every_page_names_the_site_icon_and_the_icon_is_served(app, pages):
    client = app.test_client()
    for name, response in pages.items():
        link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', response.text)
        assert link, name
        assert client.get(link.group(1)).status_code == 200, name
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
    assert client.get("/login").text.count('rel="icon"') == 1
