"""Notices in the bell and by e-mail through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
import smtp_inbox
from aiosmtpd.controller import Controller
from smtp_inbox import Inbox, free_port, html_of, notices_of, text_of
from sqlalchemy import select

from reform.extensions import db
from reform.models import (
    Appeal,
    Criterion,
    ExplanationRequest,
    ResultsVersion,
    Submission,
)
from reform.services import notices
from reform.services.phases import today

HTMX = {"HX-Request": "true"}
# The e-mail fixtures: the application sends to a real SMTP server on this machine.
smtp, app, inbox, mailboxes = (
    smtp_inbox.smtp,
    smtp_inbox.app,
    smtp_inbox.inbox,
    smtp_inbox.mailboxes,
)


def status_of(submission) -> str:
    """The submission's status as the requests left it."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Submission, submission.id).status


def fill_and_submit(login_as, submission) -> None:
    """The officer fills every criterion, the head approves and submits."""
    officer = login_as("officer")
    for code, fields in {
        "1.1": {"v": "Đúng hạn", "expl": "Kế hoạch đăng trên cổng thông tin"},
        "1.2": {"v": "yes"},
        "1.3": {"v": "1.5"},
        "2.1": {"n": "95", "d": "100", "expl": "Số liệu từ hệ thống một cửa"},
        "2.2": {"n": "1", "d": "2"},
        "2.3": {"v": "3"},
        "2.4": {"v": "0"},
    }.items():
        data = {f"ver-{code}": "0"} | {f"{k}-{code}": v for k, v in fields.items()}
        r = officer.post(f"/assessments/{submission.id}/criteria/{code}", data=data, headers=HTMX)
        assert r.status_code == 200, r.get_data(as_text=True)
    r = login_as("head").post(f"/assessments/{submission.id}/approve")
    assert r.status_code == 303


def criterion(submission, code: str) -> Criterion:
    return db.session.scalar(
        select(Criterion).where(
            Criterion.framework_id == submission.campaign.framework_id, Criterion.code == code
        )
    )


# ---- submission received -----------------------------------------------------------------


def test_submission_received_reaches_the_secretariat_by_bell_and_mail(
    login_as, users, submission, mailboxes, inbox, make_user, units
):
    gone = make_user("old_secretary", ["secretariat"], units["province"])
    gone.email, gone.active = "old@example.gov.vn", False
    db.session.commit()

    fill_and_submit(login_as, submission)

    assert status_of(submission) == "submitted"
    [mail] = inbox.to(mailboxes["secretariat"])
    # Vietnamese by default, with its diacritics intact in the decoded subject and body.
    assert mail["Subject"] == "Đã nhận hồ sơ tự đánh giá: Sở Tư pháp — Kỳ đánh giá thử"
    body = text_of(mail)
    assert body.startswith("Kính gửi Secretariat,")
    assert "Đã nhận hồ sơ tự đánh giá: Sở Tư pháp — Kỳ đánh giá thử" in body
    assert "http://localhost/campaigns/PAR-TEST" in body
    assert 'href="http://localhost/campaigns/PAR-TEST"' in html_of(mail)
    assert mail["From"] == "reform@localhost"
    # The active secretariat, not a deactivated account (who else hears of it:
    # test_workflow_notices.py).
    assert inbox.to("old@example.gov.vn") == []
    [note] = notices_of(users["secretariat"])
    assert note.kind == "submission" and note.link == "/campaigns/PAR-TEST"
    assert "Sở Tư pháp" in note.message
    # The bell shows it.
    page = login_as("secretariat").get("/notifications").get_data(as_text=True)
    assert "Đã nhận hồ sơ tự đánh giá: Sở Tư pháp" in page


def test_english_for_a_user_who_chose_english(login_as, users, submission, mailboxes, inbox):
    users["secretariat"].locale = "en"
    db.session.commit()
    fill_and_submit(login_as, submission)
    [mail] = inbox.to(mailboxes["secretariat"])
    assert mail["Subject"] == "Submission received: Sở Tư pháp — Kỳ đánh giá thử"
    assert text_of(mail).startswith("Dear Secretariat,")
    [note] = notices_of(users["secretariat"])
    assert note.message.startswith("Submission received")


def test_a_user_without_an_address_gets_only_the_bell(login_as, users, submission, inbox):
    fill_and_submit(login_as, submission)
    assert inbox.messages == []
    assert len(notices_of(users["secretariat"], "submission")) == 1


def test_mail_server_down_does_not_stop_the_submission(
    make_app, smtp, login_as, users, submission, mailboxes, inbox, caplog, monkeypatch
):
    # Alembic's logging setup (run by the migrations) silences loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("reform.services.mail"), "disabled", False)
    # The same database seen by an app whose mail server refuses connections.
    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    with down.app_context():
        from helpers import login

        officer, head = down.test_client(), down.test_client()
        login(officer, "officer")
        login(head, "head")
        for code, fields in {
            "1.1": {"v": "Đúng hạn", "expl": "Đăng trên cổng"},
            "1.2": {"v": "yes"},
            "1.3": {"v": "1.5"},
            "2.1": {"n": "95", "d": "100", "expl": "Một cửa"},
            "2.2": {"n": "1", "d": "2"},
            "2.3": {"v": "3"},
            "2.4": {"v": "0"},
        }.items():
            data = {f"ver-{code}": "0"} | {f"{k}-{code}": v for k, v in fields.items()}
            officer.post(f"/assessments/{submission.id}/criteria/{code}", data=data, headers=HTMX)
        with caplog.at_level(logging.WARNING, logger="reform.services.mail"):
            r = head.post(f"/assessments/{submission.id}/approve")
        assert r.status_code == 303
        db.session.remove()
    assert status_of(submission) == "submitted"
    assert "unavailable" in caplog.text
    assert inbox.messages == []
    # The bell still has the notice.
    assert len(notices_of(users["secretariat"], "submission")) == 1


# ---- deadline reminders (reform remind) --------------------------------------------------


def test_remind_sends_once_a_day_to_units_not_yet_submitted(
    runner, users, units, campaign, mailboxes, inbox
):
    campaign.self_closes_on = today() + timedelta(days=3)
    other = db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == units["other"].id
        )
    )
    other.status = "submitted"
    db.session.commit()
    closes = campaign.self_closes_on.strftime("%d/%m/%Y")

    dry = runner.invoke(args=["remind", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "PAR-TEST STP: would remind" in dry.output and "officer" in dry.output
    assert inbox.messages == [] and notices_of(users["officer"]) == []

    first = runner.invoke(args=["remind"])
    assert first.exit_code == 0, first.output
    assert "PAR-TEST STP: reminded head, officer" in first.output
    assert "SYT" not in first.output  # already submitted
    assert "Reminded 2 people (2 e-mails)" in first.output
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == sorted(
        [mailboxes["head"], mailboxes["officer"]]
    )
    [mail] = inbox.to(mailboxes["officer"])
    assert (
        mail["Subject"] == "Thời gian tự đánh giá của Kỳ đánh giá thử kết thúc sau 3 ngày, "
        f"vào ngày {closes}."
    )
    [note] = notices_of(users["officer"], "deadline")
    assert note.link.startswith("/assessments/")

    again = runner.invoke(args=["remind"])
    assert again.exit_code == 0, again.output
    assert "Reminded 0 people" in again.output
    assert "STP" not in again.output and "1 unit(s) had nobody left to remind" in again.output
    assert len(inbox.messages) == 2
    assert len(notices_of(users["officer"], "deadline")) == 1


def test_remind_only_for_campaigns_closing_in_exactly_n_days(runner, campaign, mailboxes, inbox):
    # The fixture's campaign closes in 10 days.
    r = runner.invoke(args=["remind", "--days", "3"])
    assert r.exit_code == 0 and "No campaign closes" in r.output
    assert inbox.messages == []
    r = runner.invoke(args=["remind", "--days", "10"])
    assert r.exit_code == 0 and "Reminded 3 people" in r.output  # head, officer, other_officer
    [mail] = inbox.to(mailboxes["head"])
    assert "sau 10 ngày" in mail["Subject"]


def test_remind_skips_a_campaign_whose_self_assessment_is_not_open(
    runner, campaign, mailboxes, inbox
):
    campaign.self_opens_on = today() + timedelta(days=1)
    campaign.self_closes_on = today() + timedelta(days=3)
    db.session.commit()
    r = runner.invoke(args=["remind"])
    assert r.exit_code == 0 and "No campaign closes" in r.output
    assert inbox.messages == []


def test_manual_reminder_from_the_campaign_page_also_mails(
    login_as, users, campaign, mailboxes, inbox
):
    r = login_as("secretariat").post("/campaigns/PAR-TEST/remind")
    assert r.status_code == 303
    addresses = sorted(m["X-Envelope-To"] for m in inbox.messages)
    assert addresses == sorted(
        [mailboxes["head"], mailboxes["officer"], mailboxes["other_officer"]]
    )
    assert inbox.to(mailboxes["head"])[0]["Subject"].startswith("Nhắc việc:")


# ---- explanation requested and answered --------------------------------------------------


def test_explanation_requested_and_answered(users, submission, mailboxes, inbox):
    request = ExplanationRequest(
        submission_id=submission.id,
        criterion_id=criterion(submission, "1.1").id,
        message="Bổ sung quyết định ban hành kế hoạch",
        due_on=date(2030, 5, 7),
        requested_by_id=users["evaluator"].id,
    )
    db.session.add(request)
    db.session.commit()

    sent = notices.explanation_requested(request)
    assert sent.notices == 2 and sent.mails == 2
    # Held with the step's transaction: nothing leaves before it commits.
    assert inbox.messages == []
    db.session.commit()
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == sorted(
        [mailboxes["head"], mailboxes["officer"]]
    )
    [mail] = inbox.to(mailboxes["officer"])
    assert mail["Subject"].startswith("Yêu cầu giải trình, bổ sung tiêu chí 1.1 của")
    body = text_of(mail)
    assert "hạn ngày 07/05/2030" in body
    assert "Bổ sung quyết định ban hành kế hoạch" in body
    # Outside a request (a command, a service call) links start at the default address.
    assert f"http://localhost:5000/assessments/{submission.id}" in body
    [note] = notices_of(users["head"], "explanation")
    # The link opens the criterion's area at the criterion.
    assert note.link == f"/assessments/{submission.id}?area=1#c-1.1"
    assert notices_of(users["other_officer"]) == []

    inbox.clear()
    request.status, request.answer = "answered", "Đã bổ sung"
    db.session.commit()
    sent = notices.explanation_answered(request)
    assert sent.notices == 1
    db.session.commit()
    [mail] = inbox.messages
    assert mail["X-Envelope-To"] == mailboxes["evaluator"]
    assert mail["Subject"] == "Sở Tư pháp đã giải trình tiêu chí 1.1 của Kỳ đánh giá thử."
    [note] = notices_of(users["evaluator"], "explanation_answer")
    assert note.link == f"/appraisal/{submission.id}?area=1#a-1.1"


def test_explanation_request_in_english(users, submission, mailboxes, inbox):
    users["officer"].locale = "en"
    db.session.commit()
    request = ExplanationRequest(
        submission_id=submission.id,
        criterion_id=criterion(submission, "1.2").id,
        message="Attach the report",
        due_on=date(2030, 5, 7),
        requested_by_id=users["evaluator"].id,
    )
    db.session.add(request)
    db.session.commit()
    notices.explanation_requested(request)
    db.session.commit()
    [mail] = inbox.to(mailboxes["officer"])
    assert mail["Subject"].startswith("Explanation requested on criterion 1.2 of Sở Tư pháp")
    assert "7 May 2030" in text_of(mail)
    [vi] = inbox.to(mailboxes["head"])
    assert "07/05/2030" in text_of(vi)


# ---- published and appeal decided --------------------------------------------------------


def test_published_reaches_every_participant_unit_and_the_leaders(
    users, campaign, submission, mailboxes, inbox
):
    version = ResultsVersion(
        campaign_id=campaign.id, version=1, payload="{}", content_hash="0" * 64
    )
    db.session.add(version)
    db.session.commit()
    sent = notices.published(campaign, version)
    db.session.commit()
    expected = ["head", "officer", "other_officer", "leader"]
    assert sent.notices == 4
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == sorted(
        mailboxes[w] for w in expected
    )
    [mail] = inbox.to(mailboxes["leader"])
    assert mail["Subject"] == "Đã công bố kết quả Kỳ đánh giá thử (phiên bản 1)."
    assert "http://localhost:5000/public/PAR-TEST" in text_of(mail)
    assert notices_of(users["evaluator"]) == [] and notices_of(users["secretariat"]) == []


@pytest.mark.parametrize(
    ("status", "words"), [("accepted", "được chấp nhận"), ("rejected", "không được chấp nhận")]
)
def test_appeal_decided_tells_the_unit(users, submission, mailboxes, inbox, status, words):
    appeal = Appeal(
        submission_id=submission.id,
        criterion_id=criterion(submission, "1.3").id,
        reason="Đề nghị xem xét lại",
        status=status,
        decision="Hội đồng đã xem xét tài liệu",
        filed_by_id=users["head"].id,
    )
    db.session.add(appeal)
    db.session.commit()
    sent = notices.appeal_decided(appeal)
    db.session.commit()
    assert sent.notices == 2
    [mail] = inbox.to(mailboxes["head"])
    assert mail["Subject"] == (
        f"Đề nghị phúc khảo tiêu chí 1.3 của Sở Tư pháp trong Kỳ đánh giá thử {words}: "
        "Hội đồng đã xem xét tài liệu"
    )
    assert inbox.to(mailboxes["officer"])
    [note] = notices_of(users["head"], "appeal")
    assert words in note.message


def test_links_in_mail_use_the_configured_address(app, users, submission, mailboxes, inbox):
    app.config["BASE_URL"] = "https://cchc.example.gov.vn/"
    request = ExplanationRequest(
        submission_id=submission.id,
        criterion_id=criterion(submission, "1.1").id,
        message="Bổ sung",
        due_on=date(2030, 1, 2),
        requested_by_id=users["evaluator"].id,
    )
    db.session.add(request)
    db.session.commit()
    notices.explanation_requested(request)
    db.session.commit()
    [mail] = inbox.to(mailboxes["head"])
    assert f"https://cchc.example.gov.vn/assessments/{submission.id}" in text_of(mail)


def test_no_mail_server_configured_sends_nothing(make_app, users, submission, inbox):
    plain = make_app()
    with plain.app_context():
        version = ResultsVersion(
            campaign_id=submission.campaign_id, version=1, payload="{}", content_hash="0" * 64
        )
        db.session.add(version)
        db.session.commit()
        for user in users.values():
            db.session.merge(user).email = f"{user.username}@example.gov.vn"
        db.session.commit()
        campaign = db.session.get(Submission, submission.id).campaign
        sent = notices.published(campaign, version)
        assert sent.notices == 4 and sent.mails == 0
        db.session.remove()
    assert inbox.messages == []


# A test server: authentication without TLS is what it is meant to check here.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sender_with_a_display_name_and_a_numeric_password(make_app, users, submission):
    """MAIL_FROM may name the sender; REFORM_MAIL_PASSWORD=123456 arrives as a number."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"123456"
        return AuthResult(success=ok)

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        application = make_app(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=controller.port,
            MAIL_USERNAME="reform",
            MAIL_PASSWORD=123456,
            MAIL_FROM="Cải cách hành chính <reform@cchc.example.gov.vn>",
        )
        with application.app_context():
            version = ResultsVersion(
                campaign_id=submission.campaign_id, version=1, payload="{}", content_hash="0" * 64
            )
            db.session.add(version)
            for user in users.values():
                db.session.merge(user).email = f"{user.username}@example.gov.vn"
            db.session.commit()
            campaign = db.session.get(Submission, submission.id).campaign
            sent = notices.published(campaign, version)
            db.session.commit()
            assert sent.mails == 4
            mail = inbox.messages[0]
            assert mail["Message-ID"].endswith("@cchc.example.gov.vn>")
            assert "reform@cchc.example.gov.vn" in mail["From"]
            db.session.remove()
    finally:
        controller.stop()
