"""Assigning evaluators: blocks, areas, units, conflicts of interest, recusals, the queue."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from reform.extensions import db
from reform.models import Assignment, AuditEvent, Entry, Recusal, Submission, Unit
from reform.services.assessment import criteria_by_code
from reform.services.assignments import (
    AssignmentProblem,
    assign,
    assigned_areas,
    can_appraise,
    conflict_reason,
    counts,
    queue,
    recusals,
    recuse,
    unassign,
)
from reform.services.campaigns import add_participant
from reform.services.phases import today

# ---- helpers ------------------------------------------------------------------------------


def reread() -> None:
    """End the test's read transaction and forget loaded rows, to see what requests wrote."""
    db.session.rollback()
    db.session.expire_all()


def subs(campaign) -> dict[str, Submission]:
    """The campaign's submissions by unit code."""
    rows = db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id))
    return {s.unit.code: s for s in rows}


def place(user, unit: Unit | None) -> None:
    user.unit = unit
    db.session.commit()


def refused(field: str, call, *args, **kwargs) -> str:
    """The message of the AssignmentProblem the call raises, checking the field it blames."""
    with pytest.raises(AssignmentProblem) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    assert caught.value.field == field, caught.value.message
    return caught.value.message


def actions() -> list[str]:
    reread()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def appraise(submission: Submission, values: dict[str, str | None]) -> None:
    """Appraisal-stage entries written directly, as the appraisal page would leave them."""
    criteria = criteria_by_code(submission.campaign.framework)
    for code, value in values.items():
        db.session.add(
            Entry(
                submission_id=submission.id,
                criterion_id=criteria[code].id,
                stage="appraisal",
                value=value,
            )
        )
    db.session.commit()


def error_of(html: str, field: str) -> str | None:
    """The error text shown under a form field, if any."""
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


@pytest.fixture
def ward_too(campaign, units, users) -> Submission:
    """The ward joins the campaign, in its own block."""
    return add_participant(campaign, units["ward"], actor=users["admin"])


@pytest.fixture
def child(make_unit, units) -> Unit:
    """A public service unit under the own department."""
    return make_unit("STP-TGPL", "Trung tâm Trợ giúp pháp lý", kind="centre", parent=units["own"])


# ---- assigning ----------------------------------------------------------------------------


def test_assign_by_block_covers_every_unit_of_the_block(campaign, units, users, ward_too):
    evaluator = users["evaluator"]
    made = assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["secretariat"])
    s = subs(campaign)
    assert made.block_id == units["own"].block_id and made.submission_id is None
    assert assigned_areas(evaluator, s["STP"]) is None
    assert assigned_areas(evaluator, s["SYT"]) is None
    assert assigned_areas(evaluator, s["P-A"]) is False
    assert actions()[-1] == "assignment_added"
    event_row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event_row.actor_id == users["secretariat"].id and event_row.campaign_id == campaign.id
    assert "evaluator" in event_row.to_value and "SBN" in event_row.to_value


def test_assign_to_one_unit_and_one_area(campaign, units, users):
    evaluator = users["evaluator"]
    s = subs(campaign)
    made = assign(
        campaign, evaluator, submission=s["SYT"], area_code="2", actor=users["secretariat"]
    )
    assert made.submission_id == s["SYT"].id and made.area_code == "2"
    assert assigned_areas(evaluator, s["SYT"]) == {"2"}
    assert assigned_areas(evaluator, s["STP"]) is False
    event_row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event_row.submission_id == s["SYT"].id and event_row.criterion_code == "2"


def test_assign_by_block_and_area_adds_up_and_can_appraise_follows_the_areas(
    campaign, units, users
):
    evaluator = users["evaluator"]
    block_id = units["own"].block_id
    assign(campaign, evaluator, block_id=block_id, area_code="1", actor=users["admin"])
    own = subs(campaign)["STP"]
    assert assigned_areas(evaluator, own) == {"1"}
    assert can_appraise(evaluator, own, "1.2") and can_appraise(evaluator, own, "1")
    assert not can_appraise(evaluator, own, "2.1")
    assert not can_appraise(evaluator, own, "no-such-code")
    assign(campaign, evaluator, block_id=block_id, area_code="2", actor=users["admin"])
    assert assigned_areas(evaluator, own) == {"1", "2"}
    assert can_appraise(evaluator, own, "2.1") and not can_appraise(evaluator, own, "3.1")
    # Another evaluator, never assigned, appraises nothing.
    assert not can_appraise(users["leader"], own, "1.2")


def test_an_unknown_area_is_refused(campaign, units, users):
    message = refused(
        "area_code",
        assign,
        campaign,
        users["evaluator"],
        block_id=units["own"].block_id,
        area_code="9",
        actor=users["admin"],
    )
    assert "9" in message
    assert db.session.scalar(select(Assignment.id)) is None


def test_a_user_without_the_evaluator_role_is_refused(campaign, units, users):
    for who in ("leader", "officer", "secretariat"):
        refused(
            "evaluator_id",
            assign,
            campaign,
            users[who],
            block_id=units["own"].block_id,
            actor=users["admin"],
        )
    assert db.session.scalar(select(Assignment.id)) is None


def test_duplicates_are_refused(campaign, units, users):
    evaluator, block_id = users["evaluator"], units["own"].block_id
    assign(campaign, evaluator, block_id=block_id, area_code="1", actor=users["admin"])
    refused(
        "block_id",
        assign,
        campaign,
        evaluator,
        block_id=block_id,
        area_code="1",
        actor=users["admin"],
    )
    # One unit of the block, same area: the block assignment already covers it.
    refused(
        "submission_id",
        assign,
        campaign,
        evaluator,
        submission=subs(campaign)["STP"],
        area_code="1",
        actor=users["admin"],
    )
    assign(campaign, evaluator, block_id=block_id, actor=users["admin"])
    refused("block_id", assign, campaign, evaluator, block_id=block_id, actor=users["admin"])
    refused(
        "block_id",
        assign,
        campaign,
        evaluator,
        block_id=block_id,
        area_code="2",
        actor=users["admin"],
    )
    assert len(db.session.scalars(select(Assignment)).all()) == 2


def test_a_block_outside_the_campaign_is_refused(campaign, units, users):
    refused(
        "block_id",
        assign,
        campaign,
        users["evaluator"],
        block_id=units["ward"].block_id,
        actor=users["admin"],
    )


# ---- conflicts of interest ----------------------------------------------------------------


def test_own_unit_is_a_conflict_and_the_block_is_refused_naming_it(campaign, units, users):
    evaluator = users["evaluator"]
    place(evaluator, units["own"])
    s = subs(campaign)
    assert conflict_reason(evaluator, units["own"]) is not None
    assert "Sở Tư pháp" in conflict_reason(evaluator, units["own"])
    assert conflict_reason(evaluator, units["other"]) is None
    message = refused(
        "block_id",
        assign,
        campaign,
        evaluator,
        block_id=units["own"].block_id,
        actor=users["admin"],
    )
    assert "Sở Tư pháp" in message and "Sở Y tế" not in message
    refused("submission_id", assign, campaign, evaluator, submission=s["STP"], actor=users["admin"])
    # The secretariat assigns the block's other units one by one instead.
    assign(campaign, evaluator, submission=s["SYT"], actor=users["admin"])
    assert assigned_areas(evaluator, s["SYT"]) is None
    assert assigned_areas(evaluator, s["STP"]) is False
    assert actions().count("assignment_added") == 1


def test_a_parent_unit_conflicts_with_every_unit_below_it(campaign, units, users, ward_too):
    evaluator = users["evaluator"]
    place(evaluator, units["province"])
    for unit in (units["own"], units["other"], units["ward"]):
        reason = conflict_reason(evaluator, unit)
        assert reason and "UBND tỉnh" in reason and unit.name in reason
    message = refused(
        "block_id",
        assign,
        campaign,
        evaluator,
        block_id=units["own"].block_id,
        actor=users["admin"],
    )
    assert "Sở Tư pháp" in message and "Sở Y tế" in message
    for code in ("STP", "SYT", "P-A"):
        refused(
            "submission_id",
            assign,
            campaign,
            evaluator,
            submission=subs(campaign)[code],
            actor=users["admin"],
        )
    assert db.session.scalar(select(Assignment.id)) is None


def test_a_child_unit_conflicts_with_the_unit_above_it(campaign, units, users, child):
    evaluator = users["evaluator"]
    place(evaluator, child)
    assert "Trung tâm Trợ giúp pháp lý" in conflict_reason(evaluator, units["own"])
    # The province is above the centre too.
    assert conflict_reason(evaluator, units["province"]) is not None
    assert conflict_reason(evaluator, units["other"]) is None
    refused(
        "submission_id",
        assign,
        campaign,
        evaluator,
        submission=subs(campaign)["STP"],
        actor=users["admin"],
    )
    assign(campaign, evaluator, submission=subs(campaign)["SYT"], actor=users["admin"])


def test_an_evaluator_without_a_unit_has_no_conflict(campaign, units, users, ward_too):
    evaluator = users["evaluator"]
    assert evaluator.unit is None
    for unit in units.values():
        assert conflict_reason(evaluator, unit) is None
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    assign(campaign, evaluator, block_id=units["ward"].block_id, actor=users["admin"])
    assert len(queue(evaluator)) == 3


def test_a_unit_that_becomes_a_conflict_later_leaves_the_evaluators_reach(campaign, units, users):
    evaluator = users["evaluator"]
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    place(evaluator, units["other"])
    s = subs(campaign)
    assert assigned_areas(evaluator, s["SYT"]) is False
    assert assigned_areas(evaluator, s["STP"]) is None
    assert [i.unit.code for i in queue(evaluator)] == ["STP"]


def test_unassign_is_audited(campaign, units, users):
    made = assign(
        campaign, users["evaluator"], block_id=units["own"].block_id, actor=users["admin"]
    )
    unassign(made, users["secretariat"])
    assert db.session.scalar(select(Assignment.id)) is None
    assert actions()[-2:] == ["assignment_added", "assignment_removed"]
    assert assigned_areas(users["evaluator"], subs(campaign)["STP"]) is False


# ---- recusal ------------------------------------------------------------------------------


def test_recusal_needs_a_reason_and_takes_the_unit_away(campaign, units, users):
    evaluator = users["evaluator"]
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    own = subs(campaign)["STP"]
    refused("reason", recuse, evaluator, own, "   ", evaluator)
    assert db.session.scalar(select(Recusal.id)) is None
    recuse(evaluator, own, "Vợ tôi là cán bộ của Sở", evaluator)
    assert assigned_areas(evaluator, own) is False
    assert not can_appraise(evaluator, own, "1.2")
    assert [i.unit.code for i in queue(evaluator)] == ["SYT"]
    listed = recusals(campaign)
    assert [(r.submission.unit.code, r.reason) for r in listed] == [
        ("STP", "Vợ tôi là cán bộ của Sở")
    ]
    event_row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event_row.action == "recused" and event_row.reason == "Vợ tôi là cán bộ của Sở"
    assert event_row.submission_id == own.id and event_row.actor_id == evaluator.id
    refused("reason", recuse, evaluator, own, "again", evaluator)
    # Assigning them to that unit again is refused with the reason they gave.
    message = refused(
        "submission_id", assign, campaign, evaluator, submission=own, actor=users["admin"]
    )
    assert "Vợ tôi là cán bộ của Sở" in message


def test_only_an_assigned_evaluator_recuses(campaign, users):
    refused("reason", recuse, users["evaluator"], subs(campaign)["STP"], "lý do", users["admin"])


# ---- the queue ----------------------------------------------------------------------------


def test_queue_progress_counts_appraisal_entries_in_the_evaluators_areas(campaign, units, users):
    evaluator = users["evaluator"]
    s = subs(campaign)
    assign(campaign, evaluator, submission=s["STP"], area_code="1", actor=users["admin"])
    assign(campaign, evaluator, submission=s["SYT"], actor=users["admin"])
    campaign.appraisal_opens_on = campaign.self_closes_on + timedelta(days=1)
    campaign.appraisal_closes_on = campaign.self_closes_on + timedelta(days=20)
    db.session.commit()
    # Counted: 1.1 and 1.2. Not counted: no value, the ward-only 1.4, the survey, other areas.
    appraise(
        s["STP"],
        {"1.1": "Chậm", "1.2": "yes", "1.3": None, "1.4": "yes", "2.1": "9/10", "3.1": "3"},
    )
    appraise(s["SYT"], {"2.4": "1"})
    items = {i.unit.code: i for i in queue(evaluator)}
    own, other = items["STP"], items["SYT"]
    assert (own.done, own.total, own.areas, own.state) == (2, 3, {"1"}, "in_progress")
    # Every area: 1.1-1.3 and 2.1-2.4 (no ward-only, survey or bonus criterion).
    assert (other.done, other.total, other.areas, other.state) == (1, 7, None, "in_progress")
    assert own.deadline == campaign.appraisal_closes_on
    assert own.days_left == (campaign.appraisal_closes_on - today()).days
    assert own.link == f"/appraisal/{s['STP'].id}"
    assert own.block.code == "SBN" and own.status == "draft"
    db.session.execute(
        Entry.__table__.update()
        .where(Entry.submission_id == s["STP"].id, Entry.stage == "appraisal")
        .values(value="1")
    )
    s["SYT"].appraisal_closed_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    items = {i.unit.code: i for i in queue(evaluator)}
    assert (items["STP"].done, items["STP"].state) == (3, "done")
    assert (items["SYT"].status, items["SYT"].state) == ("closed", "closed")
    assert counts(list(items.values())) == {"todo": 0, "in_progress": 0, "done": 1, "closed": 1}


def test_queue_for_one_campaign_and_nothing_for_others(campaign, units, users):
    assign(campaign, users["evaluator"], block_id=units["own"].block_id, actor=users["admin"])
    assert len(queue(users["evaluator"], campaign)) == 2
    assert queue(users["leader"]) == []
    items = queue(users["evaluator"])
    assert counts(items) == {"todo": 2, "in_progress": 0, "done": 0, "closed": 0}


def test_queue_query_count_stays_flat(app, campaign, units, users, make_unit, login_as):
    evaluator = users["evaluator"]
    place(evaluator, units["ward"])
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    c = login_as("evaluator")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def measure() -> tuple[int, int, int]:
        reread()
        assert evaluator.roles == ["evaluator"]  # loaded before counting
        statements.clear()
        direct = len(queue(evaluator))
        in_service = len(statements)
        statements.clear()
        assert c.get("/appraisal/queue").status_code == 200
        return direct, in_service, len(statements)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = measure()
        for n in range(6):
            unit = make_unit(f"S{n:02d}", f"Sở thử {n}", parent=units["province"])
            submission = add_participant(campaign, unit, actor=users["admin"])
            appraise(submission, {"1.1": "Chậm", "2.3": "2"})
        later = measure()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert first[0] == 2 and later[0] == 8
    # Assignments, recusals, related units, submissions and one grouped count: five queries
    # however many units are queued.
    assert later[1] == first[1] == 5, (first, later)
    assert later[2] == first[2], (first, later)


# ---- pages --------------------------------------------------------------------------------


def test_assignments_page_assigns_and_refuses_next_to_the_field(login_as, campaign, units, users):
    evaluator = users["evaluator"]
    place(evaluator, units["own"])
    c = login_as("secretariat")
    page = c.get(f"/campaigns/{campaign.code}/assignments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Evaluator" in html or "Thẩm định viên" in html or evaluator.full_name in html
    assert 'name="evaluator_id"' in html and 'name="block_id"' in html
    assert 'name="submission_id"' in html and 'name="area_code"' in html
    form = {"evaluator_id": evaluator.id, "scope": "block", "block_id": units["own"].block_id}
    answer = c.post(f"/campaigns/{campaign.code}/assignments", data=form)
    assert answer.status_code == 422
    error = error_of(answer.get_data(as_text=True), "block_id")
    assert error and "Sở Tư pháp" in error
    reread()
    assert db.session.scalar(select(Assignment.id)) is None
    # The htmx form gets the form fragment back, with the same error.
    answer = c.post(
        f"/campaigns/{campaign.code}/assignments", data=form, headers={"HX-Request": "true"}
    )
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "<html" not in fragment
    assert "Sở Tư pháp" in error_of(fragment, "block_id")
    other = subs(campaign)["SYT"]
    form = {"evaluator_id": evaluator.id, "scope": "unit", "submission_id": other.id}
    form["area_code"] = "2"
    answer = c.post(f"/campaigns/{campaign.code}/assignments", data=form)
    assert answer.status_code == 303
    reread()
    made = db.session.scalar(select(Assignment))
    assert (made.submission_id, made.area_code, made.created_by_id) == (
        other.id,
        "2",
        users["secretariat"].id,
    )
    html = c.get(f"/campaigns/{campaign.code}/assignments").get_data(as_text=True)
    assert "Sở Y tế" in html and f"/assignments/{made.id}/remove" in html
    answer = c.post(f"/campaigns/{campaign.code}/assignments/{made.id}/remove")
    assert answer.status_code == 303
    assert db.session.scalar(select(Assignment.id)) is None
    assert actions()[-2:] == ["assignment_added", "assignment_removed"]


def test_assignments_page_refuses_missing_and_unknown_choices(login_as, campaign, units, users):
    c = login_as("admin")
    url = f"/campaigns/{campaign.code}/assignments"
    answer = c.post(url, data={"scope": "block", "block_id": units["own"].block_id})
    assert answer.status_code == 422 and error_of(answer.get_data(as_text=True), "evaluator_id")
    answer = c.post(url, data={"evaluator_id": users["evaluator"].id, "scope": "unit"})
    assert answer.status_code == 422 and error_of(answer.get_data(as_text=True), "submission_id")
    answer = c.post(
        url,
        data={
            "evaluator_id": users["leader"].id,
            "scope": "block",
            "block_id": units["own"].block_id,
        },
    )
    assert answer.status_code == 422 and error_of(answer.get_data(as_text=True), "evaluator_id")
    answer = c.post(
        url,
        data={
            "evaluator_id": users["evaluator"].id,
            "scope": "block",
            "block_id": units["own"].block_id,
            "area_code": "Z",
        },
    )
    assert answer.status_code == 422 and error_of(answer.get_data(as_text=True), "area_code")
    reread()
    assert db.session.scalar(select(Assignment.id)) is None


def test_removing_an_assignment_of_another_campaign_is_404(login_as, campaign, units, users):
    made = assign(
        campaign, users["evaluator"], block_id=units["own"].block_id, actor=users["admin"]
    )
    c = login_as("admin")
    assert c.post(f"/campaigns/NOPE/assignments/{made.id}/remove").status_code == 404
    assert c.post(f"/campaigns/{campaign.code}/assignments/99999/remove").status_code == 404


def test_recusals_csv_is_excel_friendly(login_as, campaign, units, users):
    evaluator = users["evaluator"]
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    recuse(evaluator, subs(campaign)["SYT"], "=HYPERLINK(1); Tôi từng công tác tại Sở", evaluator)
    answer = login_as("secretariat").get(f"/campaigns/{campaign.code}/recusals.csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["campaign", "unit_code", "unit_name", "evaluator", "reason", "date"]
    assert rows[1][:4] == ["PAR-TEST", "SYT", "Sở Y tế", evaluator.full_name]
    # A reason that looks like a formula stays text in a spreadsheet.
    assert rows[1][4] == "'=HYPERLINK(1); Tôi từng công tác tại Sở"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", rows[1][5])
    day = datetime.strptime(rows[1][5], "%d/%m/%Y").date()
    assert abs((day - today()).days) <= 1
    html = login_as("admin").get(f"/campaigns/{campaign.code}/assignments").get_data(as_text=True)
    assert "Tôi từng công tác tại Sở" in html and "recusals.csv" in html


def test_queue_page_lists_filters_and_links(login_as, campaign, units, users, ward_too):
    evaluator = users["evaluator"]
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    assign(campaign, evaluator, submission=ward_too, area_code="1", actor=users["admin"])
    s = subs(campaign)
    appraise(s["STP"], {"1.1": "Chậm"})
    c = login_as("evaluator")
    html = c.get("/appraisal/queue").get_data(as_text=True)
    for code in ("STP", "SYT", "P-A"):
        assert f'href="/appraisal/{s[code].id}"' in html
        assert f"/appraisal/{s[code].id}/recuse" in html
    assert "<progress" in html and "1 / 7" in html
    only_wards = c.get(f"/appraisal/queue?block={units['ward'].block_id}")
    html = only_wards.get_data(as_text=True)
    assert f"/appraisal/{s['P-A'].id}" in html and f"/appraisal/{s['STP'].id}" not in html
    html = c.get("/appraisal/queue?status=in_progress").get_data(as_text=True)
    assert f"/appraisal/{s['STP'].id}" in html and f"/appraisal/{s['SYT'].id}" not in html
    html = c.get("/appraisal/queue?status=todo&campaign=PAR-TEST").get_data(as_text=True)
    assert f"/appraisal/{s['SYT'].id}" in html and f"/appraisal/{s['STP'].id}" not in html
    fragment = c.get("/appraisal/queue?status=todo", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers.get("Vary") and "HX-Request" in fragment.headers["Vary"]
    assert "/appraisal/queue" in c.get("/home/evaluator").get_data(as_text=True)


def test_evaluator_home_shows_the_queue_counts(login_as, campaign, units, users):
    assign(campaign, users["evaluator"], block_id=units["own"].block_id, actor=users["admin"])
    appraise(subs(campaign)["STP"], {"1.1": "Chậm"})
    html = login_as("evaluator").get("/home/evaluator").get_data(as_text=True)
    card = html.split('class="card queue-card"')[1].split("</section>")[0]
    figures = re.findall(r'<span class="figure">(\d+)</span>', card)
    assert figures == ["1", "1", "0"]
    assert 'href="/appraisal/queue"' in card
    # The title is the page's own, not a card.
    assert "<section" not in html.split("<title>")[1].split("</title>")[0]


def test_recuse_page_requires_a_reason_and_removes_the_unit(login_as, campaign, units, users):
    evaluator = users["evaluator"]
    assign(campaign, evaluator, block_id=units["own"].block_id, actor=users["admin"])
    own = subs(campaign)["STP"]
    c = login_as("evaluator")
    page = c.get(f"/appraisal/{own.id}/recuse")
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    answer = c.post(f"/appraisal/{own.id}/recuse", data={"reason": "  "})
    assert answer.status_code == 422
    assert error_of(answer.get_data(as_text=True), "reason")
    reread()
    assert db.session.scalar(select(Recusal.id)) is None
    answer = c.post(f"/appraisal/{own.id}/recuse", data={"reason": "Tôi từng làm việc tại Sở"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/appraisal/queue")
    reread()
    assert db.session.scalar(select(Recusal.reason)) == "Tôi từng làm việc tại Sở"
    html = c.get("/appraisal/queue").get_data(as_text=True)
    assert f'href="/appraisal/{own.id}"' not in html
    # The page now shows the recusal; a second one is refused.
    assert "Tôi từng làm việc tại Sở" in c.get(f"/appraisal/{own.id}/recuse").get_data(as_text=True)
    assert c.post(f"/appraisal/{own.id}/recuse", data={"reason": "x"}).status_code == 422


# ---- access -------------------------------------------------------------------------------


def test_recuse_page_of_a_unit_not_assigned_is_404(login_as, campaign, units, users, make_user):
    evaluator = users["evaluator"]
    s = subs(campaign)
    assign(campaign, evaluator, submission=s["STP"], actor=users["admin"])
    c = login_as("evaluator")
    assert c.get(f"/appraisal/{s['STP'].id}/recuse").status_code == 200
    assert c.get(f"/appraisal/{s['SYT'].id}/recuse").status_code == 404
    assert c.post(f"/appraisal/{s['SYT'].id}/recuse", data={"reason": "x"}).status_code == 404
    assert c.get("/appraisal/99999/recuse").status_code == 404
    users["second"] = make_user("second", ["evaluator"])
    assert login_as("second").get(f"/appraisal/{s['STP'].id}/recuse").status_code == 404
    reread()
    assert db.session.scalar(select(Recusal.id)) is None


@pytest.mark.parametrize(
    ("who", "manage", "evaluate"),
    [
        ("admin", 200, 403),
        ("secretariat", 200, 403),
        ("evaluator", 403, 200),
        ("leader", 403, 403),
        ("head", 403, 403),
        ("officer", 403, 403),
    ],
)
def test_who_opens_which_page(login_as, campaign, units, users, who, manage, evaluate):
    own = subs(campaign)["STP"]
    assign(campaign, users["evaluator"], submission=own, actor=users["admin"])
    c = login_as(who)
    assert c.get(f"/campaigns/{campaign.code}/assignments").status_code == manage
    assert c.get(f"/campaigns/{campaign.code}/recusals.csv").status_code == manage
    form = {"evaluator_id": users["evaluator"].id, "scope": "block", "block_id": 0}
    expected_post = 422 if manage == 200 else 403
    assert c.post(f"/campaigns/{campaign.code}/assignments", data=form).status_code == (
        expected_post
    )
    assert c.get("/appraisal/queue").status_code == evaluate
    assert c.get(f"/appraisal/{own.id}/recuse").status_code == evaluate
    made = db.session.scalar(select(Assignment))
    answer = c.post(f"/campaigns/{campaign.code}/assignments/{made.id}/remove")
    assert answer.status_code == (303 if manage == 200 else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, campaign, units, users):
    own = subs(campaign)["STP"]
    made = assign(campaign, users["evaluator"], submission=own, actor=users["admin"])
    for method, url in (
        ("GET", f"/campaigns/{campaign.code}/assignments"),
        ("POST", f"/campaigns/{campaign.code}/assignments"),
        ("POST", f"/campaigns/{campaign.code}/assignments/{made.id}/remove"),
        ("GET", f"/campaigns/{campaign.code}/recusals.csv"),
        ("GET", "/appraisal/queue"),
        ("GET", f"/appraisal/{own.id}/recuse"),
        ("POST", f"/appraisal/{own.id}/recuse"),
    ):
        answer = client.open(url, method=method)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    assert db.session.scalar(select(Assignment.id)) == made.id
