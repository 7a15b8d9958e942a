"""Odd and hostile input to the people pages answers 4xx beside the field and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Classification, Person, PersonTask
from reform.services.people import tasks as service

HOSTILE = ["", " ", "\x00", "9" * 400, "1e999", "-1", "NaN", "<script>", "0x10"]


@pytest.fixture
def setup(units, users):
    person = Person(
        unit_id=units["own"].id,
        full_name="Nguyễn Văn An",
        user_id=users["officer"].id,
        duty_group="Chuyên viên",
    )
    db.session.add(person)
    db.session.commit()
    period = service.open_period(person, 2026, 3, actor=users["officer"])
    return person, period


def events() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("value", HOSTILE)
def test_odd_task_values_are_refused(login_as, setup, value):
    person, period = setup
    before = events()
    response = login_as("officer").post(
        f"/people/periods/{period.id}/tasks",
        data={"name": value, "weight": value, "errors": value, "delays": value, "task": "new"},
    )
    assert response.status_code in (400, 422), response.status_code
    assert db.session.scalar(select(func.count()).select_from(PersonTask)) == 0
    assert events() == before


@pytest.mark.parametrize("value", HOSTILE)
def test_odd_scores_versions_and_levels_are_refused(login_as, setup, value):
    person, period = setup
    client = login_as("officer")
    response = client.post(
        f"/people/periods/{period.id}/self", data={"v-A.1": value, "version": value}
    )
    assert response.status_code < 500
    assert service.load_period(period.id).self_values in ({}, {"A.1": value.strip()})
    head = login_as("head")
    for path, data in [
        (
            f"/people/{person.id}/year/2026/conclude",
            {"level": value, "version": value, "exception_decision": value},
        ),
        (
            f"/people/{person.id}/year/2026/facts",
            {"kind": value, "decision_number": value, "decided_on": value},
        ),
        (f"/people/{person.id}/year/2026/quota", {"level": value}),
        (f"/people/{person.id}/periods", {"year": value, "number": value}),
        ("/people/settings", {"period_kind": value, "framework_id": value, "version": value}),
    ]:
        answer = head.post(path, data=data)
        assert answer.status_code < 500, (path, answer.status_code)
    assert db.session.scalar(select(Classification.level)) is None
    for url in (
        f"/people/{person.id}/periods?year={value}",
        f"/people/team?year={value}&number={value}",
        f"/people/classification?year={value}",
    ):
        assert head.get(url).status_code < 500, url
