"""The self-assessment form: inputs per rule, live totals, conflicts, phases, workflow."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from reform.extensions import db
from reform.models import AuditEvent, Entry, Submission
from reform.services.phases import today


def save(client, submission, code, version=0, htmx=True, **fields):
    """Post one criterion as the form does (v, n, d, na, note, expl inputs)."""
    data = {f"ver-{code}": str(version)}
    data.update({f"{name}-{code}": value for name, value in fields.items()})
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/assessments/{submission.id}/criteria/{code}", data=data, headers=headers)


def entry(submission, code) -> Entry | None:
    db.session.rollback()  # a new read transaction sees what the requests committed
    return db.session.scalar(
        select(Entry)
        .join(Entry.criterion)
        .where(Entry.submission_id == submission.id, Entry.criterion.has(code=code))
    )


def fresh(submission) -> Submission:
    db.session.rollback()
    return db.session.get(Submission, submission.id)


@pytest.mark.parametrize(
    ("code", "fields", "points"),
    [
        ("1.1", {"v": "Đúng hạn"}, "2"),
        ("1.1", {"v": "chậm"}, "1"),
        ("1.2", {"v": "yes"}, "1"),
        ("1.2", {"v": "no"}, "0"),
        ("1.3", {"v": "1,75"}, "1.75"),
        ("1.3", {"v": "2"}, "2"),
        ("2.1", {"n": "9", "d": "10"}, "2"),
        ("2.1", {"n": "10", "d": "10"}, "4"),
        ("2.1", {"n": "0", "d": "0"}, "4"),
        ("2.2", {"n": "3", "d": "4"}, "1.5"),
        ("2.3", {"v": "2"}, "1"),
        ("2.3", {"v": "5"}, "2"),
        ("2.4", {"v": "1"}, "1.5"),
        ("2.4", {"v": "9"}, "0"),
    ],
)
def test_every_rule_takes_its_input(login_as, submission, code, fields, points):
    r = save(login_as("officer"), submission, code, **fields)
    assert r.status_code == 200, r.get_data(as_text=True)
    saved = entry(submission, code)
    assert saved.points == Decimal(points) and saved.version == 1
    # The answer carries the criterion's points and the new total, out of band.
    html = r.get_data(as_text=True)
    assert f'id="st-{code}"' in html and 'id="summary-line"' in html and "hx-swap-oob" in html


@pytest.mark.parametrize(
    ("code", "fields", "words"),
    [
        ("1.1", {"v": "Sớm"}, "Đúng hạn"),
        ("1.2", {"v": "maybe"}, None),
        ("1.3", {"v": "2,5"}, "2"),
        ("1.3", {"v": "1,1"}, "0,25"),
        ("1.3", {"v": "-1"}, None),
        ("1.3", {"v": "abc"}, None),
        ("2.1", {"n": "11", "d": "10"}, None),
        ("2.1", {"n": "x", "d": "10"}, None),
        ("2.3", {"v": "-2"}, None),
        ("2.4", {"v": "1.5"}, None),
        ("1.2", {"na": "1"}, None),
    ],
)
def test_bad_values_answer_422_next_to_the_field_and_save_nothing(
    login_as, submission, code, fields, words
):
    r = save(login_as("officer"), submission, code, **fields)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="err-{code}"' in html
    if words:
        assert words in html
    assert entry(submission, code) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "value_changed")
        )
        == 0
    )


def test_na_where_allowed_leaves_the_denominator(login_as, submission):
    c = login_as("officer")
    before = fresh(submission).max_points
    assert (
        save(c, submission, "2.2", na="1", expl="Chưa có dịch vụ công trực tuyến").status_code
        == 200
    )
    assert entry(submission, "2.2").value == "na" and entry(submission, "2.2").points is None
    assert fresh(submission).max_points == before - 2
    # A whole area declared not applicable leaves it all.
    assert save(c, submission, "2", na="1", expl="Không có TTHC").status_code == 200
    assert fresh(submission).max_points == before - 10


def test_totals_follow_every_save(login_as, submission):
    c = login_as("officer")
    save(c, submission, "1.1", v="Đúng hạn")
    save(c, submission, "1.2", v="yes")
    s = fresh(submission)
    # Max: 1 (2+1+2) + 2 (4+2+2+2) = 15; 1.4 is for wards, 3 is survey (counts 4 in max).
    assert s.self_points == Decimal(3) and s.max_points == Decimal(19)
    # The self index is against the 15 points the unit can score itself, not the 19.
    assert s.self_index.quantize(Decimal("0.01")) == Decimal("20.00")
    assert s.filled_count == 2 and s.applicable_count == 7
    r = save(c, submission, "1.3", v="2")
    html = r.get_data(as_text=True)
    assert "5,00" in html  # new total in the out-of-band summary, decimal comma


def test_a_stale_save_is_refused_with_the_other_persons_value(login_as, submission, users):
    officer, head = login_as("officer"), login_as("head")
    assert save(officer, submission, "1.3", version=0, v="1").status_code == 200
    # The head loaded the form before that save: version 0 is stale now.
    r = save(head, submission, "1.3", version=0, v="2")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert users["officer"].full_name in html and "“1”" in html
    assert entry(submission, "1.3").value == "1"
    # Choosing to keep theirs... or deliberately overwriting with the current version.
    assert save(head, submission, "1.3", version=1, v="2").status_code == 200
    assert entry(submission, "1.3").value == "2"


def test_a_retried_save_of_the_same_value_succeeds(login_as, submission):
    c = login_as("officer")
    assert save(c, submission, "1.2", version=0, v="yes").status_code == 200
    # The answer was lost; the browser retries with the version it had.
    assert save(c, submission, "1.2", version=0, v="yes").status_code == 200
    assert entry(submission, "1.2").version == 1


def test_tampered_ids(login_as, submission, campaign, units):
    c = login_as("officer")
    assert save(c, submission, "9.9", v="1").status_code == 404
    other = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )
    assert save(c, other, "1.2", v="yes").status_code == 404
    assert c.get(f"/assessments/{other.id}").status_code == 404
    r = c.post(f"/assessments/{submission.id}/criteria/1.2", data={"v-1.2": "yes"})
    assert r.status_code == 400
    assert save(c, submission, "3.1", v="3").status_code == 422  # survey: never self-scored


def test_staff_read_but_cannot_write(login_as, submission):
    for who in ("evaluator", "leader", "secretariat"):
        c = login_as(who)
        page = c.get(f"/assessments/{submission.id}")
        assert page.status_code == 200 and "disabled" in page.get_data(as_text=True)
        assert save(c, submission, "1.2", v="yes").status_code == 403
    assert entry(submission, "1.2") is None


def test_phases_are_enforced(login_as, submission, campaign):
    c = login_as("officer")
    campaign.self_opens_on = today() + timedelta(days=2)
    campaign.self_closes_on = today() + timedelta(days=5)
    db.session.commit()
    r = save(c, submission, "1.2", v="yes")
    opens = (today() + timedelta(days=2)).strftime("%d/%m/%Y")
    assert r.status_code == 403 and opens in r.get_data(as_text=True)
    page = c.get(f"/assessments/{submission.id}").get_data(as_text=True)
    assert "readonly-note" in page
    campaign.self_opens_on = today() - timedelta(days=9)
    campaign.self_closes_on = today() - timedelta(days=1)
    db.session.commit()
    r = save(c, submission, "1.2", v="yes")
    assert r.status_code == 403
    assert entry(submission, "1.2") is None


def test_without_javascript_an_area_saves_with_one_button(login_as, submission):
    c = login_as("officer")
    form = {
        "ver-1.1": "0",
        "v-1.1": "Chậm",
        "ver-1.2": "0",
        "v-1.2": "yes",
        "ver-1.3": "0",
        "v-1.3": "",
        "note-1.3": "",
        "expl-1.3": "",
    }
    r = c.post(f"/assessments/{submission.id}/areas/1", data=form)
    assert r.status_code == 303
    assert entry(submission, "1.1").points == 1 and entry(submission, "1.2").points == 1
    # One bad value: 422 with the message by the field, and nothing of the area saved.
    form.update({"ver-1.1": "1", "v-1.1": "Đúng hạn", "ver-1.2": "1", "v-1.2": "no", "v-1.3": "7"})
    r = c.post(f"/assessments/{submission.id}/areas/1", data=form)
    assert r.status_code == 422 and 'id="err-1.3"' in r.get_data(as_text=True)
    assert entry(submission, "1.1").value == "Chậm" and entry(submission, "1.2").value == "yes"


def test_completeness_check_lists_what_is_missing(login_as, submission):
    c = login_as("officer")
    html = c.get(f"/assessments/{submission.id}/check").get_data(as_text=True)
    for code in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4"):
        assert f"#c-{code}" in html
    assert "#c-3.1" not in html and "#c-1.4" not in html
    save(c, submission, "1.1", v="Đúng hạn")  # evidence required, none attached
    save(c, submission, "2.2", na="1")  # N/A without a reason
    html = c.get(f"/assessments/{submission.id}/check").get_data(as_text=True)
    assert re.search(r"1\.1</strong>[^:]*:\s*[^<]*(kiểm chứng|evidence)", html, re.I)
    assert re.search(r"2\.2</strong>[^:]*:\s*[^<]*(lý do|reason)", html, re.I)


def _fill_everything(c, submission):
    for code, fields in {
        "1.1": {"v": "Đúng hạn", "expl": "Kế hoạch đăng trên cổng thông tin"},
        "1.2": {"v": "yes"},
        "1.3": {"v": "1.5"},
        "2.1": {"n": "95", "d": "100", "expl": "Số liệu từ hệ thống một cửa"},
        "2.2": {"n": "1", "d": "2"},
        "2.3": {"v": "3"},
        "2.4": {"v": "0"},
    }.items():
        current = entry(submission, code)
        version = current.version if current else 0
        assert save(c, submission, code, version=version, **fields).status_code == 200


def test_send_approve_return_withdraw(login_as, submission):
    officer, head = login_as("officer"), login_as("head")
    # Incomplete: sending is refused and nothing changes.
    officer.post(f"/assessments/{submission.id}/send")
    assert fresh(submission).status == "draft"
    _fill_everything(officer, submission)
    assert officer.post(f"/assessments/{submission.id}/send").status_code == 303
    assert fresh(submission).status == "pending_approval"
    assert save(officer, submission, "1.2", version=1, v="no").status_code == 403
    # The head returns it with a comment (a comment is required).
    head.post(f"/assessments/{submission.id}/return", data={"comment": " "})
    assert fresh(submission).status == "pending_approval"
    head.post(f"/assessments/{submission.id}/return", data={"comment": "Bổ sung 1.3"})
    s = fresh(submission)
    assert s.status == "returned" and s.head_comment == "Bổ sung 1.3"
    assert "Bổ sung 1.3" in officer.get(f"/assessments/{submission.id}").get_data(as_text=True)
    assert save(officer, submission, "1.3", version=1, v="2").status_code == 200
    officer.post(f"/assessments/{submission.id}/send")
    # Officers cannot approve; the head approves, which locks it.
    assert officer.post(f"/assessments/{submission.id}/approve").status_code == 403
    assert head.post(f"/assessments/{submission.id}/approve").status_code == 303
    s = fresh(submission)
    assert s.status == "submitted" and s.submitted_by_id is not None
    assert save(head, submission, "1.3", version=2, v="1").status_code == 403
    # While self-assessment is open the head may withdraw it.
    assert head.post(f"/assessments/{submission.id}/withdraw").status_code == 303
    assert fresh(submission).status == "draft"
    statuses = db.session.scalars(
        select(AuditEvent.to_value)
        .where(AuditEvent.action == "status_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert statuses == ["pending_approval", "returned", "pending_approval", "submitted", "draft"]


def test_withdraw_refused_once_appraisal_started(login_as, submission, campaign):
    officer, head = login_as("officer"), login_as("head")
    _fill_everything(officer, submission)
    head.post(f"/assessments/{submission.id}/approve")
    assert fresh(submission).status == "submitted"
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=20)
    campaign.self_closes_on = today()
    db.session.commit()
    head.post(f"/assessments/{submission.id}/withdraw")
    assert fresh(submission).status == "submitted"


def test_every_saved_change_is_audited(login_as, submission, users):
    c = login_as("officer")
    save(c, submission, "1.3", v="1")
    save(c, submission, "1.3", version=1, v="1,5", note="ước tính")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.criterion_code == "1.3").order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.from_value, e.to_value) for e in events] == [
        ("value_changed", None, "1"),
        ("value_changed", "1", "1.5"),
        ("note_changed", None, "ước tính"),
    ]
    assert events[1].from_points == "1.00" and events[1].to_points == "1.50"
    assert all(e.actor_id == users["officer"].id for e in events)


def test_the_audit_log_cannot_be_changed(app, login_as, submission):
    save(login_as("officer"), submission, "1.2", v="yes")
    event_row = db.session.scalar(select(AuditEvent))
    with pytest.raises(PermissionError):
        event_row.reason = "sửa"
        db.session.commit()
    db.session.rollback()
    from sqlalchemy import text

    # The database's own refusal: whatever error class the driver raises.
    with pytest.raises(Exception), db.engine.begin() as conn:  # noqa: B017
        conn.execute(text("DELETE FROM audit_events"))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 1


def test_autosave_query_count_stays_flat(app, login_as, submission):
    c = login_as("officer")
    save(c, submission, "1.1", v="Chậm")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    per_save = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for code, version, fields in [
            ("1.2", 0, {"v": "yes"}),
            ("1.1", 1, {"v": "Đúng hạn"}),
            ("1.3", 0, {"v": "1.5"}),
            ("2.1", 0, {"n": "95", "d": "100"}),
            ("2.3", 0, {"v": "3"}),
            ("2.4", 0, {"v": "1"}),
        ]:
            statements.clear()
            assert save(c, submission, code, version=version, **fields).status_code == 200
            per_save.append(len(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # One unit of work: the sign-in (user and roles), the submission locked and loaded with its
    # campaign, framework, unit, bands and entries (with their evidence counts) in one
    # statement, then the entry, the totals and the audit event. The same however many
    # criteria are filled.
    assert max(per_save) <= 5, per_save
    assert max(per_save) == min(per_save), per_save


def test_report_has_the_official_layout(login_as, submission):
    c = login_as("officer")
    save(c, submission, "1.1", v="Đúng hạn", expl="Đã đăng tải")
    html = c.get(f"/assessments/{submission.id}/report").get_data(as_text=True)
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert "Sở Tư pháp" in html and "Kế hoạch CCHC" in html and "Đã đăng tải" in html
