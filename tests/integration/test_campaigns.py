"""Campaigns: creating them (page and command), settings, participants, overview, phases."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from helpers import RULES_FRAMEWORK, login
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from reform.extensions import db
from reform.models import (
    AuditEvent,
    Block,
    Campaign,
    CampaignBlock,
    Entry,
    Evidence,
    Framework,
    Notification,
    Submission,
    Unit,
)
from reform.models.submissions import SUBMITTED
from reform.services.assessment import refresh_totals, save_self_entry
from reform.services.frameworks import FrameworkRefused, replace_definition
from reform.services.phases import days_left, phase_of, today

# ---- helpers ------------------------------------------------------------------------------


def reread() -> None:
    """End the test's read transaction and forget loaded rows, to see what requests wrote."""
    db.session.rollback()
    db.session.expire_all()


def fresh_campaign(code: str) -> Campaign | None:
    reread()
    return db.session.scalar(select(Campaign).where(Campaign.code == code))


def submissions_of(campaign: Campaign) -> dict[str, Submission]:
    """The campaign's submissions by unit code, read afresh."""
    reread()
    rows = db.session.scalars(select(Submission).where(Submission.campaign_id == campaign.id))
    return {s.unit.code: s for s in rows}


def block_codes(campaign: Campaign) -> list[str]:
    reread()
    return sorted(
        db.session.scalars(
            select(Block.code)
            .join(CampaignBlock, CampaignBlock.block_id == Block.id)
            .where(CampaignBlock.campaign_id == campaign.id)
        )
    )


def count(model, *where) -> int:
    reread()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def participant_rows(html: str) -> dict[str, str]:
    """Each participant's row of the overview, by the unit name it shows."""
    rows = {}
    for chunk in html.split('<li class="card participant">')[1:]:
        name = re.search(r"<strong>([^<]+)</strong>", chunk).group(1)
        rows[name] = chunk.split("</li>")[0]
    return rows


def error_of(html: str, field: str) -> str | None:
    """The error text shown under a form field, if any."""
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def bell(html: str) -> int:
    """The unread count the bell in the header shows (0 when it shows none)."""
    header = html.split("</header>")[0]
    assert 'class="bell"' in header
    match = re.search(r'<span class="bell-count"[^>]*>(\d+)</span>', header)
    return int(match.group(1)) if match else 0


def new_campaign_form(framework: Framework, **overrides) -> dict[str, str]:
    day = today()
    data = {
        "code": "PAR-2026",
        "name": "Chỉ số CCHC 2026",
        "framework_id": str(framework.id),
        "self_opens_on": day.isoformat(),
        "self_closes_on": (day + timedelta(days=20)).isoformat(),
        "appraisal_opens_on": (day + timedelta(days=25)).isoformat(),
        "appraisal_closes_on": (day + timedelta(days=40)).isoformat(),
        "explanation_opens_on": "",
        "explanation_closes_on": "",
        "publication_on": (day + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def dates_form(campaign: Campaign, **overrides) -> dict[str, str]:
    names = (
        "self_opens_on",
        "self_closes_on",
        "appraisal_opens_on",
        "appraisal_closes_on",
        "explanation_opens_on",
        "explanation_closes_on",
        "publication_on",
    )
    data = {n: getattr(campaign, n).isoformat() if getattr(campaign, n) else "" for n in names}
    data.update(overrides)
    return data


def submission_of(campaign: Campaign, unit: Unit) -> Submission:
    reread()
    return db.session.scalar(
        select(Submission).where(
            Submission.campaign_id == campaign.id, Submission.unit_id == unit.id
        )
    )


@pytest.fixture
def wards(units, make_unit) -> dict[str, Unit]:
    """Wards in two blocks, plus one without a block and one deactivated (both left out)."""
    made = {
        "P-A": units["ward"],
        "P-B": make_unit("P-B", "Phường Bình", kind="ward", block_code="PHUONG"),
        "X-1": make_unit("X-1", "Phường Xuân", kind="ward", block_code="XA"),
        "P-Z": make_unit("P-Z", "Phường chưa xếp khối", kind="ward", block_code=None),
        "P-OLD": make_unit("P-OLD", "Phường đã sáp nhập", kind="ward", block_code="PHUONG"),
    }
    made["P-OLD"].active = False
    db.session.commit()
    return made


# ---- creating a campaign ------------------------------------------------------------------


def test_create_in_the_page_takes_the_active_units_of_the_framework_kinds(
    login_as, users, wards, rules_framework
):
    hash_before = rules_framework.content_hash
    c = login_as("secretariat")
    page = c.get("/campaigns/new")
    assert page.status_code == 200
    assert f'value="{rules_framework.id}"' in page.get_data(as_text=True)
    r = c.post("/campaigns/new", data=new_campaign_form(rules_framework))
    assert r.status_code == 303, r.get_data(as_text=True)
    assert r.headers["Location"].endswith("/campaigns/PAR-2026")

    campaign = fresh_campaign("PAR-2026")
    assert campaign.name == "Chỉ số CCHC 2026"
    assert campaign.self_closes_on == today() + timedelta(days=20)
    assert campaign.appraisal_opens_on == today() + timedelta(days=25)
    assert campaign.publication_on == today() + timedelta(days=60)
    assert campaign.created_by_id == users["secretariat"].id
    # RULES names only "ward": the departments, the blockless and the deactivated ward stay out.
    assert sorted(submissions_of(campaign)) == ["P-A", "P-B", "X-1"]
    assert block_codes(campaign) == ["PHUONG", "XA"]
    for s in submissions_of(campaign).values():
        assert s.block_id == s.unit.block_id
        assert s.status == "draft"
        # Wards fill 8 criteria: 1.1-1.4 and 2.1-2.4 (the survey and the bonus are not theirs).
        assert (s.applicable_count, s.filled_count) == (8, 0)
        assert s.max_points == 20
    # The framework version is now frozen.
    assert db.session.get(Framework, rules_framework.id).locked
    with pytest.raises(FrameworkRefused):
        replace_definition(
            db.session.get(Framework, rules_framework.id),
            RULES_FRAMEWORK.replace("max: 4", "max: 5"),
        )
    reread()
    assert db.session.get(Framework, rules_framework.id).content_hash == hash_before

    overview = c.get(r.headers["Location"])
    assert overview.status_code == 200
    rows = participant_rows(overview.get_data(as_text=True))
    assert set(rows) == {"Phường An", "Phường Bình", "Phường Xuân"}
    for row in rows.values():
        assert "Đã nhập 0/8" in row and 'value="0"' in row and 'max="8"' in row
    assert count(AuditEvent, AuditEvent.action == "campaign_created") == 1


def test_a_framework_naming_no_kind_takes_every_active_unit_in_a_block(
    runner, units, framework, make_unit
):
    make_unit("SXD-OLD", "Sở đã giải thể").active = False
    db.session.commit()
    result = runner.invoke(args=["create-campaign", "ALL-2026", "--framework", "TEST-FW"])
    assert result.exit_code == 0, result.output
    assert "3 units in 2 blocks" in result.output
    campaign = fresh_campaign("ALL-2026")
    # The province has no block; the deactivated department is out.
    assert sorted(submissions_of(campaign)) == ["P-A", "STP", "SYT"]
    assert block_codes(campaign) == ["PHUONG", "SBN"]
    # Defaults: the framework's name, self-assessment from today for 30 days.
    assert campaign.name == framework.name
    assert campaign.self_opens_on == today()
    assert campaign.self_closes_on == today() + timedelta(days=30)
    for s in submissions_of(campaign).values():
        assert (s.applicable_count, s.filled_count) == (2, 0) and s.max_points == 3


def test_create_campaign_command_with_version_name_and_dates(runner, wards, rules_framework):
    from reform.services.frameworks import import_framework

    newer = import_framework(RULES_FRAMEWORK.replace("version: 1", "version: 2"))
    result = runner.invoke(
        args=[
            "create-campaign",
            "PAR-V1",
            "--framework",
            "RULES",
            "--version",
            "1",
            "--name",
            "Kỳ đánh giá phường 2026",
            "--self-opens",
            "2026-12-01",
            "--self-closes",
            "2026-12-31",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "PAR-V1" in result.output and "RULES 1" in result.output
    assert "3 units in 2 blocks" in result.output
    campaign = fresh_campaign("PAR-V1")
    assert campaign.framework_id == rules_framework.id
    assert campaign.name == "Kỳ đánh giá phường 2026"
    assert (campaign.self_opens_on, campaign.self_closes_on) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert sorted(submissions_of(campaign)) == ["P-A", "P-B", "X-1"]
    # Only the version used is frozen; the newer one can still be edited.
    assert db.session.get(Framework, rules_framework.id).locked
    assert not db.session.get(Framework, newer.id).locked
    with pytest.raises(FrameworkRefused):
        replace_definition(db.session.get(Framework, rules_framework.id), RULES_FRAMEWORK)
    reread()

    # Without --version the latest version is used.
    result = runner.invoke(args=["create-campaign", "PAR-LATEST", "--framework", "RULES"])
    assert result.exit_code == 0, result.output
    assert fresh_campaign("PAR-LATEST").framework_id == newer.id


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--framework", "NOPE"], "NOPE"),
        (["--framework", "RULES", "--version", "9"], "RULES"),
        (["--framework", "RULES", "--self-opens", "2026-12-10", "--self-closes", "2026-12-01"], ""),
        (["--framework", "RULES", "--self-opens", "2026-13-40"], "2026-13-40"),
    ],
)
def test_create_campaign_command_refusals_save_nothing(runner, wards, rules_framework, args, words):
    result = runner.invoke(args=["create-campaign", "PAR-BAD", *args])
    assert result.exit_code != 0
    assert words in result.output
    assert fresh_campaign("PAR-BAD") is None
    assert count(Submission) == 0
    assert not db.session.get(Framework, rules_framework.id).locked


def test_create_campaign_command_refuses_a_used_code(runner, campaign):
    before = count(Submission)
    result = runner.invoke(args=["create-campaign", "PAR-TEST", "--framework", "RULES"])
    assert result.exit_code != 0
    assert "Mã này đã được dùng cho một kỳ đánh giá khác." in result.output
    assert count(Campaign) == 1 and count(Submission) == before


def test_a_used_code_is_refused_next_to_the_code_field(login_as, campaign, rules_framework):
    c = login_as("secretariat")
    r = c.post("/campaigns/new", data=new_campaign_form(rules_framework, code="PAR-TEST"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert error_of(html, "code") == "Mã này đã được dùng cho một kỳ đánh giá khác."
    assert 'aria-invalid="true"' in html
    assert count(Campaign) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"self_opens_on": 10, "self_closes_on": 5},
            "self_closes_on",
            "Ngày kết thúc sớm hơn ngày bắt đầu.",
        ),
        (
            {"appraisal_opens_on": 40, "appraisal_closes_on": 30},
            "appraisal_closes_on",
            "Ngày kết thúc sớm hơn ngày bắt đầu.",
        ),
        (
            {"appraisal_opens_on": 20},
            "appraisal_opens_on",
            "Thẩm định phải bắt đầu sau khi kết thúc tự đánh giá.",
        ),
        (
            {"appraisal_opens_on": 10},
            "appraisal_opens_on",
            "Thẩm định phải bắt đầu sau khi kết thúc tự đánh giá.",
        ),
        (
            {"appraisal_closes_on": ""},
            "appraisal_closes_on",
            "Nhập đủ cả hai ngày, hoặc để trống cả hai.",
        ),
        (
            {"explanation_opens_on": 30},
            "explanation_closes_on",
            "Nhập đủ cả hai ngày, hoặc để trống cả hai.",
        ),
        (
            {"explanation_opens_on": 22, "explanation_closes_on": 45},
            "explanation_opens_on",
            None,
        ),
        ({"publication_on": 35}, "publication_on", "Công bố kết quả phải sau"),
        ({"publication_on": 40}, "publication_on", "Công bố kết quả phải sau"),
        (
            {"appraisal_opens_on": "", "appraisal_closes_on": "", "publication_on": 20},
            "publication_on",
            "Công bố kết quả phải sau",
        ),
        ({"self_closes_on": ""}, "self_closes_on", None),
    ],
)
def test_bad_dates_are_refused_next_to_the_field_and_nothing_is_saved(
    login_as, units, rules_framework, overrides, field, message
):
    c = login_as("secretariat")
    # Dates are given as days from today; "" leaves the field empty.
    dates = {
        k: (today() + timedelta(days=v)).isoformat() if v != "" else v for k, v in overrides.items()
    }
    r = c.post("/campaigns/new", data=new_campaign_form(rules_framework, **dates))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    error = error_of(html, field)
    assert error, f"no error next to {field}"
    if message:
        assert message in error
    # Only the field to blame carries an error.
    assert len(re.findall(r'<p class="error" id="[a-z_]+-error">', html)) == 1
    assert count(Campaign) == 0 and count(Submission) == 0 and count(AuditEvent) == 0
    assert not db.session.get(Framework, rules_framework.id).locked


def test_only_managers_create_campaigns(login_as, rules_framework):
    for role in ("officer", "head", "evaluator", "leader"):
        c = login_as(role)
        assert c.get("/campaigns/new").status_code == 403
        assert c.post("/campaigns/new", data=new_campaign_form(rules_framework)).status_code == 403
    assert count(Campaign) == 0
    assert login_as("admin").get("/campaigns/new").status_code == 200


# ---- settings: dates and bands ------------------------------------------------------------


def test_moving_dates_is_in_the_audit_log_with_the_reason(login_as, users, campaign):
    c = login_as("secretariat")
    page = c.get("/campaigns/PAR-TEST/settings")
    assert page.status_code == 200
    assert f'value="{campaign.self_closes_on.isoformat()}"' in page.get_data(as_text=True)
    old_close = campaign.self_closes_on
    new_close = old_close + timedelta(days=7)
    appraisal = (new_close + timedelta(days=3), new_close + timedelta(days=20))
    r = c.post(
        "/campaigns/PAR-TEST/settings",
        data=dates_form(
            campaign,
            self_closes_on=new_close.isoformat(),
            appraisal_opens_on=appraisal[0].isoformat(),
            appraisal_closes_on=appraisal[1].isoformat(),
            reason="Gia hạn theo Công văn 123/SNV",
        ),
    )
    assert r.status_code == 303
    moved = fresh_campaign("PAR-TEST")
    assert moved.self_closes_on == new_close
    assert (moved.appraisal_opens_on, moved.appraisal_closes_on) == appraisal
    events = {
        e.stage: e
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "phase_changed"))
    }
    # Only the dates that moved are recorded, each from what to what, with the reason typed.
    assert set(events) == {"self_closes_on", "appraisal_opens_on", "appraisal_closes_on"}
    close = events["self_closes_on"]
    assert (close.from_value, close.to_value) == (old_close.isoformat(), new_close.isoformat())
    assert events["appraisal_opens_on"].from_value is None
    assert events["appraisal_opens_on"].to_value == appraisal[0].isoformat()
    for e in events.values():
        assert len(e.stage) <= AuditEvent.__table__.c.stage.type.length
        assert e.reason == "Gia hạn theo Công văn 123/SNV"
        assert e.actor_id == users["secretariat"].id and e.campaign_id == campaign.id

    # Saving the same dates again records nothing more.
    again = dates_form(moved, reason="")
    assert c.post("/campaigns/PAR-TEST/settings", data=again).status_code == 303
    assert count(AuditEvent, AuditEvent.action == "phase_changed") == 3


def test_bad_dates_in_settings_change_nothing(login_as, campaign):
    c = login_as("secretariat")
    before = (campaign.self_opens_on, campaign.self_closes_on)
    r = c.post(
        "/campaigns/PAR-TEST/settings",
        data=dates_form(
            campaign,
            self_closes_on=(campaign.self_opens_on - timedelta(days=1)).isoformat(),
            reason="nhầm",
        ),
    )
    assert r.status_code == 422
    assert error_of(r.get_data(as_text=True), "self_closes_on") == (
        "Ngày kết thúc sớm hơn ngày bắt đầu."
    )
    moved = fresh_campaign("PAR-TEST")
    assert (moved.self_opens_on, moved.self_closes_on) == before
    assert count(AuditEvent, AuditEvent.action == "phase_changed") == 0


def _fill_to_73_percent(submission, officer) -> None:
    """11 of the 15 points the unit scores itself: 73.33 %, band C with the framework's bands."""
    for code, value in (
        ("1.1", "Đúng hạn"),
        ("1.2", "yes"),
        ("1.3", "1"),
        ("2.1", "10/10"),
        ("2.2", "2/4"),
        ("2.3", "0"),
        ("2.4", "0"),
    ):
        save_self_entry(
            submission,
            code,
            value=value,
            note=None,
            explanation=None,
            base_version=0,
            actor=officer,
        )


def test_block_bands_override_the_framework_and_empty_restores_them(
    login_as, users, units, campaign, submission
):
    _fill_to_73_percent(submission, users["officer"])
    s = submission_of(campaign, units["own"])
    assert s.self_band == "C" and round(s.self_index, 2) == Decimal("73.33")
    block = units["own"].block_id
    c = login_as("secretariat")

    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 95; B: 85; D: 0"})
    assert r.status_code == 303
    s = submission_of(campaign, units["own"])
    refresh_totals(s)
    assert s.self_band == "D"
    reread()
    # The settings page shows the block's own bands back.
    page = c.get("/campaigns/PAR-TEST/settings").get_data(as_text=True)
    assert 'value="A: 95; B: 85; D: 0"' in page
    # The next save by the officer stores the block's band (12 of 15: 80 %).
    save_self_entry(
        s, "2.3", value="1", note=None, explanation=None, base_version=1, actor=users["officer"]
    )
    assert submission_of(campaign, units["own"]).self_band == "D"

    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "  "})
    assert r.status_code == 303
    s = submission_of(campaign, units["own"])
    refresh_totals(s)
    assert s.self_band == "B"  # 80 % under the framework's bands again
    reread()
    cb = db.session.scalar(select(CampaignBlock).where(CampaignBlock.campaign_id == campaign.id))
    assert cb.bands is None
    assert count(AuditEvent, AuditEvent.action == "bands_changed") == 2


@pytest.mark.parametrize(
    "text", ["A 95; D 0", "A: chín mươi; D: 0", "A: 80; B: 90; D: 0", "A: 90; A: 80", ": 90"]
)
def test_bad_band_text_is_refused_next_to_that_block(login_as, users, units, campaign, text):
    from reform.services.campaigns import add_participant

    add_participant(campaign, units["ward"], actor=users["secretariat"])  # a second block
    c = login_as("secretariat")
    block = units["own"].block_id
    c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 95; D: 0"})
    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": text})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert error_of(html, f"bands-{block}"), html
    assert error_of(html, f"bands-{units['ward'].block_id}") is None
    # What was typed stays in the field, to be corrected.
    assert f'id="bands-{block}" name="bands" value="{text}"' in html
    reread()
    cb = db.session.scalar(
        select(CampaignBlock).where(
            CampaignBlock.campaign_id == campaign.id, CampaignBlock.block_id == block
        )
    )
    assert cb.bands == [{"min": "95", "label": "A"}, {"min": "0", "label": "D"}]


def test_new_block_bands_show_on_the_overview_at_once(login_as, users, units, campaign, submission):
    _fill_to_73_percent(submission, users["officer"])
    c = login_as("secretariat")
    block = units["own"].block_id
    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 95; B: 85; D: 0"})
    assert r.status_code == 303
    row = participant_rows(c.get("/campaigns/PAR-TEST").get_data(as_text=True))["Sở Tư pháp"]
    assert "73,33% · D" in row or "73.33% · D" in row
    assert submission_of(campaign, units["own"]).self_band == "D"


def test_settings_are_for_managers_only(login_as, units, campaign):
    block = units["own"].block_id
    for role in ("officer", "head", "evaluator", "leader"):
        c = login_as(role)
        assert c.get("/campaigns/PAR-TEST/settings").status_code == 403
        r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 1; D: 0"})
        assert r.status_code == 403
    assert count(AuditEvent, AuditEvent.action == "bands_changed") == 0


# ---- participants -------------------------------------------------------------------------


def test_add_a_participant_in_the_page(login_as, users, units, campaign):
    c = login_as("secretariat")
    page = c.get("/campaigns/PAR-TEST/settings").get_data(as_text=True)
    # The ward is eligible and not yet in: it is offered.
    assert f'<option value="{units["ward"].id}">Phường An · P-A</option>' in page
    r = c.post("/campaigns/PAR-TEST/participants", data={"unit_id": units["ward"].id})
    assert r.status_code == 303
    added = submission_of(campaign, units["ward"])
    assert added is not None and added.block_id == units["ward"].block_id
    assert (added.applicable_count, added.filled_count) == (8, 0)
    assert block_codes(campaign) == ["PHUONG", "SBN"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_added"))
    assert event.to_value == "P-A" and event.actor_id == users["secretariat"].id
    # It shows on the overview and is no longer offered.
    overview = c.get("/campaigns/PAR-TEST").get_data(as_text=True)
    assert "Phường An" in participant_rows(overview)
    page = c.get("/campaigns/PAR-TEST/settings").get_data(as_text=True)
    assert f'<option value="{units["ward"].id}">' not in page
    # Adding it twice is refused.
    c.post("/campaigns/PAR-TEST/participants", data={"unit_id": units["ward"].id})
    assert count(Submission, Submission.campaign_id == campaign.id) == 3


def test_remove_a_participant_that_entered_nothing(login_as, users, units, campaign):
    c = login_as("secretariat")
    other_id = submission_of(campaign, units["other"]).id
    overview = c.get("/campaigns/PAR-TEST").get_data(as_text=True)
    assert f"/campaigns/PAR-TEST/participants/{other_id}/remove" in overview
    r = c.post(f"/campaigns/PAR-TEST/participants/{other_id}/remove")
    assert r.status_code == 303
    assert submission_of(campaign, units["other"]) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant_removed"))
    assert event.from_value == "SYT" and event.submission_id == other_id
    rows = participant_rows(c.get("/campaigns/PAR-TEST").get_data(as_text=True))
    assert set(rows) == {"Sở Tư pháp"}


def test_a_participant_with_entries_cannot_be_removed(login_as, users, units, campaign, submission):
    save_self_entry(
        submission,
        "1.2",
        value="yes",
        note=None,
        explanation=None,
        base_version=0,
        actor=users["officer"],
    )
    c = login_as("secretariat")
    overview = c.get("/campaigns/PAR-TEST").get_data(as_text=True)
    assert f"/participants/{submission.id}/remove" not in overview
    r = c.post(f"/campaigns/PAR-TEST/participants/{submission.id}/remove", follow_redirects=True)
    assert (
        "Đơn vị này đã nhập số liệu hoặc tài liệu kiểm chứng nên không thể rút khỏi kỳ đánh giá."
        in r.get_data(as_text=True)
    )
    assert submission_of(campaign, units["own"]) is not None
    assert count(Entry) == 1
    assert count(AuditEvent, AuditEvent.action == "participant_removed") == 0


def _pdf() -> bytes:
    body = b"BT /F1 12 Tf 20 100 Td (Ke hoach) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_a_participant_with_evidence_cannot_be_removed(
    login_as, users, units, campaign, submission
):
    from reform.models import Criterion
    from reform.services.evidence import attach

    criterion = db.session.scalar(
        select(Criterion).where(
            Criterion.framework_id == campaign.framework_id, Criterion.code == "1.1"
        )
    )
    upload = FileStorage(
        io.BytesIO(_pdf()), filename="ke-hoach.pdf", content_type="application/pdf"
    )
    attach(submission, criterion, upload, user=users["officer"])
    assert count(Evidence) == 1
    c = login_as("secretariat")
    c.post(f"/campaigns/PAR-TEST/participants/{submission.id}/remove")
    assert submission_of(campaign, units["own"]) is not None
    assert count(Evidence) == 1


# ---- the overview -------------------------------------------------------------------------


def test_overview_lists_each_unit_with_status_and_progress(login_as, users, units, campaign):
    from reform.services.campaigns import add_participant

    add_participant(campaign, units["ward"], actor=users["secretariat"])
    own = submission_of(campaign, units["own"])
    save_self_entry(
        own, "1.2", value="yes", note=None, explanation=None, base_version=0, actor=users["officer"]
    )
    other = submission_of(campaign, units["other"])
    other.status = SUBMITTED
    db.session.commit()

    for role in ("secretariat", "admin", "evaluator", "leader"):
        r = login_as(role).get("/campaigns/PAR-TEST")
        assert r.status_code == 200, role
    html = r.get_data(as_text=True)
    assert "HX-Request" in r.headers["Vary"]
    rows = participant_rows(html)
    assert set(rows) == {"Sở Tư pháp", "Sở Y tế", "Phường An"}
    assert "state-draft" in rows["Sở Tư pháp"] and "Đã nhập 1/7" in rows["Sở Tư pháp"]
    assert "state-submitted" in rows["Sở Y tế"] and "Đã nhập 0/7" in rows["Sở Y tế"]
    assert "state-draft" in rows["Phường An"] and "Đã nhập 0/8" in rows["Phường An"]
    # Units are listed by name.
    assert list(rows) == ["Phường An", "Sở Tư pháp", "Sở Y tế"]

    c = login_as("secretariat")
    ward_block = units["ward"].block_id
    rows = participant_rows(c.get(f"/campaigns/PAR-TEST?block={ward_block}").get_data(as_text=True))
    assert set(rows) == {"Phường An"}
    rows = participant_rows(c.get("/campaigns/PAR-TEST?status=submitted").get_data(as_text=True))
    assert set(rows) == {"Sở Y tế"}
    sbn = units["own"].block_id
    rows = participant_rows(
        c.get(f"/campaigns/PAR-TEST?block={sbn}&status=draft").get_data(as_text=True)
    )
    assert set(rows) == {"Sở Tư pháp"}
    html = c.get(f"/campaigns/PAR-TEST?block={ward_block}&status=submitted").get_data(as_text=True)
    assert participant_rows(html) == {} and "Không có đơn vị nào phù hợp." in html


def test_overview_filters_answer_htmx_with_the_partial_only(login_as, units, campaign):
    other = submission_of(campaign, units["other"])
    other.status = SUBMITTED
    db.session.commit()
    c = login_as("secretariat")
    r = c.get("/campaigns/PAR-TEST?status=draft", headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" not in html and "<header" not in html and "<form" not in html.split("<ul")[0]
    assert set(participant_rows(html)) == {"Sở Tư pháp"}
    assert "HX-Request" in r.headers["Vary"]
    # The same URL without htmx is a whole page (it can be bookmarked or reloaded).
    full = c.get("/campaigns/PAR-TEST?status=draft")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    assert set(participant_rows(full.get_data(as_text=True))) == {"Sở Tư pháp"}


def test_overview_is_for_staff_only(app, client, login_as, campaign):
    # Every unit's self points: a unit's people get 404, as for any result not theirs to see.
    for role in ("officer", "head", "other_officer"):
        assert login_as(role).get("/campaigns/PAR-TEST").status_code == 404
    r = client.get("/campaigns/PAR-TEST")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert login_as("secretariat").get("/campaigns/NOPE").status_code == 404


def test_reminders_reach_the_units_not_yet_submitted(login_as, users, units, campaign, make_user):
    both = make_user("own_head2", ["head", "officer"], units["own"])
    gone = make_user("gone_officer", ["officer"], units["own"])
    gone.active = False
    make_user("syt_head", ["head"], units["other"])
    make_user("stp_evaluator", ["evaluator"], units["own"])
    other = submission_of(campaign, units["other"])
    other.status = SUBMITTED
    db.session.commit()

    c = login_as("secretariat")
    overview = c.get("/campaigns/PAR-TEST").get_data(as_text=True)
    assert "/campaigns/PAR-TEST/remind" in overview
    r = c.post("/campaigns/PAR-TEST/remind")
    assert r.status_code == 303
    reread()
    notified = sorted(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "reminder"))
    )
    # Active heads and officers of the unit not yet submitted, one notice each; nobody else
    # (not the submitted unit, not a deactivated account, not other roles of the unit).
    assert notified == sorted([users["head"].id, users["officer"].id, both.id])
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == users["officer"].id)
    )
    assert campaign.name in note.message
    assert note.link == f"/assessments/{submission_of(campaign, units['own']).id}"

    # The officer sees it on the bell of the next page and in the list.
    officer = login_as("officer")
    home = officer.get("/home/officer").get_data(as_text=True)
    assert bell(home) == 1
    assert "Thông báo: 1 chưa đọc" in home
    listing = officer.get("/notifications").get_data(as_text=True)
    assert campaign.name in listing and "Nhắc việc" in listing
    # A submitted unit's people got nothing.
    assert bell(login_as("other_officer").get("/home/officer").get_data(as_text=True)) == 0
    # "Mark all as read" clears the count.
    r = officer.post("/notifications/read")
    assert r.status_code == 303
    assert bell(officer.get("/notifications").get_data(as_text=True)) == 0
    assert count(Notification, Notification.read_at.is_(None)) == 2


# ---- phases -------------------------------------------------------------------------------


def _on(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@pytest.mark.parametrize(
    ("dates", "phase", "open_flags"),
    [
        # (self, appraisal, explanation) as "start..end"; today is 2026-12-01.
        (("2026-12-02..2026-12-20", None, None), "upcoming", ()),
        (("2026-12-01..2026-12-20", None, None), "self_assessment", ("self",)),
        (("2026-11-10..2026-12-01", None, None), "self_assessment", ("self",)),
        (("2026-11-01..2026-11-30", None, None), "between", ()),
        (("2026-11-01..2026-11-20", "2026-12-05..2026-12-20", None), "between", ()),
        (("2026-11-01..2026-11-20", "2026-11-25..2026-12-01", None), "appraisal", ("appraisal",)),
        (
            ("2026-11-01..2026-11-20", "2026-11-21..2026-12-10", "2026-12-01..2026-12-05"),
            "explanation",
            ("appraisal", "explanation"),
        ),
        (
            ("2026-11-01..2026-11-20", "2026-11-21..2026-11-25", "2026-11-26..2026-11-30"),
            "between",
            (),
        ),
    ],
)
def test_phase_of_follows_the_dates(make_app, dates, phase, open_flags):
    app = make_app(TODAY="2026-12-01")
    spans = [tuple(map(_on, d.split(".."))) if d else (None, None) for d in dates]
    campaign = Campaign(
        code="X",
        name="X",
        self_opens_on=spans[0][0],
        self_closes_on=spans[0][1],
        appraisal_opens_on=spans[1][0],
        appraisal_closes_on=spans[1][1],
        explanation_opens_on=spans[2][0],
        explanation_closes_on=spans[2][1],
    )
    with app.app_context():
        assert today() == date(2026, 12, 1)
        state = phase_of(campaign)
    assert state.phase == phase
    assert state.self_open == ("self" in open_flags)
    assert state.appraisal_open == ("appraisal" in open_flags)
    assert state.explanation_open == ("explanation" in open_flags)
    assert not state.published


def test_publication_closes_every_phase(make_app):
    app = make_app(TODAY="2026-12-01")
    campaign = Campaign(
        code="X",
        name="X",
        self_opens_on=date(2026, 11, 1),
        self_closes_on=date(2026, 12, 31),
        appraisal_opens_on=None,
        appraisal_closes_on=None,
        explanation_opens_on=None,
        explanation_closes_on=None,
        published_at=datetime(2026, 11, 30, 8, 0),
    )
    with app.app_context():
        state = phase_of(campaign)
        # An explicit day wins over today.
        assert phase_of(campaign, date(2026, 10, 1)).phase == "publication"
    assert state.phase == "publication" and state.published
    assert not (state.self_open or state.appraisal_open or state.explanation_open)
    campaign.published_at = None
    with app.app_context():
        assert phase_of(campaign, date(2026, 10, 1)).phase == "upcoming"
        assert phase_of(campaign, date(2027, 1, 1)).phase == "between"


def test_days_left(make_app):
    with make_app(TODAY="2026-12-01").app_context():
        assert days_left(date(2026, 12, 11)) == 10
        assert days_left(date(2026, 12, 1)) == 0
        assert days_left(date(2026, 11, 29)) == -2
        assert days_left(date(2027, 1, 1)) == 31
        assert days_left(None) is None
        assert days_left(date(2026, 12, 11), date(2026, 12, 10)) == 1


# ---- the officer's home -------------------------------------------------------------------


def _my_assessments(html: str) -> str:
    return html.split('id="assess-title"')[1].split("</section>")[0]


def test_officer_home_lists_the_campaign_with_status_progress_and_days_left(
    login_as, users, units, campaign, submission
):
    save_self_entry(
        submission,
        "1.1",
        value="Chậm",
        note=None,
        explanation=None,
        base_version=0,
        actor=users["officer"],
    )
    for role in ("officer", "head"):
        r = login_as(role).get(f"/home/{role}")
        assert r.status_code == 200
        section = _my_assessments(r.get_data(as_text=True))
        assert campaign.name in section
        assert f'href="/assessments/{submission.id}"' in section
        assert "state-draft" in section and "Bản nháp" in section
        assert "Đã nhập 1/7" in section
        assert 'max="7" value="1"' in section
        assert "Còn 10 ngày" in section


def test_officer_of_a_unit_outside_the_campaign_does_not_see_it(
    app, users, make_user, units, campaign
):
    ward_officer = make_user("ward_officer", ["officer"], units["ward"])
    c = app.test_client()
    assert login(c, ward_officer.username).status_code == 303
    section = _my_assessments(c.get("/home/officer").get_data(as_text=True))
    assert campaign.name not in section and "/assessments/" not in section
    assert "Đơn vị của bạn chưa tham gia kỳ đánh giá nào." in section


def test_officer_home_counts_days_from_the_fixed_today(make_app, users, units, rules_framework):
    from reform.services.campaigns import PhaseDates, create_campaign

    create_campaign(
        "PAR-DEC",
        "Kỳ tháng Mười hai",
        rules_framework,
        PhaseDates(date(2026, 11, 20), date(2026, 12, 4)),
        units=[units["own"]],
    )
    create_campaign(
        "PAR-LATER",
        "Kỳ năm sau",
        rules_framework,
        PhaseDates(date(2027, 1, 5), date(2027, 1, 20)),
        units=[units["own"]],
    )
    create_campaign(
        "PAR-TODAY",
        "Kỳ hết hạn hôm nay",
        rules_framework,
        PhaseDates(date(2026, 11, 1), date(2026, 12, 1)),
        units=[units["own"]],
    )
    c = make_app(TODAY="2026-12-01").test_client()
    assert login(c, users["officer"].username).status_code == 303
    section = _my_assessments(c.get("/home/officer").get_data(as_text=True))
    rows = {
        name: chunk.split("</li>")[0]
        for chunk in section.split("<li>")[1:]
        for name in re.findall(r"<strong>([^<]+)</strong>", chunk)[:1]
    }
    assert "Còn 3 ngày" in rows["Kỳ tháng Mười hai"]
    assert "Kết thúc hôm nay" in rows["Kỳ hết hạn hôm nay"]
    assert "Còn" not in rows["Kỳ năm sau"] and "05/01/2027" in rows["Kỳ năm sau"]


def test_the_appeal_window_is_set_on_the_settings_page(login_as, campaign):
    from reform.models import AuditEvent

    c = login_as("secretariat")
    form = {
        "self_opens_on": campaign.self_opens_on.isoformat(),
        "self_closes_on": campaign.self_closes_on.isoformat(),
        "appeal_days": "15",
    }
    assert c.post(f"/campaigns/{campaign.code}/settings", data=form).status_code == 303
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).appeal_days == 15
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.stage == "appeal_days"))
    assert (event.from_value, event.to_value) == ("10", "15")
    form["appeal_days"] = "0"
    assert c.post(f"/campaigns/{campaign.code}/settings", data=form).status_code == 422


def test_band_order_problem_is_told_in_the_users_language(login_as, units, campaign):
    c = login_as("secretariat")
    block = units["own"].block_id
    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 80; B: 90; D: 0"})
    assert r.status_code == 422
    assert "từ cao xuống thấp" in error_of(r.get_data(as_text=True), f"bands-{block}")
    c.post("/language", data={"lang": "en"})
    r = c.post(f"/campaigns/PAR-TEST/blocks/{block}/bands", data={"bands": "A: 80; B: 90; D: 0"})
    assert "from the highest min down" in error_of(r.get_data(as_text=True), f"bands-{block}")
