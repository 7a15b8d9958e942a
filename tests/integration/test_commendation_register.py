"""The award register: entries with their decision, search and histories, the Excel reporting
list (opened and read), past years' import from Excel or CSV (all lines or none, errors by line,
reading back what was exported), and the yearly statistics."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import AuditEvent, Award, Person
from reform.services.commendation import catalogue
from reform.services.commendation import register as service
from reform.services.commendation.register_files import import_awards

TODAY = date(2026, 3, 1)


@pytest.fixture
def world(app, units):
    """The default catalogue and two people of the own unit (two of the same name elsewhere)."""
    catalogue.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    people = {
        "lan": Person(unit_id=units["own"].id, full_name="Nguyễn Thị Lan", code="CB01"),
        "minh": Person(unit_id=units["own"].id, full_name="Trần Văn Minh", code="CB02"),
        "an1": Person(unit_id=units["other"].id, full_name="Lê An"),
        "an2": Person(unit_id=units["other"].id, full_name="Lê An"),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return people


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Award))


def add(unit, code, year, name="", *, person=None, number=None):
    data = service.AwardData(
        year=year,
        title_code=code,
        unit_id=unit.id,
        recipient_name=name,
        decision_number=number or f"{year}/QĐ-UBND",
        decision_date=date(year + 1, 1, 15),
        signer="Nguyễn Văn Chủ tịch, Chủ tịch UBND tỉnh",
        person_id=person.id if person else None,
    )
    assert service.check(data, today=TODAY) == {}
    return service.create(data, actor=None)


# ---- entries and checks -----------------------------------------------------------------


def test_the_secretariat_adds_and_corrects_an_entry(login_as, units, world):
    client = login_as("secretariat")
    picker = client.get("/commendation/awards/new")
    assert "Sở Tư pháp" in picker.get_data(as_text=True)
    url = f"/commendation/awards/new?unit={units['own'].id}"
    data = {
        "year": "2025",
        "title_code": "CN-LDTT",
        "person_id": str(world["lan"].id),
        "recipient_name": "",
        "decision_number": "12/QĐ-STP",
        "decision_date": "2026-01-10",
        "signer": "Giám đốc Sở Tư pháp",
        "note": "",
    }
    assert client.post(url, data=data).status_code == 303
    award = db.session.scalar(select(Award))
    assert (award.recipient_name, award.person_id, award.scope) == (
        "Nguyễn Thị Lan",
        world["lan"].id,
        "individual",
    )
    assert (award.title_name, award.level, award.family) == ("Lao động tiên tiến", "unit", "title")
    # The same title twice in a year for the same person is refused beside the field.
    again = client.post(url, data=data)
    assert again.status_code == 422 and count() == 1
    # Correction: the decision's number; the audit log keeps what it read.
    edit = client.post(
        f"/commendation/awards/{award.id}/edit", data=data | {"decision_number": "13/QĐ-STP"}
    )
    assert edit.status_code == 303
    db.session.expire_all()
    assert db.session.get(Award, award.id).decision_number == "13/QĐ-STP"
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award_changed"))
    assert "12/QĐ-STP" in changed.from_value and "13/QĐ-STP" in changed.to_value


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"year": "1985"}, "1990"),
        ({"title_code": "NOPE"}, ""),
        ({"decision_date": "2024-12-31"}, "trước năm được khen thưởng"),
        ({"decision_date": "2099-01-01"}, "đến hôm nay"),
        ({"signer": ""}, ""),
        ({"person_id": "0", "recipient_name": ""}, "họ tên"),
    ],
)
def test_bad_entries_are_refused_with_422_and_nothing_saved(login_as, units, world, changes, words):
    data = {
        "year": "2025",
        "title_code": "CN-LDTT",
        "person_id": str(world["lan"].id),
        "recipient_name": "",
        "decision_number": "12/QĐ-STP",
        "decision_date": "2026-01-10",
        "signer": "Giám đốc Sở Tư pháp",
    } | changes
    response = login_as("secretariat").post(
        f"/commendation/awards/new?unit={units['own'].id}", data=data
    )
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert count() == 0


def test_someone_of_another_unit_cannot_be_chosen(login_as, units, world):
    data = {
        "year": "2025",
        "title_code": "CN-LDTT",
        "person_id": str(world["an1"].id),
        "decision_number": "1",
        "decision_date": "2026-01-10",
        "signer": "X",
    }
    response = login_as("secretariat").post(
        f"/commendation/awards/new?unit={units['own'].id}", data=data
    )
    assert response.status_code == 422 and count() == 0


def test_a_removal_needs_a_reason_and_is_logged(login_as, units, world):
    award = add(units["own"], "TT-LDTT", 2024)
    client = login_as("secretariat")
    assert client.post(f"/commendation/awards/{award.id}/delete", data={}).status_code == 422
    assert count() == 1
    done = client.post(f"/commendation/awards/{award.id}/delete", data={"reason": "Nhập trùng"})
    assert done.status_code == 303 and count() == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award_deleted"))
    assert event.reason == "Nhập trùng" and "TT-LDTT" in event.from_value


# ---- search, histories, unit scope -------------------------------------------------------


def test_search_by_name_unit_year_and_level_and_a_units_people_see_their_own(
    login_as, units, world
):
    add(units["own"], "CN-LDTT", 2024, person=world["lan"])
    add(units["own"], "CN-CSTD-CS", 2024, person=world["lan"])
    add(units["own"], "TT-LDXS", 2023)
    add(units["other"], "CN-LDTT", 2024, "Lê An")
    leader = login_as("leader")

    def page(query, client=leader):
        html = client.get(f"/commendation/awards/?{query}").get_data(as_text=True)
        return html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""

    found = page("q=nguyen thi lan")
    assert "Chiến sĩ thi đua cơ sở" in found and "Lê An" not in found
    assert "Lê An" in page(f"unit={units['other'].id}")
    assert "Tập thể lao động xuất sắc" in page("year=2023")
    assert "Tập thể lao động xuất sắc" not in page("year=2024")
    assert "Tập thể lao động xuất sắc" in page("level=province")
    officer = login_as("officer")
    assert "Lê An" not in page("", officer)
    assert "Lê An" not in page(f"unit={units['other'].id}", officer)
    history = officer.get(f"/commendation/awards/units/{units['own'].id}").get_data(as_text=True)
    assert "Tập thể lao động xuất sắc" in history and "Nguyễn Thị Lan" in history
    person = officer.get(f"/commendation/awards/people/{world['lan'].id}")
    assert person.status_code == 200 and "Chiến sĩ thi đua cơ sở" in person.get_data(as_text=True)
    assert officer.get(f"/commendation/awards/units/{units['other'].id}").status_code == 404
    assert officer.get(f"/commendation/awards/people/{world['an1'].id}").status_code == 404


def test_a_persons_history_includes_entries_under_their_name_not_a_namesakes_elsewhere(
    units, world
):
    add(units["own"], "CN-LDTT", 2023, "nguyễn thị lan")  # imported unlinked, same unit
    add(units["own"], "CN-LDTT", 2024, person=world["lan"])
    add(units["other"], "CN-LDTT", 2024, "Nguyễn Thị Lan")
    rows = service.person_awards(world["lan"])
    assert sorted(r.year for r in rows) == [2023, 2024]


# ---- Excel, import -----------------------------------------------------------------------


def _sheet_rows(data: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_excel_list_has_the_reporting_layout(login_as, units, world):
    add(units["own"], "CN-CSTD-CS", 2024, person=world["minh"], number="5/QĐ-STP")
    add(units["own"], "TT-LDXS", 2024, number="=cmd|' /C calc'!A0")
    response = login_as("secretariat").get("/commendation/awards/export.xlsx?year=2024")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = _sheet_rows(response.data)
    assert rows[0][0] == "DANH SÁCH KHEN THƯỞNG"
    assert rows[1][0] == "Năm 2024"
    assert rows[3][:6] == (
        "STT",
        "Tên tập thể, cá nhân",
        "Đơn vị",
        "Danh hiệu hoặc hình thức khen thưởng",
        "Năm",
        "Số quyết định",
    )
    body = rows[4:]
    # Collectives first in the catalogue's order, then individuals.
    assert [r[1] for r in body] == ["Sở Tư pháp", "Trần Văn Minh"]
    assert body[0][3] == "Tập thể lao động xuất sắc" and body[1][3] == "Chiến sĩ thi đua cơ sở"
    assert body[1][0] == 2 and body[1][4] == 2024 and body[1][6].date() == date(2025, 1, 15)
    assert body[1][8:] == ("STP", "CN-CSTD-CS")
    # A decision number that looks like a formula stays text.
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.active.cell(5, 6).data_type == "s"


def test_an_exported_list_imports_back_to_the_same_register(login_as, units, world):
    add(units["own"], "CN-CSTD-CS", 2024, person=world["minh"])
    add(units["own"], "TT-LDXS", 2023)
    add(units["other"], "CN-LDTT", 2024, "Lê An")
    before = sorted(
        (a.year, a.title_code, a.unit_id, a.recipient_name, a.person_id, a.decision_number)
        for a in db.session.scalars(select(Award))
    )
    exported = login_as("secretariat").get("/commendation/awards/export.xlsx").data
    db.session.execute(db.delete(Award))
    db.session.commit()
    report = import_awards(exported, "khen-thuong.xlsx", actor=None, today=TODAY)
    assert report.ok, report.errors
    after = sorted(
        (a.year, a.title_code, a.unit_id, a.recipient_name, a.person_id, a.decision_number)
        for a in db.session.scalars(select(Award))
    )
    assert after == before
    assert {a.source for a in db.session.scalars(select(Award))} == {"imported"}


CSV_HEADER = "year,title_code,unit_code,name,person_code,decision_number,decision_date,signer\n"


def test_a_csv_of_past_years_links_people_by_staff_number_or_a_unique_name(app, units, world):
    text = CSV_HEADER + (
        "2023,CN-CSTD-CS,STP,,CB01,10/QĐ-STP,15/01/2024,Giám đốc\n"
        "2024,Chiến sĩ thi đua cơ sở,STP,Trần Văn Minh,,11/QĐ-STP,2025-01-15,Giám đốc\n"
        "2024,CN-LDTT,SYT,Lê An,,3/QĐ-SYT,15/01/2025,Giám đốc\n"
        "2024,TT-LDTT,SYT,,,4/QĐ-SYT,15/01/2025,Giám đốc\n"
    )
    report = import_awards(text.encode(), "cu.csv", actor=None, today=TODAY)
    assert report.ok, report.errors
    assert report.stored == 4 and report.years == [2023, 2024]
    rows = {(a.year, a.title_code): a for a in db.session.scalars(select(Award))}
    assert rows[(2023, "CN-CSTD-CS")].person_id == world["lan"].id
    assert rows[(2023, "CN-CSTD-CS")].recipient_name == "Nguyễn Thị Lan"
    assert rows[(2024, "CN-CSTD-CS")].person_id == world["minh"].id
    # Two people named Lê An in that unit: the entry keeps the name, linked to neither.
    assert rows[(2024, "CN-LDTT")].person_id is None
    assert rows[(2024, "TT-LDTT")].recipient_name == "Sở Y tế"


def test_a_wrong_line_imports_nothing_and_every_error_names_its_line(app, units, world):
    add(units["own"], "TT-LDXS", 2023)
    text = CSV_HEADER + (
        "2024,CN-LDTT,STP,Nguyễn Thị Lan,,1/QĐ,15/01/2025,Giám đốc\n"  # fine
        "2024,Giấy khen,STP,Nguyễn Thị Lan,,2/QĐ,15/01/2025,Giám đốc\n"  # ambiguous name
        "2024,CN-LDTT,XXX,Ai,,3/QĐ,15/01/2025,Giám đốc\n"  # unknown unit
        "1980,CN-LDTT,STP,Ai,,4/QĐ,15/01/1981,Giám đốc\n"  # year
        "2024,CN-LDTT,STP,Nguyễn Thị Lan,,5/QĐ,31/02/2025,Giám đốc\n"  # no such date
        "2023,TT-LDXS,STP,,,6/QĐ,15/01/2024,Giám đốc\n"  # already in the register
        "2024,CN-LDTT,STP,nguyen thi lan,,7/QĐ,15/01/2025,\n"  # signer empty, and a repeat
        "2024,CN-XYZ,STP,Ai,ZZ,8/QĐ,15/01/2025,Giám đốc\n"  # unknown title
    )
    report = import_awards(text.encode(), "sai.csv", actor=None, today=TODAY)
    db.session.rollback()
    lines = sorted({line for line, _m in report.errors})
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    messages = dict(report.errors)
    assert "TT-GK" in messages[3] and "CN-GK" in messages[3]
    assert "XXX" in messages[4]
    assert count() == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe\x00", "UTF-8"),
        (b"a,b\n1,2\n", "year, unit_code"),
        (b"year,unit_code,decision_number\n2024,STP,1\n", "title_code"),
        (CSV_HEADER.encode(), "không có danh hiệu"),
    ],
)
def test_unreadable_lists_are_refused(app, world, data, words):
    report = import_awards(data, "x.csv", actor=None, today=TODAY)
    assert not report.ok and words in report.errors[0][1]
    assert count() == 0


def test_an_excel_list_with_title_rows_and_date_cells_imports(login_as, units, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH KHEN THƯỞNG NĂM 2022"])
    sheet.append([])
    sheet.append(
        [
            "Năm",
            "Mã danh hiệu",
            "Mã đơn vị",
            "Tên tập thể, cá nhân",
            "Số quyết định",
            "Ngày quyết định",
            "Người ký",
        ]
    )
    sheet.append([2022, "TT-LDTT", "STP", None, "9/QĐ", date(2023, 1, 9), "Giám đốc"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login_as("secretariat")
    response = client.post(
        "/commendation/awards/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "2022.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    award = db.session.scalar(select(Award))
    assert (award.year, award.decision_date, award.recipient_name) == (
        2022,
        date(2023, 1, 9),
        "Sở Tư pháp",
    )
    bad = client.post(
        "/commendation/awards/import",
        data={
            "file": (
                io.BytesIO(
                    b"year,title_code,unit_code,decision_number,decision_date,signer\n2024,TT-LDTT,NOPE,1,01/01/2025,X\n"
                ),
                "x.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Dòng 2" in page and "NOPE" in page


# ---- statistics ---------------------------------------------------------------------------


def test_statistics_count_flags_certificates_and_titles_per_year_and_level(login_as, units, world):
    add(units["own"], "TT-CTD-TINH", 2024)
    add(units["other"], "TT-CTD-TINH", 2024)
    add(units["own"], "CN-BK-TINH", 2024, person=world["lan"])
    add(units["own"], "CN-LDTT", 2024, person=world["lan"])
    add(units["own"], "CN-LDTT", 2024, person=world["minh"])
    add(units["own"], "CN-LDTT", 2023, person=world["minh"])
    stats = {s.year: s for s in service.statistics()}
    assert sorted(stats) == [2023, 2024]
    levels = {row.level: row for row in stats[2024].levels}
    assert levels["province"].counts["flag"] == 2
    assert levels["province"].counts["certificate"] == 1
    assert levels["province"].collective == 2 and levels["province"].individual == 1
    assert levels["unit"].counts["title"] == 2
    assert stats[2024].total == 5 and stats[2023].total == 1
    assert ("Lao động tiên tiến", "individual", "unit", 2) in stats[2024].titles
    page = login_as("leader").get("/commendation/awards/statistics?year=2024")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cờ thi đua của Ủy ban nhân dân tỉnh" in text
    assert "Năm 2023" not in text
