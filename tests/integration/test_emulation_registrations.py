"""Registration: the unit's form, the server-enforced deadline, the head's submission, edit
conflicts, the scope of the lists and the emulation office's workbook opened for real."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from io import BytesIO

import pytest
from emulation_world import build_world, title_id
from helpers import TEST_PASSWORD, login
from live import Browser, live_server
from openpyxl import load_workbook
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Notification, Registration, User
from reform.services.phases import today


@pytest.fixture
def world(units, users, make_unit, make_user):
    return build_world(units, users, make_unit, make_user)


def form_url(world) -> str:
    return f"/emulation/{world.campaign.code}/registration"


def list_url(world, tail: str = "") -> str:
    return f"/emulation/{world.campaign.code}/registrations{tail}"


def client_of(app, username: str):
    c = app.test_client()
    assert login(c, username).status_code == 303
    return c


def version_on(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def entries(version: int, *, title="TT-LDXS", targets="Hoàn thành 100% kế hoạch", people=()):
    data = {"version": str(version), "title_id": str(title_id(title)) if title else ""}
    data["targets"] = targets
    for n, (name, post, code) in enumerate(people):
        data[f"people-{n}-full_name"] = name
        data[f"people-{n}-job_title"] = post
        data[f"people-{n}-title_id"] = str(title_id(code)) if code else ""
    return data


PEOPLE = (
    ("Nguyễn Văn An", "Giám đốc", "CN-CSTD-CS"),
    ("Trần Thị Bình", "Chuyên viên", "CN-LDTT"),
)


def stored() -> Registration | None:
    db.session.rollback()
    return db.session.scalar(select(Registration))


def set_closing(world, day) -> None:
    db.session.rollback()
    world.campaign.registration_closes_on = day
    db.session.commit()


def notices(username: str, kind: str) -> list[str]:
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.username == username))
    return [
        n.message
        for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    ]


def test_the_officer_fills_it_in_and_the_head_submits_it(app, world, login_as):
    officer, head = login_as("officer"), login_as("head")
    page = officer.get(form_url(world)).get_data(as_text=True)
    # Collective titles to choose from, not individual ones, and the other way round.
    collective = re.search(r'<select id="title_id".*?</select>', page, re.S)[0]
    assert "Tập thể lao động xuất sắc" in collective and "Chiến sĩ thi đua cơ sở" not in collective
    people = re.search(r'<select id="people-0-title_id".*?</select>', page, re.S)[0]
    assert "Chiến sĩ thi đua cơ sở" in people and "Tập thể lao động xuất sắc" not in people
    # The officer saves a draft and has no submit button.
    assert "Lưu và gửi" not in page and 'value="submit"' not in page
    r = officer.post(form_url(world), data=entries(0, people=PEOPLE))
    assert r.status_code == 303
    saved = stored()
    assert saved.status == "draft" and saved.title.code == "TT-LDXS"
    assert [(p.full_name, p.job_title, p.title.code) for p in saved.people] == [
        ("Nguyễn Văn An", "Giám đốc", "CN-CSTD-CS"),
        ("Trần Thị Bình", "Chuyên viên", "CN-LDTT"),
    ]
    # An officer cannot submit, even by crafting the request; nothing changes.
    page = officer.get(form_url(world)).get_data(as_text=True)
    crafted = entries(version_on(page), people=PEOPLE) | {"action": "submit"}
    assert officer.post(form_url(world), data=crafted).status_code == 403
    assert stored().status == "draft"
    # The head submits; the secretariat and the cluster's head are told (here the head is the
    # cluster head and the actor: not told of their own step).
    page = head.get(form_url(world)).get_data(as_text=True)
    data = entries(version_on(page), people=PEOPLE) | {"action": "submit"}
    assert head.post(form_url(world), data=data).status_code == 303
    assert stored().status == "submitted" and stored().submitted_by.username == "head"
    assert len(notices("secretariat", "registration")) == 1
    # Submitted is read-only: the officer's save is refused with the reason.
    r = officer.post(form_url(world), data=entries(stored().version, people=PEOPLE))
    assert r.status_code == 403
    page = officer.get(form_url(world)).get_data(as_text=True)
    assert 'name="targets"' not in page and "Nguyễn Văn An" in page


def test_a_member_submission_tells_its_cluster_head(app, world):
    c = client_of(app, "head_syt")
    data = entries(0, people=PEOPLE) | {"action": "submit"}
    assert c.post(form_url(world), data=data).status_code == 303
    assert len(notices("head", "registration")) == 1  # Sở Tư pháp heads cluster A
    assert notices("head_stc", "registration") == []  # cluster B's head is not told


def test_the_deadline_is_enforced_by_the_server(app, world, login_as):
    head = login_as("head")
    # The closing day itself is still open.
    set_closing(world, today())
    assert head.post(form_url(world), data=entries(0)).status_code == 303
    version = stored().version
    set_closing(world, today() - timedelta(days=1))
    r = head.post(
        form_url(world), data=entries(version, targets="Sửa sau hạn") | {"action": "submit"}
    )
    assert r.status_code == 403
    closed = (today() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert closed in r.get_data(as_text=True)
    assert stored().targets == "Hoàn thành 100% kế hoạch" and stored().status == "draft"
    # The page says so and offers no form.
    page = head.get(form_url(world)).get_data(as_text=True)
    assert closed in page and 'name="targets"' not in page
    # Without a date registration is not open at all.
    set_closing(world, None)
    r = client_of(app, "head_syt").post(form_url(world), data=entries(0))
    assert r.status_code == 403
    assert (
        db.session.scalar(select(Registration).where(Registration.unit_id == world.units["SYT"].id))
        is None
    )


def test_withdrawing_is_the_heads_and_only_while_open(app, world, login_as):
    head = login_as("head")
    assert head.post(form_url(world), data=entries(0) | {"action": "submit"}).status_code == 303
    version = stored().version
    officer = login_as("officer")
    assert officer.post(form_url(world) + "/withdraw", data={"version": version}).status_code == 403
    set_closing(world, today() - timedelta(days=1))
    assert head.post(form_url(world) + "/withdraw", data={"version": version}).status_code == 403
    assert stored().status == "submitted"
    set_closing(world, today())
    assert head.post(form_url(world) + "/withdraw", data={"version": version}).status_code == 303
    assert stored().status == "draft"


def test_bad_input_is_refused_beside_each_field_and_nothing_is_saved(app, world, login_as):
    officer = login_as("officer")
    # An individual title as the collective one; a person without a name; a collective title
    # for a person.
    data = entries(
        0,
        title="CN-LDTT",
        people=(("", "Chuyên viên", "CN-LDTT"), ("Lê C", "", "TT-LDXS")),
    )
    r = officer.post(form_url(world), data=data)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    for field in ("title_id-error", "people-0-full_name-error", "people-1-title_id-error"):
        assert f'id="{field}"' in body, field
    # What was typed is still there.
    assert 'value="Lê C"' in body
    assert stored() is None
    # A deactivated title cannot be chosen any more.
    from reform.models import Title

    db.session.get(Title, title_id("TT-LDXS")).active = False
    db.session.commit()
    assert officer.post(form_url(world), data=entries(0)).status_code == 422
    assert stored() is None


def test_submitting_needs_a_collective_title_and_targets(app, world, login_as):
    r = login_as("head").post(
        form_url(world), data=entries(0, title=None, targets="") | {"action": "submit"}
    )
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'id="title_id-error"' in body and 'id="targets-error"' in body
    assert stored() is None  # neither saved nor submitted: one step, all or nothing


def test_removing_and_clearing_rows(app, world, login_as):
    officer = login_as("officer")
    assert officer.post(form_url(world), data=entries(0, people=PEOPLE)).status_code == 303
    page = officer.get(form_url(world)).get_data(as_text=True)
    data = entries(version_on(page), people=PEOPLE) | {"people-0-remove": "1"}
    assert officer.post(form_url(world), data=data).status_code == 303
    assert [p.full_name for p in stored().people] == ["Trần Thị Bình"]


def test_two_editors_the_second_gets_the_conflict_and_loses_nothing(
    app, world, login_as, make_user
):
    make_user("officer2", ["officer"], world.units["STP"], full_name="Hồ Văn Hai")
    first, second = login_as("officer"), client_of(app, "officer2")
    opened = version_on(second.get(form_url(world)).get_data(as_text=True))
    assert (
        first.post(form_url(world), data=entries(0, targets="Chỉ tiêu của người đầu")).status_code
        == 303
    )
    r = second.post(form_url(world), data=entries(opened, targets="Chỉ tiêu của người sau"))
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "Chỉ tiêu của người đầu" in body  # theirs, shown
    assert re.search(r'<textarea id="targets"[^>]*>Chỉ tiêu của người sau</textarea>', body)
    assert stored().targets == "Chỉ tiêu của người đầu"
    again = second.post(form_url(world), data=entries(version_on(body), targets="Hợp nhất"))
    assert again.status_code == 303 and stored().targets == "Hợp nhất"


def test_racing_first_saves_one_wins_the_other_is_told(app, world, make_user):
    make_user("officer2", ["officer"], world.units["STP"], full_name="Hồ Văn Hai")
    with live_server(app) as base:
        browsers = []
        for username in ("officer", "officer2"):
            b = Browser(base)
            b.sign_in(username, TEST_PASSWORD)
            browsers.append((username, b))
        start = threading.Barrier(2)
        answers: dict[str, int] = {}
        forms = {u: entries(0, targets=f"Chỉ tiêu {u}") for u, _b in browsers}

        def run(username, browser):
            start.wait(timeout=30)
            answers[username] = browser.post(form_url(world), forms[username], htmx=False).status

        threads = [threading.Thread(target=run, args=pair) for pair in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(answers.values()) == [303, 409]
    winner = next(u for u, status in answers.items() if status == 303)
    assert stored().targets == f"Chỉ tiêu {winner}"
    assert len(db.session.scalars(select(Registration)).all()) == 1


def _submit(app, world, username: str, **kwargs) -> None:
    data = entries(0, **kwargs) | {"action": "submit"}
    assert client_of(app, username).post(form_url(world), data=data).status_code == 303


def test_the_lists_follow_each_persons_scope(app, world, login_as):
    _submit(app, world, "head_syt", people=PEOPLE)
    _submit(app, world, "head_stc", title="TT-CTD-TINH")
    names = {"Sở Tư pháp", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Tài chính", "Sở Công Thương"}
    everyone = login_as("secretariat").get(list_url(world)).get_data(as_text=True)
    assert all(name in everyone for name in names)
    # In Vietnamese order: Công Thương, Giáo dục, Tài chính, Tư pháp, Y tế.
    found = re.findall(r"<strong>(Sở [^<]+)</strong>", everyone)
    assert found == [
        "Sở Công Thương",
        "Sở Giáo dục và Đào tạo",
        "Sở Tài chính",
        "Sở Tư pháp",
        "Sở Y tế",
    ]
    # Cluster A's head and deputy see cluster A only.
    for c in (login_as("head"), client_of(app, "head_syt")):
        page = c.get(list_url(world)).get_data(as_text=True)
        assert "Sở Y tế" in page and "Sở Giáo dục và Đào tạo" in page
        assert "Sở Tài chính" not in page and "Sở Công Thương" not in page
    # One of cluster B's units, through its page: not theirs.
    stc = world.units["STC"].id
    assert login_as("head").get(list_url(world, f"/{stc}")).status_code == 404
    assert login_as("head").get(list_url(world, f"/{world.units['SGD'].id}")).status_code == 200
    # A member that leads nothing, and the officers: no list.
    assert client_of(app, "head_sgd").get(list_url(world)).status_code == 404
    assert login_as("officer").get(list_url(world)).status_code == 404
    assert login_as("evaluator").get(list_url(world)).status_code == 403


def test_the_workbook_in_the_emulation_offices_layout(app, world, login_as):
    _submit(app, world, "head_syt", targets="Giảm 20% thủ tục", people=PEOPLE)
    _submit(app, world, "head_stc", title="TT-CTD-TINH", targets="=1+1")
    # A draft is not in the office's list.
    assert login_as("head").post(form_url(world), data=entries(0)).status_code == 303
    r = login_as("secretariat").get(list_url(world, ".xlsx"))
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(BytesIO(r.data))
    collective, individual = book.worksheets
    assert collective.title == "Đăng ký tập thể" and individual.title == "Đăng ký cá nhân"
    assert collective["A1"].value == "UBND TỈNH"
    assert collective["C1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    day = today()
    assert collective["C3"].value == f"Hòa Sơn, ngày {day:%d} tháng {day:%m} năm {day.year}"
    assert collective["A4"].value == "DANH SÁCH ĐĂNG KÝ THI ĐUA NĂM 2025"
    assert [c.value for c in collective[7]] == [
        "STT",
        "Đơn vị",
        "Cụm, khối thi đua",
        "Danh hiệu đăng ký",
        "Chỉ tiêu",
    ]
    rows = [[c.value for c in row] for row in collective.iter_rows(min_row=8)]
    assert rows == [
        [1, "Sở Tài chính", "Khối Kinh tế", "Cờ thi đua của Ủy ban nhân dân tỉnh", "=1+1"],
        [2, "Sở Y tế", "Khối Văn hóa – Xã hội", "Tập thể lao động xuất sắc", "Giảm 20% thủ tục"],
    ]
    # Text typed by a unit stays text, never a formula.
    assert collective["E8"].data_type == "s"
    assert [c.value for c in individual[7]] == [
        "STT",
        "Đơn vị",
        "Họ và tên",
        "Chức vụ",
        "Danh hiệu đăng ký",
    ]
    assert [[c.value for c in row] for row in individual.iter_rows(min_row=8)] == [
        [1, "Sở Y tế", "Nguyễn Văn An", "Giám đốc", "Chiến sĩ thi đua cơ sở"],
        [2, "Sở Y tế", "Trần Thị Bình", "Chuyên viên", "Lao động tiên tiến"],
    ]
    # The cluster head's workbook: its cluster only, headed by the cluster's name.
    book = load_workbook(BytesIO(login_as("head").get(list_url(world, ".xlsx")).data))
    assert book.worksheets[0]["A1"].value == "KHỐI VĂN HÓA – XÃ HỘI"
    units = [row[1].value for row in book.worksheets[0].iter_rows(min_row=8)]
    assert units == ["Sở Y tế"]


def test_the_secretariat_sets_the_date_and_the_units_are_told(app, world, login_as):
    sec = login_as("secretariat")
    settings = sec.get(f"/campaigns/{world.campaign.code}/settings").get_data(as_text=True)
    assert 'name="registration_closes_on"' in settings
    day = today() + timedelta(days=20)
    url = f"/emulation/{world.campaign.code}/registration-deadline"
    r = sec.post(url, data={"registration_closes_on": day.isoformat()})
    assert r.status_code == 303
    db.session.rollback()
    db.session.refresh(world.campaign)
    assert world.campaign.registration_closes_on == day
    told = notices("head_sct", "registration_deadline")
    assert told and day.strftime("%d/%m/%Y") in told[0]
    assert notices("officer", "registration_deadline")
    bad = sec.post(url, data={"registration_closes_on": "31/02/2026"})
    assert bad.status_code == 422 and 'id="registration_closes_on-error"' in bad.get_data(
        as_text=True
    )
    assert login_as("head").post(url, data={"registration_closes_on": ""}).status_code == 403
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.stage == "registration_closes_on")
    )
    assert event.to_value == day.isoformat()


def test_a_unit_outside_the_campaign_and_an_index_campaign_have_no_registration(
    app, world, login_as, make_user, units, campaign
):
    make_user("head_ward", ["head"], units["ward"])
    assert client_of(app, "head_ward").get(form_url(world)).status_code == 404
    # The reform index campaign has no registration or pledge pages.
    assert login_as("head").get(f"/emulation/{campaign.code}/registration").status_code == 404
    assert (
        login_as("secretariat").get(f"/emulation/{campaign.code}/registrations").status_code == 404
    )


def test_every_step_is_in_the_audit_log(app, world, login_as):
    head = login_as("head")
    head.post(form_url(world), data=entries(0, people=PEOPLE))
    head.post(form_url(world), data=entries(stored().version, people=PEOPLE) | {"action": "submit"})
    head.post(form_url(world) + "/withdraw", data={"version": stored().version})
    db.session.rollback()
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.stage == "registration").order_by(AuditEvent.id)
        )
    ]
    assert actions == ["registration_saved", "registration_submitted", "registration_withdrawn"]
    saved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration_saved"))
    assert "Nguyễn Văn An | Giám đốc | CN-CSTD-CS" in saved.to_value
