"""The agency's own classification (Decree 335/2025 grades agencies too): recorded by the
secretariat with its decision, audited, the unit's heads told, a racing save refused; shown beside
the unit's reform-index result of the same year as far as the reader may see results."""

from __future__ import annotations

import threading

import pytest
from helpers import TEST_PASSWORD
from live import Browser, live_server
from sqlalchemy import select

from reform.extensions import db
from reform.models import AgencyClassification, AuditEvent, Notification
from reform.services.phases import today


def page_of(unit, year=None) -> str:
    return f"/people/classification?unit={unit.id}&year={year or today().year}"


def save_url(unit, year=None) -> str:
    return f"/people/classification/{unit.id}/{year or today().year}/agency"


def good(version="", **changes) -> dict:
    year = today().year
    form = {
        "level": "good",
        "decision_number": "15/QĐ-UBND",
        "decided_on": f"{year}-12-20",
        "note": "Theo kết quả đánh giá cuối năm",
        "version": version,
    }
    return form | changes


def stored(unit):
    db.session.rollback()
    return db.session.scalar(
        select(AgencyClassification).where(AgencyClassification.unit_id == unit.id)
    )


def test_the_secretariat_records_it_the_heads_are_told_and_it_is_audited(
    app, units, users, login_as
):
    c = login_as("secretariat")
    r = c.post(save_url(units["own"]), data=good())
    assert r.status_code == 303 and r.headers["Location"].endswith("#agency-title")
    row = stored(units["own"])
    assert (row.level, row.decision_number, row.decided_on.day) == ("good", "15/QĐ-UBND", 20)
    told = db.session.scalars(
        select(Notification.message).where(Notification.kind == "agency_classified")
    ).all()
    assert told == [f"Sở Tư pháp được xếp loại “Hoàn thành tốt nhiệm vụ” năm {today().year}."]
    # A change from the version seen is kept and logged with what it replaced.
    assert (
        c.post(save_url(units["own"]), data=good(row.version, level="excellent")).status_code == 303
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "agency_classified").order_by(AuditEvent.id)
    ).all()
    year = today().year
    assert [e.to_value for e in events] == [
        f"STP {year}: good 15/QĐ-UBND {year}-12-20",
        f"STP {year}: excellent 15/QĐ-UBND {year}-12-20",
    ]
    assert events[1].from_value == events[0].to_value
    page = login_as("head").get(page_of(units["own"])).get_data(as_text=True)
    assert "Hoàn thành xuất sắc nhiệm vụ" in page and "15/QĐ-UBND" in page
    assert "Lưu kết quả xếp loại cơ quan, đơn vị" not in page  # the head reads, does not record


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": ""}, "level"),
        ({"level": "best"}, "level"),
        ({"decided_on": ""}, "decided_on"),  # a number without its date
        ({"decision_number": ""}, "decision_number"),  # a date without its number
        ({"decided_on": "20/12/2026"}, "decided_on"),
        ({"decided_on": "1999-01-01"}, "decided_on"),
        ({"decision_number": "x" * 61}, "decision_number"),
        ({"decision_number": "a\x00b"}, "decision_number"),
        ({"note": "x" * 1001}, "note"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_saved(
    app, units, login_as, changes, field
):
    r = login_as("secretariat").post(save_url(units["own"]), data=good(**changes))
    assert r.status_code == 422
    assert f'id="agency-{field}-error"' in r.get_data(as_text=True)
    assert stored(units["own"]) is None


def test_a_stale_form_is_told_and_loses_nothing(app, units, login_as):
    c = login_as("secretariat")
    assert c.post(save_url(units["own"]), data=good()).status_code == 303
    r = c.post(save_url(units["own"]), data=good("", level="completed"))
    assert r.status_code == 409
    assert "Người khác vừa lưu nội dung này" in r.get_data(as_text=True)
    assert stored(units["own"]).level == "good"


@pytest.mark.parametrize("who", ["head", "officer", "evaluator", "leader"])
def test_only_the_secretariat_and_the_administrator_record_it(app, units, login_as, who):
    r = login_as(who).post(save_url(units["own"]), data=good())
    assert r.status_code in (403, 404)
    assert stored(units["own"]) is None


def test_the_administrator_records_it_and_another_unit_or_a_visitor_cannot(
    app, units, login_as, client
):
    assert login_as("admin").post(save_url(units["other"]), data=good()).status_code == 303
    assert login_as("head").get(page_of(units["other"])).status_code == 404
    assert login_as("head").post(save_url(units["other"]), data=good()).status_code == 404
    assert client.post(save_url(units["own"]), data=good()).status_code in (302, 401)
    assert (
        login_as("secretariat").post(save_url(units["own"], 1900), data=good()).status_code == 404
    )
    assert (
        login_as("secretariat").post("/people/classification/999999/2026/agency").status_code == 404
    )


def test_beside_it_the_reform_index_live_for_staff_and_published_for_the_unit(
    app, units, users, login_as, submission
):
    from reform.models import Campaign
    from reform.services.publication import publish

    campaign = submission.campaign
    staff = login_as("secretariat").get(page_of(units["own"])).get_data(as_text=True)
    assert campaign.name in staff and "Số liệu hiện thời, chưa công bố." in staff
    assert "Hạng 1/2" in staff or "Hạng 2/2" in staff
    head = login_as("head")
    before = head.get(page_of(units["own"])).get_data(as_text=True)
    assert "Kết quả chưa được công bố." in before and "Hạng" not in before
    publish(db.session.get(Campaign, campaign.id), actor=None, force=True)
    after = head.get(page_of(units["own"])).get_data(as_text=True)
    assert "Kết quả đã công bố, phiên bản 1." in after
    assert f"/rankings/{campaign.code}/units/STP" in after
    # Another year has no campaign of the index.
    other = head.get(page_of(units["own"], today().year - 5)).get_data(as_text=True)
    assert "Không có đợt đánh giá chỉ số cải cách hành chính năm" in other


def test_two_secretaries_saving_at_once_keep_one_and_tell_the_other(app, units, users, make_user):
    """Two secretaries record the unit's classification from the same empty form at once."""
    make_user("sec2", ["secretariat"])
    # Threads have no application context: the address and forms are made here.
    where = save_url(units["own"])
    forms = {level: good(level=level) for level in ("good", "completed")}
    with live_server(app) as base:
        browsers = []
        for username in ("secretariat", "sec2"):
            b = Browser(base)
            b.sign_in(username, TEST_PASSWORD)
            browsers.append(b)
        start = threading.Barrier(2)
        answers: dict[str, int] = {}

        def run(browser, level):
            start.wait(timeout=30)
            answers[level] = browser.post(where, forms[level], htmx=False).status

        threads = [
            threading.Thread(target=run, args=(b, level))
            for b, level in zip(browsers, ("good", "completed"), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(answers.values()) == [303, 409]
    winner = next(level for level, status in answers.items() if status == 303)
    assert stored(units["own"]).level == winner
    assert len(db.session.scalars(select(AgencyClassification)).all()) == 1
