"""The catalogue of titles and awards: the law's default entries, loaded by a command that can
run again, and the secretariat's pages to add, change and stop using entries."""

from __future__ import annotations

import re

from sqlalchemy import select

from reform.extensions import db
from reform.models import AuditEvent, Title

LAW_TITLES = {
    ("collective", "title"): {
        "Tập thể lao động tiên tiến",
        "Tập thể lao động xuất sắc",
        "Cờ thi đua của Ủy ban nhân dân tỉnh",
        "Cờ thi đua của Chính phủ",
    },
    ("collective", "award"): {
        "Giấy khen",
        "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        "Bằng khen của Thủ tướng Chính phủ",
    },
    ("individual", "title"): {
        "Lao động tiên tiến",
        "Chiến sĩ thi đua cơ sở",
        "Chiến sĩ thi đua cấp tỉnh",
        "Chiến sĩ thi đua toàn quốc",
    },
    ("individual", "award"): {
        "Giấy khen",
        "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
        "Bằng khen của Thủ tướng Chính phủ",
    },
}


def catalogue() -> dict:
    db.session.rollback()
    out: dict = {}
    for t in db.session.scalars(select(Title)):
        out.setdefault((t.scope, t.kind), set()).add(t.name)
    return out


def test_load_titles_adds_the_laws_entries_once_and_keeps_the_secretariats_edits(app, runner):
    result = runner.invoke(args=["load-titles"])
    assert result.exit_code == 0, result.output
    assert "14 default entries added" in result.output
    assert catalogue() == LAW_TITLES
    flag = db.session.scalar(select(Title).where(Title.code == "TT-CTD-TINH"))
    assert (flag.level, flag.active) == ("province", True)
    # The secretariat renames one entry and stops using another; running again changes neither.
    flag.name = "Cờ thi đua của Ủy ban nhân dân tỉnh Hòa Sơn"
    db.session.scalar(select(Title).where(Title.code == "CN-GK")).active = False
    db.session.commit()
    again = runner.invoke(args=["load-titles"])
    assert again.exit_code == 0 and "0 default entries added" in again.output
    db.session.rollback()
    assert db.session.scalar(select(Title.name).where(Title.code == "TT-CTD-TINH")).endswith(
        "Hòa Sơn"
    )
    assert db.session.scalar(select(Title.active).where(Title.code == "CN-GK")) is False
    # An entry deleted from the database comes back; the others stay as they were.
    db.session.delete(db.session.scalar(select(Title).where(Title.code == "CN-LDTT")))
    db.session.commit()
    assert "1 default entries added" in runner.invoke(args=["load-titles"]).output
    assert len(db.session.scalars(select(Title)).all()) == 14


def test_init_db_fills_an_empty_catalogue_only(app, runner):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert len(db.session.scalars(select(Title)).all()) == 14
    db.session.scalar(select(Title).where(Title.code == "TT-GK")).active = False
    db.session.commit()
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "default entries" not in second.output
    db.session.rollback()
    assert db.session.scalar(select(Title.active).where(Title.code == "TT-GK")) is False


def test_the_secretariat_reads_the_catalogue_by_scope(app, runner, login_as):
    runner.invoke(args=["load-titles"])
    page = login_as("secretariat").get("/emulation/titles/").get_data(as_text=True)
    collective, individual = page.split('id="titles-individual"')
    assert (
        "Cờ thi đua của Chính phủ" in collective and "Chiến sĩ thi đua toàn quốc" not in collective
    )
    assert (
        "Chiến sĩ thi đua toàn quốc" in individual and "Cờ thi đua của Chính phủ" not in individual
    )
    # By position within each scope, as the law lists them.
    names = re.findall(r"<strong>([^<]+)</strong>", collective)
    assert names[:4] == [
        "Tập thể lao động tiên tiến",
        "Tập thể lao động xuất sắc",
        "Cờ thi đua của Ủy ban nhân dân tỉnh",
        "Cờ thi đua của Chính phủ",
    ]


def test_adding_changing_and_stopping_an_entry(app, login_as):
    sec = login_as("secretariat")
    data = {
        "code": "TT-CTD-BO",
        "name": "Cờ thi đua của Bộ",
        "scope": "collective",
        "kind": "title",
        "level": "ministry",
        "position": "35",
        "description": "",
    }
    assert sec.post("/emulation/titles/new", data=data).status_code == 303
    title = db.session.scalar(select(Title).where(Title.code == "TT-CTD-BO"))
    assert (title.name, title.level, title.position, title.active) == (
        "Cờ thi đua của Bộ",
        "ministry",
        35,
        True,
    )
    edited = data | {"name": "Cờ thi đua của Bộ Nội vụ", "position": "36"}
    assert sec.post(f"/emulation/titles/{title.id}/edit", data=edited).status_code == 303
    assert sec.post(f"/emulation/titles/{title.id}/active", data={"active": "0"}).status_code == 303
    db.session.rollback()
    title = db.session.get(Title, title.id)
    assert (title.name, title.position, title.active) == ("Cờ thi đua của Bộ Nội vụ", 36, False)
    page = sec.get("/emulation/titles/").get_data(as_text=True)
    assert "Cờ thi đua của Bộ Nội vụ" in page and "đã ngừng sử dụng" in page
    assert sec.post(f"/emulation/titles/{title.id}/active", data={"active": "1"}).status_code == 303
    db.session.rollback()
    assert db.session.get(Title, title.id).active is True
    events = [
        (e.action, e.criterion_code)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.stage == "titles").order_by(AuditEvent.id)
        )
    ]
    assert events == [
        ("title_created", "TT-CTD-BO"),
        ("title_changed", "TT-CTD-BO"),
        ("title_deactivated", "TT-CTD-BO"),
        ("title_reactivated", "TT-CTD-BO"),
    ]
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "title_changed"))
    assert "Cờ thi đua của Bộ |" in changed.from_value and "Bộ Nội vụ" in changed.to_value


def test_bad_entries_are_refused_beside_the_field_and_nothing_is_saved(app, runner, login_as):
    runner.invoke(args=["load-titles"])
    sec = login_as("secretariat")
    good = {
        "code": "TT-MOI",
        "name": "Danh hiệu mới",
        "scope": "collective",
        "kind": "title",
        "level": "province",
        "position": "1",
    }
    for field, value in (
        ("code", "TT-LDXS"),  # taken
        ("code", "có dấu"),
        ("name", ""),
        ("scope", "family"),
        ("level", "village"),
        ("position", "-1"),
        ("position", "99999999999"),
        ("name", "x\x00y"),
    ):
        r = sec.post("/emulation/titles/new", data=good | {field: value})
        assert r.status_code == 422, (field, value)
        assert f'id="{field}-error"' in r.get_data(as_text=True), (field, value)
    assert db.session.scalar(select(Title).where(Title.code == "TT-MOI")) is None
    assert sec.get("/emulation/titles/99999/edit").status_code == 404
    assert sec.post("/emulation/titles/99999/active", data={"active": "0"}).status_code == 404


def test_only_the_managers_open_the_catalogue(app, runner, login_as):
    runner.invoke(args=["load-titles"])
    title = db.session.scalar(select(Title))
    urls = [
        ("GET", "/emulation/titles/"),
        ("GET", "/emulation/titles/new"),
        ("GET", f"/emulation/titles/{title.id}/edit"),
        ("POST", f"/emulation/titles/{title.id}/active"),
    ]
    for who in ("evaluator", "leader", "head", "officer"):
        c = login_as(who)
        for method, url in urls:
            assert c.open(url, method=method).status_code == 403, (who, url)
    anonymous = app.test_client()
    for method, url in urls:
        r = anonymous.open(url, method=method)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    for who in ("admin", "secretariat"):
        c = login_as(who)
        for method, url in urls[:3]:
            assert c.open(url, method=method).status_code == 200, (who, url)
    db.session.rollback()
    assert db.session.get(Title, title.id).active is True  # the refused posts changed nothing
