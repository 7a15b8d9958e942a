"""The catalogue of titles and awards with conditions: import (refused whole, errors named by
title code), versions that freeze once used, export that reads back, the titles list kept in
step, the command line and the secretariat's pages."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select

from reform.catalogue import DEFAULT_CATALOGUE
from reform.extensions import db
from reform.models import AuditEvent, CatalogueVersion, Title
from reform.services.commendation import catalogue as service


def default() -> dict:
    return yaml.safe_load(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(CatalogueVersion))


def test_the_shipped_catalogue_imports_with_every_title_of_the_law(app):
    version = service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    assert version.version == 1 and not version.locked
    codes = {e["code"] for e in version.entries}
    assert {"CN-LDTT", "CN-CSTD-CS", "CN-CSTD-TINH", "CN-CSTD-TQ", "TT-LDTT", "TT-LDXS"} <= codes
    assert {"TT-CTD-TINH", "TT-CTD-CP", "TT-GK", "TT-BK-TINH", "CN-GK", "CN-BK-TTG"} <= codes
    cstd = version.entry("CN-CSTD-CS")
    assert {"quota": {"share": "15%", "of_title": "CN-LDTT"}} in cstd["conditions"]
    assert {"has_initiative": {"level": "cơ sở"}} in cstd["conditions"]
    assert cstd["proposed_by"] == "unit" and cstd["decided_by"] == "unit_head"
    tinh = version.entry("CN-CSTD-TINH")
    assert {
        "held_title_consecutive": {"title": "CN-CSTD-CS", "years": 3, "until": "current"}
    } in tinh["conditions"]
    # The titles list that registrations and ballots offer now holds every entry.
    titles = {t.code: t for t in db.session.scalars(select(Title))}
    assert titles["TT-CTD-TINH"].name == "Cờ thi đua của Ủy ban nhân dân tỉnh"
    assert titles["CN-CSTD-CS"].scope == "individual" and titles["CN-CSTD-CS"].active


def test_export_reads_back_to_the_same_content(app):
    first = service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    text = service.export_yaml(first)
    again = yaml.safe_load(text)
    again["version"] = 2
    second = service.import_catalogue(yaml.safe_dump(again, allow_unicode=True))
    assert second.definition["titles"] == first.definition["titles"]
    assert service.current().version == 2


BAD_CASES = [
    # (change to the default catalogue, title code named, words of the message)
    (lambda d: d["titles"][0].update(scope="team"), "TT-LDTT", "scope"),
    (lambda d: d["titles"][0].update(decided_by="mayor"), "TT-LDTT", "decided_by"),
    (
        lambda d: d["titles"][7]["conditions"].append({"unit_rank_at_most": {"rank": 1}}),
        "CN-LDTT",
        "chỉ áp dụng cho tập thể",
    ),
    (
        lambda d: d["titles"][8]["conditions"].append(
            {"quota": {"share": "15%", "of_title": "CN-NOPE"}}
        ),
        "CN-CSTD-CS",
        "CN-NOPE",
    ),
    (
        lambda d: d["titles"][8]["conditions"].append(
            {"classified_at_least": {"rating": "rất tốt"}}
        ),
        "CN-CSTD-CS",
        "rất tốt",
    ),
    (
        lambda d: d["titles"][0]["conditions"].append(
            {"member_share_holding": {"title": "TT-LDXS", "more_than": "1/2"}}
        ),
        "TT-LDTT",
        "của cá nhân",
    ),
    (lambda d: d["titles"][1].update(code="TT-LDTT"), "TT-LDTT", "hai lần"),
    (lambda d: d["titles"][2].update(colour="red"), "TT-CTD-TINH", "colour"),
    (
        lambda d: d["titles"][3]["conditions"].append({"voted": {"title": "CN-LDTT"}}),
        "TT-CTD-CP",
        "của tập thể",
    ),
]


@pytest.mark.parametrize(("change", "code", "words"), BAD_CASES)
def test_a_wrong_entry_refuses_the_whole_file_naming_its_code(app, change, code, words):
    data = default()
    change(data)
    before = db.session.scalar(select(func.count()).select_from(Title))
    with pytest.raises(service.CatalogueRefused) as refused:
        service.import_catalogue(yaml.safe_dump(data, allow_unicode=True))
    db.session.rollback()
    assert any(c == code and words in m for c, m in refused.value.problems), refused.value.problems
    assert count() == 0
    assert db.session.scalar(select(func.count()).select_from(Title)) == before


def test_every_problem_is_listed_at_once(app):
    data = default()
    data["titles"][0]["scope"] = "team"
    data["titles"][5]["level"] = "galaxy"
    data["titles"][9]["conditions"] = [{"be_nice": {}}]
    with pytest.raises(service.CatalogueRefused) as refused:
        service.validate(data)
    codes = [c for c, _m in refused.value.problems]
    assert codes == ["TT-LDTT", "TT-BK-TINH", "CN-CSTD-TINH"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("titles: [", "YAML"),
        ("- just a list", "một danh mục"),
        ("name: x\ntitles: []", "ít nhất một"),
        ("a: &x [1]\nb: *x", "neo"),
        ("version: 0\nname: x\ntitles: [{code: A}]", "version"),
    ],
)
def test_unreadable_files_are_refused(app, text, words):
    with pytest.raises(service.CatalogueRefused) as refused:
        service.import_catalogue(text)
    assert any(words in m for _c, m in refused.value.problems), refused.value.problems
    assert count() == 0


def test_a_version_number_is_used_once_and_a_missing_one_is_the_next(app):
    service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    with pytest.raises(service.CatalogueRefused):
        service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    db.session.rollback()
    data = default()
    del data["version"]
    assert service.import_catalogue(data).version == 2


def test_an_unused_version_changes_in_place_and_a_used_one_never(app):
    version = service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    data = copy.deepcopy(version.definition)
    data["titles"][0]["name"] = "Tập thể lao động tiên tiến (sửa)"
    service.replace_definition(version, data, actor=None)
    assert version.entry("TT-LDTT")["name"].endswith("(sửa)")
    # The version in force keeps the titles list in step.
    assert db.session.scalar(select(Title).where(Title.code == "TT-LDTT")).name.endswith("(sửa)")
    service.lock(version)
    db.session.commit()
    data["titles"][0]["name"] = "Khác"
    with pytest.raises(service.CatalogueRefused) as refused:
        service.replace_definition(version, data, actor=None)
    assert "phiên bản mới" in refused.value.problems[0][1]
    db.session.rollback()
    assert service.get_version(1).entry("TT-LDTT")["name"].endswith("(sửa)")
    copy_version = service.new_version_from(service.get_version(1), actor=None)
    assert copy_version.version == 2 and copy_version.based_on_id == version.id
    assert not copy_version.locked


def test_the_command_line_imports_and_exports(app, runner, tmp_path):
    result = runner.invoke(args=["import-catalogue", str(DEFAULT_CATALOGUE)])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    out = tmp_path / "c.yaml"
    result = runner.invoke(args=["export-catalogue", "--output", str(out)])
    assert result.exit_code == 0
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["titles"][0]["code"] == "TT-LDTT"
    result = runner.invoke(args=["export-catalogue", "--version", "1"])
    assert "CN-CSTD-CS" in result.output
    assert runner.invoke(args=["export-catalogue", "--version", "7"]).exit_code != 0
    bad = tmp_path / "bad.yaml"
    data = default()
    data["version"] = 5
    data["titles"][8]["conditions"] = [{"quota": {"share": "150%", "of_title": "CN-LDTT"}}]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["import-catalogue", str(bad)])
    assert result.exit_code != 0
    assert "CN-CSTD-CS" in result.output and "nothing was imported" in result.output
    assert count() == 1


def test_init_db_loads_the_default_catalogue_once(app, runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert count() == 1
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert count() == 1


# ---- pages -------------------------------------------------------------------------------


def test_the_secretariat_previews_then_imports_a_file(login_as):
    client = login_as("secretariat")
    text = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
    preview = client.post("/commendation/catalogue/import", data={"content": text})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Chiến sĩ thi đua cơ sở" in page and "15%" in page
    assert count() == 0  # nothing until confirmed
    done = client.post("/commendation/catalogue/import", data={"content": text, "confirm": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/catalogue/1")
    assert count() == 1
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "catalogue_imported")
    ).actor_id


def test_a_refused_file_answers_422_with_each_problem_by_code(login_as):
    client = login_as("secretariat")
    data = default()
    data["titles"][8]["conditions"].append({"held_title_consecutive": {"title": "CN-LDTT"}})
    response = client.post(
        "/commendation/catalogue/import",
        data={"content": yaml.safe_dump(data, allow_unicode=True), "confirm": "1"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "CN-CSTD-CS" in page and "years" in page
    assert count() == 0


def test_versions_are_shown_with_conditions_in_words_and_exported(login_as, app):
    service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    page = login_as("officer").get("/commendation/catalogue/").get_data(as_text=True)
    assert "Không quá 15% số người đạt “Lao động tiên tiến” của đơn vị" in page
    export = login_as("officer").get("/commendation/catalogue/1/export")
    assert export.status_code == 200
    assert yaml.safe_load(export.data)["version"] == 1


def test_a_used_version_cannot_be_edited_from_the_page(login_as, app):
    version = service.import_catalogue(DEFAULT_CATALOGUE.read_bytes())
    service.lock(version)
    db.session.commit()
    client = login_as("secretariat")
    page = client.get("/commendation/catalogue/1/edit")
    assert page.status_code == 200 and "<textarea" not in page.get_data(as_text=True)
    response = client.post(
        "/commendation/catalogue/1/edit", data={"content": service.export_yaml(version)}
    )
    assert response.status_code == 409
    made = client.post("/commendation/catalogue/1/new-version")
    assert made.status_code == 303 and made.headers["Location"].endswith("/catalogue/2/edit")
    edited = yaml.safe_load(service.export_yaml(service.get_version(2)))
    edited["titles"][0]["name"] = "Tập thể tiên tiến"
    saved = client.post(
        "/commendation/catalogue/2/edit",
        data={"content": yaml.safe_dump(edited, allow_unicode=True)},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    assert service.get_version(2).entry("TT-LDTT")["name"] == "Tập thể tiên tiến"
    assert service.get_version(1).entry("TT-LDTT")["name"] == "Tập thể lao động tiên tiến"
