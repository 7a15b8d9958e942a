"""The staff list of a unit: who keeps it, the name order, the form, deactivation, the import."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Person, PersonStatusChange
from reform.models.people import PUBLIC_EMPLOYEE, WORKER


@pytest.fixture
def staff(units, users):
    """Three people of the own unit (one manages the others) and one of the other unit."""
    own = units["own"]
    boss = Person(
        unit_id=own.id,
        full_name="Trần Thị Bình",
        position="Chánh Văn phòng",
        is_leader=True,
        duty_group="Lãnh đạo",
        code="CB01",
    )
    db.session.add(boss)
    db.session.flush()
    people = {
        "boss": boss,
        "an": Person(
            unit_id=own.id,
            full_name="Nguyễn Văn An",
            position="Chuyên viên",
            duty_group="Chuyên viên",
            manager_id=boss.id,
            code="CB02",
        ),
        "dung": Person(
            unit_id=own.id,
            full_name="Lê Đức Dũng",
            position="Chuyên viên",
            duty_group="Chuyên viên",
            manager_id=boss.id,
            code="CB03",
        ),
        "other": Person(unit_id=units["other"].id, full_name="Phạm Văn Em", code="X01"),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return people


def form_data(**overrides):
    data = {
        "full_name": "Hoàng Minh Châu",
        "position": "Chuyên viên",
        "category": "civil_servant",
        "duty_group": "Chuyên viên",
        "manager_id": "0",
        "user_id": "0",
        "code": "",
    }
    data.update(overrides)
    return data


# ---- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["head", "officer"])
def test_the_units_head_and_officers_see_their_staff_list(login_as, staff, who):
    page = login_as(who).get("/people/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nguyễn Văn An" in text
    assert "Phạm Văn Em" not in text


@pytest.mark.parametrize("who", ["admin", "secretariat"])
def test_the_secretariat_sees_any_units_staff(login_as, staff, units, who):
    page = login_as(who).get(f"/people/?unit={units['other'].id}")
    assert page.status_code == 200
    assert "Phạm Văn Em" in page.get_data(as_text=True)


@pytest.mark.parametrize("who", ["evaluator", "leader"])
def test_other_roles_are_refused(login_as, staff, who):
    client = login_as(who)
    assert client.get("/people/").status_code == 403
    assert client.get(f"/people/{staff['an'].id}").status_code == 403


def test_a_visitor_is_sent_to_sign_in(client, staff):
    for url in ("/people/", f"/people/{staff['an'].id}", "/people/new", "/people/import"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(f"/people/{staff['an'].id}/status", data={"active": "0"})
    assert response.status_code == 302


def test_another_units_people_answer_404(login_as, staff, units):
    client = login_as("head")
    other = staff["other"]
    assert client.get(f"/people/{other.id}").status_code == 404
    assert client.get(f"/people/{other.id}/edit").status_code == 404
    assert client.post(f"/people/{other.id}/edit", data=form_data()).status_code == 404
    assert client.post(f"/people/{other.id}/status", data={"active": "0"}).status_code == 404
    assert client.get(f"/people/?unit={units['other'].id}").status_code == 404
    assert client.get(f"/people/new?unit={units['other'].id}").status_code == 404
    assert client.get(f"/people/import?unit={units['other'].id}").status_code == 404
    assert login_as("other_officer").get(f"/people/{staff['an'].id}").status_code == 404


# ---- the list --------------------------------------------------------------------------------


def test_the_list_is_in_vietnamese_name_order(login_as, units, users):
    own = units["own"]
    # Staff lists sort by given name first: An, Bình, Dũng, Đức — whatever the family name.
    names = ["Trần Văn Đức", "Nguyễn Thị Bình", "Vũ Văn Dũng", "Lê An"]
    db.session.add_all(Person(unit_id=own.id, full_name=name) for name in names)
    db.session.commit()
    text = login_as("head").get("/people/").get_data(as_text=True)
    shown = sorted(names, key=text.index)
    assert shown == ["Lê An", "Nguyễn Thị Bình", "Vũ Văn Dũng", "Trần Văn Đức"]


# ---- create and edit -------------------------------------------------------------------------


def test_the_head_adds_a_person_with_manager_and_linked_account(login_as, staff, users):
    response = login_as("head").post(
        "/people/new",
        data=form_data(
            manager_id=str(staff["boss"].id),
            user_id=str(users["officer"].id),
            category=PUBLIC_EMPLOYEE,
            is_leader="y",
        ),
    )
    assert response.status_code == 303
    person = db.session.scalar(select(Person).where(Person.full_name == "Hoàng Minh Châu"))
    assert person.manager_id == staff["boss"].id
    assert person.user_id == users["officer"].id
    assert person.category == PUBLIC_EMPLOYEE and person.is_leader
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.person_id == person.id))


def test_bad_input_is_refused_beside_the_field(login_as, staff, users):
    client = login_as("head")
    response = client.post("/people/new", data=form_data(full_name=""))
    assert response.status_code == 422
    response = client.post("/people/new", data=form_data(code="CB02"))
    assert response.status_code == 422
    assert "đã có mã cán bộ này" in response.get_data(as_text=True)
    # An account of another unit is not offered and not accepted.
    response = client.post("/people/new", data=form_data(user_id=str(users["other_officer"].id)))
    assert response.status_code == 422
    assert db.session.scalar(select(Person).where(Person.full_name == "Hoàng Minh Châu")) is None


def test_nobody_manages_their_own_manager(login_as, staff):
    boss = staff["boss"]
    response = login_as("head").post(
        f"/people/{boss.id}/edit",
        data=form_data(
            full_name=boss.full_name, manager_id=str(staff["an"].id), version=str(boss.version)
        ),
    )
    assert response.status_code == 422
    db.session.refresh(boss)
    assert boss.manager_id is None


def test_an_edit_over_someone_elses_newer_save_is_refused_and_keeps_the_typing(login_as, staff):
    an = staff["an"]
    opened = an.version
    first = login_as("head").post(
        f"/people/{an.id}/edit",
        data=form_data(full_name="Nguyễn Văn An", position="Phó Trưởng phòng", version=str(opened)),
    )
    assert first.status_code == 303
    second = login_as("officer").post(
        f"/people/{an.id}/edit",
        data=form_data(
            full_name="Nguyễn Văn An", position="Chuyên viên chính", version=str(opened)
        ),
    )
    assert second.status_code == 409
    text = second.get_data(as_text=True)
    assert "Phó Trưởng phòng" in text  # what is saved now
    assert 'value="Chuyên viên chính"' in text  # what was typed, kept in the form
    db.session.expire_all()
    assert db.session.get(Person, an.id).position == "Phó Trưởng phòng"


# ---- deactivation --------------------------------------------------------------------------


def test_deactivation_keeps_the_person_and_the_history(login_as, staff):
    boss = staff["boss"]
    client = login_as("officer")
    response = client.post(
        f"/people/{boss.id}/status",
        data={
            "active": "0",
            "effective_on": "2026-03-01",
            "reason": "Nghỉ hưu",
            "version": str(boss.version),
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    boss = db.session.get(Person, boss.id)
    assert not boss.active
    change = db.session.scalar(select(PersonStatusChange))
    assert (change.effective_on, change.reason, change.active) == (
        date(2026, 3, 1),
        "Nghỉ hưu",
        False,
    )
    # Nobody is left reporting to someone who is gone.
    assert db.session.get(Person, staff["an"].id).manager_id is None
    client.get(f"/people/{boss.id}")  # shows the flashed message
    listing = client.get("/people/").get_data(as_text=True)
    assert "Trần Thị Bình" not in listing
    assert "Trần Thị Bình" in client.get("/people/?inactive=1").get_data(as_text=True)
    page = client.get(f"/people/{boss.id}").get_data(as_text=True)
    assert "Nghỉ hưu" in page and "01/03/2026" in page


def test_deactivation_needs_a_date_and_a_reason(login_as, staff):
    an = staff["an"]
    response = login_as("head").post(
        f"/people/{an.id}/status", data={"active": "0", "version": str(an.version)}
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Person, an.id).active


# ---- import ----------------------------------------------------------------------------------

HEADER = "code,full_name,position,category,leader,duty_group,manager_code,username\n"


def upload(client, unit_id, content: bytes, name="staff.csv"):
    return client.post(
        f"/people/import?unit={unit_id}",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_staff_list_imports_from_csv(login_as, staff, units, users):
    content = (
        HEADER
        + "CB02,Nguyễn Văn An,Phó Trưởng phòng,công chức,không,Chuyên viên,CB01,\n"
        + "CB10,Đỗ Thị Hoa,Văn thư,Viên chức,,Hành chính,CB01,officer\n"
        + "CB11,Bùi Văn Khải,Bảo vệ,người lao động,,Hành chính,CB10,\n"
    ).encode()
    response = upload(login_as("head"), units["own"].id, content)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, staff["an"].id).position == "Phó Trưởng phòng"
    hoa = db.session.scalar(select(Person).where(Person.code == "CB10"))
    khai = db.session.scalar(select(Person).where(Person.code == "CB11"))
    assert hoa.category == PUBLIC_EMPLOYEE and hoa.user_id == users["officer"].id
    assert khai.category == WORKER and khai.manager_id == hoa.id


def test_the_staff_list_imports_from_excel(login_as, staff, units):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["code", "full_name", "position", "category", "leader", "duty_group"])
    sheet.append([101, "Mai Thị Lan", "Chuyên viên", "công chức", "có", "Chuyên viên"])
    out = io.BytesIO()
    book.save(out)
    response = upload(login_as("head"), units["own"].id, out.getvalue(), "ds.xlsx")
    assert response.status_code == 303
    lan = db.session.scalar(select(Person).where(Person.code == "101"))
    assert lan.full_name == "Mai Thị Lan" and lan.is_leader


def test_a_bad_line_refuses_the_whole_file_with_errors_by_line(login_as, staff, units):
    content = (
        HEADER
        + "CB20,Người Mới,Chuyên viên,công chức,không,,,\n"
        + "CB21,,Chuyên viên,giám đốc,có lẽ,,ZZ,\n"
        + "CB20,Trùng Mã,Chuyên viên,,,,,\n"
    ).encode()
    response = upload(login_as("head"), units["own"].id, content)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for expected in ("Dòng 3", "Dòng 4", "giám đốc", "ZZ", "CB20"):
        assert expected in text, expected
    assert db.session.scalar(select(Person).where(Person.code == "CB20")) is None


def test_an_import_that_makes_managers_go_round_is_refused(login_as, staff, units):
    content = (HEADER + "CB01,Trần Thị Bình,,,có,,CB02,\n").encode()
    response = upload(login_as("head"), units["own"].id, content)
    assert response.status_code == 422
    assert "vòng tròn" in response.get_data(as_text=True)


def test_a_file_that_is_not_a_staff_list_is_refused(login_as, staff, units):
    response = upload(login_as("head"), units["own"].id, b"\xff\xfe garbage", "x.csv")
    assert response.status_code == 422
    response = upload(login_as("head"), units["own"].id, b"PK\x03\x04 broken", "x.xlsx")
    assert response.status_code == 422
    response = upload(login_as("head"), units["own"].id, b"name\nAn\n")
    assert response.status_code == 422
