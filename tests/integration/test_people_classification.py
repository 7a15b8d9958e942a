"""The yearly classification: the year score, the band edges, disqualifying facts, the quota of
"xuất sắc" (at the edge, over it, the exception), the form PDF, the summary workbook, access."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Classification, Person, PersonPeriod
from reform.scoring.classification import COMPLETED, EXCELLENT, GOOD, NOT_COMPLETED
from reform.services.people import classification as service
from reform.services.people.tasks import default_framework

YEAR = 2026
GROUP = "Chuyên viên"


def confirmed(person: Person, *points: str, kind: str = "month") -> None:
    """Confirmed periods of the year with these totals (months 1, 2…, or quarters)."""
    framework = default_framework()
    for number, value in enumerate(points, start=1):
        db.session.add(
            PersonPeriod(
                person_id=person.id,
                unit_id=person.unit_id,
                framework_id=framework.id,
                year=YEAR,
                kind=kind,
                number=number,
                status="confirmed",
                self_values={},
                self_points=Decimal(value),
                points=Decimal(value),
            )
        )
    db.session.commit()


def person(unit, name: str, group: str = GROUP, **extra) -> Person:
    found = Person(unit_id=unit.id, full_name=name, duty_group=group, **extra)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def an(units, users):
    """A person linked to the officer's account, with a manager linked to another account."""
    return person(units["own"], "Nguyễn Văn An", user_id=users["officer"].id)


def conclude(client, who: Person, level: str, **extra):
    db.session.expire_all()
    found = db.session.scalar(select(Classification).where(Classification.person_id == who.id))
    data = {"level": level, "version": str(found.version) if found else "", **extra}
    return client.post(f"/people/{who.id}/year/{YEAR}/conclude", data=data)


# ---- the year score and the band edges ------------------------------------------------------


def test_the_year_score_is_the_mean_of_the_confirmed_periods(app, units, an):
    confirmed(an, "80", "90", "100")
    # A period still being recorded does not count.
    db.session.add(
        PersonPeriod(
            person_id=an.id,
            unit_id=an.unit_id,
            framework_id=default_framework().id,
            year=YEAR,
            kind="month",
            number=4,
            status="submitted",
            self_values={},
            self_points=Decimal(0),
        )
    )
    db.session.commit()
    figures = service.year_figures(an, YEAR)
    assert figures.score == Decimal(90) and figures.counted == 3
    assert figures.computed == EXCELLENT


def test_quarters_weigh_three_months(app, units, an):
    confirmed(an, "60", "90", kind="quarter")
    assert service.year_figures(an, YEAR).score == Decimal(75)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        ("49.99", NOT_COMPLETED),
        ("50", COMPLETED),
        ("69.99", COMPLETED),
        ("70", GOOD),
        ("89.99", GOOD),
        ("90", EXCELLENT),
    ],
)
def test_each_band_edge_gives_its_level(app, login_as, units, an, score, level):
    confirmed(an, score)
    assert service.year_figures(an, YEAR).computed == level
    page = login_as("head").get(f"/people/{an.id}/year/{YEAR}").get_data(as_text=True)
    assert score.replace(".", ",") in page


def test_the_head_cannot_conclude_above_what_the_score_reaches(app, login_as, units, an):
    confirmed(an, "89.99")
    head = login_as("head")
    response = conclude(head, an, EXCELLENT)
    assert response.status_code == 422
    assert db.session.scalar(select(Classification.level)) is None
    assert conclude(head, an, COMPLETED).status_code == 303  # a lower level is the head's call
    assert service.classification_of(an, YEAR).level == COMPLETED


def test_nothing_to_classify_without_a_confirmed_period(app, login_as, units, an):
    assert conclude(login_as("head"), an, GOOD).status_code == 422


# ---- disqualifying facts --------------------------------------------------------------------


def test_a_reprimand_makes_not_completed_whatever_the_score(app, login_as, units, an):
    confirmed(an, "95", "96")
    head = login_as("head")
    # Alone in the group nobody is rated "tốt", so "xuất sắc" takes the exception's decision.
    assert conclude(head, an, EXCELLENT, exception_decision="QĐ 9/QĐ-UBND").status_code == 303
    response = head.post(
        f"/people/{an.id}/year/{YEAR}/facts",
        data={
            "kind": "reprimand",
            "decision_number": "15/QĐ-STP",
            "decided_on": "2026-06-01",
            "note": "Khiển trách",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    figures = service.year_figures(an, YEAR)
    assert figures.disqualified and figures.computed == NOT_COMPLETED
    assert service.classification_of(an, YEAR).level == NOT_COMPLETED
    assert conclude(head, an, GOOD).status_code == 422
    events = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "disqualification_recorded" in events
    # Withdrawn as recorded in error: the score counts again, the head concludes anew.
    fact = figures.facts[0]
    assert head.post(f"/people/facts/{fact.id}/withdraw", data={"reason": ""}).status_code == 422
    assert (
        head.post(f"/people/facts/{fact.id}/withdraw", data={"reason": "Nhầm người"}).status_code
        == 303
    )
    db.session.expire_all()
    assert service.year_figures(an, YEAR).computed == EXCELLENT
    assert service.classification_of(an, YEAR).level is None


def test_a_fact_needs_its_decision_and_only_the_head_records_it(app, login_as, units, an, users):
    confirmed(an, "95")
    head = login_as("head")
    missing = head.post(
        f"/people/{an.id}/year/{YEAR}/facts",
        data={"kind": "reprimand", "decision_number": "", "decided_on": ""},
    )
    assert missing.status_code == 422
    wrong_year = head.post(
        f"/people/{an.id}/year/{YEAR}/facts",
        data={"kind": "reprimand", "decision_number": "1/QĐ", "decided_on": "2025-12-31"},
    )
    assert wrong_year.status_code == 422
    assert not service.year_figures(an, YEAR).facts
    assert (
        login_as("officer")
        .post(
            f"/people/{an.id}/year/{YEAR}/facts",
            data={"kind": "reprimand", "decision_number": "1/QĐ", "decided_on": "2026-01-05"},
        )
        .status_code
        == 403
    )


# ---- the quota --------------------------------------------------------------------------------


@pytest.fixture
def group(units):
    """Ten people rated "tốt" and three who reach "xuất sắc", in one group of the own unit."""
    own = units["own"]
    good = [person(own, f"Người Tốt {n:02d}") for n in range(10)]
    best = [person(own, f"Người Giỏi {n}") for n in range(3)]
    for each in good:
        confirmed(each, "80")
    for each in best:
        confirmed(each, "95")
    return good, best


def test_the_quota_at_the_edge_over_it_and_with_the_exception(app, login_as, group):
    good, best = group
    head = login_as("head")
    for each in good:
        assert conclude(head, each, GOOD).status_code == 303
    # 2 of 10 is exactly 20 %: allowed.
    assert conclude(head, best[0], EXCELLENT).status_code == 303
    assert conclude(head, best[1], EXCELLENT).status_code == 303
    # A third is over: refused with the numbers, nothing saved.
    over = conclude(head, best[2], EXCELLENT)
    assert over.status_code == 422
    text = over.get_data(as_text=True)
    assert "3" in text and "10" in text and "20%" in text
    assert service.classification_of(best[2], YEAR) is None
    # With the competent authority's decision recorded, the exception is allowed.
    allowed = conclude(
        head,
        best[2],
        EXCELLENT,
        exception_decision="Quyết định 123/QĐ-UBND ngày 20/12/2026 của UBND tỉnh",
    )
    assert allowed.status_code == 303
    found = service.classification_of(best[2], YEAR)
    assert found.level == EXCELLENT and found.exception_decision.startswith("Quyết định 123")
    # Lowering one of the ten would shrink the base under the excellent ones: refused too.
    lowered = conclude(head, good[0], COMPLETED)
    assert lowered.status_code == 422
    assert service.classification_of(good[0], YEAR).level == GOOD


def test_the_quota_is_counted_per_group(app, login_as, group, units):
    good, best = group
    head = login_as("head")
    other = person(units["own"], "Người Nhóm Khác", group="Văn thư")
    confirmed(other, "95")
    for each in good[:5]:
        conclude(head, each, GOOD)
    assert conclude(head, best[0], EXCELLENT).status_code == 303  # 1 of 5 in its group
    # The other group has nobody rated "tốt": its first "xuất sắc" is over its own quota.
    assert conclude(head, other, EXCELLENT).status_code == 422


def test_the_quota_shows_live_while_the_head_chooses(app, login_as, group):
    good, best = group
    head = login_as("head")
    for each in good[:5]:
        conclude(head, each, GOOD)
    response = head.post(
        f"/people/{best[0].id}/year/{YEAR}/quota",
        data={"level": EXCELLENT},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "quota-" in text and "1" in text and "5" in text
    assert service.classification_of(best[0], YEAR) is None  # nothing saved
    page = head.get(f"/people/classification?year={YEAR}").get_data(as_text=True)
    assert "Người Giỏi 0" in page and "quota-" in page


def test_a_conclusion_through_htmx_answers_the_row_and_the_groups_quota(app, login_as, group):
    good, best = group
    head = login_as("head")
    response = head.post(
        f"/people/{good[0].id}/year/{YEAR}/conclude",
        data={"level": GOOD, "version": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f'id="classify-{good[0].id}"' in text and 'hx-swap-oob="true"' in text
    refused = head.post(
        f"/people/{best[0].id}/year/{YEAR}/conclude",
        data={"level": EXCELLENT, "version": ""},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.get_data(as_text=True)


def test_the_quota_over_good_and_above_is_a_setting(make_app, units, users):
    from helpers import login

    app = make_app(PEOPLE_QUOTA_BASE="good_and_above")
    with app.app_context():
        own = db.session.merge(units["own"])
        good = [person(own, f"Tốt {n}") for n in range(4)]
        best = person(own, "Giỏi")
        for each in good:
            confirmed(each, "80")
        confirmed(best, "95")
        client = app.test_client()
        assert login(client, "head").status_code == 303
        for each in good:
            conclude(client, each, GOOD)
        # 20 % of the 4 rated "tốt" is 0.8 (nobody); of the 5 rated "tốt" or better it is 1.
        assert conclude(client, best, EXCELLENT).status_code == 303


# ---- self-assessment, manager's comment, outputs ---------------------------------------------


@pytest.fixture
def managed(units, users, make_user, an):
    lead = make_user("lead", ["officer"], units["own"], full_name="Trần Thị Bình")
    boss = person(units["own"], "Trần Thị Bình", group="Lãnh đạo", is_leader=True, user_id=lead.id)
    an.manager_id = boss.id
    db.session.commit()
    return boss


def test_the_form_pdf_has_the_self_assessment_the_managers_comment_and_the_conclusion(
    app, login_as, an, managed
):
    from helpers import login
    from pypdf import PdfReader

    confirmed(an, "92", "94")
    own = login_as("officer")
    assert (
        own.post(
            f"/people/{an.id}/year/{YEAR}/self",
            data={"self_text": "Hoàn thành vượt kế hoạch", "self_level": EXCELLENT, "version": ""},
        ).status_code
        == 303
    )
    manager = app.test_client()
    login(manager, "lead")
    found = service.classification_of(an, YEAR)
    assert (
        manager.post(
            f"/people/{an.id}/year/{YEAR}/manager",
            data={
                "manager_text": "Chủ động, trách nhiệm",
                "manager_level": EXCELLENT,
                "version": str(found.version),
            },
        ).status_code
        == 303
    )
    head = login_as("head")
    assert conclude(head, an, GOOD, head_text="Xếp loại tốt do tỷ lệ").status_code == 303
    response = own.get(f"/people/{an.id}/year/{YEAR}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    for expected in (
        "Nguyễn Văn An",
        "Hoàn thành vượt kế hoạch",
        "Chủ động, trách nhiệm",
        "Hoàn thành tốt nhiệm vụ",
        "93,00",
        "Trần Thị Bình",
    ):
        assert expected in flat, expected


def test_the_unit_summary_workbook_lists_everyone_with_their_level(app, login_as, group):
    from openpyxl import load_workbook

    good, best = group
    head = login_as("head")
    conclude(head, good[0], GOOD)
    response = head.get(f"/people/classification/{good[0].unit_id}/{YEAR}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "Người Tốt 00" in values and "Người Giỏi 2" in values
    assert "Hoàn thành tốt nhiệm vụ" in values
    assert Decimal(str(next(v for v in values if v == 95 or v == 95.0))) == Decimal(95)


def test_the_history_shows_each_year(app, login_as, an):
    confirmed(an, "75")
    conclude(login_as("head"), an, GOOD)
    page = login_as("officer").get(f"/people/{an.id}/history").get_data(as_text=True)
    assert "2026" in page and "75,00" in page


# ---- access -----------------------------------------------------------------------------------


def test_who_sees_and_writes_a_persons_year(app, login_as, an, managed, users, client):
    from helpers import login

    confirmed(an, "80")
    url = f"/people/{an.id}/year/{YEAR}"
    for who in ("officer", "head", "admin", "secretariat"):
        assert login_as(who).get(url).status_code == 200, who
        assert login_as(who).get(url + ".pdf").status_code == 200, who
    for who in ("other_officer", "evaluator", "leader"):
        assert login_as(who).get(url).status_code == 404, who
        assert login_as(who).get(f"/people/{an.id}/history").status_code == 404, who
    assert client.get(url).status_code == 302
    lead = app.test_client()
    login(lead, "lead")
    assert lead.get(url).status_code == 200
    # Only the head concludes; the manager comments; the person self-assesses.
    assert conclude(lead, an, GOOD).status_code == 403
    assert login_as("officer").post(url + "/manager", data={"manager_text": "x"}).status_code == 403
    assert lead.post(url + "/self", data={"self_text": "x"}).status_code == 403
    assert login_as("secretariat").post(url + "/conclude", data={"level": GOOD}).status_code == 403
    assert (
        login_as("other_officer").post(url + "/conclude", data={"level": GOOD}).status_code == 404
    )


def test_who_opens_the_units_classification(app, login_as, units, an):
    assert login_as("head").get("/people/classification").status_code == 200
    assert (
        login_as("secretariat").get(f"/people/classification?unit={units['own'].id}").status_code
        == 200
    )
    assert login_as("officer").get("/people/classification").status_code == 404
    assert (
        login_as("head").get(f"/people/classification?unit={units['other'].id}").status_code == 404
    )
    xlsx = f"/people/classification/{units['own'].id}/{YEAR}.xlsx"
    assert login_as("officer").get(xlsx).status_code == 404
    assert (
        login_as("head").get(f"/people/classification/{units['other'].id}/{YEAR}.xlsx").status_code
        == 404
    )
