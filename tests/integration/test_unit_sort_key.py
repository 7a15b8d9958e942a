"""Every unit keeps its Vietnamese sort key with its name, and the database orders by it."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from reform.extensions import db
from reform.models import Unit
from reform.scoring import vi_sort_key, vi_sort_string

NAMES = [
    "Sở Y tế",
    "Sở Điện lực",
    "Sở Dân tộc",
    "Sở Công thương",
    "Phường 10",
    "Phường 2",
    "phường An Bình",
    "Ủy ban nhân dân xã Ea Súp",
    "Uỷ ban nhân dân xã Đắk Mil",
    "Sở An",
]


def _key(code: str) -> str | None:
    return db.session.scalar(select(Unit.sort_key).where(Unit.code == code))


def test_created_and_renamed_units_keep_their_key(make_unit):
    unit = make_unit("SA", "Sở An")
    assert _key("SA") == vi_sort_string("Sở An")
    unit.name = "Sở Ăn uống"
    db.session.commit()
    assert _key("SA") == vi_sort_string("Sở Ăn uống")


def test_admin_form_and_csv_import_fill_the_key(login_as, units):
    from reform.services.units import import_units

    c = login_as("secretariat")
    data = {"code": "SXD", "name": "Sở Xây dựng", "kind": "department", "parent_id": 0}
    assert c.post("/admin/units/new", data=data | {"block_id": 0}).status_code == 303
    assert _key("SXD") == vi_sort_string("Sở Xây dựng")
    unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "SXD"))
    data["name"] = "Sở Xây dựng và Đô thị"
    assert c.post(f"/admin/units/{unit_id}/edit", data=data | {"block_id": 0}).status_code == 303
    db.session.expire_all()
    assert _key("SXD") == vi_sort_string("Sở Xây dựng và Đô thị")
    report = import_units(
        "code,name,kind,parent_code,block_code,block_name\n"
        "P-MOI,Phường Mới,ward,,PHUONG2,Phường\n"
        "SXD,Sở Xây dựng,department,,,\n".encode()
    )
    assert report.ok, report.errors
    db.session.expire_all()
    assert _key("P-MOI") == vi_sort_string("Phường Mới")
    assert _key("SXD") == vi_sort_string("Sở Xây dựng")


def test_the_database_orders_by_the_key_as_python_does(make_unit):
    for n, name in enumerate(NAMES):
        make_unit(f"N{n}", name)
    ordered = db.session.scalars(select(Unit.name).order_by(Unit.sort_key)).all()
    assert ordered == sorted(NAMES, key=vi_sort_key)
    assert ordered.index("Phường 2") < ordered.index("Phường 10") < ordered.index("phường An Bình")
    assert ordered.index("Sở Dân tộc") < ordered.index("Sở Điện lực") < ordered.index("Sở Y tế")


def _migrated_copy(url: str, tmp_path):
    """A fresh database at migration 0007 holding units without keys; returns its app."""
    from flask_migrate import upgrade

    from reform import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0007")
        with db.engine.begin() as conn:
            for n, name in enumerate(NAMES):
                conn.execute(
                    text(
                        "INSERT INTO units (code, name, kind, active, created_at, updated_at) "
                        "VALUES (:code, :name, 'department', true, CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"code": f"M{n}", "name": name},
                )
        upgrade(directory=directory)
        keys = dict(db.session.execute(select(Unit.name, Unit.sort_key)).all())
        ordered = db.session.scalars(select(Unit.name).order_by(Unit.sort_key)).all()
        db.session.remove()
        db.engine.dispose()
    return keys, ordered


def test_the_migration_fills_keys_of_existing_units(tmp_path):
    keys, ordered = _migrated_copy("sqlite:///" + str(tmp_path / "old.sqlite"), tmp_path)
    assert keys == {name: vi_sort_string(name) for name in NAMES}
    assert ordered == sorted(NAMES, key=vi_sort_key)


def test_the_migration_fills_keys_on_postgresql(tmp_path):
    """On PostgreSQL (when the suite runs there), in a database of its own."""
    url = os.environ.get("REFORM_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return
    name = f"{make_url(url).database}_m{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        keys, ordered = _migrated_copy(
            make_url(url).set(database=name).render_as_string(hide_password=False), tmp_path
        )
        assert keys == {n: vi_sort_string(n) for n in NAMES}
        assert ordered == sorted(NAMES, key=vi_sort_key)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
