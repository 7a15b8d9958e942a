"""Frameworks as versioned data: import, preview, export, versions, compare, lock."""

from __future__ import annotations

from io import BytesIO

import pytest
import yaml
from helpers import SMALL_FRAMEWORK as SMALL
from sqlalchemy import func, select

from reform.extensions import db
from reform.frameworks import sample_paths
from reform.models import Criterion, Framework
from reform.services import frameworks as service

BROKEN = """\
code: TEST-FW
version: 1
name: "Hỏng"
kind: reform
result: percent
bands: [{min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Lĩnh vực"
    children:
      - code: "1.1"
        name: "Thiếu quy tắc"
        max: 2
      - code: "1.2"
        name: "Lựa chọn vượt điểm"
        max: 1
        rule: {type: choice, options: [{label: "A", points: 5}]}
      - code: "1.2"
        name: "Trùng mã"
        max: 1
        rule: {type: yesno}
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_four_samples_ship_with_the_project():
    names = {p.name for p in sample_paths()}
    assert len(names) == 4
    kinds = {yaml.safe_load(p.read_text(encoding="utf-8"))["kind"] for p in sample_paths()}
    assert kinds == {"reform", "emulation", "individual"}


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_samples_import_export_and_reimport_identically(app, runner, path, tmp_path):
    result = runner.invoke(args=["import-framework", str(path)])
    assert result.exit_code == 0, result.output
    code, version = result.output.split()
    first = runner.invoke(args=["export-framework", code, "--version", version]).output
    framework = service.get_version(code, int(version))
    first_hash = framework.content_hash
    service.delete_draft(framework)
    exported = tmp_path / "exported.yaml"
    exported.write_text(first, encoding="utf-8")
    assert runner.invoke(args=["import-framework", str(exported)]).exit_code == 0
    second = runner.invoke(args=["export-framework", code]).output
    assert second == first
    assert service.get_version(code).content_hash == first_hash
    # The export means the same as the sample file.
    assert yaml.safe_load(first) == service.validate(yaml.safe_load(path.read_text("utf-8")))


def test_criteria_are_stored_in_tree_order(app):
    fw = service.import_framework(SMALL)
    assert [(c.code, c.parent_code, c.depth) for c in fw.criteria] == [
        ("1", None, 0),
        ("1.1", "1", 1),
        ("1.2", "1", 1),
    ]
    assert fw.criteria[1].rule_type == "choice" and fw.criteria[1].evidence == "required"


def test_a_bad_file_is_refused_whole_with_every_error_by_code(app, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["import-framework", str(bad)])
    assert result.exit_code != 0
    assert "1.1" in result.output and "1.2" in result.output
    assert _count(Framework) == 0 and _count(Criterion) == 0


def test_yaml_syntax_errors_say_where(app):
    with pytest.raises(service.FrameworkRefused) as refused:
        service.import_framework("code: [unclosed\nversion: 1\n")
    assert "2" in refused.value.problems[0][1] or "1" in refused.value.problems[0][1]
    with pytest.raises(service.FrameworkRefused):
        service.import_framework("- just\n- a list\n")


def test_code_and_version_are_unique(app):
    service.import_framework(SMALL)
    with pytest.raises(service.FrameworkRefused) as refused:
        service.import_framework(SMALL)
    assert "TEST-FW" in refused.value.problems[0][1]
    assert _count(Framework) == 1


def test_new_version_copies_and_a_used_version_is_frozen(app):
    fw = service.import_framework(SMALL)
    copy = service.new_version_from(fw)
    assert (copy.code, copy.version, copy.based_on_id) == ("TEST-FW", 2, fw.id)
    assert [c.code for c in copy.criteria] == [c.code for c in fw.criteria]
    service.lock(fw)
    db.session.commit()
    with pytest.raises(service.FrameworkRefused):
        service.replace_definition(fw, SMALL.replace("Báo cáo", "Đổi tên"))
    with pytest.raises(service.FrameworkRefused):
        service.delete_draft(fw)
    # The copy stays editable, and keeps its own code and version.
    service.replace_definition(
        copy, SMALL.replace("version: 1", "version: 2").replace("Báo cáo", "Báo cáo năm")
    )
    assert copy.criteria[2].name == "Báo cáo năm"
    with pytest.raises(service.FrameworkRefused):
        service.replace_definition(copy, SMALL)


def test_diff_lists_added_removed_and_changed(app):
    old = service.import_framework(SMALL)
    changed = (
        SMALL.replace("version: 1", "version: 2")
        .replace(
            'max: 2\n        rule: {type: choice, options: [{label: "Đúng hạn", points: 2}, '
            '{label: "Chậm", points: 1}]}',
            'max: 3\n        rule: {type: choice, options: [{label: "Đúng hạn", points: 3}, '
            '{label: "Chậm", points: 1}]}',
        )
        .replace(
            '      - code: "1.2"\n        name: "Báo cáo"',
            '      - code: "1.3"\n        name: "Mới"',
        )
    )
    new = service.import_framework(changed)
    d = service.diff(old, new)
    assert [n["code"] for n in d.added] == ["1.3"]
    assert [n["code"] for n in d.removed] == ["1.2"]
    assert [(o["code"], fields) for o, _n, fields in d.changed] == [("1.1", ["max", "rule"])]


def test_import_page_previews_then_confirms(login_as, app):
    c = login_as("secretariat")
    r = c.post(
        "/frameworks/import",
        data={"file": (BytesIO(SMALL.encode()), "fw.yaml")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Kế hoạch CCHC" in html and "1.1" in html
    assert _count(Framework) == 0
    r = c.post("/frameworks/import", data={"content": SMALL, "confirm": "1"})
    assert r.status_code == 303
    assert _count(Framework) == 1


def test_import_page_lists_every_problem(login_as, app):
    c = login_as("admin")
    r = c.post(
        "/frameworks/import",
        data={"file": (BytesIO(BROKEN.encode()), "bad.yaml")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert html.count("<li>") >= 3 and "1.1" in html and "1.2" in html
    r = c.post("/frameworks/import", data={"content": BROKEN, "confirm": "1"})
    assert r.status_code == 422 and _count(Framework) == 0


def test_import_a_sample_from_the_page(login_as, app):
    c = login_as("secretariat")
    name = sample_paths()[0].name
    r = c.post("/frameworks/import", data={"sample": name})
    assert r.status_code == 200 and "<textarea" in r.get_data(as_text=True)


def test_tree_page_and_export(login_as, app):
    fw = service.import_framework(SMALL)
    c = login_as("officer")
    html = c.get(f"/frameworks/{fw.id}").get_data(as_text=True)
    assert "Kế hoạch CCHC" in html and "<details" in html
    r = c.get(f"/frameworks/{fw.id}/export")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert yaml.safe_load(r.get_data(as_text=True))["code"] == "TEST-FW"
    assert c.post(f"/frameworks/{fw.id}/new-version").status_code == 403


def test_edit_page_refuses_bad_content_and_frozen_versions(login_as, app):
    fw = service.import_framework(SMALL)
    c = login_as("secretariat")
    r = c.post(f"/frameworks/{fw.id}/edit", data={"content": BROKEN})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Framework, fw.id).definition["name"] == "Bộ tiêu chí thử"
    r = c.post(f"/frameworks/{fw.id}/edit", data={"content": SMALL.replace("thử", "mới")})
    assert r.status_code == 303
    fw = db.session.get(Framework, fw.id)
    service.lock(fw)
    db.session.commit()
    r = c.post(f"/frameworks/{fw.id}/edit", data={"content": SMALL})
    assert r.status_code == 409


def test_new_version_and_compare_pages(login_as, app):
    fw = service.import_framework(SMALL)
    c = login_as("secretariat")
    r = c.post(f"/frameworks/{fw.id}/new-version")
    assert r.status_code == 303
    copy = service.get_version("TEST-FW", 2)
    r = c.post(
        f"/frameworks/{copy.id}/edit",
        data={
            "content": SMALL.replace("version: 1", "version: 2").replace("Báo cáo", "Báo cáo quý")
        },
    )
    assert r.status_code == 303
    html = c.get(f"/frameworks/{copy.id}/compare").get_data(as_text=True)
    assert "Báo cáo quý" in html and "1.2" in html


def test_stats_give_the_max_each_kind_can_reach(app):
    dept = next(p for p in sample_paths() if "dept" in p.name)
    s = service.stats(service.validate(yaml.safe_load(dept.read_text("utf-8"))))
    assert s.areas >= 8 and 30 <= s.leaves <= 45
    assert dict(s.max_by_kind).get("department") == 100
    html_stats = service.stats(service.validate(yaml.safe_load(SMALL)))
    assert html_stats.max_by_kind == [(None, 3)] and html_stats.leaves == 2


def test_deleting_a_version_keeps_its_copies(app):
    fw = service.import_framework(SMALL)
    copy = service.new_version_from(fw)
    service.delete_draft(fw)
    db.session.rollback()
    kept = service.get_version("TEST-FW", 2)
    assert kept is not None and kept.id == copy.id and kept.based_on_id is None


ANNEX_TIERS = """\
code: TIERS-FW
version: 1
name: "Mức điểm theo phụ lục"
kind: reform
result: percent
bands: [{min: 0, label: "D"}]
criteria:
  - code: "1"
    name: "Tỷ lệ hồ sơ đúng hạn"
    max: 4
    rule:
      type: ratio
      mode: tiers
      zero_denominator: full
      tiers: [{min: 100, points: 4}, {min: 90, points: 3}, {min: 80, points: 2}]
  - code: "2"
    name: "Số sáng kiến"
    max: 2
    rule: {type: number, tiers: [{min: 10, points: 2}, {min: 5, points: 1}]}
"""


def test_tiers_written_from_the_highest_down_import_and_export_lowest_first(login_as, app):
    c = login_as("secretariat")
    r = c.post("/frameworks/import", data={"content": ANNEX_TIERS, "confirm": "1"})
    assert r.status_code == 303, r.get_data(as_text=True)
    exported = yaml.safe_load(
        c.get(f"/frameworks/{service.get_version('TIERS-FW', 1).id}/export").get_data(as_text=True)
    )
    assert [t["min"] for t in exported["criteria"][0]["rule"]["tiers"]] == [80, 90, 100]
    assert [t["min"] for t in exported["criteria"][1]["rule"]["tiers"]] == [5, 10]


def test_a_tier_written_twice_is_refused_by_its_criterion(login_as, app):
    twice = ANNEX_TIERS.replace("{min: 80, points: 2}", "{min: 90, points: 2}")
    r = login_as("secretariat").post("/frameworks/import", data={"content": twice, "confirm": "1"})
    assert r.status_code == 422 and _count(Framework) == 0
    html = r.get_data(as_text=True)
    assert "Hai mức điểm có cùng ngưỡng (min) 90" in html
