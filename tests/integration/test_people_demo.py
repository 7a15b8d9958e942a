"""The demo department's people: what `reform demo` leaves for the demo head and officer."""

from __future__ import annotations

from helpers import login
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import Classification, Person, PersonPeriod, PersonTask, User
from reform.services.demo import DEMO_PASSWORD


def test_the_demo_department_has_its_people_their_months_and_a_classification_under_way(
    app, runner
):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    people = db.session.scalars(select(Person)).all()
    assert len(people) == 12
    assert {p.duty_group for p in people} == {"Lãnh đạo", "Chuyên viên"}
    months = db.session.scalars(select(PersonPeriod.number).distinct()).all()
    assert len(months) == 3
    faulty = db.session.scalar(
        select(func.count())
        .select_from(PersonTask)
        .where((PersonTask.errors > 0) | (PersonTask.delays > 0))
    )
    assert faulty == 2  # one delay and one major quality error, on one person's products
    concluded = db.session.scalar(
        select(func.count()).select_from(Classification).where(Classification.level.is_not(None))
    )
    assert 0 < concluded < len(people)  # the head's classification is under way

    officer = db.session.scalar(select(User).where(User.username == "officer"))
    linked = db.session.scalar(select(Person).where(Person.user_id == officer.id))
    assert linked is not None and linked.full_name == officer.full_name

    client = app.test_client()
    assert login(client, "officer", DEMO_PASSWORD).status_code == 303
    mine = client.get("/people/me", follow_redirects=True)
    assert mine.status_code == 200 and linked.full_name in mine.get_data(as_text=True)
    head = app.test_client()
    assert login(head, "head", DEMO_PASSWORD).status_code == 303
    page = head.get(f"/people/classification?year={months_year()}")
    assert page.status_code == 200 and "quota-" in page.get_data(as_text=True)


def months_year() -> int:
    """The year of the demo's latest month."""
    return db.session.scalar(select(func.max(PersonPeriod.year)))
