"""A person's periods: tasks, self-score, the manager's review, deductions, access, conflicts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Notification, Person, PersonPeriod, PersonTask
from reform.services.people import tasks as service

SIX = {f"v-A.{n}": "6" for n in range(1, 6)}


@pytest.fixture
def team(units, users, make_user):
    """A unit with a leader managing two people; each linked to an account of the unit."""
    own = units["own"]
    accounts = {
        "lead": make_user("lead", ["officer"], own, full_name="Trần Thị Bình"),
        "peer": make_user("peer", ["officer"], own, full_name="Lê Đức Dũng"),
    }
    boss = Person(
        unit_id=own.id,
        full_name="Trần Thị Bình",
        is_leader=True,
        duty_group="Lãnh đạo",
        user_id=accounts["lead"].id,
    )
    db.session.add(boss)
    db.session.flush()
    an = Person(
        unit_id=own.id,
        full_name="Nguyễn Văn An",
        duty_group="Chuyên viên",
        manager_id=boss.id,
        user_id=users["officer"].id,
    )
    dung = Person(
        unit_id=own.id,
        full_name="Lê Đức Dũng",
        duty_group="Chuyên viên",
        manager_id=boss.id,
        user_id=accounts["peer"].id,
    )
    other = Person(
        unit_id=units["other"].id, full_name="Phạm Văn Em", user_id=users["other_officer"].id
    )
    db.session.add_all([an, dung, other])
    db.session.commit()
    return {"boss": boss, "an": an, "dung": dung, "other": other, **accounts}


@pytest.fixture
def period(team, users):
    return service.open_period(team["an"], 2026, 3, actor=users["officer"])


def add(
    client,
    period,
    name="Báo cáo tháng",
    weight="1",
    completed=True,
    quality=True,
    errors=0,
    delays=0,
):
    data = {
        "name": name,
        "weight": weight,
        "errors": str(errors),
        "delays": str(delays),
        "task": "new",
    }
    if completed:
        data["completed"] = "1"
    if quality:
        data["quality_met"] = "1"
    return client.post(f"/people/periods/{period.id}/tasks", data=data)


def fresh(period) -> PersonPeriod:
    db.session.expire_all()
    return db.session.get(PersonPeriod, period.id)


def login_user(app, username):
    from helpers import login

    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


def record_and_submit(client, period, **task):
    assert add(client, period, **task).status_code == 303
    current = fresh(period)
    assert (
        client.post(
            f"/people/periods/{period.id}/self", data={**SIX, "version": str(current.version)}
        ).status_code
        == 303
    )
    current = fresh(period)
    response = client.post(
        f"/people/periods/{period.id}/submit", data={"version": str(current.version)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    return fresh(period)


# ---- the person records, the manager confirms ----------------------------------------------


def test_a_person_records_self_scores_and_submits_and_the_manager_is_told(
    app, login_as, team, period
):
    client = login_as("officer")
    submitted = record_and_submit(client, period)
    assert submitted.status == "submitted"
    assert submitted.self_points == Decimal(100)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == team["lead"].id))
    assert notice is not None and "Nguyễn Văn An" in notice.message
    assert notice.link == f"/people/periods/{period.id}"
    # Once submitted the person can no longer change tasks or scores.
    assert add(client, period).status_code == 409


def test_the_manager_confirms_and_the_person_is_told(app, login_as, team, period, users):
    record_and_submit(login_as("officer"), period)
    manager = login_user(app, "lead")
    current = fresh(period)
    response = manager.post(
        f"/people/periods/{period.id}/review",
        data={**SIX, "version": str(current.version), "comment": ""},
    )
    assert response.status_code == 303
    confirmed = fresh(period)
    assert confirmed.status == "confirmed" and confirmed.points == Decimal(100)
    notice = db.session.scalar(
        select(Notification).where(Notification.user_id == users["officer"].id)
    )
    assert notice is not None and "100" in notice.message


def test_an_adjustment_needs_a_comment_and_is_audited(app, login_as, team, period):
    record_and_submit(login_as("officer"), period)
    manager = login_user(app, "lead")
    current = fresh(period)
    lower = {**SIX, "v-A.2": "4"}
    refused = manager.post(
        f"/people/periods/{period.id}/review",
        data={**lower, "version": str(current.version), "comment": ""},
    )
    assert refused.status_code == 422
    assert 'value="4"' in refused.get_data(as_text=True)  # what was typed is kept
    assert fresh(period).status == "submitted"
    done = manager.post(
        f"/people/periods/{period.id}/review",
        data={**lower, "version": str(current.version), "comment": "Chưa chủ động đề xuất"},
    )
    assert done.status_code == 303
    confirmed = fresh(period)
    assert confirmed.points == Decimal(98)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.person_id == team["an"].id)
    ).all()
    adjusted = [e for e in events if e.action == "period_adjusted"]
    assert [(e.criterion_code, e.from_value, e.to_value) for e in adjusted] == [("A.2", "6", "4")]
    assert any(e.action == "period_confirmed" and e.to_points == "98.00" for e in events)
    # The period's page tells its history: who changed what, from what to what, and why.
    page = login_as("officer").get(f"/people/periods/{period.id}").get_data(as_text=True)
    assert "người quản lý điều chỉnh điểm A.2: 6 → 4 — Chưa chủ động đề xuất" in page


def test_submitting_needs_tasks_and_every_general_criterion(app, login_as, team, period):
    client = login_as("officer")
    response = client.post(
        f"/people/periods/{period.id}/submit", data={"version": str(period.version)}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "A.1" in text
    assert fresh(period).status == "draft"


def test_bad_input_is_refused_beside_the_field(app, login_as, team, period):
    client = login_as("officer")
    response = add(client, period, name="", weight="-1")
    assert response.status_code == 422
    assert db.session.scalar(select(PersonTask)) is None
    response = client.post(
        f"/people/periods/{period.id}/self", data={"v-A.1": "7", "version": str(period.version)}
    )
    assert response.status_code == 422
    assert fresh(period).self_values == {}


# ---- deductions ----------------------------------------------------------------------------


def test_an_error_and_a_delay_each_take_a_quarter_unless_the_manager_says_objective(
    app, login_as, team, period
):
    client = login_as("officer")
    assert add(client, period, name="A", weight="3").status_code == 303
    assert add(client, period, name="B", weight="1", errors=1, delays=1).status_code == 303
    view = service.period_view(fresh(period))
    assert (view.figures.quantity, view.figures.quality, view.figures.progress) == (
        Decimal(100),
        Decimal("93.75"),
        Decimal("93.75"),
    )
    late = db.session.scalar(select(PersonTask).where(PersonTask.name == "B"))
    # The person cannot excuse their own fault.
    assert (
        client.post(
            f"/people/tasks/{late.id}/objective",
            data={"objective": "1", "objective_reason": "x", "version": str(late.version)},
        ).status_code
        == 403
    )
    manager = login_user(app, "lead")
    no_reason = manager.post(
        f"/people/tasks/{late.id}/objective", data={"objective": "1", "version": str(late.version)}
    )
    assert no_reason.status_code == 422
    ok = manager.post(
        f"/people/tasks/{late.id}/objective",
        data={
            "objective": "1",
            "objective_reason": "Mất điện diện rộng",
            "version": str(late.version),
        },
    )
    assert ok.status_code == 303
    view = service.period_view(fresh(period))
    assert view.figures.quality == Decimal(100) and view.figures.progress == Decimal(100)
    page = client.get(f"/people/periods/{period.id}").get_data(as_text=True)
    assert "Mất điện diện rộng" in page


def test_a_leader_takes_half_from_those_they_lead(app, login_as, team, users):
    # An's March: one product of two not completed → 50 % on every measure.
    an = service.open_period(team["an"], 2026, 3, actor=users["officer"])
    client = login_as("officer")
    add(client, an, name="Xong")
    add(client, an, name="Chưa xong", completed=False, quality=False)
    current = fresh(an)
    client.post(f"/people/periods/{an.id}/self", data={**SIX, "version": str(current.version)})
    client.post(f"/people/periods/{an.id}/submit", data={"version": str(fresh(an).version)})
    manager = login_user(app, "lead")
    manager.post(
        f"/people/periods/{an.id}/review",
        data={**SIX, "version": str(fresh(an).version), "comment": ""},
    )
    assert fresh(an).quantity == Decimal(50)
    # The leader's own March: everything done → 100 %; blended with the 50 % of An: 75 %.
    boss = service.open_period(team["boss"], 2026, 3, actor=team["lead"])
    view = service.period_view(fresh(boss))
    assert view.figures is None
    add(manager, boss, name="Chỉ đạo")
    view = service.period_view(fresh(boss))
    assert view.figures.quantity == Decimal(75)
    assert view.self_card.node("B.1").points == Decimal("52.5")


# ---- conflicts -----------------------------------------------------------------------------


def test_two_people_saving_the_same_task_one_gets_a_conflict_and_keeps_the_typing(
    app, login_as, team, period
):
    client = login_as("officer")
    add(client, period, name="Dự thảo")
    task = db.session.scalar(select(PersonTask))
    opened = task.version
    manager = login_user(app, "lead")
    first = manager.post(
        f"/people/tasks/{task.id}",
        data={
            "name": "Dự thảo quyết định",
            "weight": "2",
            "completed": "1",
            "errors": "0",
            "delays": "0",
            "version": str(opened),
            "task": str(task.id),
        },
    )
    assert first.status_code == 303
    second = client.post(
        f"/people/tasks/{task.id}",
        data={
            "name": "Dự thảo tờ trình",
            "weight": "1",
            "completed": "1",
            "errors": "0",
            "delays": "0",
            "version": str(opened),
            "task": str(task.id),
        },
    )
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert 'value="Dự thảo tờ trình"' in text
    db.session.expire_all()
    assert db.session.get(PersonTask, task.id).name == "Dự thảo quyết định"


def test_a_stale_self_score_save_is_refused(app, login_as, team, period):
    client = login_as("officer")
    opened = period.version
    assert (
        client.post(
            f"/people/periods/{period.id}/self", data={"v-A.1": "5", "version": str(opened)}
        ).status_code
        == 303
    )
    again = client.post(
        f"/people/periods/{period.id}/self", data={"v-A.1": "4", "version": str(opened)}
    )
    assert again.status_code == 409
    assert fresh(period).self_values == {"A.1": "5"}


# ---- access --------------------------------------------------------------------------------


def test_who_sees_a_period(app, login_as, team, period, client):
    url = f"/people/periods/{period.id}"
    assert login_as("officer").get(url).status_code == 200  # the person
    assert login_user(app, "lead").get(url).status_code == 200  # the manager
    assert login_as("head").get(url).status_code == 200  # the unit head
    assert login_as("secretariat").get(url).status_code == 200
    assert login_as("admin").get(url).status_code == 200
    assert login_user(app, "peer").get(url).status_code == 404  # a colleague
    assert login_as("other_officer").get(url).status_code == 404  # another unit
    assert login_as("evaluator").get(url).status_code == 404
    assert login_as("leader").get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_the_person_self_scores_and_only_reviewers_review(app, login_as, team, period):
    manager = login_user(app, "lead")
    assert (
        manager.post(
            f"/people/periods/{period.id}/self", data={**SIX, "version": str(period.version)}
        ).status_code
        == 403
    )
    assert (
        login_as("secretariat")
        .post(f"/people/periods/{period.id}/submit", data={"version": str(period.version)})
        .status_code
        == 403
    )
    record_and_submit(login_as("officer"), period)
    current = fresh(period)
    assert (
        login_as("officer")
        .post(f"/people/periods/{period.id}/review", data={**SIX, "version": str(current.version)})
        .status_code
        == 403
    )
    assert (
        login_as("secretariat")
        .post(f"/people/periods/{period.id}/review", data={**SIX, "version": str(current.version)})
        .status_code
        == 403
    )
    assert (
        login_as("other_officer")
        .post(f"/people/periods/{period.id}/review", data={**SIX})
        .status_code
        == 404
    )
    # The head may review anyone of the unit.
    head = login_as("head").post(
        f"/people/periods/{period.id}/review", data={**SIX, "version": str(current.version)}
    )
    assert head.status_code == 303


def test_the_team_page_shows_the_managers_team_and_the_heads_unit(app, login_as, team, period):
    text = login_user(app, "lead").get("/people/team?year=2026&number=3").get_data(as_text=True)
    assert "Nguyễn Văn An" in text and "Lê Đức Dũng" in text and "Phạm Văn Em" not in text
    head = login_as("head").get("/people/team?year=2026&number=3").get_data(as_text=True)
    assert "Trần Thị Bình" in head and "Nguyễn Văn An" in head
    assert login_user(app, "peer").get("/people/team").status_code == 404
    assert login_as("head").get(f"/people/team?unit={team['other'].unit_id}").status_code == 404


def test_a_person_opens_only_their_own_periods(app, login_as, team):
    client = login_as("officer")
    response = client.post(f"/people/{team['an'].id}/periods", data={"year": "2026", "number": "2"})
    assert response.status_code == 303
    assert re.search(r"/people/periods/\d+", response.headers["Location"])
    assert (
        client.post(
            f"/people/{team['dung'].id}/periods", data={"year": "2026", "number": "2"}
        ).status_code
        == 404
    )
    assert login_as("officer").get("/people/me").status_code == 302


def test_the_head_sets_quarterly_periods(app, login_as, team, units):
    head = login_as("head")
    assert (
        head.post("/people/settings", data={"period_kind": "quarter", "version": ""}).status_code
        == 303
    )
    assert service.settings_for(units["own"].id).period_kind == "quarter"
    assert login_as("officer").get("/people/settings").status_code == 404
    period = service.open_period(team["an"], 2026, 2, actor=None)
    assert period.kind == "quarter"
    refused = head.post("/people/settings", data={"period_kind": "weekly", "version": "1"})
    assert refused.status_code in (409, 422)


def test_the_total_follows_what_is_typed_without_saving(app, login_as, team, period):
    client = login_as("officer")
    add(client, period, weight="2")
    response = client.post(
        f"/people/periods/{period.id}/preview",
        data={**SIX, "v-A.5": "3", "target": "self-total"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="self-total"' in text and "97,00" in text
    assert fresh(period).self_values == {}
    assert login_as("other_officer").post(f"/people/periods/{period.id}/preview").status_code == 404
