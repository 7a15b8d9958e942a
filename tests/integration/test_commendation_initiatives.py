"""The initiatives register: a unit records its initiatives with their authors and decision;
bad input is refused beside its field, a stale save is refused, the search finds them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from reform.extensions import db
from reform.models import AuditEvent, Initiative, Person
from reform.services.commendation import initiatives as service


@pytest.fixture
def staff(units):
    """Two people of the own unit and one of the other."""
    made = {
        "lan": Person(unit_id=units["own"].id, full_name="Nguyễn Thị Lan", position="Chuyên viên"),
        "minh": Person(unit_id=units["own"].id, full_name="Trần Văn Minh"),
        "other": Person(unit_id=units["other"].id, full_name="Lê Văn Khác"),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


def form(**changes) -> dict:
    values = {
        "title": "Số hóa hồ sơ lý lịch tư pháp",
        "level": "base",
        "decision_number": "45/QĐ-STP",
        "decision_date": "2025-06-10",
        "recognised_on": "2025-06-10",
        "decision_issuer": "Giám đốc Sở Tư pháp",
        "other_authors": "",
        "summary": "",
        "version": "",
    }
    values.update(changes)
    return values


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Initiative))


def test_an_officer_records_an_initiative_with_staff_and_other_authors(login_as, units, staff):
    client = login_as("officer")
    page = client.get(f"/commendation/initiatives/new?unit={units['own'].id}")
    assert "Nguyễn Thị Lan" in page.get_data(as_text=True)
    assert "Lê Văn Khác" not in page.get_data(as_text=True)
    data = form(other_authors="Phạm Ngoại\nphạm ngoại\n")
    data["person_ids"] = [str(staff["lan"].id)]
    response = client.post(f"/commendation/initiatives/new?unit={units['own'].id}", data=data)
    assert response.status_code == 303
    initiative = db.session.scalar(select(Initiative))
    assert initiative.unit_id == units["own"].id
    assert [(a.name, a.person_id) for a in initiative.authors] == [
        ("Nguyễn Thị Lan", staff["lan"].id),
        ("Phạm Ngoại", None),
    ]
    assert initiative.recognised_on == date(2025, 6, 10)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "initiative_added"))
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "45/QĐ-STP" in shown and "Phạm Ngoại" in shown


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"title": ""}, "Tên sáng kiến"),
        ({"level": "galaxy"}, "Cấp công nhận"),
        ({"decision_date": ""}, "Ngày quyết định"),
        ({"recognised_on": "2025-06-01"}, "không thể trước ngày quyết định"),
        ({"decision_date": "2099-01-01", "recognised_on": "2099-01-01"}, "đến hôm nay"),
        ({"other_authors": "A\x00B"}, "ký tự điều khiển"),
        ({}, "Ghi ít nhất một tác giả"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    login_as, units, staff, changes, field_text
):
    data = form(**changes)
    if "other_authors" not in changes and changes:
        data["other_authors"] = "Phạm Ngoại"
    response = login_as("officer").post(
        f"/commendation/initiatives/new?unit={units['own'].id}", data=data
    )
    assert response.status_code == 422
    assert field_text in response.get_data(as_text=True)
    assert count() == 0


def test_an_author_of_another_unit_cannot_be_linked(login_as, units, staff):
    data = form()
    data["person_ids"] = [str(staff["other"].id)]
    response = login_as("officer").post(
        f"/commendation/initiatives/new?unit={units['own'].id}", data=data
    )
    assert response.status_code == 422
    assert count() == 0


def make(unit, *, title="Sáng kiến A", authors=("Nguyễn Thị Lan",), person_ids=(), **kw):
    data = service.InitiativeData(
        title=title,
        level=kw.get("level", "base"),
        recognised_on=kw.get("on", date(2025, 3, 1)),
        decision_number=kw.get("number", "1/QĐ"),
        decision_date=kw.get("on", date(2025, 3, 1)),
        decision_issuer="Giám đốc",
        person_ids=list(person_ids),
        other_authors=list(authors),
    )
    return service.create(unit, data, actor=None)


def test_editing_keeps_the_authors_and_refuses_a_stale_save(login_as, units, staff):
    initiative = make(units["own"], authors=(), person_ids=(staff["minh"].id,))
    client = login_as("head")
    page = client.get(f"/commendation/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert 'value="1"' in page  # the version it was read at
    data = form(title="Sáng kiến A (sửa)", version="1", other_authors="Hồ Mới")
    data["person_ids"] = [str(staff["minh"].id)]
    assert (
        client.post(f"/commendation/initiatives/{initiative.id}/edit", data=data).status_code == 303
    )
    db.session.expire_all()
    fresh = db.session.get(Initiative, initiative.id)
    assert fresh.title == "Sáng kiến A (sửa)" and fresh.version == 2
    assert [a.name for a in fresh.authors] == ["Trần Văn Minh", "Hồ Mới"]
    # A second save from the page as it was first read is refused: nothing of it is stored.
    stale = form(title="Bản cũ", version="1", other_authors="Ai Đó")
    response = client.post(f"/commendation/initiatives/{initiative.id}/edit", data=stale)
    assert response.status_code == 409
    assert "Người khác vừa lưu" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).title == "Sáng kiến A (sửa)"


def test_the_search_finds_by_author_without_diacritics_level_and_year(login_as, units, staff):
    make(units["own"], title="Số hóa hồ sơ", authors=("Nguyễn Thị Lan",))
    make(units["own"], title="Một cửa điện tử", authors=("Trần Văn Minh",), level="province")
    make(units["own"], title="Cũ", authors=("Trần Văn Minh",), on=date(2023, 5, 5))
    make(units["other"], title="Của Sở Y tế", authors=("Lê Văn Khác",))
    officer = login_as("officer")

    def titles(query: str, client=officer) -> str:
        return client.get(f"/commendation/initiatives/?{query}").get_data(as_text=True)

    page = titles("q=tran van minh")
    assert "Một cửa điện tử" in page and "Cũ" in page and "Số hóa hồ sơ" not in page
    assert "Của Sở Y tế" not in titles("")  # another unit's stays hidden
    page = titles("level=province")
    assert "Một cửa điện tử" in page and "Số hóa hồ sơ" not in page
    page = titles("year=2023")
    assert ">Cũ<" in page and "Một cửa điện tử" not in page
    # Asking for another unit's list shows the own unit's only.
    assert "Của Sở Y tế" not in titles(f"unit={units['other'].id}")
    secretariat = login_as("secretariat")
    assert "Của Sở Y tế" in titles(f"unit={units['other'].id}", secretariat)
    assert "Số hóa hồ sơ" not in titles(f"unit={units['other'].id}", secretariat)


def test_a_person_is_an_author_when_linked_or_named_in_their_unit(units, staff):
    make(units["own"], title="Gắn", authors=(), person_ids=(staff["lan"].id,))
    make(units["own"], title="Theo tên", authors=("nguyen thi lan",))
    make(units["other"], title="Nơi khác", authors=("Nguyễn Thị Lan",))
    assert {i.title for i in service.of_person(staff["lan"])} == {"Gắn", "Theo tên"}
    assert {i.title for i in service.of_name(units["own"].id, "Nguyễn Thị Lan")} == {
        "Gắn",
        "Theo tên",
    }
