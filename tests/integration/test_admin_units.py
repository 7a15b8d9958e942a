"""Managing units and blocks, and importing units from CSV."""

from __future__ import annotations

from sqlalchemy import select

from reform.extensions import db
from reform.models import Block, Unit

GOOD_CSV = (
    "code,name,kind,parent_code,block_code,block_name\n"
    "TINH2,UBND tỉnh Mới,province,,,\n"
    'SNV2,Sở Nội vụ,department,TINH2,SBN,"Sở, ban, ngành"\n'
    "P-MOI,Phường Mới,ward,TINH2,PHUONG2,Phường\n"
)


def _unit(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def test_create_unit(login_as, units):
    c = login_as("secretariat")
    block = units["own"].block_id
    r = c.post(
        "/admin/units/new",
        data={
            "code": "SXD",
            "name": "Sở Xây dựng",
            "kind": "department",
            "parent_id": units["province"].id,
            "block_id": block,
        },
    )
    assert r.status_code == 303
    unit = _unit("SXD")
    assert unit.name == "Sở Xây dựng" and unit.parent_id == units["province"].id
    assert unit.block_id == block


def test_bad_unit_input_is_refused_next_to_the_field(login_as, units):
    c = login_as("admin")
    r = c.post(
        "/admin/units/new",
        data={"code": "bad code!", "name": "", "kind": "Phường", "parent_id": 0, "block_id": 0},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    for field in ("code", "name", "kind"):
        assert f'id="{field}-error"' in html
    assert _unit("bad code!") is None


def test_duplicate_code_is_refused(login_as, units):
    r = login_as("admin").post(
        "/admin/units/new",
        data={"code": "STP", "name": "Trùng", "kind": "department", "parent_id": 0, "block_id": 0},
    )
    assert r.status_code == 422
    assert db.session.scalar(select(Unit).where(Unit.name == "Trùng")) is None


def test_a_unit_cannot_move_under_itself(login_as, units):
    c = login_as("admin")
    province = units["province"]
    r = c.post(
        f"/admin/units/{province.id}/edit",
        data={
            "code": "TINH",
            "name": "UBND tỉnh",
            "kind": "province",
            "parent_id": units["own"].id,
            "block_id": 0,
        },
    )
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Unit, province.id).parent_id is None


def test_edit_unit(login_as, units):
    own = units["own"]
    r = login_as("admin").post(
        f"/admin/units/{own.id}/edit",
        data={
            "code": "STP",
            "name": "Sở Tư pháp tỉnh",
            "kind": "department",
            "parent_id": units["province"].id,
            "block_id": own.block_id,
        },
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Unit, own.id).name == "Sở Tư pháp tỉnh"


def test_deactivate_and_reactivate(login_as, units):
    c = login_as("admin")
    ward = units["ward"]
    assert c.post(f"/admin/units/{ward.id}/active", data={"active": "0"}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(Unit, ward.id).active
    assert "Phường An" not in c.get("/admin/units").get_data(as_text=True)
    assert "Phường An" in c.get("/admin/units?inactive=1").get_data(as_text=True)
    c.post(f"/admin/units/{ward.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(Unit, ward.id).active


def test_a_unit_with_active_children_stays_active(login_as, units):
    c = login_as("admin")
    c.post(f"/admin/units/{units['province'].id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(Unit, units["province"].id).active


def test_search_returns_only_the_list_to_htmx(login_as, units):
    c = login_as("admin")
    r = c.get("/admin/units?q=t%C6%B0", headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert "HX-Request" in r.headers["Vary"]
    assert "<html" not in html and "Sở Tư pháp" in html and "Sở Y tế" not in html
    full = c.get("/admin/units?q=t%C6%B0").get_data(as_text=True)
    assert "<html" in full and "Sở Tư pháp" in full


def test_tree_shows_children_under_parents(login_as, units):
    html = login_as("admin").get("/admin/units").get_data(as_text=True)
    assert html.index("UBND tỉnh") < html.index("Sở Tư pháp")
    assert "depth-1" in html


def test_import_csv_in_the_page(login_as, units):
    from io import BytesIO

    c = login_as("secretariat")
    r = c.post(
        "/admin/units/import",
        data={"file": (BytesIO(GOOD_CSV.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    assert _unit("SNV2").parent.code == "TINH2"
    assert _unit("P-MOI").block.name == "Phường"


def test_a_bad_row_rejects_the_whole_file_with_every_error(login_as, units):
    from io import BytesIO

    bad = (
        "code,name,kind,parent_code,block_code,block_name\n"
        "OK1,Đơn vị tốt,department,,,\n"
        "OK1,Trùng mã,department,,,\n"
        ",Không mã,department,,,\n"
        "X3,,Phường,NOPE,NEWB,\n"
    )
    r = login_as("admin").post(
        "/admin/units/import",
        data={"file": (BytesIO(bad.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    for line in (3, 4, 5):
        assert f"{line}:" in html or f"{line}</" in html or f" {line}" in html
    assert html.count("<li>") >= 5
    assert _unit("OK1") is None


def test_import_refuses_cycles_and_missing_columns(app):
    from reform.services.units import import_units

    cyc = (
        "code,name,kind,parent_code,block_code,block_name\nA,A,department,B,,\nB,B,department,A,,\n"
    )
    report = import_units(cyc.encode())
    assert not report.ok and {line for line, _ in report.errors} == {2, 3}
    report = import_units(b"code,name\nA,B\n")
    assert not report.ok and "kind" in report.errors[0][1]
    assert not import_units(b"code,name,kind,parent_code,block_code,block_name\n").ok
    assert not import_units("\xff\xfe".encode("latin-1")).ok


def test_a_new_block_is_named_once(app, units):
    from reform.services.units import import_units

    csv = (
        "code,name,kind,parent_code,block_code,block_name\n"
        "C1,Cụm một,department,TINH,CUM,\n"
        "C2,Cụm hai,department,TINH,CUM,Cụm thi đua số 1\n"
    )
    report = import_units(csv.encode())
    assert report.ok, report.errors
    assert _unit("C1").block.name == "Cụm thi đua số 1"


def test_a_deactivated_parent_is_refused(app, units):
    from reform.services.units import import_units

    units["other"].active = False
    db.session.commit()
    csv = "code,name,kind,parent_code,block_code,block_name\nK1,Phòng,office,SYT,,\n"
    report = import_units(csv.encode())
    assert not report.ok and "SYT" in report.errors[0][1]


def test_search_is_literal_and_folds_vietnamese_case(login_as, units, make_unit):
    make_unit("P-DONG", "Phường Đông Hải", kind="ward", block_code="PHUONG")
    c = login_as("admin")
    html = c.get("/admin/units?q=%C4%91%C3%B4ng", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "Phường Đông Hải" in html
    html = c.get("/admin/units?q=%25", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Phường Đông Hải" not in html and "Sở Tư pháp" not in html


def test_import_updates_existing_units(app, units):
    from reform.services.units import import_units

    csv = (
        "code,name,kind,parent_code,block_code,block_name\n"
        "STP,Sở Tư pháp (mới),department,TINH,SBN,\n"
    )
    report = import_units(csv.encode())
    assert report.ok and report.updated == 1 and report.created == 0
    assert _unit("STP").name == "Sở Tư pháp (mới)"


def test_blocks_create_and_rename(login_as, units):
    c = login_as("admin")
    assert c.post("/admin/blocks", data={"code": "CUM1", "name": "Cụm 1"}).status_code == 303
    block = db.session.scalar(select(Block).where(Block.code == "CUM1"))
    assert c.post("/admin/blocks", data={"code": "CUM1", "name": "X"}).status_code == 422
    r = c.post(f"/admin/blocks/{block.id}/edit", data={"code": "CUM1", "name": "Cụm thi đua 1"})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Block, block.id).name == "Cụm thi đua 1"


# ---- what official documents are dated and numbered with -----------------------------------


def _edit(client, unit: Unit, **extra):
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id or 0,
        "block_id": unit.block_id or 0,
    }
    return client.post(f"/admin/units/{unit.id}/edit", data=data | extra)


def test_place_and_abbreviation_are_set_in_the_unit_form(login_as, units):
    province = units["province"]
    c = login_as("secretariat")
    form = c.get(f"/admin/units/{province.id}/edit").get_data(as_text=True)
    assert 'name="place"' in form and 'name="abbreviation"' in form
    assert "Địa danh ghi trên văn bản" in form
    assert _edit(c, province, place=" Hòa Sơn ", abbreviation="UBND").status_code == 303
    db.session.expire_all()
    saved = db.session.get(Unit, province.id)
    assert (saved.place, saved.abbreviation) == ("Hòa Sơn", "UBND")
    assert 'value="Hòa Sơn"' in c.get(f"/admin/units/{province.id}/edit").get_data(as_text=True)
    # Emptied, they fall back on the parent's place and the unit's code.
    assert _edit(c, province, place="", abbreviation="").status_code == 303
    db.session.expire_all()
    saved = db.session.get(Unit, province.id)
    assert saved.place is None and saved.document_abbreviation == "TINH"


def test_a_bad_abbreviation_or_place_is_refused_beside_its_field(login_as, units):
    province = units["province"]
    c = login_as("admin")
    for field, value in (
        ("abbreviation", "BC/UBND"),
        ("abbreviation", "A" * 21),
        ("place", "x" * 101),
    ):
        r = _edit(c, province, **{field: value})
        assert r.status_code == 422, (field, value)
        assert f'id="{field}-error"' in r.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Unit, province.id)
    assert saved.place is None and saved.abbreviation is None


def test_import_reads_the_optional_place_and_abbreviation_columns(app, units):
    from reform.services.units import import_units

    with_settings = (
        "code,name,kind,parent_code,block_code,block_name,place,abbreviation\n"
        "TINH,UBND tỉnh,province,,,,Hòa Sơn,UBND\n"
        "STP,Sở Tư pháp,department,TINH,SBN,,,\n"
    )
    assert import_units(with_settings.encode()).ok
    assert (_unit("TINH").place, _unit("TINH").abbreviation) == ("Hòa Sơn", "UBND")
    assert _unit("STP").place is None and _unit("STP").place_name() == "Hòa Sơn"
    # The six usual columns (or only one of the new ones) leave the other settings as they are.
    plain = "code,name,kind,parent_code,block_code,block_name\nTINH,UBND tỉnh,province,,,\n"
    assert import_units(plain.encode()).ok
    assert (_unit("TINH").place, _unit("TINH").abbreviation) == ("Hòa Sơn", "UBND")
    only_place = "code,name,kind,parent_code,block_code,block_name,place\nTINH,UBND,province,,,,\n"
    assert import_units(only_place.encode()).ok
    assert (_unit("TINH").place, _unit("TINH").abbreviation) == (None, "UBND")


def test_import_refuses_a_bad_abbreviation_with_its_line(app, units):
    from reform.services.units import import_units

    bad = (
        "code,name,kind,parent_code,block_code,block_name,abbreviation\n"
        "TINH,UBND tỉnh,province,,,,UBND\n"
        "STP,Sở Tư pháp,department,TINH,SBN,,BC/STP\n"
    )
    report = import_units(bad.encode())
    assert not report.ok and [line for line, _ in report.errors] == [3]
    assert "BC/STP" in report.errors[0][1]
    assert _unit("TINH").abbreviation is None  # all or nothing
