"""The audit trail on screen: a criterion's history, the campaign log, its CSV; append-only."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from reform.extensions import db
from reform.models import AuditEvent, Submission
from reform.services.audit import record

HTMX = {"HX-Request": "true"}


def save(client, submission, code, version=0, **fields):
    """Post one criterion as the form does (v, n, d, na, note, expl inputs)."""
    data = {f"ver-{code}": str(version)}
    data.update({f"{name}-{code}": value for name, value in fields.items()})
    return client.post(f"/assessments/{submission.id}/criteria/{code}", data=data, headers=HTMX)


def event_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="event-(\d+)"', html)]


def csv_rows(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def other_submission(campaign, units) -> Submission:
    return db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )


# ---- one criterion's history -------------------------------------------------------------


def test_history_shows_every_change_newest_first_with_who_from_and_to(
    login_as, users, submission, make_user, units
):
    officer = login_as("officer")
    assert save(officer, submission, "1.3", v="1").status_code == 200
    assert save(officer, submission, "1.3", version=1, v="1.5").status_code == 200
    # The head changes it too, so two people appear.
    assert save(login_as("head"), submission, "1.3", version=2, v="2").status_code == 200
    save(officer, submission, "1.2", v="yes")  # another criterion: not in this history

    page = officer.get(f"/assessments/{submission.id}/history/1.3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lịch sử tiêu chí 1.3" in html and "Điểm đánh giá của Hội đồng" in html
    assert "Đã ghi nhận 3 thay đổi" in html
    ids = event_ids(html)
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    changes = re.findall(r'audit-from">([^<]*)</span> → <span class="audit-to">([^<]*)<', html)
    assert changes == [("1.5", "2"), ("1", "1.5"), ("—", "1")]
    # Who, in the same order (newest first), and the points moved with the value.
    assert html.index("Head") < html.index("Officer")
    assert "1,50 → 2,00" in html and "— → 1,00" in html
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", html)  # dd/mm/yyyy HH:mm
    # An htmx request gets the list alone.
    part = officer.get(f"/assessments/{submission.id}/history/1.3", headers=HTMX)
    assert "<html" not in part.get_data(as_text=True)
    assert event_ids(part.get_data(as_text=True)) == ids


def test_history_includes_every_stage(login_as, users, submission):
    from reform.services.publication import publish

    save(login_as("officer"), submission, "1.3", v="1")
    record(
        "value_changed",
        actor=users["evaluator"],
        submission=submission,
        criterion_code="1.3",
        stage="appraisal",
        from_value=None,
        to_value="0.75",
        reason="Thiếu tài liệu kiểm chứng",
    )
    db.session.commit()
    url = f"/assessments/{submission.id}/history/1.3"
    html = login_as("leader").get(url).get_data(True)
    assert "Thẩm định" in html and "Tự đánh giá" in html
    assert "Thiếu tài liệu kiểm chứng" in html and "Evaluator" in html
    # Before publication the unit reads its own stage, not the council's values.
    html = login_as("head").get(url).get_data(True)
    assert "Tự đánh giá" in html and "Đã ghi nhận 1 thay đổi" in html
    assert "Thiếu tài liệu kiểm chứng" not in html and "0.75" not in html
    publish(submission.campaign, actor=None, force=True)
    html = login_as("head").get(url).get_data(True)
    assert "Thẩm định" in html and "Tự đánh giá" in html
    assert "Thiếu tài liệu kiểm chứng" in html and "Evaluator" in html


def test_form_links_each_criterion_to_its_history(login_as, submission):
    html = login_as("officer").get(f"/assessments/{submission.id}").get_data(as_text=True)
    assert f'href="/assessments/{submission.id}/history/1.1"' in html
    assert f'href="/assessments/{submission.id}/history/1.2"' in html


def test_history_access(login_as, app, submission, campaign, units):
    url = f"/assessments/{submission.id}/history/1.3"
    for who in ("officer", "head", "admin", "secretariat", "evaluator", "leader"):
        assert login_as(who).get(url).status_code == 200, who
    # Another unit's officer does not learn that the submission exists.
    assert login_as("other_officer").get(url).status_code == 404
    other = other_submission(campaign, units)
    assert login_as("officer").get(f"/assessments/{other.id}/history/1.3").status_code == 404
    # Unknown criterion or submission.
    assert login_as("officer").get(f"/assessments/{submission.id}/history/9.9").status_code == 404
    assert login_as("admin").get("/assessments/99999/history/1.3").status_code == 404
    r = app.test_client().get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# ---- the campaign log --------------------------------------------------------------------


@pytest.fixture
def activity(login_as, users, units, campaign, submission, make_user):
    """Changes in two units, on several criteria, by several people."""
    make_user("syt_head", ["head"], units["other"])
    other = other_submission(campaign, units)
    own_officer, other_officer = login_as("officer"), login_as("other_officer")
    save(own_officer, submission, "1.3", v="1")
    save(own_officer, submission, "1.3", version=1, v="2", note="ước tính")
    save(own_officer, submission, "2.3", v="3")
    save(other_officer, other, "1.2", v="yes")
    save(other_officer, other, "2.1", n="9", d="10")
    db.session.rollback()
    return {"own": submission, "other": other}


def test_campaign_log_filters_and_csv_has_the_same_rows(login_as, units, users, activity):
    c = login_as("secretariat")
    everything = c.get("/campaigns/PAR-TEST/audit").get_data(as_text=True)
    all_ids = event_ids(everything)
    in_db = db.session.scalars(
        select(AuditEvent.id).where(AuditEvent.campaign_id == activity["own"].campaign_id)
    ).all()
    assert sorted(all_ids) == sorted(in_db) and all_ids == sorted(all_ids, reverse=True)
    assert "Nhật ký thay đổi" in everything and "Sở Y tế" in everything

    def ids_for(**params):
        html = c.get("/campaigns/PAR-TEST/audit", query_string=params).get_data(as_text=True)
        rows = csv_rows(c.get("/campaigns/PAR-TEST/audit.csv", query_string=params))
        assert sorted(int(r["id"]) for r in rows) == sorted(event_ids(html)), params
        return event_ids(html), rows

    def expected(*conditions):
        stmt = select(AuditEvent.id).where(*conditions)
        return sorted(db.session.scalars(stmt).all(), reverse=True)

    own, other = activity["own"], activity["other"]
    ids, rows = ids_for(unit=units["other"].id)
    assert ids == expected(AuditEvent.submission_id == other.id) and len(ids) == 2
    assert {r["Mã đơn vị"] for r in rows} == {"SYT"}

    ids, rows = ids_for(criterion="1.3")
    assert ids == expected(AuditEvent.criterion_code == "1.3") and len(ids) == 3
    # "2" finds everything under area 2 in both units.
    ids, _ = ids_for(criterion="2")
    assert ids == expected(AuditEvent.criterion_code.in_(["2.1", "2.3"]))

    ids, rows = ids_for(action="note_changed")
    assert len(ids) == 1 and rows[0]["Thao tác"] == "Thay đổi ghi chú hoặc giải trình"
    assert rows[0]["Giá trị mới"] == "ước tính"

    ids, _ = ids_for(unit=units["own"].id, criterion="1.3", action="value_changed")
    assert ids == expected(
        AuditEvent.submission_id == own.id,
        AuditEvent.criterion_code == "1.3",
        AuditEvent.action == "value_changed",
    )
    [newest, oldest] = csv_rows(
        c.get(
            "/campaigns/PAR-TEST/audit.csv",
            query_string={"criterion": "1.3", "action": "value_changed"},
        )
    )
    assert (oldest["Giá trị cũ"], oldest["Giá trị mới"], oldest["Điểm mới"]) == ("", "1", "1.00")
    assert (newest["Giá trị cũ"], newest["Giá trị mới"]) == ("1", "2")
    assert newest["Tài khoản"] == "officer" and newest["Đơn vị"] == "Sở Tư pháp"
    assert newest["Giai đoạn"] == "Tự đánh giá"

    ids, _ = ids_for(actor=users["other_officer"].id)
    assert ids == expected(AuditEvent.actor_id == users["other_officer"].id)
    ids, _ = ids_for(stage="self")
    assert ids == expected(AuditEvent.campaign_id == own.campaign_id, AuditEvent.stage == "self")
    ids, _ = ids_for(action="nothing-like-this")
    assert ids == []


def test_campaign_log_date_filter_takes_both_spellings(login_as, users, campaign, submission):
    for day in ("2025-03-01 02:00", "2025-03-05 10:00", "2025-03-09 17:30"):
        db.session.add(
            AuditEvent(
                at=datetime.fromisoformat(day),
                action="value_changed",
                actor_id=users["officer"].id,
                campaign_id=campaign.id,
                submission_id=submission.id,
                criterion_code="1.2",
                stage="self",
                to_value=day,
            )
        )
    db.session.commit()
    c = login_as("leader")

    def values(**params):
        rows = csv_rows(c.get("/campaigns/PAR-TEST/audit.csv", query_string=params))
        return sorted(r["Giá trị mới"] for r in rows if r["Tiêu chí"] == "1.2")

    # 17:30 UTC on the 9th is already the 10th in the province (UTC+7).
    assert values(**{"from": "03/03/2025", "to": "09/03/2025"}) == ["2025-03-05 10:00"]
    assert values(**{"from": "2025-03-01", "to": "2025-03-05"}) == [
        "2025-03-01 02:00",
        "2025-03-05 10:00",
    ]
    assert values(**{"from": "10/03/2025"}) == ["2025-03-09 17:30"]
    html = c.get("/campaigns/PAR-TEST/audit", query_string={"from": "05/03/2025"}).get_data(True)
    assert 'value="2025-03-05"' in html


def test_campaign_log_is_paginated_and_htmx_gets_the_list(login_as, users, campaign, submission):
    for n in range(60):
        record(
            "value_changed",
            actor=users["officer"],
            submission=submission,
            criterion_code="1.3",
            stage="self",
            to_value=str(n),
        )
    db.session.commit()
    total = db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.campaign_id == campaign.id)
    )
    c = login_as("evaluator")
    first = c.get("/campaigns/PAR-TEST/audit").get_data(as_text=True)
    second = c.get("/campaigns/PAR-TEST/audit?page=2", headers=HTMX).get_data(as_text=True)
    assert len(event_ids(first)) == 50 and len(event_ids(second)) == total - 50
    assert not set(event_ids(first)) & set(event_ids(second))
    assert "<html" in first and "<html" not in second
    assert "trang 2 / 2" in second and "page=1" in second
    # Past the end shows the last page; the CSV holds every row, not one page.
    assert event_ids(c.get("/campaigns/PAR-TEST/audit?page=99").get_data(True)) == event_ids(second)
    assert len(csv_rows(c.get("/campaigns/PAR-TEST/audit.csv"))) == total


def test_csv_neutralises_spreadsheet_formulas(login_as, users, submission):
    record("note_changed", actor=users["officer"], submission=submission, to_value="=1+2")
    db.session.commit()
    rows = csv_rows(login_as("admin").get("/campaigns/PAR-TEST/audit.csv"))
    assert "'=1+2" in [r["Giá trị mới"] for r in rows]


def test_campaign_log_access(app, login_as, campaign):
    for url in ("/campaigns/PAR-TEST/audit", "/campaigns/PAR-TEST/audit.csv"):
        for who in ("admin", "secretariat", "leader", "evaluator"):
            assert login_as(who).get(url).status_code == 200, (url, who)
        # Every unit's values: a unit's people get 404, as for any result not theirs to see.
        for who in ("head", "officer"):
            assert login_as(who).get(url).status_code == 404, (url, who)
        r = app.test_client().get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert login_as("admin").get("/campaigns/NOPE/audit").status_code == 404


# ---- nothing can change or remove an event ----------------------------------------------


def test_no_route_edits_or_deletes_audit_events(app):
    for rule in app.url_map.iter_rules():
        name = rule.endpoint.lower()
        if "audit" in name or "audit" in rule.rule:
            assert not re.search(r"edit|delete|update|remove", name), rule.endpoint
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, (rule.endpoint, rule.methods)


def test_the_orm_refuses_to_update_or_delete_an_event(users, submission):
    event = record("value_changed", actor=users["officer"], submission=submission, to_value="1")
    db.session.commit()
    event.to_value = "2"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).to_value == "1"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET to_value = 'forged'",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_raw_changes(users, submission, statement):
    record("value_changed", actor=users["officer"], submission=submission, to_value="1")
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(
        select(AuditEvent.to_value).where(AuditEvent.submission_id == submission.id)
    ).all() == ["1"]


def test_bulk_orm_statements_are_refused_by_the_database(users, submission):
    record("value_changed", actor=users["officer"], submission=submission, to_value="1")
    db.session.commit()
    for statement in (update(AuditEvent).values(reason="x"), delete(AuditEvent)):
        with pytest.raises(DBAPIError):
            db.session.execute(statement)
            db.session.commit()
        db.session.rollback()
    assert db.session.scalars(
        select(AuditEvent.reason).where(AuditEvent.submission_id == submission.id)
    ).all() == [None]
