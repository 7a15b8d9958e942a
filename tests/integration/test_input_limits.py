"""Inputs beyond their columns: refused with a message beside the field, never a server error."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from reform.extensions import db
from reform.models import AuditEvent, Block, Entry, Unit
from reform.services import frameworks as framework_service
from reform.validation import StoredValueRefused, bounded_int, column_problem

HUGE = "9" * 30
HX = {"HX-Request": "true"}


def autosave(client, submission, code, **fields):
    data = {f"ver-{code}": "0"} | {f"{k}-{code}": v for k, v in fields.items()}
    return client.post(
        f"/assessments/{submission.id}/criteria/{code}", data=data, headers={"HX-Request": "true"}
    )


def stored_entries() -> list[Entry]:
    db.session.rollback()
    return list(db.session.scalars(select(Entry)))


@pytest.mark.parametrize(
    ("code", "fields", "told"),
    [
        ("2.1", {"n": "9" * 300, "d": "9" * 300}, "Giá trị quá dài"),
        ("2.2", {"n": "1" * 60, "d": "2" * 60}, "tối đa 10 chữ số ở phần nguyên"),
        ("2.3", {"v": "9" * 60}, "tối đa 10 chữ số ở phần nguyên"),
        ("2.3", {"v": "1.123456"}, "4 chữ số ở phần thập phân"),
        ("2.4", {"v": "1" + "0" * 30}, "tối đa 10 chữ số"),
        ("1.1", {"v": "Đúng\x00hạn"}, "ký tự điều khiển"),
        ("1.2", {"v": "yes", "note": "ghi\x00chú"}, "ký tự điều khiển"),
        ("1.2", {"v": "yes", "expl": "giải\x1btrình"}, "ký tự điều khiển"),
        ("1.2", {"v": "yes", "note": "x" * 4001}, "4.000"),
    ],
)
def test_autosave_refuses_what_its_columns_cannot_hold(login_as, submission, code, fields, told):
    r = autosave(login_as("officer"), submission, code, **fields)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="err-{code}"' in html and told in html
    assert stored_entries() == []


def test_a_criterion_outside_the_units_form_is_not_found(login_as, submission):
    # 1.4 applies to wards only; the unit is a department.
    assert autosave(login_as("officer"), submission, "1.4", v="yes").status_code == 404
    assert stored_entries() == []


def test_notes_keep_their_line_breaks_and_tabs(login_as, submission):
    r = autosave(login_as("officer"), submission, "1.2", v="yes", note="Dòng 1\r\n\tDòng 2")
    assert r.status_code == 200
    (entry,) = stored_entries()
    assert entry.note == "Dòng 1\r\n\tDòng 2"


def test_a_note_stored_before_the_checks_can_be_corrected(login_as, submission):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite ever stored a NUL character")
    officer = login_as("officer")
    assert autosave(officer, submission, "1.2", v="yes", note="ghi chú").status_code == 200
    # As an earlier version stored it, past every check.
    db.session.execute(update(Entry).values(note="ghi\x00chú", value="9" * 300))
    db.session.commit()
    data = {"ver-1.2": "1", "v-1.2": "yes", "note-1.2": "ghi chú"}
    r = officer.post(f"/assessments/{submission.id}/criteria/1.2", data=data, headers=HX)
    assert r.status_code == 200
    (entry,) = stored_entries()
    assert (entry.value, entry.note) == ("yes", "ghi chú")
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "note_changed"))
    assert logged is not None


def test_a_number_at_the_bound_is_stored_as_typed(login_as, submission):
    r = autosave(login_as("officer"), submission, "2.3", v="9999999999,0000")
    assert r.status_code == 200
    (entry,) = stored_entries()
    assert entry.value == "9999999999" and entry.points == Decimal(2)


@pytest.mark.parametrize(
    "path",
    [
        f"/assessments/{HUGE}",
        f"/assessments/{HUGE}/check",
        f"/units/{HUGE}",
        f"/units/{'9' * 5000}",
        f"/frameworks/{HUGE}",
        f"/frameworks/{2**31}/compare",
        f"/assessments/1/evidence/{HUGE}/download",
        f"/admin/units/{HUGE}/edit",
        f"/admin/users/{HUGE}/edit",
        f"/admin/blocks/{HUGE}/edit",
        f"/appraisal/{HUGE}",
        "/campaigns/PAR%00TEST",
        f"/campaigns/{'C' * 300}",
    ],
)
def test_huge_numbers_and_control_characters_in_paths_are_not_found(login_as, campaign, path):
    assert login_as("admin").get(path).status_code == 404


@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        ("admin", "/admin/units?block=", "block"),
        ("admin", "/campaigns/PAR-TEST?block=", "block"),
        ("admin", "/campaigns/PAR-TEST/audit?unit=", "unit"),
        ("admin", "/campaigns/PAR-TEST/audit?actor=", "actor"),
        ("evaluator", "/appraisal/queue?block=", "block"),
    ],
)
def test_huge_numbers_in_filters_are_ignored_with_a_message(login_as, campaign, who, path, name):
    r = login_as(who).get(path + HUGE)
    assert r.status_code == 200
    assert f"Bộ lọc “{name}” đã được bỏ qua" in r.get_data(as_text=True)


def test_comparing_with_a_huge_version_is_ignored_with_a_message(login_as, rules_framework):
    r = login_as("admin").get(f"/frameworks/{rules_framework.id}/compare?with={HUGE}")
    assert r.status_code == 200 and "Bộ lọc “with” đã được bỏ qua" in r.get_data(as_text=True)


def test_a_huge_version_in_what_if_is_refused_beside_its_field(login_as, campaign):
    r = login_as("secretariat").get(f"/rankings/{campaign.code}/what-if?version={'9' * 5000}")
    assert r.status_code in (200, 422)
    assert "Choose a version" in r.get_data(as_text=True) or "Hãy chọn" in r.get_data(as_text=True)


def test_control_characters_in_a_query_are_dropped_with_a_message(login_as, units):
    c = login_as("admin")
    r = c.get("/units/?q=S%E1%BB%9F%00&kind=department")
    assert r.status_code == 303 and r.headers["Location"] == "/units/?kind=department"
    assert "đã được bỏ qua" in c.get(r.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"appeal_days": "9" * 400},
        {"appeal_days": "9" * 5000},
        {"reason": "lý do\x00"},
        {"reason": "x" * 301},
    ],
)
def test_campaign_settings_refuse_huge_numbers_and_bad_text(login_as, campaign, fields):
    data = {"self_opens_on": campaign.self_opens_on.isoformat()}
    data |= {"self_closes_on": campaign.self_closes_on.isoformat()} | fields
    r = login_as("secretariat").post(f"/campaigns/{campaign.code}/settings", data=data)
    assert r.status_code == 422 and 'class="error"' in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "bands", [f"A: {'9' * 400}; D: 0", f"A: 1{'0' * 30}; D: 0", "A: 90; B\x00: 50; D: 0"]
)
def test_block_bands_refuse_huge_thresholds(login_as, campaign, bands):
    block = db.session.scalar(select(Block).where(Block.code == "SBN"))
    r = login_as("secretariat").post(
        f"/campaigns/{campaign.code}/blocks/{block.id}/bands", data={"bands": bands}
    )
    assert r.status_code == 422 and f'id="bands-{block.id}-error"' in r.get_data(as_text=True)


def test_adding_a_participant_with_a_huge_id_is_not_found(login_as, campaign):
    r = login_as("secretariat").post(
        f"/campaigns/{campaign.code}/participants", data={"unit_id": HUGE}
    )
    assert r.status_code == 404


def test_forms_refuse_control_characters_beside_the_field(login_as, units):
    r = login_as("admin").post("/admin/blocks", data={"code": "KHOI", "name": "Khối\x00mới"})
    assert r.status_code == 422
    assert "ký tự điều khiển" in r.get_data(as_text=True)
    assert db.session.scalar(select(Block).where(Block.code == "KHOI")) is None


def test_signing_in_with_a_nul_in_the_username_is_refused(client, users):
    r = client.post("/login", data={"username": "admin\x00", "password": "x"})
    assert r.status_code in (200, 422) and "ký tự điều khiển" in r.get_data(as_text=True)


BILLION_LAUGHS = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 25)]
    + ["code: X", "version: 1", "name: n", "kind: reform", "result: percent"]
    + ["bands: [{min: 0, label: A}]", "criteria: *a24"]
)


def test_nested_aliases_are_refused_at_once(login_as):
    assert len(BILLION_LAUGHS.encode()) < 1600
    started = time.monotonic()
    r = login_as("secretariat").post("/frameworks/import", data={"content": BILLION_LAUGHS})
    assert time.monotonic() - started < 5
    assert r.status_code == 422
    assert "không được dùng neo và bí danh" in r.get_data(as_text=True)


def test_deep_or_huge_yaml_is_refused(app):
    with app.test_request_context():
        for text in ("a: " + "[" * 100 + "]" * 100, "- x\n" * 250_000, "a: " + "9" * 5000):
            with pytest.raises(framework_service.FrameworkRefused):
                framework_service.load_yaml(text)


def test_pasted_content_is_held_to_the_size_of_an_uploaded_file(login_as):
    content = "# " + "đ" * (framework_service.MAX_YAML_BYTES // 2) + "\ncode: X\n"
    r = login_as("secretariat").post(
        "/frameworks/import", data={"content": content}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and "2 MB" in r.get_data(as_text=True)


def test_a_framework_with_values_beyond_its_columns_is_refused(login_as):
    yaml_text = """\
code: BIG
version: 99999999999
name: "Khung\\0"
kind: reform
result: percent
bands: [{min: 0, label: "A"}]
criteria:
  - {code: "1", name: "Một", max: 1e30, rule: {type: yesno}}
"""
    r = login_as("secretariat").post("/frameworks/import", data={"content": yaml_text})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Phiên bản (version) phải nằm trong khoảng" in html
    assert "ký tự điều khiển" in html and "chữ số ở phần nguyên" in html


def test_the_last_check_refuses_what_a_column_cannot_hold(app, units):
    unit = db.session.get(Unit, units["own"].id)
    unit.name = "x" * 201
    with pytest.raises(StoredValueRefused) as caught:
        db.session.flush()
    assert (caught.value.table, caught.value.column, caught.value.problem) == (
        "units",
        "name",
        "length",
    )
    db.session.rollback()
    db.session.add(AuditEvent(action="x\x00"))
    with pytest.raises(StoredValueRefused):
        db.session.flush()
    db.session.rollback()


def test_column_rules() -> None:
    from sqlalchemy import Integer, Numeric, String, Text

    from reform.models.types import Figure

    assert column_problem(String(3), "abcd") == "length"
    assert column_problem(Text(), "a\x00") == "nul"
    assert column_problem(Text(), "a\tb\n") is None
    assert column_problem(Figure(), Decimal("9999999999.9999")) is None
    assert column_problem(Figure(), Decimal("10000000000")) == "range"
    assert column_problem(Numeric(14, 4), Decimal("NaN")) == "range"
    assert column_problem(Integer(), 2**31) == "range"
    assert column_problem(Integer(), -(2**31)) is None


def test_bounded_int() -> None:
    assert bounded_int("42") == 42 and bounded_int(" 7 ") == 7
    for text in ("", "x", "1.5", "٣", "²", "9" * 5000, str(2**31), "-1", None):
        assert bounded_int(text) is None
    assert bounded_int("-1", low=-5) == -1
