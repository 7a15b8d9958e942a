"""Every workflow step that hands work on tells exactly the people concerned: one more notice on
their bell and an e-mail through a real SMTP server, with the link to the page where the work is.

Each test performs the step through its HTTP endpoint as the role that takes it in real life.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import smtp_inbox
from smtp_inbox import notices_of, text_of
from sqlalchemy import select

from reform.extensions import db
from reform.models import Appeal, Block, ExplanationRequest, Notification, Submission, User
from reform.models.appraisal import Assignment
from reform.models.submissions import SUBMITTED
from reform.services import notices
from reform.services.phases import today

# The e-mail fixtures: the application sends to a real SMTP server on this machine.
smtp, app, inbox = smtp_inbox.smtp, smtp_inbox.app, smtp_inbox.inbox
mailboxes = smtp_inbox.mailboxes

HTMX = {"HX-Request": "true"}
WHO = ("admin", "secretariat", "evaluator", "leader", "head", "officer", "other_officer")
FILLED = {
    "1.1": {"v": "Đúng hạn", "expl": "Kế hoạch đăng trên cổng"},
    "1.2": {"v": "yes"},
    "1.3": {"v": "2"},
    "2.1": {"n": "95", "d": "100", "expl": "Số liệu một cửa"},
    "2.2": {"n": "1", "d": "2"},
    "2.3": {"v": "3"},
    "2.4": {"v": "0"},
}
SCORES = "unit_code,criterion_code,value,note\n"
SELF_VALUES = {
    "1.1": "Đúng hạn",
    "1.2": "yes",
    "1.3": "2",
    "2.1": "10/10",
    "2.2": "1/1",
    "2.3": "3",
    "2.4": "0",
}


def bell(client) -> int:
    """The unread count on the bell in the page header (0 when it shows none)."""
    header = client.get("/notifications").get_data(as_text=True).split("</header>")[0]
    match = re.search(r'<span class="bell-count"[^>]*>(\d+)</span>', header)
    return int(match.group(1)) if match else 0


class Watch:
    """Everyone's bell before a step, to tell afterwards who the step told."""

    def __init__(self, people, inbox, mailboxes, users) -> None:
        self.people, self.inbox, self.mailboxes, self.users = people, inbox, mailboxes, users
        self.before = {who: bell(client) for who, client in people.items()}
        inbox.clear()

    def told(self, expected: dict[str, str]) -> dict:
        """Exactly these people got one notice more on the bell and one e-mail, each with its
        link, and the link opens for them; returns their e-mails."""
        after = {who: bell(client) for who, client in self.people.items()}
        grown = {who: after[who] - self.before[who] for who in after}
        assert {who: n for who, n in grown.items() if n} == dict.fromkeys(expected, 1)
        assert self.inbox.addresses() == sorted(self.mailboxes[who] for who in expected)
        mails = {}
        for who, link in expected.items():
            assert notices_of(self.users[who])[-1].link == link
            [mail] = self.inbox.to(self.mailboxes[who])
            assert f"http://localhost{link}" in text_of(mail)
            opened = self.people[who].get(link.split("#")[0])
            assert opened.status_code == 200, (who, link, opened.status_code)
            mails[who] = mail
        return mails


@pytest.fixture
def people(login_as, mailboxes) -> dict:
    """A signed-in client for every test user, each with an e-mail address."""
    return {who: login_as(who) for who in WHO}


@pytest.fixture
def watch(people, inbox, mailboxes, users):
    """Start watching: call it right before the step."""
    return lambda: Watch(people, inbox, mailboxes, users)


def fresh(submission) -> Submission:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def fill(officer, submission) -> None:
    for code, fields in FILLED.items():
        data = {f"ver-{code}": "0"} | {f"{k}-{code}": v for k, v in fields.items()}
        r = officer.post(f"/assessments/{submission.id}/criteria/{code}", data=data, headers=HTMX)
        assert r.status_code == 200, r.get_data(as_text=True)


def assign_evaluator(campaign, submission, users) -> None:
    from reform.services.assignments import assign

    assign(campaign, users["evaluator"], submission=submission, actor=users["secretariat"])


@pytest.fixture
def sent(people, submission):
    """The officer filled the self-assessment and sent it to the head."""
    fill(people["officer"], submission)
    assert people["officer"].post(f"/assessments/{submission.id}/send").status_code == 303
    return fresh(submission)


@pytest.fixture
def in_appraisal(people, submission, campaign, users):
    """Submitted by the head; appraisal open; the evaluator assigned to the unit."""
    fill(people["officer"], submission)
    assert people["head"].post(f"/assessments/{submission.id}/approve").status_code == 303
    campaign.self_opens_on = today() - timedelta(days=10)
    campaign.self_closes_on = today() - timedelta(days=1)
    campaign.appraisal_opens_on = today()
    campaign.appraisal_closes_on = today() + timedelta(days=14)
    db.session.commit()
    assign_evaluator(campaign, submission, users)
    return fresh(submission)


def request_explanation(people, submission, code="2.1") -> ExplanationRequest:
    r = people["evaluator"].post(
        f"/appraisal/{submission.id}/criteria/{code}/explanations",
        data={"message": "Bổ sung sổ theo dõi hồ sơ", "due_on": today().isoformat()},
    )
    assert r.status_code == 303
    db.session.rollback()
    return db.session.scalar(select(ExplanationRequest).order_by(ExplanationRequest.id.desc()))


def make_ready(campaign, users) -> None:
    """Both departments self-assessed, surveyed, submitted and their appraisal closed."""
    from reform.services.publication import close_appraisal
    from reform.services.scores_import import import_scores

    codes = ("STP", "SYT")
    own = SCORES + "".join(f"{u},{c},{v},\n" for u in codes for c, v in SELF_VALUES.items())
    survey = SCORES + "".join(f"{u},3.1,3,\n" for u in codes)
    for stage, text in (("self", own), ("survey", survey)):
        assert import_scores(campaign, text.encode(), stage=stage, filename=f"{stage}.csv").ok
    for each in db.session.scalars(select(Submission)):
        each.status = SUBMITTED
    db.session.commit()
    for each in db.session.scalars(select(Submission)):
        close_appraisal(each, actor=users["secretariat"])


@pytest.fixture
def published(people, campaign, users):
    """Ready, and published (version 1) by the secretariat."""
    make_ready(campaign, users)
    assert people["secretariat"].post("/campaigns/PAR-TEST/publish").status_code == 303
    return campaign


def file_appeal(people, submission) -> Appeal:
    r = people["head"].post(
        f"/appeals/new/{submission.id}",
        data={"criteria": ["1.3"], "reason-1.3": "Đã có biên bản họp"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    db.session.rollback()
    return db.session.scalar(select(Appeal).order_by(Appeal.id.desc()))


# ---- the self-assessment ------------------------------------------------------------------


def test_sending_to_the_head_tells_the_head(people, watch, submission):
    fill(people["officer"], submission)
    seen = watch()
    assert people["officer"].post(f"/assessments/{submission.id}/send").status_code == 303
    mails = seen.told({"head": f"/assessments/{submission.id}#next-steps"})
    assert mails["head"]["Subject"] == (
        "Officer đã gửi hồ sơ tự đánh giá của Sở Tư pháp trong Kỳ đánh giá thử; "
        "hồ sơ đang chờ bạn phê duyệt."
    )


def test_a_head_who_sends_it_is_not_told_of_their_own_step(people, watch, submission):
    fill(people["officer"], submission)
    seen = watch()
    assert people["head"].post(f"/assessments/{submission.id}/send").status_code == 303
    assert fresh(submission).status == "pending_approval"
    seen.told({})


def test_returning_tells_the_officer_with_the_comment(people, watch, sent):
    seen = watch()
    r = people["head"].post(f"/assessments/{sent.id}/return", data={"comment": "Bổ sung 2.1"})
    assert r.status_code == 303
    mails = seen.told({"officer": f"/assessments/{sent.id}"})
    assert mails["officer"]["Subject"] == (
        "Head đã trả lại hồ sơ tự đánh giá của Sở Tư pháp trong Kỳ đánh giá thử: Bổ sung 2.1"
    )


def test_approving_tells_the_secretariat_the_officer_and_the_assigned_evaluator(
    people, watch, sent, campaign, users
):
    assign_evaluator(campaign, sent, users)
    seen = watch()
    assert people["head"].post(f"/assessments/{sent.id}/approve").status_code == 303
    mails = seen.told(
        {
            "secretariat": "/campaigns/PAR-TEST",
            "officer": f"/assessments/{sent.id}",
            "evaluator": f"/appraisal/{sent.id}",
        }
    )
    assert mails["officer"]["Subject"] == (
        "Head đã phê duyệt hồ sơ tự đánh giá của Sở Tư pháp trong Kỳ đánh giá thử "
        "và gửi Hội đồng thẩm định."
    )
    assert "Sở Tư pháp" in mails["evaluator"]["Subject"]
    assert "danh sách chờ thẩm định" in mails["evaluator"]["Subject"]


def test_withdrawing_tells_the_secretariat_the_evaluator_and_the_officer(
    people, watch, sent, campaign, users
):
    assign_evaluator(campaign, sent, users)
    assert people["head"].post(f"/assessments/{sent.id}/approve").status_code == 303
    seen = watch()
    assert people["head"].post(f"/assessments/{sent.id}/withdraw").status_code == 303
    assert fresh(sent).status == "draft"
    mails = seen.told(
        {
            "secretariat": "/campaigns/PAR-TEST",
            "evaluator": "/appraisal/queue?campaign=PAR-TEST",
            "officer": f"/assessments/{sent.id}",
        }
    )
    assert "Head đã rút hồ sơ tự đánh giá của Sở Tư pháp" in mails["secretariat"]["Subject"]


# ---- assignments --------------------------------------------------------------------------


def test_assigning_one_unit_tells_the_evaluator_and_that_unit(people, watch, submission, users):
    seen = watch()
    r = people["secretariat"].post(
        "/campaigns/PAR-TEST/assignments",
        data={
            "scope": "unit",
            "evaluator_id": str(users["evaluator"].id),
            "submission_id": str(submission.id),
            "area_code": "2",
        },
    )
    assert r.status_code == 303
    mails = seen.told(
        {
            "evaluator": f"/appraisal/{submission.id}?area=2",
            "head": f"/assessments/{submission.id}",
            "officer": f"/assessments/{submission.id}",
        }
    )
    assert mails["evaluator"]["Subject"] == (
        "Bạn được phân công thẩm định Sở Tư pháp, lĩnh vực 2 trong Kỳ đánh giá thử."
    )
    assert mails["head"]["Subject"] == (
        "Evaluator được phân công thẩm định Sở Tư pháp, lĩnh vực 2 trong Kỳ đánh giá thử."
    )


def test_assigning_a_block_tells_every_unit_of_it(people, watch, campaign, units, users):
    block = db.session.get(Block, units["own"].block_id)
    other = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )
    own = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["own"].id
        )
    )
    seen = watch()
    r = people["secretariat"].post(
        "/campaigns/PAR-TEST/assignments",
        data={"scope": "block", "evaluator_id": str(users["evaluator"].id), "block_id": block.id},
    )
    assert r.status_code == 303
    mails = seen.told(
        {
            "evaluator": f"/appraisal/queue?campaign=PAR-TEST&block={block.id}",
            "head": f"/assessments/{own.id}",
            "officer": f"/assessments/{own.id}",
            "other_officer": f"/assessments/{other.id}",
        }
    )
    assert "Khối SBN, mọi lĩnh vực" in mails["evaluator"]["Subject"]
    assert "Sở Y tế, mọi lĩnh vực" in mails["other_officer"]["Subject"]


def test_removing_an_assignment_tells_the_evaluator(people, watch, campaign, submission, users):
    assign_evaluator(campaign, submission, users)
    assignment = db.session.scalar(select(Assignment))
    seen = watch()
    r = people["secretariat"].post(f"/campaigns/PAR-TEST/assignments/{assignment.id}/remove")
    assert r.status_code == 303
    mails = seen.told({"evaluator": "/appraisal/queue?campaign=PAR-TEST"})
    assert mails["evaluator"]["Subject"] == (
        "Phân công thẩm định Sở Tư pháp, mọi lĩnh vực trong Kỳ đánh giá thử của bạn đã được hủy."
    )


def test_stepping_aside_tells_the_secretariat(people, watch, campaign, submission, users):
    assign_evaluator(campaign, submission, users)
    seen = watch()
    r = people["evaluator"].post(
        f"/appraisal/{submission.id}/recuse", data={"reason": "Vợ tôi làm việc tại đơn vị"}
    )
    assert r.status_code == 303
    mails = seen.told({"secretariat": "/campaigns/PAR-TEST/assignments"})
    assert mails["secretariat"]["Subject"] == (
        "Evaluator đã rút khỏi thẩm định Sở Tư pháp trong Kỳ đánh giá thử: "
        "Vợ tôi làm việc tại đơn vị"
    )


# ---- appraisal ----------------------------------------------------------------------------


def test_an_explanation_request_tells_the_unit(people, watch, in_appraisal):
    seen = watch()
    request_explanation(people, in_appraisal)
    mails = seen.told(
        {
            "head": f"/assessments/{in_appraisal.id}?area=2#c-2.1",
            "officer": f"/assessments/{in_appraisal.id}?area=2#c-2.1",
        }
    )
    day = today().strftime("%d/%m/%Y")
    assert mails["officer"]["Subject"] == (
        "Yêu cầu giải trình, bổ sung tiêu chí 2.1 của Sở Tư pháp trong Kỳ đánh giá thử, "
        f"hạn ngày {day}: Bổ sung sổ theo dõi hồ sơ"
    )


def test_an_answer_tells_the_evaluator_who_asked(people, watch, in_appraisal):
    request = request_explanation(people, in_appraisal)
    seen = watch()
    r = people["officer"].post(
        f"/assessments/{in_appraisal.id}/explanations/{request.id}/answer",
        data={"answer": "Đã bổ sung sổ theo dõi"},
    )
    assert r.status_code == 303
    mails = seen.told({"evaluator": f"/appraisal/{in_appraisal.id}?area=2#a-2.1"})
    assert "Sở Tư pháp đã giải trình tiêu chí 2.1" in mails["evaluator"]["Subject"]


def test_closing_an_explanation_request_tells_the_unit(people, watch, in_appraisal):
    request = request_explanation(people, in_appraisal)
    r = people["officer"].post(
        f"/assessments/{in_appraisal.id}/explanations/{request.id}/answer",
        data={"answer": "Đã bổ sung sổ theo dõi"},
    )
    assert r.status_code == 303
    seen = watch()
    r = people["evaluator"].post(
        f"/appraisal/{in_appraisal.id}/explanations/{request.id}/decide",
        data={"decision": "Chấp nhận giải trình"},
    )
    assert r.status_code == 303
    link = f"/assessments/{in_appraisal.id}?area=2#c-2.1"
    mails = seen.told({"head": link, "officer": link})
    assert mails["head"]["Subject"] == (
        "Hội đồng đã kết thúc yêu cầu giải trình tiêu chí 2.1 của Sở Tư pháp trong "
        "Kỳ đánh giá thử: Chấp nhận giải trình"
    )


def test_closing_the_appraisal_tells_the_unit_and_its_evaluator(people, watch, in_appraisal):
    seen = watch()
    r = people["secretariat"].post(
        f"/campaigns/PAR-TEST/submissions/{in_appraisal.id}/close-appraisal"
    )
    assert r.status_code == 303
    mails = seen.told(
        {
            "head": f"/assessments/{in_appraisal.id}",
            "officer": f"/assessments/{in_appraisal.id}",
            "evaluator": f"/appraisal/{in_appraisal.id}",
        }
    )
    assert mails["officer"]["Subject"] == (
        "Hội đồng đã khóa thẩm định hồ sơ của Sở Tư pháp trong Kỳ đánh giá thử."
    )


def test_reopening_the_appraisal_tells_the_unit_and_its_evaluator(people, watch, in_appraisal):
    url = f"/campaigns/PAR-TEST/submissions/{in_appraisal.id}"
    assert people["secretariat"].post(f"{url}/close-appraisal").status_code == 303
    seen = watch()
    r = people["secretariat"].post(f"{url}/reopen-appraisal", data={"reason": "Bổ sung hồ sơ"})
    assert r.status_code == 303
    mails = seen.told(
        {
            "head": f"/assessments/{in_appraisal.id}",
            "officer": f"/assessments/{in_appraisal.id}",
            "evaluator": f"/appraisal/{in_appraisal.id}",
        }
    )
    assert mails["evaluator"]["Subject"] == (
        "Hội đồng đã mở lại thẩm định hồ sơ của Sở Tư pháp trong Kỳ đánh giá thử: Bổ sung hồ sơ"
    )


def test_moving_the_dates_tells_the_units_at_work_and_the_evaluators(
    people, watch, campaign, submission, users, units
):
    assign_evaluator(campaign, submission, users)
    other = db.session.scalar(select(Submission).where(Submission.unit_id == units["other"].id))
    closes = campaign.self_closes_on + timedelta(days=7)
    appraisal = (closes + timedelta(days=1), closes + timedelta(days=15))
    seen = watch()
    r = people["secretariat"].post(
        "/campaigns/PAR-TEST/settings",
        data={
            "self_opens_on": campaign.self_opens_on.isoformat(),
            "self_closes_on": closes.isoformat(),
            "appraisal_opens_on": appraisal[0].isoformat(),
            "appraisal_closes_on": appraisal[1].isoformat(),
            "reason": "Gia hạn theo Công văn 123/SNV",
        },
    )
    assert r.status_code == 303
    mails = seen.told(
        {
            "head": f"/assessments/{submission.id}",
            "officer": f"/assessments/{submission.id}",
            "other_officer": f"/assessments/{other.id}",
            "evaluator": "/appraisal/queue?campaign=PAR-TEST",
        }
    )
    start, end = (d.strftime("%d/%m/%Y") for d in (campaign.self_opens_on, closes))
    assert mails["other_officer"]["Subject"] == (
        f"Thời gian tự đánh giá của Sở Y tế trong Kỳ đánh giá thử được điều chỉnh: "
        f"từ ngày {start} đến ngày {end}."
    )
    assert appraisal[0].strftime("%d/%m/%Y") in mails["evaluator"]["Subject"]


# ---- publication and appeals --------------------------------------------------------------


def test_publishing_tells_every_unit_at_its_results_and_the_leaders(people, watch, campaign, users):
    make_ready(campaign, users)
    seen = watch()
    assert people["secretariat"].post("/campaigns/PAR-TEST/publish").status_code == 303
    mails = seen.told(
        {
            "head": "/reports/PAR-TEST/units/STP",
            "officer": "/reports/PAR-TEST/units/STP",
            "other_officer": "/reports/PAR-TEST/units/SYT",
            "leader": "/public/PAR-TEST",
        }
    )
    assert mails["leader"]["Subject"] == "Đã công bố kết quả Kỳ đánh giá thử (phiên bản 1)."


def test_an_appeal_tells_the_secretariat(people, watch, published, submission):
    seen = watch()
    file_appeal(people, submission)
    mails = seen.told({"secretariat": "/campaigns/PAR-TEST/appeals"})
    assert mails["secretariat"]["Subject"] == (
        "Sở Tư pháp đề nghị phúc khảo 1 tiêu chí của Kỳ đánh giá thử: 1.3."
    )


def test_a_decided_appeal_tells_the_head_at_the_appeal_and_the_officer(
    people, watch, published, submission
):
    appeal = file_appeal(people, submission)
    seen = watch()
    r = people["secretariat"].post(
        f"/campaigns/PAR-TEST/appeals/{appeal.id}/decide",
        data={"outcome": "reject", "decision": "Biên bản không thuộc năm đánh giá"},
    )
    assert r.status_code == 303
    mails = seen.told(
        {
            "head": f"/appeals/new/{submission.id}#appeal-{appeal.id}",
            "officer": f"/assessments/{submission.id}?area=1#c-1.3",
        }
    )
    assert mails["head"]["Subject"] == (
        "Đề nghị phúc khảo tiêu chí 1.3 của Sở Tư pháp trong Kỳ đánh giá thử không được "
        "chấp nhận: Biên bản không thuộc năm đánh giá"
    )


def test_a_new_version_tells_every_unit_and_the_leaders(people, watch, published, submission):
    appeal = file_appeal(people, submission)
    r = people["secretariat"].post(
        f"/campaigns/PAR-TEST/appeals/{appeal.id}/decide",
        data={"outcome": "accept", "value": "1", "decision": "Điều chỉnh theo biên bản"},
    )
    assert r.status_code == 303
    seen = watch()
    r = people["secretariat"].post("/campaigns/PAR-TEST/appeals/republish", data={"reason": "PK"})
    assert r.status_code == 303
    mails = seen.told(
        {
            "head": "/reports/PAR-TEST/units/STP",
            "officer": "/reports/PAR-TEST/units/STP",
            "other_officer": "/reports/PAR-TEST/units/SYT",
            "leader": "/public/PAR-TEST",
        }
    )
    assert "(phiên bản 2)" in mails["head"]["Subject"]


# ---- one transaction ----------------------------------------------------------------------


def test_a_step_rolled_back_tells_nobody(app, users, submission, mailboxes, inbox):
    """The notices are written in the step's transaction and the e-mails wait for its commit."""
    message = lambda: "Thử"  # noqa: E731
    notices.announce([users["head"]], "test", "/", message, actor=users["officer"])
    db.session.rollback()
    assert inbox.messages == []
    assert db.session.scalar(select(Notification.id)) is None
    # The next step's commit does not send what the rolled-back one held; a part of a step
    # undone (a savepoint) takes its notices and e-mails with it.
    notices.announce([users["officer"]], "test", "/", message)
    undone = db.session.begin_nested()
    notices.announce([users["leader"]], "test", "/", message)
    undone.rollback()
    db.session.commit()
    assert inbox.addresses() == [mailboxes["officer"]]
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [users["officer"].id]


def test_a_refused_step_tells_nobody(people, watch, submission):
    # Incomplete: the officer cannot send it yet; the head hears nothing.
    seen = watch()
    assert people["officer"].post(f"/assessments/{submission.id}/send").status_code == 303
    assert fresh(submission).status == "draft"
    seen.told({})


# ---- a campaign hands the units their self-assessment -------------------------------------


def _form_of(campaign_code: str, unit_id: int) -> str:
    from reform.models import Campaign

    db.session.rollback()
    found = db.session.scalar(
        select(Submission.id)
        .join(Campaign, Campaign.id == Submission.campaign_id)
        .where(Campaign.code == campaign_code, Submission.unit_id == unit_id)
    )
    return f"/assessments/{found}"


def test_creating_a_campaign_tells_every_participant_unit(
    people, watch, campaign, units, rules_framework, make_user
):
    from test_campaigns import new_campaign_form

    ward_head = make_user("ward-head", ["head"], units["ward"])
    seen = watch()
    form = new_campaign_form(rules_framework, code="PAR-2026")
    assert people["secretariat"].post("/campaigns/new", data=form).status_code == 303
    # The framework applies to wards: the ward's head is told, with its form; the departments'
    # people, who do not take part, are not.
    [note] = notices_of(db.session.get(User, ward_head.id))
    assert note.link == _form_of("PAR-2026", units["ward"].id)
    assert note.message.startswith("Phường An tham gia Chỉ số CCHC 2026")
    seen.told({})


def test_adding_a_participant_tells_that_unit(people, watch, campaign, units, make_user):
    make_user("ward-head", ["head"], units["ward"])
    seen = watch()
    r = people["secretariat"].post(
        "/campaigns/PAR-TEST/participants", data={"unit_id": units["ward"].id}
    )
    assert r.status_code == 303
    after = notices_of(db.session.scalar(select(User).where(User.username == "ward-head")))
    assert [n.link for n in after] == [_form_of("PAR-TEST", units["ward"].id)]
    # Nobody of the units already taking part is told again.
    seen.told({})
